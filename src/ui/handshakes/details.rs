//! The details of a target: its DNS answer and TCP attempts, the TLS check (the handshake,
//! its timings, the HTTP answer, every hello tried, the verdict per trust source and per
//! property at the local clock and the true time), its findings' evidence, then the chain
//! certificate by certificate.

use ratatui::style::Style;

use crate::app::Model;
use crate::app::keys::Action;
use crate::config::Sni;
use crate::diagnose::Judged;
use crate::probe::cert::rfc3339;
use crate::probe::trust::{SourceVerdict, TimeProblem, Verdicts, describe};
use crate::ui::format::{format_dns, format_ms, format_validity, source_name};
use crate::ui::handshakes::{
    address, format_attempt, format_handshake, format_tcp, has_tls, http_source,
};
use crate::ui::key_label;
use crate::ui::window::{Doc, finding_line, heading, run_fields_of, slot_run};

pub fn doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let t = &model.config().targets[i];
    let checks = &model.obs.targets[i];
    doc.field("target", &t.name.clone());
    if let Some(parent) = t.alternative_of.and_then(|p| model.config().targets.get(p)) {
        doc.field(
            "alternative of",
            &format!("{} ({})", parent.name, address(parent)),
        );
    }
    doc.field("host", &address(t));
    if has_tls(t) {
        let sni = match &t.sni {
            Sni::Host => t.host.clone(),
            Sni::Name(n) => n.clone(),
            Sni::None => "none (no SNI is sent)".to_string(),
        };
        doc.field("SNI", &sni);
    }
    if let Some(c) = t.connect {
        doc.field("connect", &format!("{c} (from the config or --resolve)"));
    }
    let probes: Vec<String> = t.probes.iter().map(ToString::to_string).collect();
    doc.field("probes", &probes.join(", "));
    let via = match &t.proxy {
        Some(p) => format!(
            "the proxy {} (set by {}): CONNECT {}; the TCP rows below are the direct path",
            p.authority(),
            p.source,
            t.tunnel_authority()
        ),
        None => "direct".to_string(),
    };
    doc.field("via", &via);
    match checks.dns.value() {
        Some(dns) => {
            doc.field("DNS", &format_dns(t, dns));
            for a in checks.connect.value().iter().flat_map(|r| &r.tcp) {
                doc.field(&format!("TCP {}", a.port), &format_attempt(a));
            }
        }
        None if model.untried_alternative(i) => doc.field("status", &untried_words()),
        None => doc.field("status", "no result yet"),
    }
    // The verdicts and the findings come before the chain, which is long.
    let tls = checks
        .tls
        .value()
        .filter(|_| has_tls(t) && !model.untried_alternative(i));
    let judged = model.derived.targets[i].chain.as_ref();
    if has_tls(t) && !model.untried_alternative(i) {
        tls_doc(doc, model, i, judged);
    }
    vpn_doc(doc, model, i);
    target_findings_doc(doc, model, t);
    if let Some(r) = tls.filter(|r| !r.chain.is_empty()) {
        chain_doc(doc, &r.chain, judged);
    }
    vpn_chains_doc(doc, model, i);
    let slots = [
        slot_run(&checks.dns),
        slot_run(&checks.connect),
        slot_run(&checks.tls),
    ];
    run_fields_of(doc, model, &slots);
    target_title(t)
}

/// The TLS check: the handshake, its timings, the HTTP answer, every hello tried, and the
/// verdicts on the chain.
fn tls_doc(doc: &mut Doc, model: &Model, i: usize, judged: Option<&Judged>) {
    let slot = &model.obs.targets[i].tls;
    heading(doc, "TLS handshake");
    let Some(r) = slot.value() else {
        let words = if slot.is_running() {
            "running, no result yet"
        } else {
            "no result yet"
        };
        doc.field("status", words);
        return;
    };
    let a = &r.attempt;
    doc.field("handshake", &format_handshake(r));
    let target = &model.config().targets[i];
    let to = match (&target.proxy, a.addr) {
        (Some(proxy), _) => format!(
            "{} through the proxy {}",
            target.tunnel_authority(),
            proxy.authority()
        ),
        (None, Some(x)) => x.to_string(),
        (None, None) => format!("{}:{}", r.host, r.port),
    };
    let sni = a
        .sni
        .as_deref()
        .map_or_else(|| "no SNI".to_string(), |s| format!("SNI {s}"));
    doc.field("to", &format!("{to} · {sni}"));
    doc.field("timings", &format_timings(a));
    if a.hello_len > 0 {
        doc.field(
            "ClientHello",
            &format!(
                "{} bytes sent before the first answer, {} bytes received",
                a.hello_len, a.received
            ),
        );
    }
    match r.http() {
        Some(h) => {
            doc.field("HTTP HEAD", &format!("{}{}", h.status_line, http_source(r)));
            if let Some(date) = &h.date_raw {
                let offset = h
                    .date_offset()
                    .map(|o| format!(" (by this header, the {})", o.describe()))
                    .unwrap_or_default();
                doc.field("Date", &format!("{date}{offset}"));
            }
        }
        None if a.failure.is_none() => doc.field("HTTP HEAD", &super::no_http_words(a)),
        None => {}
    }
    for (k, v) in r.variants.iter().enumerate() {
        let mark = if v.failure.is_none() { "✓" } else { "✗" };
        doc.field(
            if k == 0 { "hellos retried" } else { "" },
            &format!("{mark} {}", v.summary()),
        );
    }
    if r.chain.is_empty() {
        doc.field("chain", "none: the server sent no certificate");
    }
    if let Some(j) = judged {
        verdicts_doc(doc, j);
    }
}

