//! The Handshakes pane: per target, the phases of a connection as far as they have been
//! checked: the DNS answer, the TCP connects, the TLS handshake (what it negotiated, or how it
//! failed and what the retried hellos showed), the HTTP answer, and the leaf certificate with
//! its validity and the verdict of each trust source.

pub mod details;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{
    format_alternative, format_dns, format_ms, format_negotiated, format_running, format_trust,
    format_validity, format_variant, format_variant_result, pad, wrap_words,
};
use super::theme::Theme;
use super::{SELECTED_WIDTH, elapsed, mark_scroll, pane_block, render_blocks};
use crate::app::{Model, Pane};
use crate::config::{HostPort, ProbeSpec, Target};
use crate::diagnose::{CertStatus, Judged};
use crate::probe::cert::CertInfo;
use crate::probe::connect::{ConnectReport, TcpAttempt, TcpError};
use crate::probe::reach::Outcome;
use crate::probe::tls::{TlsFailure, TlsReport, Variant};
use crate::text::human_duration;

/// The widest a target's name or address gets in the row's first line.
const MAX_NAME_WIDTH: usize = 24;
/// The width of the phase labels ("DNS", "trust").
const LABEL_WIDTH: usize = 5;

/// `host:port` of a target, IPv6 in brackets.
pub fn host_port(t: &Target) -> String {
    HostPort {
        host: t.host.clone(),
        port: Some(t.port),
    }
    .to_string()
}

/// Whether the target's checks include the TLS handshake.
pub fn has_tls(t: &Target) -> bool {
    t.probes.contains(&ProbeSpec::Tls)
}

/// Where a target is, as far as its checks go: `host:port` when the TLS handshake runs on that
/// port, else the host alone (its TCP lines name the ports it really checks).
pub fn address(t: &Target) -> String {
    if has_tls(t) {
        host_port(t)
    } else {
        t.host.clone()
    }
}

/// A TCP connect's outcome: a short status word and the words for it.
pub fn format_tcp(result: &Result<std::time::Duration, TcpError>) -> (&'static str, String) {
    match result {
        Ok(d) => ("open", format!("connected in {}", format_ms(*d))),
        Err(TcpError::Refused) => (
            "refused",
            "refused: nothing listens, or a firewall rejects".to_string(),
        ),
        Err(TcpError::Timeout(d)) => (
            "timeout",
            format!(
                "no answer within {}: filtered, or the host is down",
                human_duration(*d)
            ),
        ),
        Err(TcpError::Unreachable(e)) => ("unreach", format!("unreachable: {e}")),
        Err(TcpError::NoAddress) => ("no addr", "not tried: DNS gave no address".to_string()),
        Err(TcpError::Other(e)) => ("error", e.clone()),
    }
}

/// A TCP attempt in words: "192.0.2.1:443 connected in 23ms".
pub fn format_attempt(a: &TcpAttempt) -> String {
    let addr = a
        .addr
        .map_or_else(|| format!("port {}", a.port), |x| x.to_string());
    format!("{addr} {}", format_tcp(&a.result).1)
}

/// The TCP attempt to the port the TLS handshake dials (the `connect` address's port when the
/// config gives one), if its checks include one.
pub fn main_attempt<'a>(target: &Target, report: &'a ConnectReport) -> Option<&'a TcpAttempt> {
    report.port(target.tls_port())
}

/// A TLS failure as a short status word.
pub fn failure_word(f: &TlsFailure) -> &'static str {
    match f {
        TlsFailure::Tcp(e) => format_tcp(&Err(e.clone())).0,
        TlsFailure::Proxy(_) => "proxy",
        TlsFailure::Reset { .. } => "reset",
        TlsFailure::Timeout { .. } => "timeout",
        TlsFailure::Closed { .. } => "closed",
        TlsFailure::NotTls { .. } => "not tls",
        TlsFailure::Alert(_) | TlsFailure::EarlyAlert(_) => "alert",
        TlsFailure::ClientCertRequired { .. } => "client cert",
        TlsFailure::Version(_) => "version",
        TlsFailure::Signature(_) => "signature",
        TlsFailure::Protocol(_) | TlsFailure::Other(_) => "tls error",
    }
}

/// The leaf certificate, when it parsed.
pub fn leaf(report: &TlsReport) -> Option<&CertInfo> {
    report.chain.first().and_then(|c| c.info.as_ref().ok())
}

