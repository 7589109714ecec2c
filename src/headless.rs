//! `--once`: the same probes, observations and diagnosis as the dashboard, run to completion
//! once. The diagnosis is derived once, at the end: nothing reads it while the probes run.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::app::{Env, Model};
use crate::config::Config;
use crate::diagnose::{Machine, Observations};
use crate::probe::{self, ProbeContext};
use crate::runtime::Probes;

/// A bound on the whole run, past every probe's own timeouts, so it always ends.
fn deadline(config: &Config) -> Duration {
    // The timeouts are at most a day (config::MAX_DURATION); saturating all the same.
    config
        .network
        .timeout
        .saturating_mul(4)
        .max(config.clock.timeout.saturating_mul(4))
        .saturating_add(Duration::from_secs(10))
}

/// Runs every check once and returns the finished model.
pub async fn run_once(config: Arc<Config>, machine: Machine) -> Model {
    let mut probes = Probes::new(ProbeContext::new(Arc::clone(&config), machine.open_files));
    let mut obs = Observations::new(Arc::clone(&config), machine);
    for id in probe::at_launch(&config) {
        if obs.request(id, Instant::now()) {
            probes.spawn(id, &obs);
        }
    }
    let until = tokio::time::Instant::now() + deadline(&config);
    while !obs.idle() {
        let Ok(Some(event)) = tokio::time::timeout_at(until, probes.next()).await else {
            tracing::warn!("headless run hit its deadline with probes still running");
            break;
        };
        let start = obs.record(
            event.id,
            event.outcome,
            event.finished_at,
            event.took,
            Instant::now(),
        );
        for id in start {
            probes.spawn(id, &obs);
        }
    }
    Model::from_observations(obs, Env::default(), Instant::now(), SystemTime::now())
}
