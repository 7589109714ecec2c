//! Probes: one async task per check. A probe only reports what it saw, as a [`ProbeEvent`];
//! a failure is data, never a panic. Every network step has a hard timeout. [`run`] notes each
//! run's start and end in the log file ([`logline`]), so the log shows what ran.

pub mod cert;
pub mod clock;
pub mod connect;
pub mod firewall;
pub mod http;
pub mod logline;
pub mod machine;
pub mod proxy;
pub mod reach;
pub mod signatures;
pub mod slot;
pub mod sync;
pub mod tls;
pub mod trust;
pub mod verifier;
pub mod vpn;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;

use crate::config::{Config, ProbeSpec, Target};

/// Which check a probe event belongs to. Indexes point into the config's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProbeId {
    /// SNTP to `config.clock.servers[i]`.
    Ntp(usize),
    /// The local time-sync service (timedatectl, chrony).
    SyncService,
    /// The system resolver's answer for `config.targets[i]`: the one lookup its other checks
    /// share, so a row never describes two addresses. They start when it finishes.
    Dns(usize),
    /// TCP connects to the ports of `config.targets[i]`.
    Connect(usize),
    /// The reachability probes (OpenVPN, WireGuard) and the DNS comparison of
    /// `config.targets[i]`.
    Reach(usize),
    /// The TLS handshake (with its variants) and HTTP `HEAD` of `config.targets[i]`.
    Tls(usize),
    /// The plain-HTTP captive-portal check.
    Captive,
    /// This machine: security software, the VPN clients' and TLS stack's versions.
    Machine,
}

/// What a finished probe saw. Large payloads are boxed so messages stay small.
#[derive(Debug, Clone)]
pub enum ProbeOutcome {
    Ntp(Result<clock::NtpReply, clock::NtpError>),
    SyncService(Box<sync::SyncStatus>),
    Dns(connect::Dns),
    Connect(Box<connect::ConnectReport>),
    Reach(Box<reach::ReachReport>),
    Captive(Box<reach::CaptiveResult>),
    Tls(Box<tls::TlsReport>),
    Machine(Box<machine::MachineReport>),
}

/// A probe's report to the runtime.
#[derive(Debug, Clone)]
pub struct ProbeEvent {
    pub id: ProbeId,
    /// Wall-clock time when the probe finished (the local clock, which may be wrong).
    pub finished_at: SystemTime,
    /// How long the probe ran.
    pub took: Duration,
    pub outcome: ProbeOutcome,
}

/// What every probe may need: the config, and the bound on how many network checks run at
/// once. (The trust stores are the diagnosis's: a probe records the chain, it judges nothing.)
#[derive(Debug, Clone)]
pub struct ProbeContext {
    pub config: Arc<Config>,
    limit: Arc<Semaphore>,
}

impl ProbeContext {
    /// `open_files`: the open-file limit in force, which may allow fewer checks at once than
    /// `[network] concurrency` asks for.
    pub fn new(config: Arc<Config>, open_files: Option<u64>) -> Self {
        let at_once = crate::limits::checks_at_once(config.network.concurrency, open_files);
        let limit = Arc::new(Semaphore::new(at_once));
        ProbeContext { config, limit }
    }
}

