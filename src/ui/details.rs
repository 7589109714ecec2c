//! The details window for the selected row of a pane: every field of an NTP reply (or why
//! there is none); a target's DNS answer, TCP attempts and TLS check (the handshake, its
//! timings, the HTTP answer, every hello tried, the verdict per trust source and per property
//! at the local clock and the true time, its findings' evidence, then the chain cert by cert);
//! a target's every reachability probe with what its status proves, the DNS comparison and the
//! captive-portal check; a finding's evidence and fixes. Text longer than the window scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fixes::format_fix_action;
use super::format::{
    format_leap, format_log2, format_ms, format_time, format_validity, source_name, wrap_words,
};
use super::handshakes::{
    Judged, address, format_attempt, format_dns, format_handshake, format_tcp, has_tls,
    http_source, judge,
};
use super::theme::Theme;
use super::{WINDOW_FRAME, centered, key_label, window};
use crate::app::keys::Action;
use crate::app::{Done, Model, Pane, Slot};
use crate::config::Sni;
use crate::probe::cert::rfc3339;
use crate::probe::reach::{CaptiveVerdict, ReachReport, is_reach_probe, wants_reach};
use crate::probe::tls::TlsReport;
use crate::probe::trust::{SourceVerdict, TimeProblem, Verdicts, describe};
use crate::text::clean;
use crate::text::human_duration;

/// The widest the window gets, so lines stay readable on wide terminals.
const MAX_WIDTH: u16 = 100;
/// The narrowest it gets (if the screen allows).
const MIN_WIDTH: u16 = 60;
/// The width of the field names.
const LABEL: usize = 16;

/// The window's text, built line by line and word-wrapped to `width` with hanging indents, so
/// the window knows its exact height.
struct Doc {
    theme: Theme,
    width: usize,
    lines: Vec<Line<'static>>,
}

impl Doc {
    fn new(theme: Theme, width: usize) -> Self {
        Doc {
            theme,
            width,
            lines: Vec::new(),
        }
    }

    /// `name` in the label column, `value` wrapped beside it.
    fn field(&mut self, name: &str, value: &str) {
        let wrapped = wrap_words(value, self.width.saturating_sub(LABEL));
        for (i, part) in wrapped.into_iter().enumerate() {
            let label = if i == 0 { name } else { "" };
            self.lines.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), self.theme.heading()),
                Span::raw(part),
            ]));
        }
    }

    /// Text wrapped under a first-line `lead` ("• ", "    "), continued under the lead's
    /// width.
    fn para(&mut self, lead: &str, text: &str, style: Style) {
        let lead_w = lead.chars().count();
        let wrapped = wrap_words(text, self.width.saturating_sub(lead_w));
        for (i, part) in wrapped.into_iter().enumerate() {
            let lead = if i == 0 {
                lead.to_string()
            } else {
                " ".repeat(lead_w)
            };
            self.lines
                .push(Line::styled(format!("{lead}{part}"), style));
        }
    }

    fn line(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }
}

/// When a run finished and how long it took; and whether another runs or waits.
fn run_fields<T>(doc: &mut Doc, model: &Model, slot: &Slot<T>) {
    if let Some(Done { at, took, .. }) = &slot.last {
        doc.field(
            "checked at",
            &format!(
                "{} (local clock), took {}",
                format_time(*at),
                format_ms(*took)
            ),
        );
    }
    if let Some(since) = slot.running_since {
        let queued = if slot.queued {
            ", one more run queued"
        } else {
            ""
        };
        doc.field(
            "running",
            &format!(
                "for {}{queued}",
                human_duration(super::elapsed(model, since))
            ),
        );
    }
}

