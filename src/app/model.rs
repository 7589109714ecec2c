//! Everything the screen and the report are drawn from.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::config::Config;
use crate::diagnose::{self, Consensus, Finding};
use crate::probe::clock::{NtpError, NtpReply, Offset};
use crate::probe::connect::ConnectReport;
use crate::probe::reach::{CaptiveResult, ReachReport};
use crate::probe::sync::SyncStatus;
use crate::probe::tls::TlsReport;
use crate::probe::trust::Trust;
use crate::probe::{ProbeId, ProbeOutcome};

/// How many consensus offsets the sparkline keeps.
pub const HISTORY_LEN: usize = 240;

/// The four panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Clock,
    Handshakes,
    Reach,
    Findings,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Clock, Pane::Handshakes, Pane::Reach, Pane::Findings];

    pub fn index(self) -> usize {
        match self {
            Pane::Clock => 0,
            Pane::Handshakes => 1,
            Pane::Reach => 2,
            Pane::Findings => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Clock => "Clock",
            Pane::Handshakes => "Handshakes",
            Pane::Reach => "Reachability",
            Pane::Findings => "Findings",
        }
    }

    #[must_use]
    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % 4]
    }

    #[must_use]
    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + 3) % 4]
    }
}

/// A finished run of a probe.
#[derive(Debug, Clone)]
pub struct Done<T> {
    pub value: T,
    /// Local wall-clock time when it finished.
    pub at: SystemTime,
    pub took: Duration,
}

/// One probe's state: at most one run, at most one queued behind it, and the last result.
#[derive(Debug, Clone)]
pub struct Slot<T> {
    pub running_since: Option<Instant>,
    pub queued: bool,
    pub last: Option<Done<T>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            running_since: None,
            queued: false,
            last: None,
        }
    }
}

impl<T> Slot<T> {
    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    /// The last value, if any.
    pub fn value(&self) -> Option<&T> {
        self.last.as_ref().map(|d| &d.value)
    }

    /// Asks for a run at `now`: true when it should start now, false when it was queued
    /// behind a running one (or was already queued).
    pub fn request(&mut self, now: Instant) -> bool {
        if self.running_since.is_some() {
            self.queued = true;
            false
        } else {
            self.running_since = Some(now);
            true
        }
    }

    /// Records a result; true when a queued run should start now.
    pub fn finish(&mut self, value: T, at: SystemTime, took: Duration, now: Instant) -> bool {
        self.last = Some(Done { value, at, took });
        if std::mem::take(&mut self.queued) {
            self.running_since = Some(now);
            true
        } else {
            self.running_since = None;
            false
        }
    }
}

/// A slot seen only as a run: what the model needs to coalesce and count runs of any probe.
trait RunState {
    fn running(&self) -> bool;
    fn queued(&self) -> bool;
    fn has_result(&self) -> bool;
    fn request_at(&mut self, now: Instant) -> bool;
}

impl<T> RunState for Slot<T> {
    fn running(&self) -> bool {
        self.is_running()
    }

    fn queued(&self) -> bool {
        self.queued
    }

    fn has_result(&self) -> bool {
        self.last.is_some()
    }

    fn request_at(&mut self, now: Instant) -> bool {
        self.request(now)
    }
}

/// A window over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The details of the selected row of a pane.
    Details(Pane),
    /// The fixes of the selected finding; `selected` is the highlighted fix.
    Fixes {
        selected: usize,
    },
    /// A fix that runs a command, waiting for y/n.
    Confirm {
        fix: usize,
    },
}

/// Facts about where we run, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// The trust stores (Mozilla, the system's, `ca_file`), loaded once.
    pub trust: Arc<Trust>,
    pub is_root: bool,
    pub log_path: Option<PathBuf>,
    pub color: bool,
    /// The `nordvpn` command is installed, so its settings can be offered as fix commands.
    pub nordvpn_cli: bool,
}

