//! DNS and TCP: `dns-failure`, `tcp-refused`, `tcp-timeout`.

use super::{Code, Finding, Fix, Severity};
use crate::app::Model;
use crate::probe::ProbeId;
use crate::probe::connect::{Dns, TcpError};

pub fn rules(model: &Model, out: &mut Vec<Finding>) {
    for (i, slot) in model.connect.iter().enumerate() {
        let Some(report) = slot.value() else { continue };
        let target = &model.config.targets[i];
        let retry = Fix {
            key: 'r',
            label: "re-run this target's checks".to_string(),
            command: None,
            rerun: vec![ProbeId::Connect(i)],
        };
        match &report.dns {
            Dns::Failed { error, .. } => out.push(Finding {
                code: Code::DnsFailure,
                severity: Severity::Error,
                target: Some(target.name.clone()),
                summary: format!("{} does not resolve: {error}", target.host),
                evidence: vec![
                    format!("system resolver for {:?}: {error}", target.host),
                    "check the name, /etc/resolv.conf and whether this machine has a network"
                        .to_string(),
                ],
                fixes: vec![retry.clone()],
                probes: vec![ProbeId::Connect(i)],
            }),
            Dns::Timeout(d) => out.push(Finding {
                code: Code::DnsFailure,
                severity: Severity::Error,
                target: Some(target.name.clone()),
                summary: format!(
                    "the resolver did not answer for {} within {d:?}",
                    target.host
                ),
                evidence: vec![format!(
                    "system resolver for {:?}: no answer within {d:?}",
                    target.host
                )],
                fixes: vec![retry.clone()],
                probes: vec![ProbeId::Connect(i)],
            }),
            Dns::Resolved { .. } | Dns::Skipped(_) => {}
        }
        for attempt in &report.tcp {
            let addr = attempt
                .addr
                .map_or_else(|| target.host.clone(), |a| a.to_string());
            let (code, summary, why) = match &attempt.result {
                Err(TcpError::Refused) => (
                    Code::TcpRefused,
                    format!("{addr} refused the connection"),
                    "the host answered with a reset: nothing listens on the port, or a firewall rejects it",
                ),
                Err(TcpError::Timeout(d)) => (
                    Code::TcpTimeout,
                    format!(
                        "{addr} did not answer within {}",
                        crate::text::human_duration(*d)
                    ),
                    "no answer at all: a firewall drops the packets, or the host is down",
                ),
                _ => continue,
            };
            out.push(Finding {
                code,
                severity: Severity::Error,
                target: Some(target.name.clone()),
                summary,
                evidence: vec![format!(
                    "TCP connect to {addr} (port {}): {}",
                    attempt.port, why
                )],
                fixes: vec![retry.clone()],
                probes: vec![ProbeId::Connect(i)],
            });
        }
    }
}