fn clock_doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let server = model.config.clock.servers[i].to_string();
    let slot = &model.ntp[i];
    let c = model.consensus();
    doc.field("server", &server);
    match slot.value() {
        Some(Ok(r)) => {
            let role = if c.falsetickers.contains(&i) {
                "falseticker: left out of the consensus"
            } else if c.used.contains(&i) {
                "ok: used in the consensus"
            } else {
                "ok"
            };
            let reference = r
                .reference_time
                .map_or_else(|| "not given".to_string(), format_time);
            doc.field("status", role);
            doc.field("address", &r.addr.to_string());
            doc.field("offset", &format!("{}: {}", r.offset, r.offset.describe()));
            doc.field("round trip", &human_duration(r.rtt));
            doc.field("stratum", &r.stratum.to_string());
            doc.field("reference id", &clean(&r.reference_id));
            doc.field("leap", format_leap(r.leap));
            doc.field("precision", &format_log2(r.precision));
            doc.field("poll", &format_log2(r.poll));
            doc.field("root delay", &human_duration(r.root_delay));
            doc.field("root dispersion", &human_duration(r.root_dispersion));
            doc.field("reference time", &reference);
            doc.field("server time", &format_time(r.server_time));
        }
        Some(Err(e)) => {
            doc.field("status", e.status());
            doc.field("reason", &clean(&e.to_string()));
            if e.answered() {
                doc.field(
                    "consequence",
                    "the server answered, but its time is left out of the consensus",
                );
            }
        }
        None => doc.field("status", "no result yet"),
    }
    run_fields(doc, model, slot);
    format!(" Clock: {server} ")
}

fn target_doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let t = &model.config.targets[i];
    let slot = &model.connect[i];
    doc.field("target", &clean(&t.name));
    if let Some(parent) = t.alternative_of.and_then(|p| model.config.targets.get(p)) {
        doc.field(
            "alternative of",
            &format!("{} ({})", clean(&parent.name), address(parent)),
        );
    }
    doc.field("host", &address(t));
    if has_tls(t) {
        let sni = match &t.sni {
            Sni::Host => clean(&t.host),
            Sni::Name(n) => clean(n),
            Sni::None => "none (no SNI is sent)".to_string(),
        };
        doc.field("SNI", &sni);
    }
    if let Some(c) = t.connect {
        doc.field("connect", &format!("{c} (from the config or --resolve)"));
    }
    let probes: Vec<String> = t.probes.iter().map(ToString::to_string).collect();
    doc.field("probes", &probes.join(", "));
    match slot.value() {
        Some(r) => {
            doc.field("DNS", &format_dns(t, &r.dns));
            for a in &r.tcp {
                doc.field(&format!("TCP {}", a.port), &format_attempt(a));
            }
        }
        None if model.untried_alternative(i) => doc.field("status", &untried_words()),
        None => doc.field("status", "no result yet"),
    }
    // The verdicts and the findings come before the chain, which is long.
    let tls = model.tls[i]
        .value()
        .filter(|_| has_tls(t) && !model.untried_alternative(i));
    let judged = tls.and_then(|r| judge(model, r));
    if has_tls(t) && !model.untried_alternative(i) {
        tls_doc(doc, model, i, judged.as_ref());
    }
    target_findings_doc(doc, model, t);
    if let Some(r) = tls.filter(|r| !r.chain.is_empty()) {
        chain_doc(doc, r, judged.as_ref());
    }
    let slots = [slot_run(&model.connect[i]), slot_run(&model.tls[i])];
    run_fields_of(doc, model, &slots);
    target_title(t)
}

/// When a slot's last run finished and took, and since when it runs.
type SlotRun = (
    Option<(std::time::SystemTime, std::time::Duration)>,
    Option<std::time::Instant>,
);

fn slot_run<T>(slot: &Slot<T>) -> SlotRun {
    (
        slot.last.as_ref().map(|d| (d.at, d.took)),
        slot.running_since,
    )
}

/// When the latest of some checks finished, and whether one runs now.
fn run_fields_of(doc: &mut Doc, model: &Model, slots: &[SlotRun]) {
    let last = slots
        .iter()
        .filter_map(|(last, _)| *last)
        .max_by_key(|(at, _)| *at);
    if let Some((at, took)) = last {
        doc.field(
            "checked at",
            &format!(
                "{} (local clock), took {}",
                format_time(at),
                format_ms(took)
            ),
        );
    }
    if let Some(since) = slots.iter().filter_map(|(_, r)| *r).min() {
        doc.field(
            "running",
            &format!("for {}", human_duration(super::elapsed(model, since))),
        );
    }
}

/// A section heading, after a blank line.
fn heading(doc: &mut Doc, text: &str) {
    let style = doc.theme.heading();
    doc.line(Line::raw(""));
    doc.para("", text, style);
}

