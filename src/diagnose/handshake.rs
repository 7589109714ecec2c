//! The handshake: every way it fails, named from what the probe saw, one function per code:
//! `tls-reset`, `tls-timeout`, `tls-closed`, `not-tls`, `tls-alert`, `tls-version`,
//! `client-cert-required`, `middlebox-large-hello`, `sni-blocked`, `tls-error`, and the
//! handshake's own `tcp-refused` / `tcp-timeout` / `tcp-unreachable`.
//!
//! A variant that works explains a blocked default hello: a smaller hello
//! (`middlebox-large-hello`) or another name (`sni-blocked`) comes before the bare symptom.

use std::time::Duration;

use super::chain::Judged;
use super::target::Ctx;
use super::{Code, Finding, Severity};
use crate::probe::connect::TcpError;
use crate::probe::tls::{Alert, Attempt, TlsFailure, TlsReport, Variant};
use crate::text::{human_duration, quote_bytes};

/// The findings of a failed default hello.
pub(super) fn rules(cx: &Ctx<'_>, judged: Option<&Judged>, out: &mut Vec<Finding>) {
    let Some(failure) = &cx.report.attempt.failure else {
        return;
    };
    // A plaintext server that answers and closes at once can reset one attempt before its
    // answer is read and not the next: any attempt that saw plaintext decides.
    if let Some(plain) = plaintext(cx.report)
        && !failure.server_spoke_tls()
    {
        out.push(not_tls(cx, plain));
        return;
    }
    let found = match failure {
        TlsFailure::Tcp(TcpError::Refused) => Some(tcp_refused(cx)),
        TlsFailure::Tcp(TcpError::Timeout(d)) => Some(tcp_timeout(cx, *d)),
        TlsFailure::Tcp(TcpError::Unreachable(why) | TcpError::Other(why)) => {
            Some(tcp_unreachable(cx, why))
        }
        TlsFailure::Tcp(TcpError::NoAddress) => None,
        // The proxy's rules name a tunnel that did not open.
        TlsFailure::Proxy(_) => None,
        TlsFailure::Reset { .. } | TlsFailure::Timeout { .. } | TlsFailure::Closed { .. } => Some(
            middlebox_large_hello(cx)
                .or_else(|| sni_blocked(cx))
                .unwrap_or_else(|| match failure {
                    TlsFailure::Reset { .. } => tls_reset(cx),
                    TlsFailure::Closed { .. } => tls_closed(cx, None),
                    _ => tls_timeout(cx),
                }),
        ),
        TlsFailure::NotTls { .. } => None,
        TlsFailure::Alert(a) if a.is_protocol_version() => Some(tls_version(cx, failure)),
        TlsFailure::Version(_) => Some(tls_version(cx, failure)),
        TlsFailure::Alert(a) => Some(tls_alert(cx, a, false)),
        TlsFailure::EarlyAlert(a) if a.is_close_notify() => Some(tls_closed(cx, Some(a))),
        TlsFailure::EarlyAlert(a) => Some(tls_alert(cx, a, true)),
        TlsFailure::ClientCertRequired { alert, .. } => {
            Some(client_cert_required(cx, alert.as_ref(), failure))
        }
        // A weak key is reported by the certificate rules, which see the chain.
        TlsFailure::Signature(_) if judged.is_some_and(|j| !j.local.weak.is_empty()) => None,
        TlsFailure::Signature(e) => Some(tls_error(
            cx,
            &format!(
                "{}: the server's handshake signature does not verify",
                cx.endpoint()
            ),
            vec![e.clone()],
        )),
        TlsFailure::Protocol(e) | TlsFailure::Other(e) => Some(tls_error(
            cx,
            &format!("{}: the TLS handshake failed: {e}", cx.endpoint()),
            vec![
                format!("default hello: {e}"),
                format!(
                    "the server's first bytes: {}",
                    quote_bytes(&cx.report.attempt.first_bytes)
                ),
            ],
        )),
    };
    out.extend(found);
}

