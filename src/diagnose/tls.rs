//! The handshake and the certificate: every way a TLS handshake fails, named from what the
//! probe saw (see [`crate::probe::tls`]). Pure: the same report gives the same findings.
//!
//! The order of explanations matters. A wrong clock explains a certificate that looks
//! expired (`clock-skew`, not `cert-expired`); an intercepting product explains a chain no
//! public root signs (`tls-interception`, not `cert-unknown-issuer`); a variant that works
//! explains a blocked default hello (`middlebox-large-hello`, `sni-blocked`).

use std::time::{Duration, SystemTime};

use super::{Code, Finding, Fix, Severity, privileged};
use crate::config::Target;
use crate::interception::{self, Interceptor};
use crate::probe::ProbeId;
use crate::probe::cert::{CertInfo, rfc3339};
use crate::probe::clock::Offset;
use crate::probe::connect::TcpError;
use crate::probe::tls::{TlsFailure, TlsReport, Variant, verify_at};
use crate::probe::trust::{PathError, TimeFault, Trust, Verdicts};
use crate::text::clean;
use crate::text::human_duration;
use crate::text::show_bytes;

/// A leaf that expires sooner than this gets `cert-expiring-soon`.
pub const EXPIRING_SOON: Duration = Duration::from_secs(14 * 86_400);

/// What every rule needs to know about the target.
struct Ctx<'a> {
    index: usize,
    target: &'a Target,
    report: &'a TlsReport,
    is_root: bool,
}

impl Ctx<'_> {
    fn probes(&self) -> Vec<ProbeId> {
        vec![ProbeId::Connect(self.index)]
    }

    fn rerun(&self) -> Fix {
        Fix {
            key: 'r',
            label: "re-run this target's checks".to_string(),
            command: None,
            rerun: self.probes(),
        }
    }

    fn advice(&self, key: char, label: String) -> Fix {
        Fix {
            key,
            label,
            command: None,
            rerun: self.probes(),
        }
    }

    fn finding(
        &self,
        code: Code,
        severity: Severity,
        summary: &str,
        evidence: Vec<String>,
        mut fixes: Vec<Fix>,
    ) -> Finding {
        fixes.push(self.rerun());
        Finding {
            code,
            severity,
            target: Some(self.target.name.clone()),
            summary: clean(summary),
            evidence: evidence.into_iter().map(|e| clean(&e)).collect(),
            fixes,
            probes: self.probes(),
        }
    }

    fn endpoint(&self) -> String {
        self.report.attempt.addr.map_or_else(
            || format!("{}:{}", self.target.host, self.target.tls_port()),
            |a| a.to_string(),
        )
    }
}

/// The findings for target `target_index` from its TLS report. The chain is judged at
/// `local_now` (the local clock) and, when the clock pane has a consensus, at the true time
/// `local_now + consensus`; `is_root` decides whether fix commands need `sudo`.
pub fn findings(
    target_index: usize,
    target: &Target,
    report: &TlsReport,
    consensus: Option<Offset>,
    local_now: SystemTime,
    trust: &Trust,
    is_root: bool,
) -> Vec<Finding> {
    let cx = Ctx {
        index: target_index,
        target,
        report,
        is_root,
    };
    let mut out = Vec::new();
    if let Some(failure) = &report.attempt.failure {
        handshake(&cx, failure, &mut out);
    }
    if !report.chain.is_empty() {
        certificate(&cx, consensus, local_now, trust, &mut out);
    }
    out
}