/// The TLS check: the handshake, its timings, the HTTP answer, every hello tried, and the
/// verdicts on the chain.
fn tls_doc(doc: &mut Doc, model: &Model, i: usize, judged: Option<&Judged>) {
    let slot = &model.tls[i];
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
    let to = a.addr.map_or_else(
        || format!("{}:{}", clean(&r.host), r.port),
        |x| x.to_string(),
    );
    let sni = a
        .sni
        .as_deref()
        .map_or_else(|| "no SNI".to_string(), |s| format!("SNI {}", clean(s)));
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
            doc.field(
                "HTTP HEAD",
                &format!("{}{}", clean(&h.status_line), http_source(r)),
            );
            if let Some(date) = &h.date_raw {
                let offset = h
                    .date_offset()
                    .map(|o| format!(" (by this header, the {})", o.describe()))
                    .unwrap_or_default();
                doc.field("Date", &format!("{}{offset}", clean(date)));
            }
        }
        None if a.failure.is_none() => doc.field("HTTP HEAD", &no_http_words(a)),
        None => {}
    }
    for (k, v) in r.variants.iter().enumerate() {
        let mark = if v.failure.is_none() { "✓" } else { "✗" };
        doc.field(
            if k == 0 { "hellos retried" } else { "" },
            &format!("{mark} {}", clean(&v.summary())),
        );
    }
    if let Some(verdict) = &r.rustls_verdict {
        let words = match verdict {
            Ok(()) => "✓ accepted with every root loaded".to_string(),
            Err(e) => format!("✗ {}", clean(e)),
        };
        doc.field("rustls verdict", &words);
    }
    if r.chain.is_empty() {
        doc.field("chain", "none: the server sent no certificate");
    }
    if let Some(j) = judged {
        verdicts_doc(doc, j);
    }
}

/// Why a completed handshake brought no `HEAD /` answer.
fn no_http_words(a: &crate::probe::tls::Attempt) -> String {
    use crate::probe::tls::FirstRead;
    let h2 = a
        .negotiated
        .as_ref()
        .is_some_and(|n| n.alpn.as_deref() == Some("h2"));
    if h2 {
        return "not asked: the server chose h2 (and no http/1.1 retry answered)".to_string();
    }
    match &a.first_read {
        Some(FirstRead::Quiet { waited }) => {
            format!("no answer to HEAD / within {}", format_ms(*waited))
        }
        Some(FirstRead::Closed { .. }) => {
            "the server closed the connection without answering HEAD /".to_string()
        }
        Some(FirstRead::Data { bytes, .. }) => {
            format!("the answer ({bytes} bytes) is not an HTTP/1.x response")
        }
        Some(FirstRead::Alert(al)) => format!("a TLS alert instead: {al}"),
        Some(FirstRead::Error(e)) => format!("reading the answer failed: {}", clean(e)),
        None => "none".to_string(),
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
        Some(FirstRead::Error(e)) => parts.push(format!("first read: {}", clean(e))),
        None => {}
    }
    parts.push(format!("all {}", format_ms(a.took)));
    parts.join(" · ")
}

/// The chain as sent, certificate by certificate.
fn chain_doc(doc: &mut Doc, r: &TlsReport, judged: Option<&Judged>) {
    let n = r.chain.len();
    heading(
        doc,
        &format!(
            "chain: {n} certificate{} as the server sent {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        ),
    );
    for (k, c) in r.chain.iter().enumerate() {
        let style = doc.theme.heading();
        doc.para(
            "",
            &format!("#{k} {}", clean(&describe(&r.chain, k))),
            style,
        );
        let info = match &c.info {
            Ok(info) => info,
            Err(e) => {
                doc.field("unreadable", &clean(e));
                continue;
            }
        };
        doc.field("subject", &clean(&info.subject));
        let sans = if info.sans.is_empty() {
            "none".to_string()
        } else {
            clean(&info.sans.join(", "))
        };
        doc.field("SANs", &sans);
        doc.field("issuer", &clean(&info.issuer));
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
        doc.field("signature", &clean(&info.signature_algorithm));
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
            Some(list) => clean(&list.join(", ")),
            None => "no extension (any purpose)".to_string(),
        };
        doc.field("EKU", &eku);
    }
}

