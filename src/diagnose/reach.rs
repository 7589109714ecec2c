//! Reachability: `port-closed`, `port-filtered`, `openvpn-udp-blocked`, `wireguard-udp-closed`,
//! `nordlynx-unproven`, `wireguard-no-handshake`, `captive-portal`, and across targets `all-targets-failing` and `single-target-failing`.
//!
//! Pure: the probes' results in, findings out. `tcp:N` probes are left to the transport rules,
//! which judge every TCP port of a target (a `tcp:N` port as `port-closed` / `port-filtered`).

use super::target::rerun;
use super::{Code, Finding, Fix, Severity};
use crate::config::{ProbeSpec, Target};
use crate::probe::reach::captive::{CaptiveResult, CaptiveVerdict};
use crate::probe::reach::dns::DnsComparison;
use crate::probe::reach::{ReachResult, ReachStatus};
use crate::probe::{self, ProbeId};

/// Facts about this machine that shape the fixes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// The `nordvpn` command is installed, so its settings can be offered as commands.
    pub nordvpn_cli: bool,
}

/// One target's finished reachability probes.
#[derive(Debug, Clone, Copy)]
pub struct TargetReach<'a> {
    /// Its index in `config.targets`.
    pub index: usize,
    pub target: &'a Target,
    pub results: &'a [ReachResult],
}

fn evidence(r: &ReachResult) -> String {
    format!(
        "{} to {}: {} ({})",
        r.probe.kind(),
        r.addr,
        r.status.as_str(),
        r.detail
    )
}

/// A fix that is advice: no command, nothing re-run of its own.
pub(super) fn advice(key: char, label: &str) -> Fix {
    Fix {
        key,
        label: label.to_string(),
        command: None,
        rerun: Vec::new(),
    }
}

fn nordvpn(key: char, label: &str, args: &[&str], i: usize) -> Fix {
    Fix {
        key,
        label: label.to_string(),
        command: Some(
            std::iter::once("nordvpn")
                .chain(args.iter().copied())
                .map(str::to_string)
                .collect(),
        ),
        rerun: probe::for_target(i),
    }
}

/// `nordvpn set technology openvpn`: leave NordLynx (WireGuard) for OpenVPN.
fn nordvpn_openvpn(i: usize) -> Fix {
    nordvpn(
        't',
        "NordVPN: use OpenVPN instead of NordLynx",
        &["set", "technology", "openvpn"],
        i,
    )
}

/// `nordvpn set protocol tcp`: OpenVPN over TCP.
fn nordvpn_tcp(i: usize) -> Fix {
    nordvpn(
        'p',
        "NordVPN: use OpenVPN over TCP",
        &["set", "protocol", "tcp"],
        i,
    )
}

/// The way to OpenVPN over TCP: the nordvpn commands where that CLI is installed.
fn to_openvpn_tcp(ctx: Context, i: usize, tcp_port: u16) -> Vec<Fix> {
    if ctx.nordvpn_cli {
        vec![nordvpn_openvpn(i), nordvpn_tcp(i)]
    } else {
        vec![advice(
            'o',
            &format!(
                "in your VPN client, choose OpenVPN over TCP (port {tcp_port}); in an .ovpn profile: `proto tcp` and `remote HOST {tcp_port}`"
            ),
        )]
    }
}