/// TCP, handshake and first-read times of an attempt.
fn format_timings(a: &crate::probe::tls::Attempt) -> String {
    use crate::probe::tls::FirstRead;
    let mut parts = Vec::new();
    match &a.tcp {
        Some(Ok(d)) => parts.push(format!("TCP {}", format_ms(*d))),
        Some(Err(e)) => parts.push(format!("TCP {}", format_tcp(&Err(e.clone())).0)),
        None => parts.push("TCP not tried".to_string()),
    }
    if let Some(d) = a.handshake {
        parts.push(format!("handshake {}", format_ms(d)));
    }
    match &a.first_read {
        Some(FirstRead::Data { took, bytes }) => {
            parts.push(format!("first read {} ({bytes} bytes)", format_ms(*took)));
        }
        Some(FirstRead::Closed { took }) => {
            parts.push(format!("first read: closed after {}", format_ms(*took)));
        }
        Some(FirstRead::Quiet { waited }) => {
            parts.push(format!("first read: nothing within {}", format_ms(*waited)));
        }
        Some(FirstRead::Alert(al)) => parts.push(format!("first read: alert {al}")),
        Some(FirstRead::Error(e)) => parts.push(format!("first read: {e}")),
        None => {}
    }
    parts.push(format!("all {}", format_ms(a.took)));
    parts.join(" · ")
}

/// The OpenVPN handshakes of the target's probes (with the profile's CA): how each went,
/// step by step, what it settled on, the profile's checks on the server's certificate, and the
/// retries that tell the causes apart. Their packets are in the Reachability pane's details.
fn vpn_doc(doc: &mut Doc, model: &Model, i: usize) {
    use crate::probe::vpn::openvpn::CaVerdict;
    let Some(reach) = model.obs.targets[i].reach.value() else {
        return;
    };
    for r in &reach.results {
        let Some(h) = r.handshake.as_deref() else {
            continue;
        };
        let rep = &h.report;
        heading(
            doc,
            &format!(
                "OpenVPN handshake over {} {}",
                rep.transport,
                rep.addr.port()
            ),
        );
        doc.field("outcome", &h.summary());
        let t = &rep.timings;
        let mut times = Vec::new();
        if let Some(d) = t.connect {
            times.push(format!("TCP {}", format_ms(d)));
        }
        if let Some(d) = t.reset {
            times.push(format!("reset answered in {}", format_ms(d)));
        }
        if let Some(d) = t.tls {
            times.push(format!("TLS {}", format_ms(d)));
        }
        times.push(format!("all {}", format_ms(t.total)));
        doc.field("timings", &times.join(" · "));
        doc.field(
            "key",
            rep.wrap
                .unwrap_or("none (no tls-auth/tls-crypt in the profile)"),
        );
        if rep.client_hello_len > 0 {
            doc.field(
                "ClientHello",
                &format!(
                    "{} bytes in {} packet(s)",
                    rep.client_hello_len,
                    rep.client_hello_msgs.len()
                ),
            );
        }
        if let Some(n) = &rep.negotiated {
            doc.field("negotiated", &crate::ui::format::format_negotiated(n));
        }
        let ca = match &rep.ca {
            Some(CaVerdict::Verified) => "✓ verified with the profile's <ca>".to_string(),
            Some(CaVerdict::NotVerified(why)) => format!("✗ not verified: {why}"),
            Some(CaVerdict::NoCa) => "✗ the profile has no <ca> that parses".to_string(),
            None => "not checked: no certificate arrived".to_string(),
        };
        doc.field("profile CA", &ca);
        let check = |c: &Option<Result<(), String>>| match c {
            Some(Ok(())) => Some("✓ holds".to_string()),
            Some(Err(why)) => Some(format!("✗ {why}")),
            None => None,
        };
        if let Some(words) = check(&h.name) {
            doc.field("verify-x509-name", &words);
        }
        if let Some(words) = check(&h.server_purpose) {
            doc.field("remote-cert-tls", &words);
        }
        if let Some(asked) = &rep.client_cert_requested {
            let offered = if rep.client_cert_offered {
                "the profile's was sent"
            } else {
                "the profile has none"
            };
            doc.field(
                "client cert",
                &format!("requested (issued by: {}); {offered}", asked.join("; ")),
            );
        }
        let retries = [
            ("without tls-version-max", h.uncapped.as_ref()),
            ("without a key", h.unsigned.as_ref()),
            ("small ClientHello", h.small_hello.as_ref()),
            ("legacy TLS 1.2 hello", h.legacy.as_ref()),
        ];
        let mut first = true;
        let mut retried = |what: &str, rep: &crate::probe::vpn::openvpn::HandshakeReport| {
            doc.field(
                if first { "retried" } else { "" },
                &format!("{what}: {}", rep.summary()),
            );
            first = false;
        };
        if let Some((word, o)) = &h.other_direction {
            retried(&format!("key-direction {word}"), o);
        }
        for (what, rep) in retries {
            if let Some(rep) = rep {
                retried(what, rep);
            }
        }
    }
}

