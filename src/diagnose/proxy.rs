//! The HTTP proxy: `proxy-failure` (it did not open the tunnel) and `proxy-only` (direct
//! connections fail where the proxy gets through), one function per code. A proxied target's
//! TLS checks take the proxy; its direct connect check is the other path's witness.
//!
//! What is true of the proxy itself (it cannot be reached, it wants credentials) or of the
//! whole network (only the proxy gets out) is one finding, not one per target: see
//! [`merge_alike`].

use super::target::Ctx;
use super::{Code, Finding, Fix, Severity};
use crate::config::{Proxy, Target};
use crate::probe;
use crate::probe::ProbeId;
use crate::probe::connect::TcpError;
use crate::probe::proxy::ProxyError;
use crate::probe::reach::{ReachResult, ReachStatus};
use crate::probe::tls::{TlsFailure, TlsReport};
use crate::text::clean;
use crate::text::human_duration;

/// `proxy-failure`: the proxy did not open the tunnel to the target.
pub(super) fn proxy_failure(cx: &Ctx<'_>) -> Option<Finding> {
    let proxy = cx.target.proxy.as_ref()?;
    let Some(TlsFailure::Proxy(e)) = &cx.report.attempt.failure else {
        return None;
    };
    let at = proxy.authority();
    let dest = cx.target.tunnel_authority();
    let summary = match e {
        ProxyError::Resolve(_) => format!("the proxy {at} does not resolve"),
        ProxyError::Connect {
            error: TcpError::Refused,
            ..
        } => format!("the proxy {at} refuses connections: nothing listens there"),
        ProxyError::Connect {
            error: TcpError::Timeout(_),
            ..
        } => format!("the proxy {at} does not answer"),
        ProxyError::Connect { error, .. } => format!("the proxy {at} cannot be reached: {error}"),
        ProxyError::Refused {
            status: s @ (401 | 407),
            ..
        } if proxy.authorization().is_some() => {
            format!("the proxy {at} refuses the user name and password of its URL ({s})")
        }
        ProxyError::Refused {
            status: s @ (401 | 407),
            ..
        } => format!("the proxy {at} wants a user name and password ({s})"),
        ProxyError::Refused { status: 403, .. } => {
            format!("the proxy {at} forbids the tunnel to {dest} (403)")
        }
        ProxyError::Refused { status, .. } if *status >= 500 => {
            format!("the proxy {at} could not reach {dest} ({status})")
        }
        ProxyError::Refused { status, .. } => {
            format!("the proxy {at} refused the tunnel to {dest} ({status})")
        }
        ProxyError::Timeout(d) => format!(
            "the proxy {at} did not open the tunnel to {dest} within {}",
            human_duration(*d)
        ),
        ProxyError::BadAnswer(_) => format!("{at} does not answer as an HTTP proxy"),
    };
    let mut evidence = vec![
        format!("the proxy is {at}, set by {}", proxy.source),
        format!("CONNECT {dest}: {e}"),
    ];
    evidence.extend(direct_line(cx));
    Some(cx.finding(
        Code::ProxyFailure,
        Severity::Error,
        &summary,
        evidence,
        failure_fixes(cx, proxy, e),
    ))
}

/// The direct path's result, as evidence: whether programs that ignore the proxy get through.
fn direct_line(cx: &Ctx<'_>) -> Option<String> {
    let direct = cx.direct?;
    let attempt = direct.port(cx.target.tls_port())?;
    Some(match &attempt.result {
        Ok(took) => format!(
            "direct TCP connect to port {} works ({}): programs that ignore the proxy get through",
            attempt.port,
            human_duration(*took)
        ),
        Err(e) => format!("direct TCP connect to port {}: {e}", attempt.port),
    })
}