/// A chain's status as a word, and how it looks.
fn cert_word(status: CertStatus, theme: Theme) -> (&'static str, Style) {
    let word = match status {
        CertStatus::Clock => "clock",
        CertStatus::Intercepted => "intercepted",
        CertStatus::Expired => "expired",
        CertStatus::NotYetValid => "not yet valid",
        CertStatus::WrongHost => "wrong host",
        CertStatus::Untrusted => "untrusted",
        CertStatus::BadPurpose => "bad purpose",
        CertStatus::Weak => "weak",
        CertStatus::ExpiringSoon => "expiring",
        CertStatus::Ok => return ("ok", theme.ok()),
    };
    let style = if status.is_warning() {
        theme.warning()
    } else {
        theme.error()
    };
    (word, style)
}

/// A target's status word and how it looks, from its finished checks.
fn status(model: &Model, i: usize, theme: Theme) -> (&'static str, Style) {
    let target = &model.config().targets[i];
    let checks = &model.obs.targets[i];
    let connect = checks.connect.value();
    let Some(dns) = checks.dns.value() else {
        return ("not run", theme.dim());
    };
    // Through a proxy, the TLS check does not use this machine's DNS or direct connect.
    let proxied = target.proxy.is_some() && has_tls(target);
    if !dns.is_ok() && !proxied {
        return ("dns", theme.error());
    }
    if has_tls(target)
        && let Some(report) = checks.tls.value()
    {
        let tcp_failed = connect
            .filter(|_| !proxied)
            .and_then(|r| main_attempt(target, r))
            .and_then(|a| a.result.as_ref().err());
        if let Some(e) = tcp_failed {
            return (format_tcp(&Err(e.clone())).0, theme.error());
        }
        return match (&report.attempt.failure, model.derived.targets[i].cert) {
            (Some(f), _) => (failure_word(f), theme.error()),
            (None, Some(c)) => cert_word(c, theme),
            (None, None) => ("no cert", theme.error()),
        };
    }
    // A VPN target whose own handshake ran (an OpenVPN profile with a CA, a WireGuard config):
    // that handshake is its status.
    if let Some(outcome) = vpn_handshake(model, i) {
        return match outcome {
            Outcome::Ok => ("vpn ok", theme.ok()),
            Outcome::Inconclusive => ("vpn ?", theme.warning()),
            Outcome::Failed => ("vpn failed", theme.error()),
        };
    }
    let ports: Vec<&TcpAttempt> = match connect {
        Some(r) if has_tls(target) => main_attempt(target, r).into_iter().collect(),
        Some(r) => r.tcp.iter().collect(),
        None => Vec::new(),
    };
    match ports.iter().find_map(|a| a.result.as_ref().err()) {
        Some(e) => (format_tcp(&Err(e.clone())).0, theme.error()),
        None if ports.is_empty() => ("dns ok", theme.ok()),
        None => ("ok", theme.ok()),
    }
}

/// How target `i`'s own VPN handshakes ended, the worst of them: `None` when none ran (no
/// profile CA, no WireGuard keys, or its reach check has not finished).
fn vpn_handshake(model: &Model, i: usize) -> Option<Outcome> {
    let results = &model.obs.targets[i].reach.value()?.results;
    results
        .iter()
        .filter_map(crate::probe::reach::ReachResult::own_handshake)
        .map(|(outcome, _)| outcome)
        .min()
}

/// When the earliest of a target's running checks shown here started.
fn running_since(model: &Model, i: usize) -> Option<Instant> {
    let checks = &model.obs.targets[i];
    [
        checks.dns.running_since,
        checks.connect.running_since,
        checks.tls.running_since,
    ]
    .into_iter()
    .flatten()
    .min()
}

/// The widths of the name and address columns, from the targets (an alternative server's row
/// names its host instead, so its long name does not widen the column).
pub fn column_widths(targets: &[Target]) -> (usize, usize) {
    let name = targets
        .iter()
        .filter(|t| t.alternative_of.is_none())
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0);
    let addr = targets
        .iter()
        .map(|t| address(t).chars().count())
        .max()
        .unwrap_or(0);
    (name.min(MAX_NAME_WIDTH), addr.min(MAX_NAME_WIDTH))
}

