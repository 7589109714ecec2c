//! The diagnosis: a pure function from the observations in the model to findings. Each rule is
//! a small named function; each finding code has a scenario test where a real peer produces it.

pub mod clock;
pub mod tls;
pub mod transport;

use std::fmt;

use serde::Serialize;

use crate::app::Model;
use crate::probe::ProbeId;

pub use clock::{Consensus, TimeSource};

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
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.cmp(&b.code))
            .then(a.target.cmp(&b.target))
    });
    out
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