fn handshake(cx: &Ctx<'_>, failure: &TlsFailure, out: &mut Vec<Finding>) {
    let report = cx.report;
    let at = cx.endpoint();
    match failure {
        TlsFailure::Tcp(TcpError::Refused) => out.push(cx.finding(
            Code::TcpRefused,
            Severity::Error,
            &format!("{at} refused the connection"),
            vec![format!(
                "TCP connect to {at}: reset: nothing listens on port {}, or a firewall rejects it",
                cx.target.tls_port()
            )],
            Vec::new(),
        )),
        TlsFailure::Tcp(TcpError::Timeout(d)) => out.push(cx.finding(
            Code::TcpTimeout,
            Severity::Error,
            &format!("{at} did not answer within {}", human_duration(*d)),
            vec![format!(
                "TCP connect to {at}: no answer at all: a firewall drops the packets, or the host is down"
            )],
            Vec::new(),
        )),
        TlsFailure::Tcp(_) => {}
        f if f.is_blocked() => blocked(cx, f, out),
        TlsFailure::NotTls { first_bytes } => {
            let text = show_bytes(first_bytes);
            let what = if first_bytes.starts_with(b"HTTP/") {
                "an HTTP server: this port speaks plain HTTP, not HTTPS"
            } else if first_bytes.starts_with(b"SSH-") {
                "an SSH server"
            } else {
                "something that is not TLS"
            };
            out.push(cx.finding(
                Code::NotTls,
                Severity::Error,
                &format!("{at} answered the ClientHello in plaintext: {what}"),
                vec![
                    format!("the first bytes from the server: {text:?}"),
                    "a captive portal or a proxy that answers for every port looks the same"
                        .to_string(),
                ],
                vec![cx.advice(
                    'p',
                    format!(
                        "check the port: {} does not speak TLS (HTTPS is usually 443)",
                        cx.target.tls_port()
                    ),
                )],
            ));
        }
        TlsFailure::Alert(_) | TlsFailure::Version(_) => refused(cx, failure, out),
        TlsFailure::ClientCertRequired {
            alert,
            after_handshake,
        } => {
            let mut evidence = Vec::new();
            let version = report
                .attempt
                .negotiated
                .as_ref()
                .map_or("TLS 1.2", |n| n.version.as_str());
            evidence.push(if *after_handshake {
                format!(
                    "{version}: the handshake completed, then the first read got {} (under TLS 1.3 the server refuses after the handshake)",
                    alert
                        .as_ref()
                        .map_or_else(|| "a closed connection".to_string(), |a| format!("the alert {a}"))
                )
            } else {
                format!(
                    "the server sent a CertificateRequest, then {}",
                    alert
                        .as_ref()
                        .map_or_else(|| "closed the connection".to_string(), |a| format!("the alert {a}"))
                )
            });
            match report.attempt.capture.client_auth.as_deref() {
                Some([]) | None => {
                    evidence.push("the server named no CA for client certificates".to_string());
                }
                Some(names) => {
                    evidence.push(format!("client certificates accepted from: {}", names.join("; ")));
                }
            }
            out.push(cx.finding(
                Code::ClientCertRequired,
                Severity::Error,
                &format!("{at} requires a client certificate (mutual TLS)"),
                evidence,
                vec![cx.advice(
                    'c',
                    "configure the client certificate and key this server expects (your VPN/app profile carries them)".to_string(),
                )],
            ));
        }
        TlsFailure::Signature(e) => {
            let weak = report
                .verdicts
                .as_ref()
                .is_some_and(|v| !v.weak.is_empty());
            // A weak key is reported by the certificate rules, which see the chain.
            if !weak {
                out.push(cx.finding(
                    Code::TlsError,
                    Severity::Error,
                    &format!("{at}: the server's handshake signature does not verify"),
                    vec![e.clone()],
                    Vec::new(),
                ));
            }
        }
        TlsFailure::Protocol(e) | TlsFailure::Other(e) => out.push(cx.finding(
            Code::TlsError,
            Severity::Error,
            &format!("{at}: the TLS handshake failed: {e}"),
            vec![
                format!("default hello: {e}"),
                format!(
                    "the server's first bytes: {:?}",
                    show_bytes(&report.attempt.first_bytes)
                ),
            ],
            Vec::new(),
        )),
        TlsFailure::Reset { .. } | TlsFailure::Timeout { .. } | TlsFailure::Closed { .. } => {}
    }
}

/// Evidence lines for the default attempt and each variant.
fn attempts_evidence(report: &TlsReport) -> Vec<String> {
    std::iter::once(&report.attempt)
        .chain(&report.variants)
        .map(|a| {
            let size = if a.hello_len > 0 {
                format!(" [hello {} bytes]", a.hello_len)
            } else {
                String::new()
            };
            format!("{}{size}", a.summary())
        })
        .collect()
}