/// A source's verdict in full: trusted through which root, or why not.
fn format_source_full(s: &SourceVerdict) -> String {
    match (&s.webpki, &s.path) {
        (Ok(()), Ok(root)) => format!("✓ trusted: a path to {}", clean(root)),
        (Ok(()), Err(_)) => "✓ trusted".to_string(),
        (Err(_), Err(e)) => format!("✗ {}", clean(&e.to_string())),
        (Err(w), Ok(root)) => format!("✗ {} (a path to {} exists)", clean(w), clean(root)),
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
                clean(&p.cert),
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
        Some((n, Ok(()))) => format!("✓ {:?} is in the certificate", clean(n)),
        Some((_, Err(why))) => format!("✗ {}", clean(why)),
    };
    doc.field("name", &name);
    let purpose = if local.purpose.is_empty() {
        "✓ the chain may authenticate a TLS server".to_string()
    } else {
        format!("✗ {}", clean(&local.purpose.join("; ")))
    };
    doc.field("purpose", &purpose);
    let weak = if local.weak.is_empty() {
        "✓ no weak key or signature".to_string()
    } else {
        format!("! {}", clean(&local.weak.join("; ")))
    };
    doc.field("weak", &weak);
}

/// The findings about a target, with their evidence: its own, and what the clock's finding
/// says about it.
fn target_findings_doc(doc: &mut Doc, model: &Model, t: &crate::config::Target) {
    let theme = doc.theme;
    let prefix = format!("{}: ", t.name);
    let mut any = false;
    for f in &model.findings {
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
        doc.line(Line::from(vec![
            Span::styled(
                format!("{} {}", f.severity.symbol(), f.severity.word()),
                theme.severity(f.severity),
            ),
            Span::raw("  "),
            Span::styled(f.code.as_str(), theme.heading()),
        ]));
        doc.para("  ", &clean(&f.summary), Style::new());
        for e in about {
            doc.para("  • ", &clean(e), theme.dim());
        }
    }
}

/// An alternative server that has not run, and how to run it (keys from the key map).
fn untried_words() -> String {
    match (key_label(Action::Fixes), key_label(Action::Retry)) {
        (Some(f), Some(r)) => format!(
            "not tried: press {f} on the finding that offers it, or {r} here, to run its checks"
        ),
        _ => "not tried: run it from the fixes of the finding that offers it".to_string(),
    }
}

/// The title of a target's window: its name, and where it is when the name does not say.
fn target_title(t: &crate::config::Target) -> String {
    if t.name == address(t) || t.name == t.host {
        format!(" {} ", clean(&t.name))
    } else {
        format!(" {}: {} ", clean(&t.name), address(t))
    }
}

/// One probe: its label, status and the facts of its run on the first line, then what the
/// status proves and the probe's own words, whole.
fn probe_entry(doc: &mut Doc, label: &str, status: &str, style: Style, facts: &[String]) {
    let theme = doc.theme;
    let mut spans = vec![
        Span::styled(format!("{label}  "), theme.heading()),
        Span::styled(status.to_string(), style),
    ];
    for f in facts {
        spans.push(Span::raw(format!(" · {f}")));
    }
    let line = Line::from(spans);
    if line.width() <= doc.width {
        doc.line(line);
    } else {
        doc.line(Line::from(line.spans[..2].to_vec()));
        doc.para("    ", &facts.join(" · "), Style::new());
    }
}

/// Why a target has no DNS comparison.
fn no_comparison(t: &crate::config::Target) -> &'static str {
    if t.connect.is_some() {
        "not done: the config gives the address to connect to"
    } else if t.host.parse::<std::net::IpAddr>().is_ok() {
        "not needed: the target is an address"
    } else {
        "not done: no nameserver to ask directly (none in /etc/resolv.conf, no `resolvers` in the config)"
    }
}

fn dns_comparison_doc(doc: &mut Doc, t: &crate::config::Target, r: &ReachReport) {
    let Some(c) = &r.dns_compare else {
        doc.field("DNS compared", no_comparison(t));
        return;
    };
    doc.field(
        "DNS compared",
        &format!("system resolver: {}", clean(&c.system.words())),
    );
    for d in &c.direct {
        let verdict = if super::reach::contradicts(c, d) {
            " — contradicts the system resolver"
        } else {
            ""
        };
        doc.field(
            "",
            &format!("{}: {}{verdict}", d.server, clean(&d.answer.words())),
        );
    }
    if c.differences().is_empty() {
        doc.field(
            "",
            "no contradiction: the answers share an address, or one side gave none to compare",
        );
    }
}

