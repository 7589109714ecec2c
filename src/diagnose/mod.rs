//! The diagnosis: a pure function from [`Observations`] (what the probes saw, the config, facts
//! about the machine) to [`Derived`]: the clock's consensus and verdict, each target's judged
//! chain, and the findings. Computed once per change, kept in the model, and read by every
//! pane, details window and report; nothing else verifies a chain, computes a consensus or
//! compares a threshold. [`Derived::refresh`] redoes only what changed: a target's chain is
//! judged once per TLS result.
//!
//! Each rule is a small function named for its finding code; each code has a scenario test
//! of its own, and a test where a real peer produces it.

pub mod certificate;
pub mod chain;
pub mod clock;
mod firewall;
mod handshake;
pub mod machine;
pub mod observations;
mod proxy;
pub mod reach;
mod target;
mod transport;
mod vpn;

use std::fmt;

use serde::Serialize;

use crate::probe::ProbeId;
use crate::probe::clock::Offset;

pub use chain::{CertStatus, Judged};
pub use clock::{Clock, Consensus, TimeSource};
pub use observations::{Machine, Observations, Programs, TargetChecks};
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
    TcpUnreachable,
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
    CertChainExtra,
    PrivateCa,
    CaBundleOutdated,
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
    ProxyFailure,
    ProxyOnly,
    NordlynxUnproven,
    WireguardNoHandshake,
    SecuritySoftware,
    ClientOutdated,
    LocalFirewall,
    AppSuspect,
    VpnCaMismatch,
    VpnNameMismatch,
    VpnClientCertRequired,
    VpnTlsVersion,
    VpnNoAnswer,
    VpnCertExpired,
    VpnCertNotYetValid,
    VpnKeyDirection,
    VpnFragmentsDropped,
    VpnKeyMismatch,
    VpnInconclusive,
}

impl Code {
    /// Every code, in the order of the enum: what the README documents and the tests cover.
    pub const ALL: [Code; 58] = [
        Code::ClockSkew,
        Code::ClockDrift,
        Code::ClockUnsynced,
        Code::NtpUnreachable,
        Code::NtpBadServer,
        Code::DnsFailure,
        Code::TcpRefused,
        Code::TcpTimeout,
        Code::TcpUnreachable,
        Code::PortClosed,
        Code::PortFiltered,
        Code::OpenvpnUdpBlocked,
        Code::WireguardUdpClosed,
        Code::CaptivePortal,
        Code::AllTargetsFailing,
        Code::SingleTargetFailing,
        Code::CertExpired,
        Code::CertNotYetValid,
        Code::CertWrongHost,
        Code::CertSelfSigned,
        Code::CertUnknownIssuer,
        Code::CertIncompleteChain,
        Code::CertBadPurpose,
        Code::CertExpiringSoon,
        Code::CertWeak,
        Code::CertChainExtra,
        Code::PrivateCa,
        Code::CaBundleOutdated,
        Code::TlsInterception,
        Code::TlsReset,
        Code::TlsTimeout,
        Code::TlsClosed,
        Code::NotTls,
        Code::TlsAlert,
        Code::TlsVersion,
        Code::ClientCertRequired,
        Code::MiddleboxLargeHello,
        Code::SniBlocked,
        Code::TlsError,
        Code::ProxyFailure,
        Code::ProxyOnly,
        Code::NordlynxUnproven,
        Code::WireguardNoHandshake,
        Code::SecuritySoftware,
        Code::ClientOutdated,
        Code::LocalFirewall,
        Code::AppSuspect,
        Code::VpnCaMismatch,
        Code::VpnNameMismatch,
        Code::VpnClientCertRequired,
        Code::VpnTlsVersion,
        Code::VpnNoAnswer,
        Code::VpnCertExpired,
        Code::VpnCertNotYetValid,
        Code::VpnKeyDirection,
        Code::VpnFragmentsDropped,
        Code::VpnKeyMismatch,
        Code::VpnInconclusive,
    ];

    /// Where a finding stands among those of the same severity: the causes people should
    /// check first come first — the clock, then software or a network in the middle, then
    /// what is true of every target — so the headline names the root cause.
    pub fn rank(self) -> u8 {
        match self {
            Code::ClockSkew => 0,
            Code::TlsInterception | Code::LocalFirewall => 1,
            Code::CaptivePortal | Code::ProxyFailure => 2,
            Code::AllTargetsFailing => 3,
            // What is left when nothing else is wrong comes last.
            Code::AppSuspect => 9,
            _ => 4,
        }
    }