/// `tcp-refused` for the TLS port.
fn tcp_refused(cx: &Ctx<'_>) -> Finding {
    let at = cx.endpoint();
    cx.finding(
        Code::TcpRefused,
        Severity::Error,
        &format!("{at} refused the connection"),
        vec![format!(
            "TCP connect to {at}: reset: nothing listens on port {}, or a firewall rejects it",
            cx.target.tls_port()
        )],
        Vec::new(),
    )
}

/// `tcp-timeout` for the TLS port.
fn tcp_timeout(cx: &Ctx<'_>, waited: Duration) -> Finding {
    let at = cx.endpoint();
    cx.finding(
        Code::TcpTimeout,
        Severity::Error,
        &format!("{at} did not answer within {}", human_duration(waited)),
        vec![format!(
            "TCP connect to {at}: no answer at all: a firewall drops the packets, or the host is down"
        )],
        Vec::new(),
    )
}

/// `tcp-unreachable` for the TLS port.
fn tcp_unreachable(cx: &Ctx<'_>, why: &str) -> Finding {
    let at = cx.endpoint();
    cx.finding(
        Code::TcpUnreachable,
        Severity::Error,
        &format!("{at} cannot be reached from this machine: {why}"),
        super::transport::unreachable_evidence(&at, cx.target.tls_port(), why),
        Vec::new(),
    )
}

/// The first attempt that got a plaintext answer, the default hello first.
fn plaintext(report: &TlsReport) -> Option<&Attempt> {
    std::iter::once(&report.attempt)
        .chain(&report.variants)
        .find(|a| matches!(a.failure, Some(TlsFailure::NotTls { .. })))
}

/// `not-tls`: the port answered in plaintext (to `plain`, the default hello or a variant).
fn not_tls(cx: &Ctx<'_>, plain: &Attempt) -> Finding {
    let first_bytes = match &plain.failure {
        Some(TlsFailure::NotTls { first_bytes }) => first_bytes.as_slice(),
        _ => &[],
    };
    let text = quote_bytes(first_bytes);
    let what = if first_bytes.starts_with(b"HTTP/") {
        "an HTTP server: this port speaks plain HTTP, not HTTPS"
    } else if first_bytes.starts_with(b"SSH-") {
        "an SSH server"
    } else {
        "something that is not TLS"
    };
    cx.finding(
        Code::NotTls,
        Severity::Error,
        &format!(
            "{} answered the ClientHello in plaintext: {what}",
            cx.endpoint()
        ),
        {
            let mut evidence = vec![format!("the first bytes from the server: {text}")];
            if plain.variant != Variant::Default {
                evidence.push(format!(
                    "seen by the retry {}; the default hello got: {}",
                    plain.variant,
                    cx.report.attempt.summary()
                ));
            }
            evidence.push(
                "a captive portal or a proxy that answers for every port looks the same"
                    .to_string(),
            );
            evidence
        },
        vec![cx.advice(
            'p',
            format!(
                "check the port: {} does not speak TLS (HTTPS is usually 443)",
                cx.target.tls_port()
            ),
        )],
    )
}

