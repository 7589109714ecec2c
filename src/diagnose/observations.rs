//! What the diagnosis is computed from: what the probes saw (each probe's runs in a
//! [`Slot`]), the config, and facts about this machine. The model owns one; the probes' events
//! are recorded into it; [`super::diagnose`] reads it.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::config::{Config, Target};
use crate::probe::clock::{NtpError, NtpReply};
use crate::probe::connect::{ConnectReport, Dns};
use crate::probe::machine::MachineReport;
use crate::probe::reach::{CaptiveResult, ReachReport};
use crate::probe::slot::{RunState, Slot};
use crate::probe::sync::SyncStatus;
use crate::probe::tls::TlsReport;
use crate::probe::trust::Trust;
use crate::probe::{self, ProbeId, ProbeOutcome};

/// Facts about the machine we run on, read once at start; they shape the fixes offered.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// The trust stores (Mozilla, the system's, `ca_file`), loaded once.
    pub trust: Arc<Trust>,
    /// Fixes need no `sudo`.
    pub is_root: bool,
    /// The `nordvpn` command is installed, so its settings can be offered as fix commands.
    pub nordvpn_cli: bool,
    /// The open-file limit in force (raised at start to what the system allows).
    pub open_files: Option<u64>,
    /// Which of the programs a fix command may run are installed.
    pub programs: Programs,
}

impl Machine {
    /// `argv` as a fix command for this machine: with `sudo` in front when not root; `None`
    /// when its program, or the `sudo` it needs, is not installed, so the command cannot work.
    pub fn command(&self, argv: &[&str]) -> Option<Vec<String>> {
        let program = argv.first()?;
        if !self.programs.has(program) || !(self.is_root || self.programs.has("sudo")) {
            return None;
        }
        Some(super::privileged(self.is_root, argv))
    }
}

/// The programs fix commands run, and which of them are on `PATH`, looked up once at start.
/// Not looked up (the default) rules none out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programs {
    found: Option<Vec<&'static str>>,
}

impl Programs {
    /// Every program a fix command may start.
    pub const FIX_PROGRAMS: [&'static str; 16] = [
        "sudo",
        "timedatectl",
        "chronyc",
        "apt-get",
        "dnf",
        "nft",
        "iptables-legacy",
        "ip6tables-legacy",
        "iptables",
        "ip6tables",
        "iptables-nft",
        "ip6tables-nft",
        "ufw",
        "systemctl",
        "update-ca-certificates",
        "update-ca-trust",
    ];

    /// Looks each of [`Programs::FIX_PROGRAMS`] up on `PATH`.
    pub fn find() -> Self {
        Self::found(
            Self::FIX_PROGRAMS
                .into_iter()
                .filter(|p| crate::probe::reach::find_program(p).is_some()),
        )
    }

    /// Exactly these are installed.
    pub fn found(names: impl IntoIterator<Item = &'static str>) -> Self {
        Programs {
            found: Some(names.into_iter().collect()),
        }
    }

    /// Whether `name` is installed, as far as is known.
    pub fn has(&self, name: &str) -> bool {
        self.found.as_ref().is_none_or(|f| f.contains(&name))
    }
}

/// One target's checks.
#[derive(Debug, Clone, Default)]
pub struct TargetChecks {
    /// The one lookup the others share.
    pub dns: Slot<Dns>,
    pub connect: Slot<Box<ConnectReport>>,
    /// The TLS handshake and its variants.
    pub tls: Slot<Box<TlsReport>>,
    /// The OpenVPN/WireGuard probes and the DNS comparison.
    pub reach: Slot<Box<ReachReport>>,
}

impl TargetChecks {
    /// Every slot of the target, as runs.
    fn runs(&self) -> [&dyn RunState; 4] {
        [&self.dns, &self.connect, &self.tls, &self.reach]
    }
}