    /// Why a root cause comes first, for the "next step" line: what it explains. `None` for
    /// the rest, which go worst first.
    pub fn first_because(self) -> Option<&'static str> {
        match self {
            Code::ClockSkew => {
                Some("a wrong clock makes valid certificates look expired or not yet valid")
            }
            Code::TlsInterception => Some("software in the middle re-signs every chain"),
            Code::LocalFirewall => Some("this machine's own firewall stops the packets"),
            Code::CaptivePortal => Some("a captive portal holds every connection until you log in"),
            Code::ProxyFailure => {
                Some("the checks go through the proxy, as your other programs do")
            }
            Code::AllTargetsFailing => Some("every target fails, so the cause is on this side"),
            _ => None,
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
            Code::TcpUnreachable => "tcp-unreachable",
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
            Code::CertChainExtra => "cert-chain-extra",
            Code::PrivateCa => "private-ca",
            Code::CaBundleOutdated => "ca-bundle-outdated",
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
            Code::ProxyFailure => "proxy-failure",
            Code::ProxyOnly => "proxy-only",
            Code::NordlynxUnproven => "nordlynx-unproven",
            Code::WireguardNoHandshake => "wireguard-no-handshake",
            Code::SecuritySoftware => "security-software",
            Code::ClientOutdated => "client-outdated",
            Code::LocalFirewall => "local-firewall",
            Code::AppSuspect => "app-suspect",
            Code::VpnCaMismatch => "vpn-ca-mismatch",
            Code::VpnNameMismatch => "vpn-name-mismatch",
            Code::VpnClientCertRequired => "vpn-client-cert-required",
            Code::VpnTlsVersion => "vpn-tls-version",
            Code::VpnNoAnswer => "vpn-no-answer",
            Code::VpnCertExpired => "vpn-cert-expired",
            Code::VpnCertNotYetValid => "vpn-cert-not-yet-valid",
            Code::VpnKeyDirection => "vpn-key-direction",
            Code::VpnFragmentsDropped => "vpn-fragments-dropped",
            Code::VpnKeyMismatch => "vpn-key-mismatch",
            Code::VpnInconclusive => "vpn-inconclusive",
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

/// Everything derived from the observations.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub clock: Clock,
    /// Per target of `config.targets`, in its order.
    pub targets: Vec<TargetVerdict>,
    /// Everything wrong that the observations prove, worst first.
    pub findings: Vec<Finding>,
    /// This machine, judged: once its check has a result.
    pub machine: Option<machine::MachineState>,
    /// The version of the observations this was derived from.
    version: Option<u64>,
}

/// What is derived about one target.
#[derive(Debug, Clone, Default)]
pub struct TargetVerdict {
    /// Its chain, judged (none until a TLS result brings one).
    pub chain: Option<Judged>,
    /// How the chain fares, when the handshake itself worked.
    pub cert: Option<CertStatus>,
    /// Every check has finished and none runs or waits.
    pub done: bool,
    /// Its findings, before they are merged and sorted into [`Derived::findings`].
    own: Vec<Finding>,
    /// Its certificate failures that the clock explains: evidence for `clock-skew`.
    explained: Vec<Finding>,
    /// The inputs these were derived from.
    stamp: Option<Stamp>,
}

/// What a target's verdict depends on: its results, and when it has a chain the true time
/// and the sync service (the fixes for a certificate the clock explains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    results: [u64; 4],
    truth: Option<Offset>,
    clock_off: bool,
    sync: u64,
}

/// Everything the observations prove, derived from scratch.
pub fn diagnose(obs: &Observations) -> Derived {
    let mut d = Derived::default();
    d.refresh(obs);
    d
}

impl Derived {
    /// Brings the derivation up to date with `obs`, redoing only what changed: nothing when
    /// the observations did not change, and per target only when its results (or, for a
    /// chain, the true time) did. The result equals [`diagnose`] from scratch.
    pub fn refresh(&mut self, obs: &Observations) {
        if self.version == Some(obs.version()) && self.targets.len() == obs.targets.len() {
            return;
        }
        self.version = Some(obs.version());
        self.clock = Clock::of(obs);
        let truth = self.clock.consensus.offset;
        let clock_off = self.clock.verdict.is_some();
        self.targets
            .resize_with(obs.targets.len(), TargetVerdict::default);
        let mut stale = Vec::new();
        for (i, (checks, verdict)) in obs.targets.iter().zip(&mut self.targets).enumerate() {
            verdict.done = obs.target_done(i);
            let has_chain =
                checks.tls.value().is_some_and(|r| !r.chain.is_empty()) || vpn::has_chain(checks);
            let stamp = Stamp {
                results: [
                    checks.dns.results(),
                    checks.connect.results(),
                    checks.tls.results(),
                    checks.reach.results(),
                ],
                truth: truth.filter(|_| has_chain),
                clock_off: clock_off && has_chain,
                sync: if has_chain { obs.sync.results() } else { 0 },
            };
            if verdict.stamp != Some(stamp) {
                stale.push((i, stamp, verdict));
            }
        }
        let update = |(i, stamp, verdict): &mut (usize, Stamp, &mut TargetVerdict)| {
            verdict.update(obs, *i, *stamp, truth, clock_off);
        };
        // Judging a chain verifies signatures: many at once (a run's end, a re-run of every
        // target) are shared out among the cores.
        let threads = if stale.len() < PARALLEL_FROM {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
        };
        if threads < 2 {
            stale.iter_mut().for_each(update);
        } else {
            let per_thread = stale.len().div_ceil(threads);
            std::thread::scope(|scope| {
                for part in stale.chunks_mut(per_thread) {
                    scope.spawn(move || part.iter_mut().for_each(update));
                }
            });
        }
        // A certificate that fails only by this clock makes a drift a skew: one finding.
        if self.targets.iter().any(|t| !t.explained.is_empty()) {
            self.clock.explains_a_certificate();
        }
        self.machine = obs
            .local
            .last
            .as_ref()
            .map(|d| machine::MachineState::of(&d.value, d.at));
        self.findings = assemble(obs, &self.clock, &self.targets);
    }
}

