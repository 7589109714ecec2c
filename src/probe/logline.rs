//! What a probe's run looks like in the log file: what it checked, and what it saw in one short
//! line (info), with the per-attempt detail at debug. The probe's result is still data in its
//! event; these lines only let a log show what ran. Server text in them was cleaned where it
//! entered.

use crate::config::Config;
use crate::text::human_duration;

use super::connect::Dns;
use super::machine::VersionAnswer;
use super::reach::CaptiveVerdict;
use super::{ProbeId, ProbeOutcome};

/// What probe `id` checks: `Tls(2) "vpn" localhost:443`, `Ntp(0) 127.0.0.1:123`.
pub fn subject(id: ProbeId, config: &Config) -> String {
    let what = match id {
        ProbeId::Ntp(i) => config.clock.servers.get(i).map(ToString::to_string),
        ProbeId::SyncService => Some("timedatectl, chronyc".to_string()),
        ProbeId::Dns(i) | ProbeId::Connect(i) | ProbeId::Reach(i) | ProbeId::Tls(i) => config
            .targets
            .get(i)
            .map(|t| format!("{:?} {}:{}", t.name, t.host, t.port)),
        ProbeId::Captive => config.network.captive_url.as_ref().map(ToString::to_string),
        ProbeId::Machine => Some("security software, client versions".to_string()),
    };
    match what {
        Some(w) => format!("{id:?} {w}"),
        None => format!("{id:?}"),
    }
}

/// What the probe saw, in one short line.
pub fn outcome(o: &ProbeOutcome) -> String {
    match o {
        ProbeOutcome::Ntp(Ok(r)) => format!(
            "ok: offset {}, round trip {}, stratum {}",
            r.offset,
            human_duration(r.rtt),
            r.stratum
        ),
        ProbeOutcome::Ntp(Err(e)) => format!("{}: {e}", e.status()),
        ProbeOutcome::SyncService(s) => s.summary(),
        ProbeOutcome::Machine(m) => m.summary(),
        ProbeOutcome::Dns(d) => match d {
            Dns::Skipped(ip) => format!("skipped: the config connects to {ip}"),
            Dns::Resolved { addrs, .. } => format!(
                "resolved: {}",
                addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Dns::Failed { error, .. } => format!("failed: {error}"),
            Dns::Timeout(t) => format!("no answer within {}", human_duration(*t)),
        },
        ProbeOutcome::Connect(c) => c
            .tcp
            .iter()
            .map(|a| match &a.result {
                Ok(d) => format!("tcp {} open in {}", a.port, human_duration(*d)),
                Err(e) => format!("tcp {} {e}", a.port),
            })
            .collect::<Vec<_>>()
            .join("; "),
        ProbeOutcome::Reach(r) => {
            let mut parts: Vec<String> = r
                .results
                .iter()
                .map(|x| format!("{} {}", x.probe, x.status.as_str()))
                .collect();
            if let Some(d) = &r.dns_compare {
                let n = d.differences().len();
                if n > 0 {
                    parts.push(format!("{n} DNS difference(s)"));
                }
            }
            parts.join("; ")
        }
        ProbeOutcome::Captive(c) => match &c.verdict {
            CaptiveVerdict::Open => "no portal".to_string(),
            CaptiveVerdict::Captive(why) => format!("captive portal: {why}"),
            CaptiveVerdict::Unknown(why) => format!("could not tell: {why}"),
        },
        ProbeOutcome::Tls(r) => {
            let head = match (&r.attempt.failure, &r.attempt.negotiated) {
                (Some(f), _) => format!("failed: {f}"),
                (None, Some(n)) => format!("ok: {} {}", n.version, n.cipher),
                (None, None) => "no handshake".to_string(),
            };
            if r.variants.is_empty() {
                head
            } else {
                let worked = r.variants.iter().filter(|a| a.failure.is_none()).count();
                format!("{head} ({} retries, {worked} worked)", r.variants.len())
            }
        }
    }
}

/// The detail behind [`outcome`], a line each, for debug level.
pub fn detail(o: &ProbeOutcome) -> Vec<String> {
    match o {
        ProbeOutcome::Ntp(Ok(r)) => vec![format!(
            "from {}: reference {}, leap {}, precision 2^{}, root delay {}, root dispersion {}",
            r.addr,
            r.reference_id,
            r.leap,
            r.precision,
            human_duration(r.root_delay),
            human_duration(r.root_dispersion)
        )],
        ProbeOutcome::Connect(c) => c
            .tcp
            .iter()
            .filter_map(|a| a.addr.map(|at| format!("tcp {}: {at}", a.port)))
            .collect(),
        ProbeOutcome::Reach(r) => r
            .results
            .iter()
            .map(|x| format!("{} to {}: {}", x.probe, x.addr, x.detail))
            .chain(
                r.dns_compare
                    .iter()
                    .flat_map(super::reach::DnsComparison::differences)
                    .map(|d| format!("DNS differs: {d}")),
            )
            .collect(),
        ProbeOutcome::Captive(c) => vec![format!(
            "HTTP status {}, location {}",
            c.status
                .map_or_else(|| "none".to_string(), |s| s.to_string()),
            c.location.as_deref().unwrap_or("none")
        )],
        ProbeOutcome::Tls(r) => std::iter::once(&r.attempt)
            .chain(&r.variants)
            .map(|a| {
                let at = a.addr.map(|x| format!(" at {x}")).unwrap_or_default();
                format!(
                    "{}{at} [hello {} bytes, {} received]",
                    a.summary(),
                    a.hello_len,
                    a.received
                )
            })
            .chain(r.http_attempt().and_then(|a| {
                let h = a.http.as_ref()?;
                Some(format!("HTTP {} ({})", h.status_line, a.variant))
            }))
            .chain(
                r.chain_attempt()
                    .map(|a| format!("chain of {} certificate(s) ({})", r.chain.len(), a.variant)),
            )
            .collect(),
        ProbeOutcome::Machine(m) => m
            .security
            .found
            .iter()
            .map(|d| format!("{}: {}", d.product.name, d.evidence().join(", ")))
            .chain(m.clients.iter().map(|c| {
                let program = c.client.program;
                match &c.answer {
                    VersionAnswer::Found(f) => format!("{program}: {}", f.version),
                    VersionAnswer::NotInstalled => format!("{program}: not installed"),
                    VersionAnswer::Unknown(why) => format!("{program}: {why}"),
                }
            }))
            .collect(),
        ProbeOutcome::Ntp(Err(_)) | ProbeOutcome::SyncService(_) | ProbeOutcome::Dns(_) => {
            Vec::new()
        }
    }
}