/// The reachability findings of one target's finished probes.
pub fn rules(t: &TargetReach<'_>, ctx: Context, out: &mut Vec<Finding>) {
    let (i, target) = (t.index, t.target);
    let name = Some(target.name.clone());
    let udp_blocked: Vec<&ReachResult> = t
        .results
        .iter()
        .filter(|r| matches!(r.probe, ProbeSpec::OpenvpnUdp(_)) && r.status.is_blocked_or_silent())
        .collect();
    let tcp_answers = t
        .results
        .iter()
        .find(|r| matches!(r.probe, ProbeSpec::OpenvpnTcp(_)) && r.is_openvpn);
    let mut covered: Vec<ProbeSpec> = Vec::new();

    if let (Some(tcp), false) = (tcp_answers, udp_blocked.is_empty()) {
        let udp_ports: Vec<String> = udp_blocked.iter().map(|r| r.port.to_string()).collect();
        let mut ev: Vec<String> = udp_blocked.iter().map(|r| evidence(r)).collect();
        ev.push(evidence(tcp));
        ev.push(
            "the same server answers OpenVPN over TCP, so UDP is what is blocked on the way: a firewall, the network or security software"
                .to_string(),
        );
        let mut fixes = to_openvpn_tcp(ctx, i, tcp.port);
        fixes.push(rerun(i));
        out.push(Finding {
            code: Code::OpenvpnUdpBlocked,
            severity: Severity::Error,
            target: name.clone(),
            summary: format!(
                "OpenVPN over UDP {} gets no answer from {} while OpenVPN over TCP {} answers: switch to OpenVPN TCP {}",
                udp_ports.join(", "),
                target.host,
                tcp.port,
                tcp.port
            ),
            evidence: ev,
            fixes,
            probes: probe::for_target(i),
        });
        covered.extend(udp_blocked.iter().map(|r| r.probe));
    }

    let openvpn_udp_works = t
        .results
        .iter()
        .any(|r| matches!(r.probe, ProbeSpec::OpenvpnUdp(_)) && r.is_openvpn);
    // `openvpn-udp-blocked` already says UDP is blocked and to switch to OpenVPN TCP.
    if covered.is_empty() {
        out.extend(nordlynx_unproven(t, ctx));
    }
    for r in t.results {
        if covered.contains(&r.probe) {
            continue;
        }
        let finding = match (r.probe, r.status) {
            (ProbeSpec::Wireguard(port), ReachStatus::Closed) => {
                let mut fixes = if ctx.nordvpn_cli {
                    let mut f = vec![nordvpn_openvpn(i)];
                    if !openvpn_udp_works {
                        f.push(nordvpn_tcp(i));
                    }
                    f
                } else {
                    vec![advice(
                        'o',
                        "in your VPN client, switch from WireGuard (NordLynx) to OpenVPN; OpenVPN over TCP 443 gets through most firewalls",
                    )]
                };
                fixes.push(rerun(i));
                Some((
                    Code::WireguardUdpClosed,
                    format!(
                        "WireGuard (NordLynx) UDP {port} on {} is closed: the host or a firewall rejects it",
                        target.host
                    ),
                    fixes,
                ))
            }
            (ProbeSpec::Wireguard(port), ReachStatus::OpenOrFiltered) if r.signed.is_some() => {
                let mut fixes = vec![advice(
                    'n',
                    "get a current key: NordLynx keys rotate — reconnect in the VPN app, or download a fresh WireGuard config — then re-run",
                )];
                fixes.extend(if ctx.nordvpn_cli {
                    vec![nordvpn_openvpn(i)]
                } else {
                    vec![advice(
                        'o',
                        "meanwhile, switch from WireGuard (NordLynx) to OpenVPN in your VPN client; OpenVPN over TCP 443 gets through most firewalls",
                    )]
                });
                fixes.push(rerun(i));
                Some((
                    Code::WireguardNoHandshake,
                    format!(
                        "no WireGuard handshake with {} on UDP {port}: the port is blocked on the way, or the server does not know this config's key",
                        target.host
                    ),
                    fixes,
                ))
            }
            (ProbeSpec::OpenvpnUdp(port) | ProbeSpec::OpenvpnTcp(port), ReachStatus::Closed) => {
                Some((
                    Code::PortClosed,
                    format!(
                        "{} port {port} on {} is closed: nothing listens there, or a firewall rejects it",
                        r.probe.kind(),
                        target.host
                    ),
                    vec![
                        advice(
                            'o',
                            "check the server's port in your VPN profile, or try another protocol or server",
                        ),
                        rerun(i),
                    ],
                ))
            }
            (
                ProbeSpec::OpenvpnUdp(port)
                | ProbeSpec::OpenvpnTcp(port)
                | ProbeSpec::Wireguard(port),
                ReachStatus::Filtered,
            ) => Some((
                Code::PortFiltered,
                format!(
                    "{} port {port} on {} is filtered: the packets are dropped or rejected on the way",
                    r.probe.kind(),
                    target.host
                ),
                vec![
                    advice(
                        'o',
                        "a firewall on this machine or the network blocks the port: allow it, or switch to a protocol that gets through (OpenVPN TCP 443)",
                    ),
                    rerun(i),
                ],
            )),
            _ => None,
        };
        if let Some((code, summary, fixes)) = finding {
            out.push(Finding {
                code,
                severity: Severity::Error,
                target: name.clone(),
                summary,
                evidence: vec![evidence(r)],
                fixes,
                probes: probe::for_target(i),
            });
        }
    }
}