/// Reset, closed or silent after the ClientHello: which variant gets through says why.
fn blocked(cx: &Ctx<'_>, failure: &TlsFailure, out: &mut Vec<Finding>) {
    let report = cx.report;
    let at = cx.endpoint();
    let evidence = attempts_evidence(report);
    let small = report.variant(|v| *v == Variant::NoPostQuantum);
    if let Some(small) = small.filter(|a| a.answered()) {
        out.push(cx.finding(
            Code::MiddleboxLargeHello,
            Severity::Error,
            &format!(
                "something between here and {at} drops large ClientHellos: the default hello ({} bytes, post-quantum key share) fails, a {}-byte one works",
                report.attempt.hello_len, small.hello_len
            ),
            evidence,
            vec![
                cx.advice(
                    'u',
                    "update the firewall, proxy or router firmware: it mishandles ClientHellos split over two packets".to_string(),
                ),
                cx.advice(
                    'p',
                    "as a workaround, turn off the post-quantum key exchange in the client".to_string(),
                ),
            ],
        ));
        return;
    }
    let other_works = report
        .variants
        .iter()
        .filter(|a| matches!(a.variant, Variant::OtherSni(_) | Variant::NoSni))
        .find(|a| a.answered());
    if let Some(w) = other_works {
        let sni = report.sni.as_deref().unwrap_or("(none)");
        out.push(cx.finding(
            Code::SniBlocked,
            Severity::Error,
            &format!(
                "the network blocks the server name {sni:?}: the same server answers {}",
                w.variant
            ),
            evidence,
            vec![cx.advice(
                'n',
                "use another network or a VPN; or ask the network's admin why the name is blocked".to_string(),
            )],
        ));
        return;
    }
    let (code, summary) = match failure {
        TlsFailure::Reset { .. } => (
            Code::TlsReset,
            format!("{at} reset the connection after the ClientHello"),
        ),
        TlsFailure::Closed { .. } => (
            Code::TlsClosed,
            format!("{at} closed the connection after the ClientHello without answering"),
        ),
        _ => (
            Code::TlsTimeout,
            format!("{at} accepted TCP but gave no TLS answer in time"),
        ),
    };
    let mut evidence = evidence;
    if !report.variants.is_empty() {
        evidence.push(
            "no variant (smaller hello, other SNI, no SNI) got through: the server or a firewall refuses TLS here".to_string(),
        );
    }
    out.push(cx.finding(
        code,
        Severity::Error,
        &summary,
        evidence,
        vec![cx.advice(
            's',
            "try another server or network; a firewall or security product may block this port".to_string(),
        )],
    ));
}

/// A fatal alert or no common version: the TLS 1.2-only and 1.3-only variants say what works.
fn refused(cx: &Ctx<'_>, failure: &TlsFailure, out: &mut Vec<Finding>) {
    let report = cx.report;
    let at = cx.endpoint();
    let working: Vec<String> = report
        .variants
        .iter()
        .filter(|a| a.failure.is_none())
        .map(|a| a.variant.to_string())
        .collect();
    let works = if working.is_empty() {
        "no variant works".to_string()
    } else {
        format!("{} works", working.join(" and "))
    };
    let mut evidence = attempts_evidence(report);
    let (code, summary) = match failure {
        TlsFailure::Alert(a) if a.is_protocol_version() => {
            let why = if working.is_empty() {
                "no protocol version in common: the server speaks only TLS 1.1 or older"
            } else {
                "the server refuses the default hello's protocol version"
            };
            (
                Code::TlsVersion,
                format!("{at}: {why} (alert {a}); {works}"),
            )
        }
        TlsFailure::Version(e) => (
            Code::TlsVersion,
            format!("{at}: no protocol version in common ({e}); {works}"),
        ),
        TlsFailure::Alert(a) => {
            let hint = match a.code {
                40 => Some(
                    "handshake_failure: no cipher suite or key exchange in common, or the server wants something this client lacks",
                ),
                112 => Some(
                    "unrecognized_name: the server has no site for the name sent in SNI; check the target's `sni`",
                ),
                71 => Some("insufficient_security: the server wants stronger ciphers"),
                _ => None,
            };
            if let Some(h) = hint {
                evidence.push(h.to_string());
            }
            (
                Code::TlsAlert,
                format!(
                    "{at} refused the handshake with the alert {}; {works}",
                    a.name
                ),
            )
        }
        _ => return,
    };
    out.push(cx.finding(
        code,
        Severity::Error,
        &summary,
        evidence,
        vec![cx.advice(
            'u',
            "update the server or the client so they share a protocol version and cipher suite (TLS 1.2 or 1.3)".to_string(),
        )],
    ));
}