/// The whole state of a session.
#[derive(Debug, Clone)]
pub struct Model {
    pub config: Arc<Config>,
    pub env: Env,
    /// The runtime's last reading of the monotonic clock.
    pub now: Instant,
    /// The local wall clock at `now` (it may be wrong: that is what we check).
    pub wall: SystemTime,
    pub ntp: Vec<Slot<Result<NtpReply, NtpError>>>,
    pub sync: Slot<Box<SyncStatus>>,
    pub connect: Vec<Slot<Box<ConnectReport>>>,
    /// Per target: the OpenVPN/WireGuard probes and the DNS comparison.
    pub reach: Vec<Slot<Box<ReachReport>>>,
    pub captive: Slot<Box<CaptiveResult>>,
    /// Per target: the TLS handshake and its variants.
    pub tls: Vec<Slot<Box<TlsReport>>>,
    /// The consensus offset after each complete round, oldest first.
    pub history: VecDeque<Offset>,
    pub last_round: Option<Instant>,
    pub paused: bool,
    pub focus: Pane,
    pub selected: [usize; 4],
    pub overlay: Option<Overlay>,
    /// How many lines the help or details window is scrolled down (the view clamps it to the
    /// text).
    pub overlay_scroll: u16,
    /// A short message for the footer and when it was set.
    pub flash: Option<(String, Instant)>,
    /// Derived from the observations after every update.
    pub findings: Vec<Finding>,
    pub quit: bool,
}

impl Model {
    pub fn new(config: Arc<Config>, env: Env, now: Instant, wall: SystemTime) -> Self {
        let mut m = Model {
            ntp: (0..config.clock.servers.len())
                .map(|_| Slot::default())
                .collect(),
            sync: Slot::default(),
            connect: (0..config.targets.len()).map(|_| Slot::default()).collect(),
            reach: (0..config.targets.len()).map(|_| Slot::default()).collect(),
            captive: Slot::default(),
            tls: (0..config.targets.len()).map(|_| Slot::default()).collect(),
            config,
            env,
            now,
            wall,
            history: VecDeque::new(),
            last_round: None,
            paused: false,
            focus: Pane::Clock,
            selected: [0; 4],
            overlay: None,
            overlay_scroll: 0,
            flash: None,
            findings: Vec::new(),
            quit: false,
        };
        m.refresh();
        m
    }

    /// Recomputes what is derived from the observations.
    pub fn refresh(&mut self) {
        self.findings = diagnose::diagnose(self);
        let rows = self.rows(Pane::Findings);
        let sel = &mut self.selected[Pane::Findings.index()];
        *sel = (*sel).min(rows.saturating_sub(1));
    }

    /// The clock consensus from the current samples.
    pub fn consensus(&self) -> Consensus {
        diagnose::clock::consensus(self)
    }

    /// How many rows a pane lists.
    pub fn rows(&self, pane: Pane) -> usize {
        match pane {
            Pane::Clock => self.ntp.len(),
            Pane::Handshakes | Pane::Reach => self.connect.len(),
            Pane::Findings => self.findings.len(),
        }
    }

    /// The selected row of `pane` (clamped).
    pub fn selection(&self, pane: Pane) -> usize {
        self.selected[pane.index()].min(self.rows(pane).saturating_sub(1))
    }

    /// Whether target `i` is an alternative server that has never run: none of its checks
    /// has started or finished. It runs only when the user tries it.
    pub fn untried_alternative(&self, i: usize) -> bool {
        let fresh = |id: ProbeId| !self.has_result(id) && !self.is_running(id);
        self.config
            .targets
            .get(i)
            .is_some_and(|t| t.alternative_of.is_some())
            && fresh(ProbeId::Connect(i))
            && fresh(ProbeId::Reach(i))
    }

    /// The finding under the cursor in the Findings pane.
    pub fn selected_finding(&self) -> Option<&Finding> {
        self.findings.get(self.selection(Pane::Findings))
    }