/// `client-cert-required`: the server asked for a client certificate and refused to go on.
fn client_cert_required(cx: &Ctx<'_>, alert: Option<&Alert>, failure: &TlsFailure) -> Finding {
    let report = cx.report;
    let version = report
        .attempt
        .negotiated
        .as_ref()
        .map_or("TLS 1.2", |n| n.version.as_str());
    let (after_handshake, http_status) = match failure {
        TlsFailure::ClientCertRequired {
            after_handshake,
            http_status,
            ..
        } => (*after_handshake, *http_status),
        _ => (false, None),
    };
    let mut evidence = vec![if let Some(status) = http_status {
        let line = report
            .http()
            .map_or_else(|| format!("HTTP {status}"), |h| h.status_line.clone());
        let asked = if report.attempt.capture.client_auth.is_some() {
            "the server sent a CertificateRequest and got no certificate, "
        } else {
            ""
        };
        format!(
            "{version}: the handshake completed; {asked}then it answered {line:?}, as nginx refuses a missing client certificate (\"No required SSL certificate was sent\"; 495/496)"
        )
    } else if after_handshake {
        format!(
            "{version}: the handshake completed, then the first read got {} (under TLS 1.3 the server refuses after the handshake)",
            alert.map_or_else(
                || "a closed connection".to_string(),
                |a| format!("the alert {a}")
            )
        )
    } else {
        format!(
            "the server sent a CertificateRequest, then {}",
            alert.map_or_else(
                || "closed the connection".to_string(),
                |a| format!("the alert {a}")
            )
        )
    }];
    match report.attempt.capture.client_auth.as_deref() {
        Some([]) | None => {
            evidence.push("the server named no CA for client certificates".to_string());
        }
        Some(names) => {
            evidence.push(format!(
                "client certificates accepted from: {}",
                names.join("; ")
            ));
        }
    }
    cx.finding(
        Code::ClientCertRequired,
        Severity::Error,
        &format!(
            "{} requires a client certificate (mutual TLS)",
            cx.endpoint()
        ),
        evidence,
        vec![cx.advice(
            'i',
            "configure the client certificate and key this server expects (your VPN/app profile carries them)".to_string(),
        )],
    )
}

