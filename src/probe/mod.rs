//! Probes: one async task per check. A probe only reports what it saw, as a [`ProbeEvent`];
//! a failure is data, never a panic or a log line. Every network step has a hard timeout.

pub mod cert;
pub mod clock;
pub mod connect;
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
}

/// What a finished probe saw. Large payloads are boxed so messages stay small.
#[derive(Debug, Clone)]
pub enum ProbeOutcome {
    Ntp(Result<clock::NtpReply, clock::NtpError>),
    SyncService(Box<sync::SyncStatus>),
    Connect(Box<connect::ConnectReport>),
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
    };
    ProbeEvent {
        id,
        finished_at: SystemTime::now(),
        took: start.elapsed(),
        outcome,
    }
}

/// Every probe the config asks for, in display order.
pub fn all_probes(config: &Config) -> Vec<ProbeId> {
    let mut ids: Vec<ProbeId> = (0..config.clock.servers.len()).map(ProbeId::Ntp).collect();
    ids.push(ProbeId::SyncService);
    ids.extend((0..config.targets.len()).map(ProbeId::Connect));
    ids
}