fn failure_fixes(cx: &Ctx<'_>, proxy: &Proxy, e: &ProxyError) -> Vec<Fix> {
    let at = proxy.authority();
    let label = match e {
        ProxyError::Refused {
            status: 401 | 407, ..
        } => format!(
            "give the proxy's credentials in its URL, http://USER:PASSWORD@{at} ({})",
            proxy.source
        ),
        ProxyError::Refused { status: 403, .. } => format!(
            "ask the proxy's admin to allow CONNECT to {}, or add {} to NO_PROXY if it is reachable directly",
            cx.target.tunnel_authority(),
            cx.target.host
        ),
        ProxyError::Refused { status, .. } if *status >= 500 => {
            "the proxy cannot reach the server: try another server, or ask the proxy's admin"
                .to_string()
        }
        _ => format!(
            "fix or remove the proxy setting ({}); re-run with --no-proxy to test the direct path",
            proxy.source
        ),
    };
    vec![cx.advice('p', label)]
}

/// A target's reachability results by path.
pub(super) struct ReachPaths<'a> {
    /// The direct results the reach rules judge.
    pub judged: Vec<ReachResult>,
    /// Direct OpenVPN TCP results that failed where the same port answers as OpenVPN through
    /// the proxy: `proxy-only`'s evidence, not failures of their own.
    pub bypassed: Vec<&'a ReachResult>,
    /// The OpenVPN TCP probes through the proxy.
    pub through: Vec<&'a ReachResult>,
}

impl<'a> ReachPaths<'a> {
    pub fn of(results: &'a [ReachResult]) -> Self {
        let through: Vec<&ReachResult> = results.iter().filter(|r| r.via.is_some()).collect();
        let answered = |r: &ReachResult| {
            through
                .iter()
                .any(|t| t.is_openvpn && t.probe == r.probe && t.port == r.port)
        };
        let (bypassed, judged): (Vec<&ReachResult>, Vec<&ReachResult>) = results
            .iter()
            .filter(|r| r.via.is_none())
            .partition(|r| r.status != ReachStatus::Open && answered(r));
        ReachPaths {
            judged: judged.into_iter().cloned().collect(),
            bypassed,
            through,
        }
    }
}

/// `proxy-only`: the proxy reached target `i` where the direct path fails. `direct`: the
/// transport findings of its direct checks, which this finding stands for when the TLS check
/// got through the proxy (the caller drops them then).
pub(super) fn proxy_only(
    i: usize,
    target: &Target,
    tls: Option<&TlsReport>,
    direct: &[Finding],
    paths: &ReachPaths<'_>,
) -> Option<Finding> {
    let proxy = target.proxy.as_ref()?;
    let tls_through = tls.filter(|r| tunnelled(r));
    let name = &target.name;
    let mut evidence: Vec<String> = Vec::new();
    if tls_through.is_some() {
        evidence.extend(
            direct
                .iter()
                .map(|f| format!("{name}: direct: {}", f.summary)),
        );
    }
    evidence.extend(paths.bypassed.iter().map(|r| {
        format!(
            "{name}: direct: {} {}: {}: {}",
            r.probe.kind(),
            r.port,
            r.status,
            r.detail
        )
    }));
    if evidence.is_empty() {
        return None;
    }
    let at = proxy.authority();
    if let Some(r) = tls_through {
        evidence.push(format!(
            "{name}: through the proxy {at} ({}): {}",
            proxy.source,
            through(r)
        ));
    }
    for r in &paths.through {
        evidence.push(if r.is_openvpn {
            format!(
                "{name}: OpenVPN TCP {} answers through the proxy: a profile with `http-proxy` connects",
                r.port
            )
        } else {
            format!("{name}: OpenVPN TCP {} through the proxy: {}: {}", r.port, r.status, r.detail)
        });
    }
    let advice = |key: char, label: String| Fix {
        key,
        label,
        command: None,
        rerun: probe::for_target(i),
    };
    let fixes = vec![
        advice(
            'o',
            format!(
                "OpenVPN over TCP can take this proxy: add `http-proxy {} {}` to the .ovpn profile (with `proto tcp`); OpenVPN over UDP and WireGuard/NordLynx cannot pass an HTTP proxy",
                proxy.host, proxy.port
            ),
        ),
        advice(
            'a',
            format!(
                "a program that ignores {} fails here: set the proxy in it, or ask the network's admin to open the direct path",
                proxy.source
            ),
        ),
        super::target::rerun(i),
    ];
    Some(Finding {
        code: Code::ProxyOnly,
        severity: Severity::Warning,
        target: Some(target.name.clone()),
        summary: format!("only the proxy {at} gets out: direct connections fail"),
        evidence: evidence.iter().map(|e| clean(e)).collect(),
        fixes,
        probes: probe::for_target(i),
    })
}