/// The certificate rules: each property on its own, explained by the clock or an
/// interceptor where they can be.
fn certificate(
    cx: &Ctx<'_>,
    consensus: Option<Offset>,
    local_now: SystemTime,
    trust: &Trust,
    out: &mut Vec<Finding>,
) {
    let report = cx.report;
    let name = Some(report.name.as_str());
    let local = verify_at(report, name, local_now, trust);
    let true_time = consensus.map(|o| shift(local_now, o));
    let truth = true_time.map(|t| verify_at(report, name, t, trust));
    let decisive = truth.as_ref().unwrap_or(&local);

    time_rules(cx, &local, truth.as_ref(), consensus, out);
    expiring_soon(cx, decisive, out);
    let intercepted = interception_rule(cx, decisive, out);
    if !intercepted {
        path_rules(cx, decisive, out);
    }
    if let Some((n, Err(why))) = &decisive.name {
        let sans = report
            .chain
            .first()
            .and_then(|c| c.info.as_ref().ok())
            .map(|i| i.sans.clone())
            .unwrap_or_default();
        let mut evidence = vec![why.clone()];
        evidence.push(if sans.is_empty() {
            "names in the certificate: none".to_string()
        } else {
            format!("names in the certificate: {}", sans.join(", "))
        });
        out.push(cx.finding(
            Code::CertWrongHost,
            Severity::Error,
            &format!("the certificate of {} is not valid for {n:?}", cx.endpoint()),
            evidence,
            vec![cx.advice(
                'h',
                "connect with the name the certificate carries, or fix the server's certificate; a wrong `sni` or `connect` address can also land on another site".to_string(),
            )],
        ));
    }
    if !decisive.purpose.is_empty() {
        out.push(cx.finding(
            Code::CertBadPurpose,
            Severity::Error,
            &format!(
                "the certificate of {} is not for TLS servers (extended key usage)",
                cx.endpoint()
            ),
            decisive.purpose.clone(),
            vec![cx.advice(
                'c',
                "the server needs a certificate issued with the serverAuth extended key usage".to_string(),
            )],
        ));
    }
    weak_rule(cx, decisive, out);
}

fn shift(t: SystemTime, o: Offset) -> SystemTime {
    let d = Duration::from_micros(o.as_micros().unsigned_abs());
    if o.as_micros() >= 0 { t + d } else { t - d }
}

fn leaf(report: &TlsReport) -> Option<&CertInfo> {
    report.chain.first().and_then(|c| c.info.as_ref().ok())
}