    /// The slot of probe `id`, seen only as a run to start, queue or wait for.
    fn run_state(&self, id: ProbeId) -> Option<&dyn RunState> {
        match id {
            ProbeId::Ntp(i) => self.ntp.get(i).map(|s| s as &dyn RunState),
            ProbeId::SyncService => Some(&self.sync),
            ProbeId::Connect(i) => self.connect.get(i).map(|s| s as &dyn RunState),
            ProbeId::Reach(i) => self.reach.get(i).map(|s| s as &dyn RunState),
            ProbeId::Captive => Some(&self.captive),
            ProbeId::Tls(i) => self.tls.get(i).map(|s| s as &dyn RunState),
        }
    }

    fn run_state_mut(&mut self, id: ProbeId) -> Option<&mut dyn RunState> {
        match id {
            ProbeId::Ntp(i) => self.ntp.get_mut(i).map(|s| s as &mut dyn RunState),
            ProbeId::SyncService => Some(&mut self.sync),
            ProbeId::Connect(i) => self.connect.get_mut(i).map(|s| s as &mut dyn RunState),
            ProbeId::Reach(i) => self.reach.get_mut(i).map(|s| s as &mut dyn RunState),
            ProbeId::Captive => Some(&mut self.captive),
            ProbeId::Tls(i) => self.tls.get_mut(i).map(|s| s as &mut dyn RunState),
        }
    }

    /// Every slot, as runs.
    fn run_states(&self) -> impl Iterator<Item = &dyn RunState> {
        self.ntp
            .iter()
            .map(|s| s as &dyn RunState)
            .chain(std::iter::once(&self.sync as &dyn RunState))
            .chain(self.connect.iter().map(|s| s as &dyn RunState))
            .chain(self.reach.iter().map(|s| s as &dyn RunState))
            .chain(std::iter::once(&self.captive as &dyn RunState))
            .chain(self.tls.iter().map(|s| s as &dyn RunState))
    }

    /// Whether probe `id` has a result (from this run or an earlier one).
    pub fn has_result(&self, id: ProbeId) -> bool {
        self.run_state(id).is_some_and(RunState::has_result)
    }

    /// Whether probe `id` is running now.
    pub fn is_running(&self, id: ProbeId) -> bool {
        self.run_state(id).is_some_and(RunState::running)
    }

    /// Whether every probe has finished and none is queued.
    pub fn idle(&self) -> bool {
        !self.run_states().any(|s| s.running() || s.queued())
    }

    /// How many probes are running now.
    pub fn running(&self) -> usize {
        self.run_states().filter(|s| s.running()).count()
    }

    /// Requests a run of `id`; true when it should start now.
    pub(crate) fn request(&mut self, id: ProbeId) -> bool {
        let now = self.now;
        self.run_state_mut(id).is_some_and(|s| s.request_at(now))
    }

    /// Records a probe's result; true when a queued run of it should start now.
    pub(crate) fn record(
        &mut self,
        id: ProbeId,
        outcome: ProbeOutcome,
        at: SystemTime,
        took: Duration,
    ) -> bool {
        let now = self.now;
        match (id, outcome) {
            (ProbeId::Ntp(i), ProbeOutcome::Ntp(r)) => self
                .ntp
                .get_mut(i)
                .is_some_and(|s| s.finish(r, at, took, now)),
            (ProbeId::SyncService, ProbeOutcome::SyncService(s)) => {
                self.sync.finish(s, at, took, now)
            }
            (ProbeId::Connect(i), ProbeOutcome::Connect(r)) => self
                .connect
                .get_mut(i)
                .is_some_and(|s| s.finish(r, at, took, now)),
            (ProbeId::Reach(i), ProbeOutcome::Reach(r)) => self
                .reach
                .get_mut(i)
                .is_some_and(|s| s.finish(r, at, took, now)),
            (ProbeId::Captive, ProbeOutcome::Captive(r)) => self.captive.finish(r, at, took, now),
            (ProbeId::Tls(i), ProbeOutcome::Tls(r)) => self
                .tls
                .get_mut(i)
                .is_some_and(|s| s.finish(r, at, took, now)),
            _ => false,
        }
    }
}
