//! Probes: one async task per check. A probe only reports what it saw, as a [`ProbeEvent`];
//! a failure is data, never a panic or a log line. Every network step has a hard timeout.

pub mod cert;
pub mod clock;
pub mod connect;
pub mod reach;
pub mod sync;
pub mod tls;
pub mod trust;
pub mod verifier;

use std::time::{Duration, SystemTime};

use crate::config::Config;

/// Which check a probe event belongs to. Indexes point into the config's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProbeId {
    /// SNTP to `config.clock.servers[i]`.
    Ntp(usize),
    /// The local time-sync service (timedatectl, chrony).
    SyncService,
    /// DNS + TCP connect for `config.targets[i]`.
    Connect(usize),
    /// The reachability probes (OpenVPN, WireGuard) and the DNS comparison of
    /// `config.targets[i]`.
    Reach(usize),
    /// The plain-HTTP captive-portal check.
    Captive,
}

/// What a finished probe saw. Large payloads are boxed so messages stay small.
#[derive(Debug, Clone)]
pub enum ProbeOutcome {
    Ntp(Result<clock::NtpReply, clock::NtpError>),
    SyncService(Box<sync::SyncStatus>),
    Connect(Box<connect::ConnectReport>),
    Reach(Box<reach::ReachReport>),
    Captive(Box<reach::CaptiveResult>),
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

/// Runs the probe `id` to completion against `config`. Never panics on network failure.
pub async fn run(id: ProbeId, config: &Config) -> ProbeEvent {
    let start = std::time::Instant::now();
    let outcome = match id {
        ProbeId::Ntp(i) => {
            let server = &config.clock.servers[i];
            ProbeOutcome::Ntp(clock::query(server, config.clock.timeout).await)
        }
        ProbeId::SyncService => ProbeOutcome::SyncService(Box::new(sync::detect().await)),
        ProbeId::Connect(i) => {
            let target = &config.targets[i];
            ProbeOutcome::Connect(Box::new(
                connect::check(target, config.network.timeout).await,
            ))
        }
        ProbeId::Reach(i) => ProbeOutcome::Reach(Box::new(reach::check_target(config, i).await)),
        ProbeId::Captive => {
            let url = config.network.captive_url.as_deref().unwrap_or_default();
            ProbeOutcome::Captive(Box::new(
                reach::captive_portal(url, config.network.timeout).await,
            ))
        }
    };
    ProbeEvent {
        id,
        finished_at: SystemTime::now(),
        took: start.elapsed(),
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
            ids.extend(for_target(&config.targets, i));
        }
    }
    if wants_captive_check(config) {
        ids.push(ProbeId::Captive);
    }
    ids
}

/// The probes of target `i`: what `r` re-runs for it.
pub fn for_target(targets: &[crate::config::Target], i: usize) -> Vec<ProbeId> {
    let mut ids = vec![ProbeId::Connect(i)];
    if targets.get(i).is_some_and(reach::wants_reach) {
        ids.push(ProbeId::Reach(i));
    }
    ids
}

/// The captive-portal check runs when a URL is configured and there is a target to explain.
pub fn wants_captive_check(config: &Config) -> bool {
    config.network.captive_url.is_some() && !config.targets.is_empty()
}