/// The server certificates of the target's OpenVPN handshakes, certificate by certificate.
fn vpn_chains_doc(doc: &mut Doc, model: &Model, i: usize) {
    let Some(reach) = model.obs.targets[i].reach.value() else {
        return;
    };
    for r in &reach.results {
        let Some(h) = r
            .handshake
            .as_deref()
            .filter(|h| !h.report.chain.is_empty())
        else {
            continue;
        };
        let chain = crate::probe::cert::parse_chain(&h.report.chain);
        heading(
            doc,
            &format!(
                "OpenVPN server over {} {}: its certificates",
                h.report.transport,
                h.report.addr.port()
            ),
        );
        chain_doc(doc, &chain, None);
    }
}

/// The chain as sent, certificate by certificate.
fn chain_doc(doc: &mut Doc, chain: &[crate::probe::cert::ChainCert], judged: Option<&Judged>) {
    let n = chain.len();
    heading(
        doc,
        &format!(
            "chain: {n} certificate{} as the server sent {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        ),
    );
    for (k, c) in chain.iter().enumerate() {
        let style = doc.theme.heading();
        doc.para("", &format!("#{k} {}", describe(chain, k)), style);
        let info = match &c.info {
            Ok(info) => info,
            Err(e) => {
                doc.field("unreadable", &e.clone());
                continue;
            }
        };
        doc.field("subject", &info.subject.clone());
        let sans = if info.sans.is_empty() {
            "none".to_string()
        } else {
            (info.sans.join(", ")).clone()
        };
        doc.field("SANs", &sans);
        doc.field("issuer", &info.issuer.clone());
        doc.field(
            "validity",
            &format!(
                "{} to {}",
                rfc3339(info.not_before),
                rfc3339(info.not_after)
            ),
        );
        if let Some(j) = judged {
            let local = format_validity(info.not_before, info.not_after, j.local.at);
            let truth = j
                .truth
                .as_ref()
                .map(|(_, t)| format_validity(info.not_before, info.not_after, t.at))
                .filter(|t| t.split(' ').next() != local.split(' ').next());
            let words = match truth {
                Some(t) => format!("{local} at the local clock; {t} at the true time"),
                None => format!("{local} at the local clock"),
            };
            doc.field("", &words);
        }
        doc.field("key", &info.key.to_string());
        doc.field("signature", &info.signature_algorithm.clone());
        doc.field("SHA-256", &info.sha256);
        doc.field(
            "CA",
            if info.ca {
                "yes (basicConstraints CA:TRUE)"
            } else {
                "no"
            },
        );
        let eku = match &info.eku {
            Some(list) if list.is_empty() => "empty".to_string(),
            Some(list) => (list.join(", ")).clone(),
            None => "no extension (any purpose)".to_string(),
        };
        doc.field("EKU", &eku);
    }
}

/// A source's verdict in full: trusted through which root, or why not.
fn format_source_full(s: &SourceVerdict) -> String {
    match (&s.webpki, &s.path) {
        (Ok(()), Ok(root)) => format!("✓ trusted: a path to {root}"),
        (Ok(()), Err(_)) => "✓ trusted".to_string(),
        (Err(_), Err(e)) => format!("✗ {e}"),
        (Err(w), Ok(root)) => format!("✗ {w} (a path to {root} exists)"),
    }
}

/// The time property at one time.
fn format_time_verdict(v: &Verdicts, r: &[TimeProblem]) -> String {
    if r.is_empty() {
        return format!("✓ every certificate is valid at {}", rfc3339(v.at));
    }
    let problems: Vec<String> = r
        .iter()
        .map(|p| {
            format!(
                "{}: {} ({} to {})",
                p.cert.clone(),
                format_validity(p.not_before, p.not_after, v.at),
                rfc3339(p.not_before),
                rfc3339(p.not_after)
            )
        })
        .collect();
    format!("✗ at {}: {}", rfc3339(v.at), problems.join("; "))
}

/// The verdict per trust source and per property, at the local clock and the true time.
fn verdicts_doc(doc: &mut Doc, j: &Judged) {
    let local = &j.local;
    heading(doc, "verdicts");
    for s in &local.sources {
        doc.field(source_name(&s.source), &format_source_full(s));
        let truth = j
            .truth
            .as_ref()
            .and_then(|(_, t)| t.sources.iter().find(|x| x.source == s.source));
        let local_words = format_source_full(s);
        if let Some(t) = truth.map(format_source_full)
            && t != local_words
        {
            doc.field("", &format!("at the true time: {t}"));
        }
    }
    if local.sources.is_empty() {
        doc.field("trust", "no trust store loaded");
    }
    doc.field("time (local)", &format_time_verdict(local, &local.time));
    match &j.truth {
        Some((offset, t)) => doc.field(
            "time (true)",
            &format!("{} (consensus {offset})", format_time_verdict(t, &t.time)),
        ),
        None => doc.field(
            "time (true)",
            "unknown: the clock pane has no consensus yet",
        ),
    }
    let name = match &local.name {
        None => "not checked: no name to check".to_string(),
        Some((n, Ok(()))) => format!("✓ {n:?} is in the certificate"),
        Some((_, Err(why))) => format!("✗ {why}"),
    };
    doc.field("name", &name);
    let purpose = if local.purpose.is_empty() {
        "✓ the chain may authenticate a TLS server".to_string()
    } else {
        format!("✗ {}", local.purpose.join("; "))
    };
    doc.field("purpose", &purpose);
    let weak = if local.weak.is_empty() {
        "✓ no weak key or signature".to_string()
    } else {
        format!("! {}", local.weak.join("; "))
    };
    doc.field("weak", &weak);
}

/// The findings about a target, with their evidence: its own, and what the clock's finding
/// says about it.
fn target_findings_doc(doc: &mut Doc, model: &Model, t: &crate::config::Target) {
    let theme = doc.theme;
    let prefix = format!("{}: ", t.name);
    let mut any = false;
    for f in &model.derived.findings {
        let own = f.target.as_deref() == Some(t.name.as_str());
        let about: Vec<&String> = if own {
            f.evidence.iter().collect()
        } else if f.target.is_none() {
            f.evidence
                .iter()
                .filter(|e| e.starts_with(&prefix))
                .collect()
        } else {
            Vec::new()
        };
        if !own && about.is_empty() {
            continue;
        }
        if !any {
            heading(doc, "findings");
            any = true;
        }
        doc.line(finding_line(f, theme, ""));
        doc.para("  ", &f.summary, Style::new());
        for e in about {
            doc.para("  • ", e, theme.dim());
        }
    }
}

/// An alternative server that has not run, and how to run it (keys from the key map).
pub fn untried_words() -> String {
    match (key_label(Action::Fixes), key_label(Action::Retry)) {
        (Some(f), Some(r)) => format!(
            "not tried: press {f} on the finding that offers it, or {r} here, to run its checks"
        ),
        _ => "not tried: run it from the fixes of the finding that offers it".to_string(),
    }
}

/// The title of a target's window: its name, and where it is when the name does not say.
pub fn target_title(t: &crate::config::Target) -> String {
    if t.name == address(t) || t.name == t.host {
        format!(" {} ", t.name)
    } else {
        format!(" {}: {} ", t.name, address(t))
    }
}