fn time_rules(
    cx: &Ctx<'_>,
    local: &Verdicts,
    truth: Option<&Verdicts>,
    consensus: Option<Offset>,
    out: &mut Vec<Finding>,
) {
    let dates = |v: &Verdicts, p: &crate::probe::trust::TimeProblem| {
        format!(
            "{}: not before {}, not after {}",
            p.cert,
            rfc3339(p.not_before),
            rfc3339(p.not_after)
        ) + &format!(" (at {}: {})", rfc3339(v.at), fault_words(p.fault))
    };
    if let (Some(truth), Some(offset)) = (truth, consensus)
        && !local.time.is_empty()
        && truth.time.is_empty()
    {
        let mut evidence: Vec<String> = local.time.iter().map(|p| dates(local, p)).collect();
        evidence.push(format!(
            "your clock says {}; the true time is {} ({})",
            rfc3339(local.at),
            rfc3339(truth.at),
            offset.describe()
        ));
        evidence.push(
            "at the true time the certificate is valid: the clock is wrong, not the server"
                .to_string(),
        );
        out.push(cx.finding(
            Code::ClockSkew,
            Severity::Error,
            &format!(
                "the certificate of {} looks {} only because this clock is wrong ({})",
                cx.endpoint(),
                fault_words(local.time[0].fault),
                offset.describe()
            ),
            evidence,
            clock_fixes(cx),
        ));
        return;
    }
    let decisive = truth.unwrap_or(local);
    let clock_note = match (truth, consensus) {
        (Some(_), Some(o)) => format!(
            "the true time agrees ({}): the certificate itself is out of date",
            o.describe()
        ),
        _ => "the true time is unknown (no clock consensus): if this clock is wrong, fix it first"
            .to_string(),
    };
    for fault in [TimeFault::Expired, TimeFault::NotYetValid] {
        let problems: Vec<_> = decisive.time.iter().filter(|p| p.fault == fault).collect();
        let Some(first) = problems.first() else {
            continue;
        };
        let (code, summary, fix) = match fault {
            TimeFault::Expired => (
                Code::CertExpired,
                format!(
                    "the certificate of {} expired {} ago ({})",
                    cx.endpoint(),
                    human_duration(Duration::from_secs(
                        (decisive.at - first.not_after).unsigned_abs()
                    )),
                    first.cert
                ),
                "the server must renew its certificate (or send the renewed intermediate)",
            ),
            TimeFault::NotYetValid => (
                Code::CertNotYetValid,
                format!(
                    "the certificate of {} is not valid for another {} ({})",
                    cx.endpoint(),
                    human_duration(Duration::from_secs(
                        (first.not_before - decisive.at).unsigned_abs()
                    )),
                    first.cert
                ),
                "the server's certificate was issued for a later date; check the clocks of both machines",
            ),
        };
        let mut evidence: Vec<String> = problems.iter().map(|p| dates(decisive, p)).collect();
        evidence.push(clock_note.clone());
        out.push(cx.finding(
            code,
            Severity::Error,
            &summary,
            evidence,
            vec![cx.advice('c', fix.to_string())],
        ));
    }
}

fn fault_words(f: TimeFault) -> &'static str {
    match f {
        TimeFault::Expired => "expired",
        TimeFault::NotYetValid => "not yet valid",
    }
}

fn clock_fixes(cx: &Ctx<'_>) -> Vec<Fix> {
    vec![Fix {
        key: 't',
        label: "turn on automatic time sync (systemd-timesyncd or chrony)".to_string(),
        command: Some(privileged(cx.is_root, &["timedatectl", "set-ntp", "true"])),
        rerun: cx.probes(),
    }]
}

fn expiring_soon(cx: &Ctx<'_>, v: &Verdicts, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(cx.report) else { return };
    if !leaf.valid_at(v.at) {
        return;
    }
    let left = leaf.not_after - v.at;
    if left >= EXPIRING_SOON.as_secs() as i64 {
        return;
    }
    out.push(cx.finding(
        Code::CertExpiringSoon,
        Severity::Warning,
        &format!(
            "the certificate of {} {} (under {} days)",
            cx.endpoint(),
            leaf.validity_words(v.at),
            EXPIRING_SOON.as_secs() / 86_400
        ),
        vec![format!("leaf {}: {}", leaf.display_name(), leaf.validity())],
        vec![cx.advice(
            'c',
            "the server should renew its certificate now".to_string(),
        )],
    ));
}