impl Derived {
    /// Whether a finding offers to try target `i`: one of its fixes runs the target's checks
    /// (an alternative server is run only from such a fix).
    pub fn offers_target(&self, i: usize) -> bool {
        self.findings
            .iter()
            .flat_map(|f| &f.fixes)
            .any(|x| x.rerun.contains(&ProbeId::Dns(i)))
    }
}

/// Below this many targets to redo, they are redone on the calling thread.
const PARALLEL_FROM: usize = 32;

impl TargetVerdict {
    /// Whether a client would fail with this target: an error of its own, or a certificate
    /// the clock makes fail.
    pub fn failing(&self) -> bool {
        self.own.iter().any(|f| f.severity == Severity::Error) || !self.explained.is_empty()
    }

    /// Redoes target `i`'s verdict for `stamp`, keeping its judged chain when the TLS result
    /// is the same.
    fn update(
        &mut self,
        obs: &Observations,
        i: usize,
        stamp: Stamp,
        truth: Option<Offset>,
        clock_off: bool,
    ) {
        let checks = &obs.targets[i];
        let same_tls = self.stamp.is_some_and(|s| s.results[2] == stamp.results[2]);
        let prev = if same_tls { self.chain.take() } else { None };
        self.chain = checks
            .tls
            .value()
            .and_then(|r| chain::judge(r, truth, clock_off, &obs.machine.trust, prev));
        let (own, explained) = target_findings(obs, i, self.chain.as_ref(), truth);
        let intercepted = own.iter().any(|f| f.code == Code::TlsInterception);
        self.cert = match (checks.tls.value(), &self.chain) {
            (Some(r), Some(j)) if r.attempt.failure.is_none() => {
                let leaf = r.chain.first().and_then(|c| c.info.as_ref().ok());
                Some(CertStatus::of(j, leaf, intercepted))
            }
            _ => None,
        };
        self.own = own;
        self.explained = explained;
        self.stamp = Some(stamp);
    }
}

/// Target `i`'s findings, and apart from them the certificate failures the clock explains.
fn target_findings(
    obs: &Observations,
    i: usize,
    judged: Option<&Judged>,
    truth: Option<Offset>,
) -> (Vec<Finding>, Vec<Finding>) {
    let target = &obs.config.targets[i];
    let checks = &obs.targets[i];
    let mut own = Vec::new();
    let mut explained = Vec::new();
    let connect = checks.connect.value().map(|b| &**b);
    let mut direct = Vec::new();
    transport::rules(i, target, checks.dns.value(), connect, &mut direct);
    if let Some(report) = checks.tls.value() {
        let clock_fixes = clock::clock_fixes(obs);
        let cx = target::Ctx {
            index: i,
            target,
            report,
            direct: connect,
            clock_fixes: &clock_fixes,
            machine: &obs.machine,
        };
        let mut found = Vec::new();
        found.extend(proxy::proxy_failure(&cx));
        handshake::rules(&cx, judged, &mut found);
        if let Some(j) = judged {
            certificate::rules(&cx, j, &mut found);
        }
        for f in found {
            match f.code {
                // The connect check already judges the TLS port's TCP connect.
                Code::TcpRefused | Code::TcpTimeout | Code::TcpUnreachable if connect.is_some() => {
                }
                Code::ClockSkew => explained.push(f),
                _ => own.push(f),
            }
        }
    }
    let results = checks
        .reach
        .value()
        .map_or(&[][..], |r| r.results.as_slice());
    let paths = proxy::ReachPaths::of(results);
    // Where the proxy gets through, the direct path's failures are one finding.
    let tls = checks.tls.value().map(|b| &**b);
    if let Some(only) = proxy::proxy_only(i, target, tls, &direct, &paths) {
        if tls.is_some_and(proxy::tunnelled) {
            direct.clear();
        }
        own.push(only);
    }
    own.splice(0..0, direct);
    if checks.reach.value().is_some() {
        let t = TargetReach {
            index: i,
            target,
            results: &paths.judged,
        };
        let ctx = reach::Context {
            nordvpn_cli: obs.machine.nordvpn_cli,
        };
        reach::rules(&t, ctx, &mut own);
        let clock = vpn::Clocked {
            truth,
            fixes: clock::clock_fixes(obs),
        };
        vpn::rules(i, target, results, &clock, &mut own, &mut explained);
    }
    (own, explained)
}

