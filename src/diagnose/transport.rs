//! DNS and TCP: `dns-failure`, `tcp-refused`, `tcp-timeout`, `tcp-unreachable`, one function
//! per code; a `tcp:N` probe's refusal or silence is `port-closed` / `port-filtered`, as for
//! the other port probes.

use super::target::rerun;
use super::{Code, Finding, Severity};
use crate::config::{ProbeSpec, Target};
use crate::probe;
use crate::probe::connect::{ConnectReport, Dns, TcpAttempt, TcpError};
use crate::text::human_duration;

/// The transport findings of target `i`: its DNS answer and its TCP ports.
pub(super) fn rules(
    i: usize,
    target: &Target,
    dns: Option<&Dns>,
    connect: Option<&ConnectReport>,
    out: &mut Vec<Finding>,
) {
    out.extend(dns.and_then(|d| dns_failure(i, target, d)));
    for attempt in connect.iter().flat_map(|r| &r.tcp) {
        out.extend(tcp_refused(i, target, attempt));
        out.extend(tcp_timeout(i, target, attempt));
        out.extend(tcp_unreachable(i, target, attempt));
    }
}

fn finding(
    i: usize,
    target: &Target,
    code: Code,
    summary: String,
    evidence: Vec<String>,
) -> Finding {
    Finding {
        code,
        severity: Severity::Error,
        target: Some(target.name.clone()),
        summary,
        evidence,
        fixes: vec![rerun(i)],
        probes: probe::for_target(i),
    }
}

/// `dns-failure`: the system resolver gave no address, or no answer in time.
fn dns_failure(i: usize, target: &Target, dns: &Dns) -> Option<Finding> {
    let host = &target.host;
    let (summary, evidence) = match dns {
        Dns::Failed { error, .. } => (
            format!("{host} does not resolve: {error}"),
            vec![
                format!("system resolver for {host:?}: {error}"),
                "check the name, /etc/resolv.conf and whether this machine has a network"
                    .to_string(),
            ],
        ),
        Dns::Timeout(d) => (
            format!("the resolver did not answer for {host} within {d:?}"),
            vec![format!(
                "system resolver for {host:?}: no answer within {d:?}"
            )],
        ),
        Dns::Resolved { .. } | Dns::Skipped(_) => return None,
    };
    Some(finding(i, target, Code::DnsFailure, summary, evidence))
}

fn addr(target: &Target, attempt: &TcpAttempt) -> String {
    attempt
        .addr
        .map_or_else(|| target.host.clone(), |a| a.to_string())
}

/// Whether `port` is one of the target's `tcp:N` probes rather than the port its TLS check
/// dials: a port probe's verdict is a reachability code (`port-closed`, `port-filtered`), as
/// for the OpenVPN ports.
fn is_port_probe(target: &Target, port: u16) -> bool {
    !(target.probes.contains(&ProbeSpec::Tls) && port == target.tls_port())
}

/// `port-closed` for a `tcp:N` probe that was refused, else `tcp-refused`: a TCP port
/// answered with a reset.
fn tcp_refused(i: usize, target: &Target, attempt: &TcpAttempt) -> Option<Finding> {
    let Err(TcpError::Refused) = &attempt.result else {
        return None;
    };
    let at = addr(target, attempt);
    if is_port_probe(target, attempt.port) {
        return Some(finding(
            i,
            target,
            Code::PortClosed,
            format!(
                "tcp port {} on {} is closed: nothing listens there, or a firewall rejects it",
                attempt.port, target.host
            ),
            vec![format!(
                "tcp:{} to {at}: closed (the host answered with a reset)",
                attempt.port
            )],
        ));
    }
    Some(finding(
        i,
        target,
        Code::TcpRefused,
        format!("{at} refused the connection"),
        vec![format!(
            "TCP connect to {at} (port {}): the host answered with a reset: nothing listens on the port, or a firewall rejects it",
            attempt.port
        )],
    ))
}

/// `tcp-timeout`: a TCP port gave no answer at all.
fn tcp_timeout(i: usize, target: &Target, attempt: &TcpAttempt) -> Option<Finding> {
    let Err(TcpError::Timeout(d)) = &attempt.result else {
        return None;
    };
    let at = addr(target, attempt);
    if is_port_probe(target, attempt.port) {
        return Some(finding(
            i,
            target,
            Code::PortFiltered,
            format!(
                "tcp port {} on {} does not answer: a firewall drops it, or the host is down",
                attempt.port, target.host
            ),
            vec![format!(
                "tcp:{} to {at}: filtered (no answer within {})",
                attempt.port,
                human_duration(*d)
            )],
        ));
    }
    Some(finding(
        i,
        target,
        Code::TcpTimeout,
        format!("{at} did not answer within {}", human_duration(*d)),
        vec![format!(
            "TCP connect to {at} (port {}): no answer at all: a firewall drops the packets, or the host is down",
            attempt.port
        )],
    ))
}

/// `tcp-unreachable`: the connect failed before any answer could come: no route from this
/// machine (no network, no default route, no IPv6), a router's or a local firewall's
/// rejection, or another error of the system's.
fn tcp_unreachable(i: usize, target: &Target, attempt: &TcpAttempt) -> Option<Finding> {
    let Err(TcpError::Unreachable(why) | TcpError::Other(why)) = &attempt.result else {
        return None;
    };
    let at = addr(target, attempt);
    Some(finding(
        i,
        target,
        Code::TcpUnreachable,
        format!("{at} cannot be reached from this machine: {why}"),
        unreachable_evidence(&at, attempt.port, why),
    ))
}

/// What an unreachable connect says, and where to look.
pub(super) fn unreachable_evidence(at: &str, port: u16, why: &str) -> Vec<String> {
    vec![
        format!("TCP connect to {at} (port {port}): {why}"),
        "no packet left for the server: check that this machine has a network (ip route: a default route; for an IPv6 address, IPv6), and its firewall".to_string(),
    ]
}