/// Everything the diagnosis reads.
#[derive(Debug, Clone)]
pub struct Observations {
    pub config: Arc<Config>,
    pub machine: Machine,
    pub ntp: Vec<Slot<Result<NtpReply, NtpError>>>,
    pub sync: Slot<Box<SyncStatus>>,
    /// Per target of `config.targets`, in its order.
    pub targets: Vec<TargetChecks>,
    pub captive: Slot<Box<CaptiveResult>>,
    /// This machine: its security software and the versions of its clients.
    pub local: Slot<Box<MachineReport>>,
    /// Bumped by every change (a run requested, a result recorded), so a derivation from
    /// these observations knows whether it is current.
    version: u64,
}

impl Observations {
    /// No probe has run yet.
    pub fn new(config: Arc<Config>, machine: Machine) -> Self {
        Observations {
            ntp: (0..config.clock.servers.len())
                .map(|_| Slot::default())
                .collect(),
            sync: Slot::default(),
            targets: (0..config.targets.len())
                .map(|_| TargetChecks::default())
                .collect(),
            captive: Slot::default(),
            local: Slot::default(),
            config,
            machine,
            version: 0,
        }
    }

    /// Changes with every change of the observations.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The slot of probe `id`, seen only as a run to start, queue or wait for.
    fn run_state(&self, id: ProbeId) -> Option<&dyn RunState> {
        match id {
            ProbeId::Ntp(i) => self.ntp.get(i).map(|s| s as &dyn RunState),
            ProbeId::SyncService => Some(&self.sync),
            ProbeId::Captive => Some(&self.captive),
            ProbeId::Machine => Some(&self.local),
            ProbeId::Dns(i) => self.targets.get(i).map(|t| &t.dns as &dyn RunState),
            ProbeId::Connect(i) => self.targets.get(i).map(|t| &t.connect as &dyn RunState),
            ProbeId::Tls(i) => self.targets.get(i).map(|t| &t.tls as &dyn RunState),
            ProbeId::Reach(i) => self.targets.get(i).map(|t| &t.reach as &dyn RunState),
        }
    }

    fn run_state_mut(&mut self, id: ProbeId) -> Option<&mut dyn RunState> {
        match id {
            ProbeId::Ntp(i) => self.ntp.get_mut(i).map(|s| s as &mut dyn RunState),
            ProbeId::SyncService => Some(&mut self.sync),
            ProbeId::Captive => Some(&mut self.captive),
            ProbeId::Machine => Some(&mut self.local),
            ProbeId::Dns(i) => self
                .targets
                .get_mut(i)
                .map(|t| &mut t.dns as &mut dyn RunState),
            ProbeId::Connect(i) => self
                .targets
                .get_mut(i)
                .map(|t| &mut t.connect as &mut dyn RunState),
            ProbeId::Tls(i) => self
                .targets
                .get_mut(i)
                .map(|t| &mut t.tls as &mut dyn RunState),
            ProbeId::Reach(i) => self
                .targets
                .get_mut(i)
                .map(|t| &mut t.reach as &mut dyn RunState),
        }
    }

    /// Every slot, as runs.
    fn run_states(&self) -> impl Iterator<Item = &dyn RunState> {
        self.ntp
            .iter()
            .map(|s| s as &dyn RunState)
            .chain([&self.sync as &dyn RunState, &self.captive, &self.local])
            .chain(self.targets.iter().flat_map(TargetChecks::runs))
    }

    /// Whether probe `id` has a result (from this run or an earlier one).
    pub fn has_result(&self, id: ProbeId) -> bool {
        self.run_state(id).is_some_and(RunState::has_result)
    }

    /// Whether probe `id` is running now.
    pub fn is_running(&self, id: ProbeId) -> bool {
        self.run_state(id).is_some_and(RunState::running)
    }

    /// Whether probe `id` runs now or waits to run again.
    pub fn is_pending(&self, id: ProbeId) -> bool {
        self.run_state(id)
            .is_some_and(|s| s.running() || s.queued())
    }

    /// Whether every probe has finished and none is queued.
    pub fn idle(&self) -> bool {
        !self.run_states().any(|s| s.running() || s.queued())
    }

    /// How many probes are running now.
    pub fn running(&self) -> usize {
        self.run_states().filter(|s| s.running()).count()
    }