/// Runs the probe `id` to completion. Never panics on network failure. A target's checks
/// after its DNS lookup get that lookup's answer, `dns` (none yet: no address). Network checks
/// wait for a place under `[network] concurrency`; the clock probes and DNS lookups do not.
pub async fn run(id: ProbeId, ctx: &ProbeContext, dns: Option<&connect::Dns>) -> ProbeEvent {
    let addrs = dns.map(connect::Dns::addrs).unwrap_or_default();
    let no_answer = connect::Dns::Failed {
        error: "not resolved yet".to_string(),
        took: Duration::ZERO,
    };
    let config = &*ctx.config;
    let _permit = match id {
        ProbeId::Connect(_) | ProbeId::Reach(_) | ProbeId::Tls(_) | ProbeId::Captive => {
            ctx.limit.acquire().await.ok()
        }
        ProbeId::Ntp(_) | ProbeId::SyncService | ProbeId::Dns(_) | ProbeId::Machine => None,
    };
    let subject = logline::subject(id, config);
    // The start at debug: at info, the finish line says what ran and how long it took (a run
    // of a thousand targets writes a line a check, not two).
    tracing::debug!("probe {subject}: started");
    let start = std::time::Instant::now();
    let timeout = config.network.timeout;
    let outcome = match id {
        ProbeId::Ntp(i) => {
            let server = &config.clock.servers[i];
            ProbeOutcome::Ntp(clock::query(server, config.clock.timeout).await)
        }
        ProbeId::SyncService => ProbeOutcome::SyncService(Box::new(sync::detect().await)),
        ProbeId::Dns(i) => ProbeOutcome::Dns(connect::resolve(&config.targets[i], timeout).await),
        ProbeId::Connect(i) => ProbeOutcome::Connect(Box::new(
            connect::check(&config.targets[i], addrs, timeout).await,
        )),
        ProbeId::Reach(i) => {
            let dns = dns.unwrap_or(&no_answer);
            ProbeOutcome::Reach(Box::new(reach::check_target(config, i, dns).await))
        }
        ProbeId::Tls(i) => {
            let opts = tls::TlsOptions::new(timeout, config.network.alt_sni.clone());
            ProbeOutcome::Tls(Box::new(tls::check(&config.targets[i], addrs, &opts).await))
        }
        ProbeId::Captive => match &config.network.captive_url {
            Some(url) => ProbeOutcome::Captive(Box::new(reach::captive_portal(url, timeout).await)),
            None => unreachable!("the captive check runs only with a URL"),
        },
        ProbeId::Machine => ProbeOutcome::Machine(Box::new(machine::check().await)),
    };
    let took = start.elapsed();
    tracing::info!(
        "probe {subject}: finished in {}: {}",
        crate::text::human_duration(took),
        logline::outcome(&outcome)
    );
    if tracing::enabled!(tracing::Level::DEBUG) {
        for line in logline::detail(&outcome) {
            tracing::debug!("probe {subject}: {line}");
        }
    }
    ProbeEvent {
        id,
        finished_at: SystemTime::now(),
        took,
        outcome,
    }
}

/// Every probe the config asks for at launch, in display order. Alternative servers wait
/// until the user tries one.
pub fn all_probes(config: &Config) -> Vec<ProbeId> {
    let mut ids: Vec<ProbeId> = (0..config.clock.servers.len()).map(ProbeId::Ntp).collect();
    ids.push(ProbeId::SyncService);
    for (i, t) in config.targets.iter().enumerate() {
        if t.alternative_of.is_none() {
            ids.extend(for_target(i));
        }
    }
    if wants_captive_check(config) {
        ids.push(ProbeId::Captive);
    }
    ids
}

/// What starts at launch and with `R`: every probe of the config ([`all_probes`]), then the
/// machine check, which no config names.
pub fn at_launch(config: &Config) -> Vec<ProbeId> {
    let mut ids = all_probes(config);
    ids.push(ProbeId::Machine);
    ids
}

/// The probes that re-run target `i`: its DNS lookup, which starts the rest when it
/// finishes ([`after_dns`]).
pub fn for_target(i: usize) -> Vec<ProbeId> {
    vec![ProbeId::Dns(i)]
}

/// The checks of target `i` that use its DNS answer, started when the lookup finishes.
pub fn after_dns(targets: &[Target], i: usize) -> Vec<ProbeId> {
    let Some(t) = targets.get(i) else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    if !t.tcp_ports().is_empty() && !tls_covers_connect(t) {
        ids.push(ProbeId::Connect(i));
    }
    if t.probes.contains(&ProbeSpec::Tls) {
        ids.push(ProbeId::Tls(i));
    }
    if reach::wants_reach(t) {
        ids.push(ProbeId::Reach(i));
    }
    ids
}

/// Whether target `t`'s TLS check stands for its connect check: the TLS port is its only TCP
/// port, so the handshake's own connect tells what a separate one would, with one connection
/// to the server instead of two. (Not through a proxy: then the connect check is the direct
/// path's witness.) Its connect slot then runs and ends with the TLS check.
pub fn tls_covers_connect(t: &Target) -> bool {
    t.proxy.is_none() && t.probes.contains(&ProbeSpec::Tls) && t.tcp_ports() == [t.tls_port()]
}

/// Every check of target `i`: its lookup and what follows it.
pub fn of_target(targets: &[Target], i: usize) -> Vec<ProbeId> {
    let mut ids = vec![ProbeId::Dns(i)];
    ids.extend(after_dns(targets, i));
    ids
}

/// The target a probe belongs to, if any.
pub fn target_of(id: ProbeId) -> Option<usize> {
    match id {
        ProbeId::Dns(i) | ProbeId::Connect(i) | ProbeId::Reach(i) | ProbeId::Tls(i) => Some(i),
        ProbeId::Ntp(_) | ProbeId::SyncService | ProbeId::Captive | ProbeId::Machine => None,
    }
}

/// The captive-portal check runs when a URL is configured and there is a target to explain.
pub fn wants_captive_check(config: &Config) -> bool {
    config.network.captive_url.is_some() && !config.targets.is_empty()
}