/// `nordlynx-unproven`: the WireGuard (NordLynx) port is silent where the same server answers
/// OpenVPN. WireGuard never answers a stranger, so the silence proves nothing either way — a
/// block, or a key the server does not know — while OpenVPN is proven to get through: the step
/// the troubleshooting guides give is to switch to OpenVPN.
fn nordlynx_unproven(t: &TargetReach<'_>, ctx: Context) -> Option<Finding> {
    let (i, target) = (t.index, t.target);
    // With the user's keys, silence is `wireguard-no-handshake`, which says more.
    let silent = t.results.iter().find(|r| {
        matches!(r.probe, ProbeSpec::Wireguard(_))
            && r.status == ReachStatus::OpenOrFiltered
            && r.signed.is_none()
    })?;
    let openvpn = t.results.iter().find(|r| {
        matches!(r.probe, ProbeSpec::OpenvpnUdp(_) | ProbeSpec::OpenvpnTcp(_)) && r.is_openvpn
    })?;
    let mut fixes = if ctx.nordvpn_cli {
        let mut f = vec![nordvpn_openvpn(i)];
        if matches!(openvpn.probe, ProbeSpec::OpenvpnTcp(_)) {
            f.push(nordvpn_tcp(i));
        }
        f
    } else {
        vec![advice(
            'o',
            &format!(
                "in your VPN client, switch from NordLynx (WireGuard) to OpenVPN ({}, which answers here)",
                openvpn.probe
            ),
        )]
    };
    fixes.push(rerun(i));
    Some(Finding {
        code: Code::NordlynxUnproven,
        severity: Severity::Warning,
        target: Some(target.name.clone()),
        summary: format!(
            "NordLynx (WireGuard) UDP {} on {} is silent while OpenVPN answers: NordLynx is not proven to work from here, OpenVPN is",
            silent.port, target.host
        ),
        evidence: vec![
            evidence(silent),
            evidence(openvpn),
            "WireGuard never answers a packet without a key it knows: silence is a block on the way, or a key the server does not know (NordLynx keys rotate: reconnect in the app for a fresh one)".to_string(),
        ],
        fixes,
        probes: probe::for_target(i),
    })
}