    /// Whether target `i` has finished all of its checks and none runs again.
    pub fn target_done(&self, i: usize) -> bool {
        self.targets.get(i).is_some_and(|t| {
            probe::of_target(&self.config.targets, i)
                .into_iter()
                .all(|id| self.has_result(id) && !self.is_running(id))
                && !t.runs().iter().any(|s| s.queued())
        })
    }

    /// Whether target `i` is an alternative server that has never run: none of its checks
    /// has started or finished. It runs only when the user tries it.
    pub fn untried_alternative(&self, i: usize) -> bool {
        self.config
            .targets
            .get(i)
            .is_some_and(|t| t.alternative_of.is_some())
            && self.targets.get(i).is_some_and(|t| {
                t.runs()
                    .iter()
                    .all(|s| !s.has_result() && !s.running() && !s.queued())
            })
    }

    /// Requests a run of `id` at `now`; true when it should start now (else it was queued
    /// behind the running one).
    pub fn request(&mut self, id: ProbeId, now: Instant) -> bool {
        self.version += 1;
        self.run_state_mut(id).is_some_and(|s| s.request_at(now))
    }

    /// Records a probe's result; returns the probes to start now: a queued run of the same
    /// probe, and after a target's DNS lookup, the checks that use its answer.
    pub fn record(
        &mut self,
        id: ProbeId,
        outcome: ProbeOutcome,
        at: SystemTime,
        took: Duration,
        now: Instant,
    ) -> Vec<ProbeId> {
        self.version += 1;
        let again = match (id, outcome) {
            (ProbeId::Ntp(i), ProbeOutcome::Ntp(r)) => self
                .ntp
                .get_mut(i)
                .is_some_and(|s| s.finish(r, at, took, now)),
            (ProbeId::SyncService, ProbeOutcome::SyncService(s)) => {
                self.sync.finish(s, at, took, now)
            }
            (ProbeId::Captive, ProbeOutcome::Captive(r)) => self.captive.finish(r, at, took, now),
            (ProbeId::Machine, ProbeOutcome::Machine(r)) => self.local.finish(r, at, took, now),
            (ProbeId::Dns(i), ProbeOutcome::Dns(r)) => self
                .targets
                .get_mut(i)
                .is_some_and(|t| t.dns.finish(r, at, took, now)),
            (ProbeId::Connect(i), ProbeOutcome::Connect(r)) => self
                .targets
                .get_mut(i)
                .is_some_and(|t| t.connect.finish(r, at, took, now)),
            (ProbeId::Tls(i), ProbeOutcome::Tls(r)) => {
                let covers = self
                    .config
                    .targets
                    .get(i)
                    .filter(|t| probe::tls_covers_connect(t))
                    .map(Target::tls_port);
                self.targets.get_mut(i).is_some_and(|t| {
                    if let Some(port) = covers.filter(|_| t.connect.is_running()) {
                        // Its connect check ends with it, on its connect (a queued run of
                        // both starts with the TLS check's).
                        t.connect
                            .finish(Box::new(r.as_connect(port)), at, took, now);
                    }
                    t.tls.finish(r, at, took, now)
                })
            }
            (ProbeId::Reach(i), ProbeOutcome::Reach(r)) => self
                .targets
                .get_mut(i)
                .is_some_and(|t| t.reach.finish(r, at, took, now)),
            _ => return Vec::new(),
        };
        let mut start = Vec::new();
        if again {
            start.push(id);
        }
        if let ProbeId::Dns(i) = id {
            for next in probe::after_dns(&self.config.targets, i) {
                if self.request(next, now) {
                    start.push(next);
                }
            }
            // A connect check the TLS check stands for runs with it, started by none.
            if self
                .config
                .targets
                .get(i)
                .is_some_and(probe::tls_covers_connect)
            {
                self.targets[i].connect.request(now);
            }
        }
        start
    }

    /// The DNS answer the checks of probe `id`'s target use, if it has one.
    pub fn dns_for(&self, id: ProbeId) -> Option<&Dns> {
        probe::target_of(id)
            .and_then(|i| self.targets.get(i))
            .and_then(|t| t.dns.value())
    }
}