fn captive_doc(doc: &mut Doc, model: &Model) {
    let Some(c) = model.captive.value() else {
        doc.field(
            "captive check",
            &super::reach::format_captive_verdict(model),
        );
        return;
    };
    let verdict = match &c.verdict {
        CaptiveVerdict::Open => "no portal: the expected answer came".to_string(),
        CaptiveVerdict::Captive(why) => format!("CAPTIVE PORTAL: {}", clean(why)),
        CaptiveVerdict::Unknown(why) => format!("could not tell: {}", clean(why)),
    };
    doc.field("captive check", &verdict);
    let status = c
        .status
        .map_or_else(|| "no HTTP answer".to_string(), |s| format!("HTTP {s}"));
    let location = c
        .location
        .as_deref()
        .map(|l| format!(", location {}", clean(l)))
        .unwrap_or_default();
    doc.field(
        "",
        &format!(
            "{}: {status} in {}{location}",
            clean(&c.url),
            format_ms(c.took)
        ),
    );
    if let Some(since) = model.captive.running_since {
        doc.field(
            "",
            &format!(
                "running again for {}",
                human_duration(super::elapsed(model, since))
            ),
        );
    }
}

fn reach_doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let t = &model.config.targets[i];
    let theme = doc.theme;
    if let Some(parent) = t.alternative_of.and_then(|p| model.config.targets.get(p)) {
        doc.field(
            "alternative of",
            &format!("{} ({})", clean(&parent.name), address(parent)),
        );
    }
    if model.untried_alternative(i) {
        let probes: Vec<String> = t.probes.iter().map(ToString::to_string).collect();
        doc.field("probes", &probes.join(", "));
        doc.field("status", &untried_words());
        return target_title(t);
    }
    let reach = model.reach[i].value();
    let dns = reach
        .map(|r| &r.dns)
        .or_else(|| model.connect[i].value().map(|r| &r.dns));
    if let Some(dns) = dns {
        doc.field("DNS", &format_dns(t, dns));
    }
    doc.line(Line::raw(""));
    match model.connect[i].value() {
        Some(r) => {
            for a in &r.tcp {
                let (state, detail) = super::reach::format_port(a);
                let style = if state == "open" {
                    theme.ok()
                } else {
                    theme.error()
                };
                probe_entry(doc, &format!("tcp:{}", a.port), state, style, &[detail]);
            }
        }
        None if !t.tcp_ports().is_empty() => {
            doc.para("", "TCP ports: no result yet", theme.dim());
        }
        None => {}
    }
    match reach {
        Some(r) => {
            for x in &r.results {
                let mut facts = vec![format!("{} to {}", format_ms(x.took), x.addr)];
                facts.extend(super::reach::format_tags(x));
                probe_entry(
                    doc,
                    &x.probe.to_string(),
                    x.status.as_str(),
                    super::reach::status_style(x.status, theme),
                    &facts,
                );
                doc.para("    ", &super::reach::format_reach_status(x), Style::new());
                doc.para("    ", &clean(&x.detail), theme.dim());
            }
            if r.results.is_empty() && t.probes.iter().any(|s| is_reach_probe(*s)) {
                doc.para(
                    "",
                    "OpenVPN/WireGuard probes: not run, DNS gave no address",
                    theme.dim(),
                );
            }
            doc.line(Line::raw(""));
            dns_comparison_doc(doc, t, r);
        }
        None if wants_reach(t) => {
            doc.para(
                "",
                "OpenVPN/WireGuard probes and DNS comparison: no result yet",
                theme.dim(),
            );
            doc.line(Line::raw(""));
        }
        None => doc.line(Line::raw("")),
    }
    captive_doc(doc, model);
    run_fields_of(
        doc,
        model,
        &[slot_run(&model.connect[i]), slot_run(&model.reach[i])],
    );
    target_title(t)
}