/// `tls-error`: the server broke the protocol, or its handshake signature does not verify.
fn tls_error(cx: &Ctx<'_>, summary: &str, evidence: Vec<String>) -> Finding {
    cx.finding(
        Code::TlsError,
        Severity::Error,
        summary,
        evidence,
        Vec::new(),
    )
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

/// `middlebox-large-hello`: the default hello is blocked, the one without the post-quantum
/// key share gets an answer.
fn middlebox_large_hello(cx: &Ctx<'_>) -> Option<Finding> {
    let report = cx.report;
    let small = report
        .variant(|v| *v == Variant::NoPostQuantum)
        .filter(|a| a.answered())?;
    Some(cx.finding(
        Code::MiddleboxLargeHello,
        Severity::Error,
        &format!(
            "something between here and {} drops large ClientHellos: the default hello ({} bytes, post-quantum key share) fails, a {}-byte one works",
            cx.endpoint(),
            report.attempt.hello_len,
            small.hello_len
        ),
        attempts_evidence(report),
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
    ))
}

/// `sni-blocked`: the default hello is blocked, the same server answers another name or none.
fn sni_blocked(cx: &Ctx<'_>) -> Option<Finding> {
    let report = cx.report;
    let works = report
        .variants
        .iter()
        .filter(|a| matches!(a.variant, Variant::OtherSni(_) | Variant::NoSni))
        .find(|a| a.answered())?;
    let sni = report.sni.as_deref().unwrap_or("(none)");
    Some(cx.finding(
        Code::SniBlocked,
        Severity::Error,
        &format!(
            "the network blocks the server name {sni:?}: the same server answers {}",
            works.variant
        ),
        attempts_evidence(report),
        vec![cx.advice(
            'n',
            "use another network or a VPN; or ask the network's admin why the name is blocked"
                .to_string(),
        )],
    ))
}

/// A blocked hello that no variant explains: reset, closed or silent as such.
fn blocked(cx: &Ctx<'_>, code: Code, summary: &str) -> Finding {
    let mut evidence = attempts_evidence(cx.report);
    if !cx.report.variants.is_empty() {
        evidence.push(
            "no variant (smaller hello, other SNI, no SNI) got through: the server or a firewall refuses TLS here".to_string(),
        );
    }
    cx.finding(
        code,
        Severity::Error,
        summary,
        evidence,
        vec![
            cx.advice(
                's',
                "try another server or network; a firewall or security product may block this port"
                    .to_string(),
            ),
        ],
    )
}

/// `tls-reset`: reset after the ClientHello.
fn tls_reset(cx: &Ctx<'_>) -> Finding {
    let summary = format!(
        "{} reset the connection after the ClientHello",
        cx.endpoint()
    );
    blocked(cx, Code::TlsReset, &summary)
}

/// `tls-closed`: closed after the ClientHello without an answer, or with close_notify (the
/// server's own "I am done", so a server's refusal rather than a middlebox's).
fn tls_closed(cx: &Ctx<'_>, close_notify: Option<&Alert>) -> Finding {
    let Some(a) = close_notify else {
        let summary = format!(
            "{} closed the connection after the ClientHello without answering",
            cx.endpoint()
        );
        return blocked(cx, Code::TlsClosed, &summary);
    };
    cx.finding(
        Code::TlsClosed,
        Severity::Error,
        &format!(
            "{} answered the ClientHello with {} and no ServerHello: the server ends TLS here",
            cx.endpoint(),
            a.name
        ),
        vec![
            format!("default hello: {}", cx.report.attempt.summary()),
            "the server said it is done before its ServerHello: it may be overloaded, refuse this client's address, or not serve TLS for this name".to_string(),
        ],
        vec![cx.advice(
            's',
            "check the server's log for why it closes; meanwhile try another server".to_string(),
        )],
    )
}

/// `tls-timeout`: TCP connects, no TLS answer comes.
fn tls_timeout(cx: &Ctx<'_>) -> Finding {
    let summary = format!(
        "{} accepted TCP but gave no TLS answer in time",
        cx.endpoint()
    );
    blocked(cx, Code::TlsTimeout, &summary)
}

/// What the TLS 1.2-only and 1.3-only variants showed: "TLS 1.2 only works".
fn what_works(report: &TlsReport) -> (bool, String) {
    let working: Vec<String> = report
        .variants
        .iter()
        .filter(|a| a.failure.is_none())
        .map(|a| a.variant.to_string())
        .collect();
    if working.is_empty() {
        (false, "no variant works".to_string())
    } else {
        (true, format!("{} works", working.join(" and ")))
    }
}

/// The fix for a refused hello: a shared version and cipher suite.
fn update_fix(cx: &Ctx<'_>) -> Vec<crate::diagnose::Fix> {
    vec![cx.advice(
        'u',
        "update the server or the client so they share a protocol version and cipher suite (TLS 1.2 or 1.3)".to_string(),
    )]
}

/// `tls-version`: no protocol version in common.
fn tls_version(cx: &Ctx<'_>, failure: &TlsFailure) -> Finding {
    let (any, works) = what_works(cx.report);
    let at = cx.endpoint();
    let summary = match failure {
        TlsFailure::Alert(a) => {
            let why = if any {
                "the server refuses the default hello's protocol version"
            } else {
                "no protocol version in common: the server speaks only TLS 1.1 or older"
            };
            format!("{at}: {why} (alert {a}); {works}")
        }
        TlsFailure::Version(e) => format!("{at}: no protocol version in common ({e}); {works}"),
        other => format!("{at}: {other}; {works}"),
    };
    cx.finding(
        Code::TlsVersion,
        Severity::Error,
        &summary,
        attempts_evidence(cx.report),
        update_fix(cx),
    )
}

/// `tls-alert`: a fatal alert ended the handshake, or a warning alert came instead of the
/// ServerHello (`early`) and nothing after it.
fn tls_alert(cx: &Ctx<'_>, a: &Alert, early: bool) -> Finding {
    let (_, works) = what_works(cx.report);
    let summary = if early {
        format!(
            "{} answered the ClientHello with the alert {} and no ServerHello",
            cx.endpoint(),
            a.name
        )
    } else {
        format!(
            "{} refused the handshake with the alert {}; {works}",
            cx.endpoint(),
            a.name
        )
    };
    let mut evidence = attempts_evidence(cx.report);
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
    evidence.extend(hint.map(str::to_string));
    cx.finding(
        Code::TlsAlert,
        Severity::Error,
        &summary,
        evidence,
        update_fix(cx),
    )
}