/// `tls-interception`: a known product's CA in the chain, or a root only the system store
/// trusts. Returns whether it fired (it then explains the path).
fn interception_rule(cx: &Ctx<'_>, v: &Verdicts, out: &mut Vec<Finding>) -> bool {
    let report = cx.report;
    let mut named: Option<(&'static Interceptor, String)> = None;
    // Issuer names, and the subjects of CA certificates: never a leaf's subject, which is
    // the site (kaspersky.com is not intercepted by Kaspersky).
    for c in &report.chain {
        let Ok(info) = &c.info else { continue };
        let (subject_cn, subject_org) = if info.ca {
            (info.subject_cn.as_deref(), info.subject_org.as_deref())
        } else {
            (None, None)
        };
        let names = [
            info.issuer_cn.as_deref(),
            info.issuer_org.as_deref(),
            subject_cn,
            subject_org,
        ];
        if let Some((product, n)) = names
            .into_iter()
            .flatten()
            .find_map(|n| interception::identify(n).map(|p| (p, n.to_string())))
        {
            named = Some((product, n));
            break;
        }
    }
    for s in v.trusted_by() {
        if named.is_some() {
            break;
        }
        if let Ok(root) = &s.path
            && let Some(p) = interception::identify(root)
        {
            named = Some((p, root.clone()));
        }
    }
    let system_only = match (v.source("system"), v.source("mozilla")) {
        (Some(sys), Some(moz)) => {
            sys.path.is_ok()
                && moz.path.is_err()
                && v.source("ca_file").is_none_or(|c| c.path.is_err())
        }
        _ => false,
    };
    if named.is_none() && !system_only {
        return false;
    }
    let mut evidence = Vec::new();
    let system_root = v
        .source("system")
        .and_then(|s| s.path.as_ref().ok())
        .cloned();
    if let Some((_, n)) = &named {
        evidence.push(format!(
            "the chain names {n:?}, a CA of a TLS-intercepting product"
        ));
    }
    if system_only && let Some(root) = &system_root {
        evidence.push(format!(
            "the chain verifies against the system store's root {root:?}, but not against Mozilla's roots{}",
            if v.source("ca_file").is_some() { " nor the ca_file" } else { "" }
        ));
        evidence.push("a locally installed root signs this site: apps with their own trust store (browsers, VPN clients) refuse it; for an internal site this may be your organisation's private CA".to_string());
    }
    for s in &v.sources {
        evidence.push(match &s.path {
            Ok(root) => format!("{}: trusted, root {root}", s.source),
            Err(e) => format!("{}: {e}", s.source),
        });
    }
    let (summary, fixes) = match &named {
        Some((p, _)) => (
            format!(
                "{} intercepts TLS to {}: the certificate is its own, not the server's",
                p.product,
                cx.endpoint()
            ),
            vec![
                cx.advice(
                    'x',
                    format!("exclude {} (or the app) from HTTPS scanning in {}: {}", cx.target.host, p.product, p.setting),
                ),
                cx.advice('o', format!("turn off HTTPS scanning in {}", p.product)),
                cx.advice(
                    'v',
                    "for a VPN: use a protocol the scanner leaves alone (WireGuard/NordLynx, or OpenVPN over UDP)".to_string(),
                ),
            ],
        ),
        None => (
            format!(
                "a root installed on this machine ({}) signs {}: TLS is intercepted",
                system_root.as_deref().unwrap_or("unknown"),
                cx.endpoint()
            ),
            vec![
                cx.advice(
                    'x',
                    "find the product that installed this root (antivirus, corporate proxy) and exclude this host from its HTTPS scanning".to_string(),
                ),
                cx.advice(
                    'v',
                    "for a VPN: use a protocol the scanner leaves alone (WireGuard/NordLynx, or OpenVPN over UDP)".to_string(),
                ),
            ],
        ),
    };
    let severity = if v.source("mozilla").is_some_and(|m| m.path.is_ok()) {
        Severity::Warning
    } else {
        Severity::Error
    };
    out.push(cx.finding(Code::TlsInterception, severity, &summary, evidence, fixes));
    true
}

fn source_lines(v: &Verdicts) -> Vec<String> {
    v.sources
        .iter()
        .map(|s| match &s.path {
            Ok(root) => format!("{}: path to {root}", s.source),
            Err(e) => format!("{}: {e}", s.source),
        })
        .collect()
}

/// No path to any trusted root: self-signed, missing intermediate, refused algorithm, or an
/// issuer nobody here trusts.
fn path_rules(cx: &Ctx<'_>, v: &Verdicts, out: &mut Vec<Finding>) {
    let report = cx.report;
    if v.has_path() || v.sources.is_empty() {
        return;
    }
    let Some(leaf) = leaf(report) else { return };
    let at = cx.endpoint();
    let mut evidence = source_lines(v);
    let ca_file_fix = cx.advice(
        'a',
        "if you run this server, trust its CA explicitly: add it to `ca_file` (or --ca-file)"
            .to_string(),
    );
    if leaf.self_issued {
        evidence.insert(
            0,
            if leaf.ca {
                format!(
                    "the server's certificate {:?} issued itself and is a CA certificate (CA:TRUE, as `openssl req -x509` makes): webpki reports CaUsedAsEndEntity",
                    leaf.display_name()
                )
            } else {
                format!(
                    "the server's certificate {:?} issued itself (issuer = subject)",
                    leaf.display_name()
                )
            },
        );
        out.push(cx.finding(
            Code::CertSelfSigned,
            Severity::Error,
            &format!("{at} presents a self-signed certificate"),
            evidence,
            vec![
                cx.advice(
                    'c',
                    "the server needs a certificate from a CA (e.g. Let's Encrypt)".to_string(),
                ),
                ca_file_fix,
            ],
        ));
        return;
    }
    if refused_as_weak(v) {
        // Reported by the weak rule, which names the algorithm or key.
        return;
    }
    if !v.time.is_empty()
        && v.sources
            .iter()
            .any(|s| matches!(s.path, Err(PathError::Time(_))))
    {
        // The chain is never valid as a whole: the time rules report it.
        return;
    }
    let sent_intermediates = report.chain.len() > 1;
    if !sent_intermediates {
        evidence.insert(
            0,
            format!(
                "the server sent only its own certificate, issued by {:?}, and no intermediate",
                leaf.issuer_name()
            ),
        );
        out.push(cx.finding(
            Code::CertIncompleteChain,
            Severity::Error,
            &format!("{at} does not send the intermediate certificate, so no path to a root can be built"),
            evidence,
            vec![cx.advice(
                'c',
                "the server must send the full chain (on nginx, ssl_certificate takes fullchain.pem)".to_string(),
            )],
        ));
        return;
    }
    let top = report
        .chain
        .iter()
        .filter_map(|c| c.info.as_ref().ok())
        .next_back()
        .map_or_else(String::new, |i| {
            if i.self_issued {
                format!("the chain ends at the root {:?}", i.display_name())
            } else {
                format!(
                    "the chain ends at {:?}, issued by {:?}",
                    i.display_name(),
                    i.issuer_name()
                )
            }
        });
    evidence.insert(0, format!("{top}, which no trust source here has"));
    out.push(cx.finding(
        Code::CertUnknownIssuer,
        Severity::Error,
        &format!("{at} presents a chain from a CA nobody here trusts"),
        evidence,
        vec![ca_file_fix],
    ));
}

/// No source has a path, and one that found the issuer refused its signature as weak.
fn refused_as_weak(v: &Verdicts) -> bool {
    !v.has_path()
        && v.sources.iter().any(|s| match &s.path {
            Err(PathError::Unsupported(_)) => true,
            Err(PathError::BadSignature(_)) => !v.weak.is_empty(),
            _ => false,
        })
}

fn weak_rule(cx: &Ctx<'_>, v: &Verdicts, out: &mut Vec<Finding>) {
    if v.weak.is_empty() {
        return;
    }
    let refused_sig = matches!(cx.report.attempt.failure, Some(TlsFailure::Signature(_)));
    let refused_path = refused_as_weak(v);
    let refused = refused_sig || refused_path;
    let mut evidence = v.weak.clone();
    if let Some(TlsFailure::Signature(e)) = &cx.report.attempt.failure {
        evidence.push(format!("the handshake signature was refused: {e}"));
    }
    if refused_path {
        evidence.extend(source_lines(v));
    }
    out.push(cx.finding(
        Code::CertWeak,
        if refused { Severity::Error } else { Severity::Warning },
        &if refused {
            format!("{} uses a certificate that modern clients refuse as weak", cx.endpoint())
        } else {
            format!("{} uses a weak certificate", cx.endpoint())
        },
        evidence,
        vec![cx.advice(
            'c',
            "the server needs a certificate with an RSA key of 2048+ bits or an EC key, signed with SHA-256 or better".to_string(),
        )],
    ));
}