/// Whether the default hello's tunnel opened: the proxy reached the target.
pub(super) fn tunnelled(report: &TlsReport) -> bool {
    matches!(report.attempt.tcp, Some(Ok(_)))
        && !matches!(report.attempt.failure, Some(TlsFailure::Proxy(_)))
}

/// What came through the tunnel, in words.
fn through(report: &TlsReport) -> String {
    match (&report.attempt.failure, &report.attempt.negotiated) {
        (None, Some(n)) => format!("the TLS handshake completed ({})", n.version),
        (Some(f), _) if f.server_spoke_tls() => format!("the server answered in TLS ({f})"),
        (Some(f), _) => format!("the tunnel opened; then {f}"),
        (None, None) => "the tunnel opened".to_string(),
    }
}

/// Findings of `code` about several targets with the same summary (the proxy's own failure,
/// "only the proxy gets out") made one finding about the machine: the evidence of each, the
/// re-run of all.
pub(super) fn merge_alike(findings: &mut Vec<Finding>, code: Code) {
    let mut merged: Vec<Finding> = Vec::new();
    let mut rest = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        if f.code != code {
            rest.push(f);
            continue;
        }
        match merged.iter_mut().find(|m| m.summary == f.summary) {
            Some(m) => {
                m.target = None;
                for e in f.evidence {
                    if !m.evidence.contains(&e) {
                        m.evidence.push(e);
                    }
                }
                for p in f.probes {
                    if !m.probes.contains(&p) {
                        m.probes.push(p);
                    }
                }
            }
            None => merged.push(f),
        }
    }
    for m in &mut merged {
        if m.target.is_none() {
            let all: Vec<ProbeId> = m.probes.clone();
            if let Some(r) = m.fixes.iter_mut().find(|x| x.key == 'r') {
                r.label = "re-run every affected target's checks".to_string();
                r.rerun.clone_from(&all);
            }
            for x in &mut m.fixes {
                x.rerun.clone_from(&all);
            }
        }
    }
    rest.extend(merged);
    *findings = rest;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(code: Code, target: &str, summary: &str, i: usize) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            target: Some(target.to_string()),
            summary: summary.to_string(),
            evidence: vec![format!("{target}: seen")],
            fixes: vec![super::super::target::rerun(i)],
            probes: probe::for_target(i),
        }
    }

    #[test]
    fn alike_findings_become_one_about_the_machine() {
        let mut all = vec![
            f(Code::ProxyFailure, "a", "the proxy p:1 does not answer", 0),
            f(Code::TlsReset, "c", "reset", 2),
            f(Code::ProxyFailure, "b", "the proxy p:1 does not answer", 1),
            f(
                Code::ProxyFailure,
                "d",
                "the proxy p:1 forbids the tunnel to d:1 (403)",
                3,
            ),
        ];
        merge_alike(&mut all, Code::ProxyFailure);
        assert_eq!(all.len(), 3);
        let one = all.iter().find(|f| f.target.is_none()).unwrap();
        assert_eq!(one.evidence, ["a: seen", "b: seen"]);
        assert_eq!(one.probes, [ProbeId::Dns(0), ProbeId::Dns(1)]);
        assert_eq!(one.fixes[0].rerun, [ProbeId::Dns(0), ProbeId::Dns(1)]);
        assert!(all.iter().any(|f| f.target.as_deref() == Some("d")));
    }
}