/// The TLS phase in words: what was negotiated and how long it took, or the failure.
pub fn format_handshake(report: &TlsReport) -> String {
    let a = &report.attempt;
    match (&a.failure, &a.negotiated) {
        (Some(f), _) => format!("failed: {f}"),
        (None, Some(n)) => {
            let took = a
                .handshake
                .map(|d| format!(" in {}", format_ms(d)))
                .unwrap_or_default();
            let n = format_negotiated(n);
            match n.split_once(" · ") {
                Some((version, rest)) => format!("{version}{took} · {rest}"),
                None => n,
            }
        }
        (None, None) => "no handshake".to_string(),
    }
}

/// What the retried hellos showed, for a failed handshake: "works without the post-quantum
/// share · fails without SNI". `None` when none was tried.
pub fn format_variants(report: &TlsReport) -> Option<String> {
    let tried: Vec<String> = report
        .variants
        .iter()
        .filter(|a| a.variant != Variant::Http11)
        .map(format_variant_result)
        .collect();
    (report.attempt.failure.is_some() && !tried.is_empty()).then(|| tried.join(" · "))
}

/// The `HEAD /` answer after its label "HTTP": "1.1 200 OK · Date Tue, 14 Nov 2023
/// 22:13:21 GMT".
pub fn format_http(report: &TlsReport) -> Option<String> {
    let h = report.http()?;
    let status = h.status_line.clone();
    let status = status.strip_prefix("HTTP/").unwrap_or(&status);
    let date = h
        .date_raw
        .as_deref()
        .map(|d| format!(" · Date {d}"))
        .unwrap_or_default();
    Some(format!("{status}{date}{}", http_source(report)))
}

/// Why a completed handshake brought no `HEAD /` answer.
pub fn no_http_words(a: &crate::probe::tls::Attempt) -> String {
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
        Some(FirstRead::Error(e)) => format!("reading the answer failed: {e}"),
        None => "none".to_string(),
    }
}

/// Which hello got the `HEAD /` answer, when it was not the default one: " (to the hello
/// without the post-quantum share)".
pub fn http_source(report: &TlsReport) -> String {
    if report.attempt.http.is_some() {
        return String::new();
    }
    report
        .variants
        .iter()
        .find(|a| a.http.is_some())
        .map(|a| format!(" (to the hello {})", format_variant(&a.variant)))
        .unwrap_or_default()
}

/// The leaf in one line: "api.example.com ← Lab Intermediate CA · expires in 41 d".
pub fn format_leaf(leaf: &CertInfo, at: i64) -> String {
    format!(
        "{} ← {} · {}",
        leaf.display_name(),
        leaf.issuer_name(),
        format_validity(leaf.not_before, leaf.not_after, at)
    )
}

/// The certificate at the true time, when its verdict differs from the local clock's:
/// "at the true time (+3h00m00.2s): expires in 41 d · mozilla ✓ · system ✓".
pub fn format_truth(report: &TlsReport, judged: &Judged) -> Option<String> {
    let (offset, truth) = judged.truth.as_ref()?;
    let leaf = leaf(report)?;
    judged.truth_differs().then(|| {
        format!(
            "at the true time ({offset}): {} · {}",
            format_validity(leaf.not_before, leaf.not_after, truth.at),
            format_trust(truth)
        )
    })
}

/// Builds a row's lines: a label column, and text wrapped beside it.
struct Rows {
    lines: Vec<Line<'static>>,
    indent: &'static str,
    width: usize,
    theme: Theme,
}

impl Rows {
    fn phase(&mut self, label: &str, text: &str, style: Style) {
        let lead = format!("{}  {label:<LABEL_WIDTH$} ", self.indent);
        let lead_w = lead.chars().count();
        for (k, part) in wrap_words(text, self.width.saturating_sub(lead_w))
            .into_iter()
            .enumerate()
        {
            let lead = if k == 0 {
                lead.clone()
            } else {
                " ".repeat(lead_w)
            };
            self.lines.push(Line::from(vec![
                Span::styled(lead, self.theme.heading()),
                Span::styled(part, style),
            ]));
        }
    }
}