/// `captive-portal` from the plain-HTTP check: a redirect or a page where an empty 204 (or
/// the known body) was expected. DNS answers that differ between the system resolver and the
/// nameservers asked directly are added as evidence.
pub fn captive(result: &CaptiveResult, dns: &[DnsComparison], out: &mut Vec<Finding>) {
    let CaptiveVerdict::Captive(why) = &result.verdict else {
        return;
    };
    let mut evidence = vec![format!("GET {}: {why}", result.url)];
    if let Some(loc) = &result.location {
        evidence.push(format!("it sends the browser to {loc}"));
    }
    evidence.extend(dns.iter().flat_map(DnsComparison::differences));
    evidence.push(
        "until you log in, the network answers in the servers' place: TLS handshakes fail or see the portal's certificate"
            .to_string(),
    );
    let open = result.location.as_deref().unwrap_or(&result.url);
    out.push(Finding {
        code: Code::CaptivePortal,
        severity: Severity::Error,
        target: None,
        summary: format!("a captive portal intercepts the network: log in at {open}"),
        evidence,
        fixes: vec![Fix {
            key: 'o',
            label: format!(
                "open {open} in a browser on this network and log in (or accept its terms), then re-run"
            ),
            command: None,
            rerun: vec![ProbeId::Captive],
        }],
        probes: vec![ProbeId::Captive],
    });
}

/// Where a target stands for the across-target rules.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    /// Its checks have not all finished: it counts as neither failing nor working.
    Unfinished,
    /// No error, but nothing answered either (only silent ports): not counted as working.
    Unproven,
    Works,
    /// Its first error finding.
    Fails(&'a Finding),
}

