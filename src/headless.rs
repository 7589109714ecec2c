//! `--once`: the same probes, model and diagnosis as the dashboard, run to completion once.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::app::model::Env;
use crate::app::{self, Effect, Model, Msg};
use crate::config::Config;
use crate::probe::ProbeContext;
use crate::runtime::Probes;

/// A bound on the whole run, past every probe's own timeouts, so it always ends.
fn deadline(config: &Config) -> Duration {
    (config.network.timeout * 4).max(config.clock.timeout * 4) + Duration::from_secs(10)
}

/// Runs every check once and returns the finished model.
pub async fn run_once(config: Arc<Config>, env: Env) -> Model {
    let mut probes = Probes::new(ProbeContext::new(
        Arc::clone(&config),
        Arc::clone(&env.trust),
    ));
    let mut model = Model::new(Arc::clone(&config), env, Instant::now(), SystemTime::now());
    for fx in app::start(&mut model) {
        if let Effect::Start(id) = fx {
            probes.spawn(id);
        }
    }
    let until = tokio::time::Instant::now() + deadline(&config);
    while !model.idle() {
        let Ok(Some(event)) = tokio::time::timeout_at(until, probes.next()).await else {
            tracing::warn!("headless run hit its deadline with probes still running");
            break;
        };
        let msg = Msg::Probe {
            event: Box::new(event),
            at: Instant::now(),
        };
        for fx in app::update(&mut model, msg) {
            if let Effect::Start(id) = fx {
                probes.spawn(id);
            }
        }
    }
    model.wall = SystemTime::now();
    model.refresh();
    model
}