/// The lines of a target's TLS check.
fn tls_lines(rows: &mut Rows, model: &Model, i: usize, judged: Option<&Judged>) {
    let slot = &model.obs.targets[i].tls;
    let theme = rows.theme;
    let Some(report) = slot.value() else {
        if slot.is_running() {
            rows.phase("TLS", "handshaking…", theme.dim());
        }
        return;
    };
    let stale = slot.is_running();
    let value = |style: Style| if stale { theme.dim() } else { style };
    let failed = report.attempt.failure.is_some();
    let hs_style = if failed { theme.error() } else { Style::new() };
    let via = model.config().targets[i]
        .proxy
        .as_ref()
        .map(|p| format!(" · via the proxy {}", p.authority()))
        .unwrap_or_default();
    let words = format!("{}{via}", format_handshake(report));
    rows.phase("TLS", &words, value(hs_style));
    if let Some(v) = format_variants(report) {
        rows.phase("", &v, value(Style::new()));
    }
    match format_http(report) {
        Some(h) => rows.phase("HTTP", &h, value(Style::new())),
        // A server that did not answer HEAD / in time: said, so a missing Date is explained.
        None if !failed && report.variants.iter().all(|v| v.http.is_none()) => {
            rows.phase("HTTP", &no_http_words(&report.attempt), value(theme.dim()));
        }
        None => {}
    }
    match (report.chain.first().map(|c| &c.info), judged) {
        (Some(Ok(leaf)), Some(j)) => {
            rows.phase("cert", &format_leaf(leaf, j.local.at), value(Style::new()));
            rows.phase("trust", &format_trust(&j.local), value(Style::new()));
            if let Some(t) = format_truth(report, j) {
                rows.phase("", &t, value(theme.warning()));
            }
        }
        (Some(Err(e)), _) => {
            rows.phase("cert", &format!("unreadable: {e}"), value(theme.error()));
        }
        _ => {}
    }
}

/// A target's lines under its head: its phases, as far as they ran.
fn phase_lines(rows: &mut Rows, model: &Model, i: usize, judged: Option<&Judged>) {
    let target = &model.config().targets[i];
    let checks = &model.obs.targets[i];
    let theme = rows.theme;
    let value = |running: bool| if running { theme.dim() } else { Style::new() };
    match (checks.dns.value(), checks.connect.value()) {
        (None, _) if checks.dns.is_running() => {
            rows.phase("DNS", "resolving and connecting…", theme.dim());
        }
        (None, _) => {}
        (Some(dns), connect) => {
            let running = checks.dns.is_running() || checks.connect.is_running();
            rows.phase("DNS", &format_dns(target, dns), value(running));
            // Through a proxy, the TCP rows are the direct path's witness, not the TLS path.
            let direct = if target.proxy.is_some() {
                "direct "
            } else {
                ""
            };
            match connect {
                Some(r) => {
                    for (k, a) in r.tcp.iter().enumerate() {
                        let label = if k == 0 { "TCP" } else { "" };
                        let words = format!("{direct}{}", format_attempt(a));
                        rows.phase(label, &words, value(running));
                    }
                }
                None if checks.connect.is_running() => {
                    rows.phase("TCP", "connecting…", theme.dim());
                }
                None => {}
            }
            if target.tcp_ports().is_empty() {
                let probes: Vec<String> = target.probes.iter().map(ToString::to_string).collect();
                rows.phase(
                    "TCP",
                    &format!(
                        "none: its checks ({}) are in the Reachability pane",
                        probes.join(", ")
                    ),
                    theme.dim(),
                );
            }
        }
    }
    if has_tls(target) {
        tls_lines(rows, model, i, judged);
    }
    vpn_lines(rows, model, i);
}

/// The VPN's own handshakes (an OpenVPN profile with a CA, a WireGuard config), one line each;
/// their packets are in the Reachability pane's details.
fn vpn_lines(rows: &mut Rows, model: &Model, i: usize) {
    let Some(reach) = model.obs.targets[i].reach.value() else {
        return;
    };
    let theme = rows.theme;
    let mut label = "VPN";
    for r in &reach.results {
        let Some((outcome, words)) = r.own_handshake() else {
            continue;
        };
        // OpenVPN's summary names its transport and port; WireGuard's probe words do not.
        let words = if r.handshake.is_some() {
            words
        } else {
            format!("WireGuard {}: {words}", r.port)
        };
        let style = match outcome {
            Outcome::Ok => Style::new(),
            Outcome::Inconclusive => theme.warning(),
            Outcome::Failed => theme.error(),
        };
        rows.phase(label, &words, style);
        label = "";
    }
}