/// The across-target rules: `all-targets-failing`, `single-target-failing`, from where each
/// target of `targets` stands.
pub fn across(targets: &[Target], standings: &[Standing<'_>], out: &mut Vec<Finding>) {
    let finished: Vec<(usize, &Target, Option<&Finding>)> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.alternative_of.is_none())
        .filter_map(|(i, t)| match standings.get(i) {
            Some(Standing::Works) => Some((i, t, None)),
            Some(Standing::Fails(f)) => Some((i, t, Some(*f))),
            Some(Standing::Unfinished | Standing::Unproven) | None => None,
        })
        .collect();
    let failing: Vec<(usize, &Target, &Finding)> = finished
        .iter()
        .filter_map(|(i, t, e)| e.map(|f| (*i, *t, f)))
        .collect();
    let working: Vec<&Target> = finished
        .iter()
        .filter(|(_, _, e)| e.is_none())
        .map(|(_, t, _)| *t)
        .collect();
    if failing.is_empty() {
        return;
    }
    let primary = targets
        .iter()
        .filter(|t| t.alternative_of.is_none())
        .count();
    // A proxy that fails every target is its own finding, which names the cause.
    let through_failing_proxy = failing.iter().all(|(_, _, f)| f.code == Code::ProxyFailure);
    if primary >= 2 && failing.len() == primary && !through_failing_proxy {
        let codes: Vec<Code> = failing.iter().map(|(_, _, f)| f.code).collect();
        let same = codes.iter().all(|c| *c == codes[0]);
        let summary = if same {
            format!(
                "every target fails the same way ({}): the cause is on this side — the network, a firewall or security software",
                codes[0]
            )
        } else {
            "every target fails: the cause is likely on this side — the network, a firewall or security software"
                .to_string()
        };
        let all: Vec<probe::ProbeId> = failing
            .iter()
            .flat_map(|(i, _, _)| probe::for_target(*i))
            .collect();
        out.push(Finding {
            code: Code::AllTargetsFailing,
            severity: Severity::Error,
            target: None,
            summary,
            evidence: failing
                .iter()
                .map(|(_, t, f)| format!("{}: {} — {}", t.name, f.code, f.summary))
                .collect(),
            fixes: vec![
                advice(
                    'o',
                    "check this machine's network, firewall and security software (antivirus web shields, VPN or proxy software): pause them and re-run",
                ),
                Fix {
                    key: 'r',
                    label: "re-run every target's checks".to_string(),
                    command: None,
                    rerun: all.clone(),
                },
            ],
            probes: all,
        });
        return;
    }
    // "One server fails where others work" holds for a lone failure, or while the failing
    // ones are fewer than the working ones; when most fail, each failure speaks for itself and
    // "switch server" is no advice.
    if working.is_empty() || (failing.len() > 1 && failing.len() >= working.len()) {
        return;
    }
    let works: Vec<&str> = working.iter().map(|t| t.name.as_str()).collect();
    for (i, t, f) in failing {
        let mut fixes: Vec<Fix> = targets
            .iter()
            .enumerate()
            .filter(|(_, a)| a.alternative_of == Some(i))
            .take(9)
            .zip('1'..='9')
            .map(|((j, a), key)| Fix {
                key,
                label: format!(
                    "try another server: {} (its result shows beside this one)",
                    a.host
                ),
                command: None,
                rerun: probe::for_target(j),
            })
            .collect();
        if fixes.is_empty() {
            fixes.push(advice(
                'o',
                "pick another server in your VPN client (or list some under `alternatives` for this target in the config)",
            ));
        }
        fixes.push(rerun(i));
        out.push(Finding {
            code: Code::SingleTargetFailing,
            severity: Severity::Warning,
            target: Some(t.name.clone()),
            summary: format!(
                "{} fails ({}) where {} work{}: try another server",
                t.name,
                f.code,
                works.join(", "),
                if works.len() == 1 { "s" } else { "" }
            ),
            evidence: vec![
                format!("{}: {} — {}", t.name, f.code, f.summary),
                format!("working: {}", works.join(", ")),
            ],
            fixes,
            probes: probe::for_target(i),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HostPort;
    use std::time::Duration;

    fn target(name: &str) -> Target {
        let mut t = Target::from_host_port(&HostPort {
            host: format!("{name}.example.com"),
            port: None,
        });
        t.name = name.to_string();
        t
    }

    fn result(probe: ProbeSpec, status: ReachStatus, is_openvpn: bool) -> ReachResult {
        let port = probe.port().unwrap_or(0);
        ReachResult {
            probe,
            addr: ([192, 0, 2, 1], port).into(),
            port,
            status,
            is_openvpn,
            signed: None,
            detail: "seen".to_string(),
            took: Duration::from_millis(1),
            via: None,
            handshake: None,
        }
    }

    fn codes(t: &Target, results: &[ReachResult], ctx: Context) -> Vec<Finding> {
        let mut out = Vec::new();
        rules(
            &TargetReach {
                index: 0,
                target: t,
                results,
            },
            ctx,
            &mut out,
        );
        out
    }

    #[test]
    fn nordvpn_commands_only_where_its_cli_is_installed() {
        let t = target("a");
        let results = [
            result(
                ProbeSpec::OpenvpnUdp(1194),
                ReachStatus::OpenOrFiltered,
                false,
            ),
            result(ProbeSpec::OpenvpnTcp(443), ReachStatus::Open, true),
        ];
        let with = codes(&t, &results, Context { nordvpn_cli: true });
        assert_eq!(with.len(), 1);
        assert_eq!(with[0].code, Code::OpenvpnUdpBlocked);
        let cmds: Vec<String> = with[0]
            .fixes
            .iter()
            .filter_map(|f| f.command.as_ref().map(|c| c.join(" ")))
            .collect();
        assert_eq!(
            cmds,
            ["nordvpn set technology openvpn", "nordvpn set protocol tcp"]
        );
        let without = codes(&t, &results, Context::default());
        assert!(without[0].fixes.iter().all(|f| f.command.is_none()));
        assert!(
            without[0].fixes[0]
                .label
                .contains("OpenVPN over TCP (port 443)")
        );
    }

    #[test]
    fn udp_silence_alone_proves_nothing() {
        let t = target("a");
        let results = [
            result(
                ProbeSpec::OpenvpnUdp(1194),
                ReachStatus::OpenOrFiltered,
                false,
            ),
            result(
                ProbeSpec::Wireguard(51820),
                ReachStatus::OpenOrFiltered,
                false,
            ),
            result(ProbeSpec::OpenvpnTcp(443), ReachStatus::Open, false),
            result(ProbeSpec::Tcp(80), ReachStatus::Closed, false),
        ];
        assert!(codes(&t, &results, Context::default()).is_empty());
    }

    #[test]
    fn wireguard_closed_offers_tcp_only_when_openvpn_udp_does_not_work() {
        let t = target("a");
        let wg = result(ProbeSpec::Wireguard(51820), ReachStatus::Closed, false);
        let ctx = Context { nordvpn_cli: true };
        let alone = codes(&t, std::slice::from_ref(&wg), ctx);
        assert_eq!(alone[0].code, Code::WireguardUdpClosed);
        assert_eq!(
            alone[0]
                .fixes
                .iter()
                .filter(|f| f.command.is_some())
                .count(),
            2
        );
        let udp_ok = result(ProbeSpec::OpenvpnUdp(1194), ReachStatus::Open, true);
        let with_udp = codes(&t, &[wg, udp_ok], ctx);
        assert_eq!(
            with_udp[0]
                .fixes
                .iter()
                .filter(|f| f.command.is_some())
                .count(),
            1
        );
    }

    fn error(code: Code, t: &str) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            target: Some(t.to_string()),
            summary: "broken".to_string(),
            evidence: Vec::new(),
            fixes: Vec::new(),
            probes: Vec::new(),
        }
    }

    fn across_codes(
        targets: &[Target],
        done: &[bool],
        findings: &[Finding],
    ) -> Vec<(Code, Option<String>)> {
        let mut out = Vec::new();
        across(targets, &errors(targets, done, findings), &mut out);
        out.into_iter().map(|f| (f.code, f.target)).collect()
    }

    /// Where each target stands, by its first finding among `findings`.
    fn errors<'a>(targets: &[Target], done: &[bool], findings: &'a [Finding]) -> Vec<Standing<'a>> {
        targets
            .iter()
            .zip(done)
            .map(|(t, d)| {
                let first = findings
                    .iter()
                    .find(|f| f.target.as_deref() == Some(t.name.as_str()));
                match (d, first) {
                    (false, _) => Standing::Unfinished,
                    (true, None) => Standing::Works,
                    (true, Some(f)) => Standing::Fails(f),
                }
            })
            .collect()
    }

    #[test]
    fn across_targets() {
        let mut b = target("b");
        b.alternatives = vec!["b2.example.com".to_string()];
        // As Config::expand_alternatives lays them out: the alternative right after its target.
        let mut b2 = target("b → b2.example.com");
        b2.host = "b2.example.com".to_string();
        b2.alternative_of = Some(1);
        let ts = [target("a"), b, b2, target("c")];
        let all_done = [true; 4];
        let every = [
            error(Code::TcpTimeout, "a"),
            error(Code::TcpTimeout, "b"),
            error(Code::TcpTimeout, "c"),
        ];
        assert_eq!(
            across_codes(&ts, &all_done, &every),
            [(Code::AllTargetsFailing, None)]
        );
        let one = [error(Code::PortClosed, "b")];
        assert_eq!(
            across_codes(&ts, &all_done, &one),
            [(Code::SingleTargetFailing, Some("b".to_string()))]
        );
        let mut out = Vec::new();
        across(&ts, &errors(&ts, &all_done, &one), &mut out);
        assert_eq!(
            out[0].fixes[0].label,
            "try another server: b2.example.com (its result shows beside this one)"
        );
        assert_eq!(out[0].fixes[0].rerun, probe::for_target(2));
        assert!(
            out[0].summary.contains("where a, c work"),
            "{}",
            out[0].summary
        );
        // Unfinished targets are neither failing nor working.
        assert!(across_codes(&ts, &[false, true, false, false], &one).is_empty());
        assert!(across_codes(&ts, &all_done, &[]).is_empty());
        // A lone target cannot tell a local cause from a remote one.
        assert!(across_codes(&ts[..1], &[true], &[error(Code::TcpTimeout, "a")]).is_empty());
    }
}