/// Every finding: the clock's, each target's, the captive portal's and those across
/// targets, worst first. A certificate failure the clock explains joins `clock-skew` as
/// evidence (or stands as the target's own `clock-skew` when the clock's offset alone is not
/// a finding).
fn assemble(obs: &Observations, clock: &Clock, targets: &[TargetVerdict]) -> Vec<Finding> {
    let mut out = Vec::new();
    clock::rules(obs, clock, &mut out);
    let skew = out
        .iter()
        .position(|f| f.code == Code::ClockSkew && f.target.is_none());
    for t in targets {
        out.extend(t.own.iter().cloned());
    }
    proxy::merge_alike(&mut out, Code::ProxyFailure);
    proxy::merge_alike(&mut out, Code::ProxyOnly);
    match skew {
        Some(k) => {
            for f in targets.iter().flat_map(|t| &t.explained) {
                let name = f.target.clone().unwrap_or_default();
                let skew = &mut out[k];
                skew.evidence.push(format!("{name}: {}", f.summary));
                skew.evidence
                    .extend(f.evidence.iter().map(|e| format!("{name}: {e}")));
            }
        }
        None => out.extend(targets.iter().flat_map(|t| t.explained.iter().cloned())),
    }
    if let Some(c) = obs.captive.value() {
        let dns: Vec<_> = obs
            .targets
            .iter()
            .filter_map(|t| t.reach.value().and_then(|r| r.dns_compare.clone()))
            .collect();
        reach::captive(c, &dns, &mut out);
    }
    let standings: Vec<reach::Standing<'_>> = targets
        .iter()
        .zip(&obs.targets)
        .map(|(t, checks)| {
            let explained = t.explained.iter().filter(|_| skew.is_none());
            let error = t
                .own
                .iter()
                .chain(explained)
                .find(|f| f.severity == Severity::Error);
            match (t.done, error) {
                (false, _) => reach::Standing::Unfinished,
                // A silent port (WireGuard's, an OpenVPN port with tls-auth) proves nothing.
                (true, None) if !proven(checks) => reach::Standing::Unproven,
                (true, None) => reach::Standing::Works,
                (true, Some(f)) => reach::Standing::Fails(f),
            }
        })
        .collect();
    let mut across = Vec::new();
    reach::across(&obs.config.targets, &standings, &mut across);
    out.extend(across);
    machine::rules(obs, &mut out);
    firewall::rules(obs, &mut out);
    // A target this machine's own firewall stops, or whose VPN profile is what fails (its CA,
    // key, client certificate, TLS cap), is no reason to try another server: the same machine
    // and profile fail there too.
    let stopped_here: Vec<Option<String>> = out
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                Code::LocalFirewall
                    | Code::VpnCaMismatch
                    | Code::VpnNameMismatch
                    | Code::VpnClientCertRequired
                    | Code::VpnKeyDirection
                    | Code::VpnKeyMismatch
                    | Code::VpnTlsVersion
            )
        })
        .map(|f| f.target.clone())
        .collect();
    out.retain(|f| !(f.code == Code::SingleTargetFailing && stopped_here.contains(&f.target)));
    machine::name_interceptors(obs, &mut out);
    // Last: what is left when nothing else is wrong.
    machine::app_suspect(obs, &mut out);
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.rank().cmp(&b.code.rank()))
            .then(a.code.cmp(&b.code))
            .then(a.target.cmp(&b.target))
    });
    out
}

/// Whether a target's checks saw something answer: a TLS handshake, a TCP connect, a probe
/// that found its port open.
fn proven(checks: &TargetChecks) -> bool {
    checks
        .tls
        .value()
        .is_some_and(|r| r.attempt.failure.is_none())
        || checks
            .connect
            .value()
            .is_some_and(|c| c.tcp.iter().any(|a| a.result.is_ok()))
        || checks.reach.value().is_some_and(|r| {
            r.results
                .iter()
                .any(|x| x.status == crate::probe::reach::ReachStatus::Open)
        })
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
