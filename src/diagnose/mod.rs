//! The diagnosis: a pure function from the observations in the model to findings. Each rule is
//! a small named function; each finding code has a scenario test where a real peer produces it.

pub mod clock;
pub mod reach;
pub mod tls;
pub mod transport;

use std::fmt;

use serde::Serialize;

use crate::app::Model;
use crate::probe::ProbeId;

pub use clock::{Consensus, TimeSource};
use reach::TargetReach;

/// How bad a finding is. Ordered: `Error` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The word, for screens without colour.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// A symbol that reads without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Severity::Info => "i",
            Severity::Warning => "!",
            Severity::Error => "✗",
        }
    }
}

/// The stable finding codes (a contract: scripts match on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    ClockSkew,
    ClockDrift,
    ClockUnsynced,
    NtpUnreachable,
    NtpBadServer,
    DnsFailure,
    TcpRefused,
    TcpTimeout,
    PortClosed,
    PortFiltered,
    OpenvpnUdpBlocked,
    WireguardUdpClosed,
    CaptivePortal,
    AllTargetsFailing,
    SingleTargetFailing,
    CertExpired,
    CertNotYetValid,
    CertWrongHost,
    CertSelfSigned,
    CertUnknownIssuer,
    CertIncompleteChain,
    CertBadPurpose,
    CertExpiringSoon,
    CertWeak,
    TlsInterception,
    TlsReset,
    TlsTimeout,
    TlsClosed,
    NotTls,
    TlsAlert,
    TlsVersion,
    ClientCertRequired,
    MiddleboxLargeHello,
    SniBlocked,
    TlsError,
}

impl Code {
    /// Where a finding stands among those of the same severity: the causes people should
    /// check first come first — the clock, then software or a network in the middle, then
    /// what is true of every target — so the headline names the root cause.
    pub fn rank(self) -> u8 {
        match self {
            Code::ClockSkew => 0,
            Code::TlsInterception => 1,
            Code::CaptivePortal => 2,
            Code::AllTargetsFailing => 3,
            _ => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::ClockSkew => "clock-skew",
            Code::ClockDrift => "clock-drift",
            Code::ClockUnsynced => "clock-unsynced",
            Code::NtpUnreachable => "ntp-unreachable",
            Code::NtpBadServer => "ntp-bad-server",
            Code::DnsFailure => "dns-failure",
            Code::TcpRefused => "tcp-refused",
            Code::TcpTimeout => "tcp-timeout",
            Code::PortClosed => "port-closed",
            Code::PortFiltered => "port-filtered",
            Code::OpenvpnUdpBlocked => "openvpn-udp-blocked",
            Code::WireguardUdpClosed => "wireguard-udp-closed",
            Code::CaptivePortal => "captive-portal",
            Code::AllTargetsFailing => "all-targets-failing",
            Code::SingleTargetFailing => "single-target-failing",
            Code::CertExpired => "cert-expired",
            Code::CertNotYetValid => "cert-not-yet-valid",
            Code::CertWrongHost => "cert-wrong-host",
            Code::CertSelfSigned => "cert-self-signed",
            Code::CertUnknownIssuer => "cert-unknown-issuer",
            Code::CertIncompleteChain => "cert-incomplete-chain",
            Code::CertBadPurpose => "cert-bad-purpose",
            Code::CertExpiringSoon => "cert-expiring-soon",
            Code::CertWeak => "cert-weak",
            Code::TlsInterception => "tls-interception",
            Code::TlsReset => "tls-reset",
            Code::TlsTimeout => "tls-timeout",
            Code::TlsClosed => "tls-closed",
            Code::NotTls => "not-tls",
            Code::TlsAlert => "tls-alert",
            Code::TlsVersion => "tls-version",
            Code::ClientCertRequired => "client-cert-required",
            Code::MiddleboxLargeHello => "middlebox-large-hello",
            Code::SniBlocked => "sni-blocked",
            Code::TlsError => "tls-error",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One way out of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The key that picks it in the fixes window.
    pub key: char,
    pub label: String,
    /// A fixed argument vector chosen by the program (never built from remote data), or `None`
    /// for advice the user carries out elsewhere.
    pub command: Option<Vec<String>>,
    /// The checks to run again after the command.
    pub rerun: Vec<ProbeId>,
}

/// One diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The target's name, or `None` for the machine itself.
    pub target: Option<String>,
    pub summary: String,
    pub evidence: Vec<String>,
    pub fixes: Vec<Fix>,
    /// The probes that `r` re-runs for this finding.
    pub probes: Vec<ProbeId>,
}

/// Everything wrong that the observations prove, worst first.
pub fn diagnose(model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    clock::rules(model, &mut out);
    transport::rules(model, &mut out);
    let targets = &model.config.targets;
    handshakes(model, &mut out);
    let finished: Vec<TargetReach<'_>> = model
        .reach
        .iter()
        .enumerate()
        .filter_map(|(index, slot)| {
            slot.value().map(|r| TargetReach {
                index,
                target: &targets[index],
                results: &r.results,
            })
        })
        .collect();
    let ctx = reach::Context {
        nordvpn_cli: model.env.nordvpn_cli,
    };
    reach::rules(&finished, ctx, &mut out);
    if let Some(c) = model.captive.value() {
        let dns: Vec<_> = model
            .reach
            .iter()
            .filter_map(|s| s.value().and_then(|r| r.dns_compare.clone()))
            .collect();
        reach::captive(c, &dns, &mut out);
    }
    let done: Vec<bool> = (0..targets.len())
        .map(|i| {
            crate::probe::for_target(targets, i)
                .iter()
                .all(|id| model.has_result(*id) && !model.is_running(*id))
        })
        .collect();
    let mut across = Vec::new();
    reach::across(targets, &done, &out, &mut across);
    out.extend(across);
    for f in &mut out {
        widen_reruns(targets, &mut f.probes);
        for fix in &mut f.fixes {
            widen_reruns(targets, &mut fix.rerun);
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.rank().cmp(&b.code.rank()))
            .then(a.code.cmp(&b.code))
            .then(a.target.cmp(&b.target))
    });
    out
}