fn finding_doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let f = &model.findings[i];
    let theme = doc.theme;
    doc.line(Line::from(vec![
        Span::styled(
            format!("{} {}", f.severity.symbol(), f.severity.word()),
            theme.severity(f.severity),
        ),
        Span::raw("  "),
        Span::styled(f.code.as_str(), theme.heading()),
        Span::raw(format!(
            "  {}",
            f.target.as_deref().unwrap_or("this machine")
        )),
    ]));
    doc.para("", &clean(&f.summary), Style::new());
    doc.line(Line::raw(""));
    doc.line(Line::styled("evidence", theme.heading()));
    for e in &f.evidence {
        doc.para("• ", &clean(e), Style::new());
    }
    if !f.fixes.is_empty() {
        doc.line(Line::raw(""));
        let how = key_label(Action::Fixes)
            .map(|k| format!(" (press {k} to choose one)"))
            .unwrap_or_default();
        doc.line(Line::styled(format!("fixes{how}"), theme.heading()));
        for fix in &f.fixes {
            doc.line(Line::from(vec![
                Span::styled(format!("[{}] ", fix.key), theme.key()),
                Span::raw(fix.label.clone()),
            ]));
            let style = if fix.command.is_some() {
                theme.command()
            } else {
                theme.dim()
            };
            doc.para("    ", &format_fix_action(fix), style);
        }
    }
    format!(" Finding: {} ", f.code)
}

/// The title and lines of the details of `pane`'s selected row, wrapped to `width`; `None`
/// when the pane has no rows.
pub fn lines(
    model: &Model,
    pane: Pane,
    theme: Theme,
    width: usize,
) -> Option<(String, Vec<Line<'static>>)> {
    if model.rows(pane) == 0 {
        return None;
    }
    let i = model.selection(pane);
    let mut doc = Doc::new(theme, width);
    let title = match pane {
        Pane::Clock => clock_doc(&mut doc, model, i),
        Pane::Handshakes => target_doc(&mut doc, model, i),
        Pane::Reach => reach_doc(&mut doc, model, i),
        Pane::Findings => finding_doc(&mut doc, model, i),
    };
    Some((title, doc.lines))
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, pane: Pane) {
    let theme = Theme::new(model.env.color);
    let build = |width: usize| {
        lines(model, pane, theme, width).unwrap_or_else(|| {
            (
                format!(" {} ", pane.title()),
                vec![Line::raw("nothing is selected: the pane has no rows")],
            )
        })
    };
    // Measure unwrapped, choose the window's width, then wrap to it.
    let widest = build(usize::MAX / 2)
        .1
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(0)
        .min(usize::from(u16::MAX)) as u16;
    let width = widest
        .saturating_add(WINDOW_FRAME)
        .clamp(MIN_WIDTH, MAX_WIDTH)
        .min(area.width);
    let (title, lines) = build(usize::from(width.saturating_sub(WINDOW_FRAME)));
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, width, total.saturating_add(2));
    let inner = window(frame, rect, title, theme);
    render_scrolled(frame, rect, inner, lines, model.overlay_scroll, theme);
}

/// Renders a window's `lines` in its `inner` area, scrolled down `scroll` lines (clamped to
/// the text); when they do not fit, the bottom border of `rect` says where the view is.
pub fn render_scrolled(
    frame: &mut Frame,
    rect: Rect,
    inner: Rect,
    lines: Vec<Line<'static>>,
    scroll: u16,
    theme: Theme,
) {
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max_scroll = total.saturating_sub(inner.height);
    let scroll = scroll.min(max_scroll);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    if max_scroll > 0 && rect.height >= 3 && rect.width >= 4 {
        let mark = format_scroll(scroll, inner.height, total);
        let w = u16::try_from(Span::raw(&mark).width())
            .unwrap_or(u16::MAX)
            .min(rect.width - 2);
        let border = Rect {
            x: rect.x + rect.width - 1 - w,
            y: rect.y + rect.height - 1,
            width: w,
            height: 1,
        };
        frame.render_widget(Paragraph::new(Span::styled(mark, theme.title())), border);
    }
}

/// Where a scrolled window's view is, and the keys that move it (from the key map):
/// " lines 1–20 of 64 · PgDn more ".
pub fn format_scroll(scroll: u16, height: u16, total: u16) -> String {
    let first = scroll.saturating_add(1);
    let last = scroll.saturating_add(height).min(total);
    let keys: Vec<String> = [
        (scroll > 0, Action::PageUp, "back"),
        (last < total, Action::PageDown, "more"),
    ]
    .into_iter()
    .filter(|(on, ..)| *on)
    .filter_map(|(_, action, word)| key_label(action).map(|k| format!(" · {k} {word}")))
    .collect();
    format!(" lines {first}–{last} of {total}{} ", keys.concat())
}
