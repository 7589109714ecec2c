//! `local-firewall`: a probe that got no answer, or a refusal, whose packets this machine's own
//! firewall stops on their way out. The rule is named as nft (or iptables-legacy-save) prints
//! it, with its table and chain, tied to the probe it explains; the fix deletes it by handle
//! (or iptables rule number) — or, for a rule of ufw's chains, deletes ufw's rule, which ufw
//! would otherwise write again on reload — confirmed with y/n like every fix, and re-runs the
//! target's checks and the machine check.

use super::{Code, Finding, Fix, Observations, Severity};
use crate::config::{ProbeSpec, Target};
use crate::probe::connect::TcpError;
use crate::probe::firewall::{Block, Packet, Proto, UfwFix};
use crate::probe::reach::ReachStatus;
use crate::probe::{self, ProbeId};

/// One finding per rule and target: every probe of the target it stops, as evidence.
pub(super) fn rules(obs: &Observations, out: &mut Vec<Finding>) {
    let Some(machine) = obs.local.value() else {
        return;
    };
    for (i, (target, checks)) in obs.config.targets.iter().zip(&obs.targets).enumerate() {
        let mut found: Vec<(Block, Vec<Seen>)> = Vec::new();
        for (what, packet) in stopped_packets(checks) {
            let Some(block) = machine.firewall.blocking(packet) else {
                continue;
            };
            match found.iter_mut().find(|(b, _)| *b == block) {
                Some((_, seen)) => seen.push(what),
                None => found.push((block, vec![what])),
            }
        }
        for (block, seen) in found {
            out.push(finding(obs, i, target, &block, &seen));
        }
    }
}

/// A check whose packets were stopped: its name ("openvpn-udp 1194 to 192.0.2.7") and what it
/// saw.
struct Seen {
    label: String,
    saw: String,
}

/// The packets of a target's checks that got nothing back or a refusal.
fn stopped_packets(checks: &super::TargetChecks) -> Vec<(Seen, Packet)> {
    let mut out = Vec::new();
    for r in checks.reach.value().iter().flat_map(|r| &r.results) {
        if r.via.is_some()
            || !matches!(
                r.status,
                ReachStatus::OpenOrFiltered | ReachStatus::Filtered | ReachStatus::Closed
            )
        {
            continue;
        }
        let proto = match r.probe {
            ProbeSpec::OpenvpnUdp(_) | ProbeSpec::Wireguard(_) => Proto::Udp,
            ProbeSpec::OpenvpnTcp(_) | ProbeSpec::Tcp(_) => Proto::Tcp,
            ProbeSpec::Tls => continue,
        };
        out.push((
            Seen {
                label: format!("{} {} to {}", r.probe.kind(), r.port, r.addr.ip()),
                saw: format!("{}: {}", r.status, r.detail),
            },
            Packet {
                proto,
                addr: r.addr.ip(),
                port: r.port,
            },
        ));
    }
    for a in checks.connect.value().iter().flat_map(|c| &c.tcp) {
        let (Some(addr), Err(e)) = (a.addr, &a.result) else {
            continue;
        };
        if matches!(e, TcpError::NoAddress) {
            continue;
        }
        out.push((
            Seen {
                label: format!("TCP {} to {}", a.port, addr.ip()),
                saw: e.to_string(),
            },
            Packet {
                proto: Proto::Tcp,
                addr: addr.ip(),
                port: a.port,
            },
        ));
    }
    out
}

fn finding(obs: &Observations, i: usize, target: &Target, block: &Block, seen: &[Seen]) -> Finding {
    let mut probes = probe::for_target(i);
    probes.push(ProbeId::Machine);
    let fix = match block.delete_command() {
        Some(argv) => {
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let label = match &block.ufw {
                Some(UfwFix::Rule { text, .. }) => format!("delete ufw's rule {text}"),
                Some(UfwFix::Unmatched(_)) => format!(
                    "delete this machine's rule: {} (it is in ufw's chains and no ufw rule was matched: ufw writes it again on reload)",
                    block.text
                ),
                None => format!("delete this machine's rule: {}", block.text),
            };
            Fix {
                key: 'd',
                label,
                command: obs.machine.command(&argv),
                rerun: probes.clone(),
            }
        }
        None => Fix {
            key: 'd',
            label: format!(
                "the {} chain of {} drops what no rule accepts: add a rule that accepts this traffic before the policy, or set the policy to accept",
                block.chain,
                block.place()
            ),
            command: None,
            rerun: probes.clone(),
        },
    };
    let mut evidence = vec![format!("the rule: {block}")];
    match &block.ufw {
        Some(UfwFix::Rule { text, .. }) => {
            evidence.push(format!("it is ufw's rule {text} (ufw status numbered)"));
        }
        Some(UfwFix::Unmatched(why)) => evidence.push(format!(
            "it is in one of ufw's chains, but ufw's own rule is not known: {why}"
        )),
        None => {}
    }
    evidence.extend(seen.iter().map(|s| {
        format!(
            "{}: {} — this machine's own rule {}s it",
            s.label, s.saw, block.verdict
        )
    }));
    let labels: Vec<&str> = seen.iter().map(|s| s.label.as_str()).collect();
    Finding {
        code: Code::LocalFirewall,
        severity: Severity::Error,
        target: Some(target.name.clone()),
        summary: format!(
            "this machine's own firewall {}s {}: {}",
            block.verdict,
            labels.join(", "),
            block.text
        ),
        evidence: evidence.iter().map(|e| crate::text::clean(e)).collect(),
        fixes: vec![
            fix,
            Fix {
                key: 'r',
                label: "re-run this target's checks and the machine check".to_string(),
                command: None,
                rerun: probes.clone(),
            },
        ],
        probes,
    }
}