/// The TLS findings of every target with a finished handshake check. The connect check
/// already judges the TLS port's TCP connect, so the handshake's own TCP failures are left to
/// it; a certificate that fails only because of the clock joins the clock's `clock-skew`.
fn handshakes(model: &Model, out: &mut Vec<Finding>) {
    let consensus = model.consensus().offset;
    let mut clock_explains = Vec::new();
    for (i, slot) in model.tls.iter().enumerate() {
        let Some(report) = slot.value() else { continue };
        let target = &model.config.targets[i];
        let found = tls::findings(
            i,
            target,
            report,
            consensus,
            model.wall,
            &model.env.trust,
            model.env.is_root,
        );
        for f in found {
            match f.code {
                Code::TcpRefused | Code::TcpTimeout if model.connect[i].value().is_some() => {}
                Code::ClockSkew => clock_explains.push(f),
                _ => out.push(f),
            }
        }
    }
    match out
        .iter_mut()
        .find(|f| f.code == Code::ClockSkew && f.target.is_none())
    {
        Some(skew) => {
            for f in clock_explains {
                let name = f.target.unwrap_or_default();
                skew.evidence.push(format!("{name}: {}", f.summary));
                skew.evidence
                    .extend(f.evidence.into_iter().map(|e| format!("{name}: {e}")));
            }
        }
        None => out.extend(clock_explains),
    }
}

/// A target's findings name its connect check; re-running it means all of the target's checks.
fn widen_reruns(targets: &[crate::config::Target], ids: &mut Vec<ProbeId>) {
    let mut out: Vec<ProbeId> = Vec::with_capacity(ids.len());
    for id in ids.iter() {
        let more = match *id {
            ProbeId::Connect(i) => crate::probe::for_target(targets, i),
            other => vec![other],
        };
        for m in more {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    *ids = out;
}

/// The worst severity among the findings, if any.
pub fn verdict(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// `argv`, with `sudo` in front when we are not root.
pub fn privileged(is_root: bool, argv: &[&str]) -> Vec<String> {
    let sudo = (!is_root).then_some("sudo");
    sudo.into_iter()
        .chain(argv.iter().copied())
        .map(str::to_string)
        .collect()
}