fn item(
    model: &Model,
    i: usize,
    widths: (usize, usize),
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let target = &model.config().targets[i];
    // Alternative servers sit indented under the target they stand in for, as in the
    // Reachability pane; one that never ran says how to try it.
    let alt = target.alternative_of.is_some();
    if model.untried_alternative(i) {
        return vec![
            Line::styled(
                format!("  {}", format_alternative(&address(target))),
                theme.dim(),
            ),
            Line::styled(
                format!("      {}", crate::ui::reach::untried_words(model, i)),
                theme.dim(),
            ),
        ];
    }
    let judged = model.derived.targets[i]
        .chain
        .as_ref()
        .filter(|_| has_tls(target));
    let (word, style) = match running_since(model, i) {
        Some(since) => (format_running(elapsed(model, since)), theme.running()),
        None => {
            let (w, s) = status(model, i, theme);
            (w.to_string(), s)
        }
    };
    let name = if alt {
        format!("  {}", format_alternative(&address(target)))
    } else {
        format!(
            "{}  {}",
            pad(&target.name.clone(), widths.0),
            pad(&address(target), widths.1)
        )
    };
    let head = Line::from(vec![
        Span::raw(format!("{name}  ")),
        Span::styled(word, style),
    ]);
    let mut rows = Rows {
        lines: vec![head],
        indent: if alt { "  " } else { "" },
        width,
        theme,
    };
    phase_lines(&mut rows, model, i, judged);
    rows.lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::of(&model.env);
    let block = pane_block(Pane::Handshakes, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if model.config().targets.is_empty() {
        frame.render_widget(
            Paragraph::new("no targets: name one on the command line (host[:port]) or add [[targets]] to the config"),
            inner,
        );
        return;
    }
    let widths = column_widths(&model.config().targets);
    let width = usize::from(inner.width.saturating_sub(SELECTED_WIDTH));
    let rows = (0..model.config().targets.len())
        .map(|i| item(model, i, widths, width, theme))
        .collect();
    let scrolled = render_blocks(
        frame,
        inner,
        rows,
        model.selection(Pane::Handshakes),
        focused,
        theme,
    );
    mark_scroll(frame, area, scrolled, theme);
}

/// "vpn reset"; the name alone when it already says the word (a target named "expired").
fn name_and(name: &str, word: &str) -> String {
    if name.contains(word) {
        name.to_string()
    } else {
        format!("{name} {word}")
    }
}

/// The pane in one line, for the stacked layout: "3 targets: 2 ok, 1 failing (vpn reset)".
pub fn summary(model: &Model) -> Line<'static> {
    let untried = (0..model.config().targets.len())
        .filter(|i| model.untried_alternative(*i))
        .count();
    let n = model.config().targets.len() - untried;
    if n == 0 {
        return Line::raw("no targets");
    }
    let theme = Theme::new(false);
    let mut ok = 0;
    let mut failing = Vec::new();
    let mut warned = Vec::new();
    let mut running = 0;
    for (i, t) in model.config().targets.iter().enumerate() {
        if model.untried_alternative(i) {
            continue;
        }
        if running_since(model, i).is_some() {
            running += 1;
            continue;
        }
        match status(model, i, theme).0 {
            "ok" | "dns ok" | "vpn ok" => ok += 1,
            "not run" => {}
            word @ ("weak" | "expiring") => warned.push(name_and(&t.name, word)),
            word => failing.push(name_and(&t.name, word)),
        }
    }
    let mut parts = vec![format!("{ok} ok")];
    if !failing.is_empty() {
        parts.push(format!(
            "{} failing ({})",
            failing.len(),
            failing.join(", ")
        ));
    }
    if !warned.is_empty() {
        parts.push(format!(
            "{} with warnings ({})",
            warned.len(),
            warned.join(", ")
        ));
    }
    if running > 0 {
        parts.push(format!("{running} running"));
    }
    if untried > 0 {
        parts.push(format!(
            "{untried} alternative{} not tried",
            if untried == 1 { "" } else { "s" }
        ));
    }
    Line::raw(format!(
        "{n} target{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    ))
}

super::pane_view!("DNS, TCP, TLS and the certificate per target");
