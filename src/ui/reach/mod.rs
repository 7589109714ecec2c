//! The Reachability pane: per target, which ports and protocols get through. Under each
//! target: its TCP ports (from the connect check), then each OpenVPN/WireGuard probe with what
//! its status can and cannot prove (and its own words when the pane has room), and any DNS
//! answers that contradict the system resolver. Alternative servers sit indented under the
//! target they stand in for. The captive-portal check is the pane's last line.
//!
//! ```text
//! ┃▶ nl  nl1.vpn.example.com                                             ┃
//! ┃    tcp:443          open     18ms to 192.0.2.10                      ┃
//! ┃    openvpn-udp:1194 open     14ms  OpenVPN answered · signed tls-auth┃
//! ┃      proven open                                                     ┃
//! ┃  de  de1.vpn.example.com                                             ┃
//! ┃    wireguard:51820  open-or-filtered 5.00s                           ┃
//! ┃      WireGuard never answers a stranger: only a closed port can be   ┃
//! ┃      proven                                                          ┃
//! ┃    ! DNS differs: 192.0.2.53:53 says 198.51.100.21, the system …     ┃
//! ┃    ↳ alternative: de2.vpn.example.com                                ┃
//! ┃        not tried (f on the finding to try it)                        ┃
//! ┃captive check: no portal (204 in 22ms) · http://192.0.2.80/gen…       ┃
//! ```

pub mod details;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{fit, format_alternative, format_ms, format_running, pad, wrap_clipped};
use super::handshakes::column_widths;
use super::theme::Theme;
use super::{SELECTED_WIDTH, elapsed, key_label, mark_scroll, pane_block, render_blocks};
use crate::app::keys::Action;
use crate::app::{Model, Pane};
use crate::config::{ProbeSpec, Target};
use crate::probe::connect::{Dns, TcpAttempt, TcpError};
use crate::probe::reach::dns::{Answer, Direct};
use crate::probe::reach::{
    CaptiveVerdict, DnsComparison, ReachResult, ReachStatus, is_reach_probe,
};
use crate::text::human_duration;

/// The width of the status column (longer words push the rest of the line right).
const STATUS_WIDTH: usize = 8;
/// The indent of a probe's words under its label.
const SUB: &str = "    ";
/// How many lines a probe's words take at most in the pane (Enter shows them whole).
const MAX_WORDS_LINES: usize = 2;
/// The most lines the captive-portal check takes at the bottom of the pane.
const MAX_CAPTIVE_LINES: usize = 2;

/// A port's state ("open", "closed", "filtered", ...) and the evidence for it.
pub fn format_port(attempt: &TcpAttempt) -> (&'static str, String) {
    // The port is in its own column: the address alone says where it went.
    let addr = attempt
        .addr
        .map_or_else(|| "no address".to_string(), |a| a.ip().to_string());
    match &attempt.result {
        Ok(d) => ("open", format!("{} to {addr}", format_ms(*d))),
        Err(TcpError::Refused) => ("closed", format!("refused by {addr}")),
        Err(TcpError::Timeout(d)) => (
            "filtered",
            format!("no answer from {addr} within {}", human_duration(*d)),
        ),
        Err(TcpError::Unreachable(e)) => ("unreach", format!("{addr}: {e}")),
        Err(TcpError::NoAddress) => ("untried", "DNS gave no address".to_string()),
        Err(TcpError::Other(e)) => ("error", format!("{addr}: {e}")),
    }
}

/// What a probe's status proves, and what it cannot.
pub fn format_reach_status(r: &ReachResult) -> String {
    let key = r.signed.unwrap_or("tls-auth/tls-crypt");
    match (r.status, r.probe) {
        (ReachStatus::Open, _) if r.is_openvpn => "proven open".to_string(),
        (ReachStatus::Open, ProbeSpec::OpenvpnTcp(_)) => {
            "TCP connects, but nothing answered as OpenVPN: the port is open, OpenVPN is not proven"
                .to_string()
        }
        (ReachStatus::Open, ProbeSpec::Wireguard(_)) if r.signed.is_some() => {
            "handshake completed: the port is open and the server knows this key".to_string()
        }
        (ReachStatus::Open, _) => "proven open: it answers".to_string(),
        (ReachStatus::Closed, _) => {
            "proven closed: nothing listens, or a firewall rejects".to_string()
        }
        (ReachStatus::Filtered, _) => {
            "filtered: no answer, or rejected on the way; says nothing of the server".to_string()
        }
        (ReachStatus::OpenOrFiltered, ProbeSpec::Wireguard(_)) if r.signed.is_some() => {
            "no handshake with this config's keys: blocked on the way, or a key the server does not know"
                .to_string()
        }
        (ReachStatus::OpenOrFiltered, ProbeSpec::Wireguard(_)) => {
            "WireGuard never answers a stranger: only a closed port can be proven".to_string()
        }
        (ReachStatus::OpenOrFiltered, _) if r.signed.is_some() => {
            format!("no reply even signed: filtered, or the server does not take our {key} key")
        }
        (ReachStatus::OpenOrFiltered, _) => {
            "no reply: filtered, or the server requires tls-auth/tls-crypt".to_string()
        }
        (ReachStatus::Other, ProbeSpec::Wireguard(_)) => {
            "something answers, so it is not WireGuard (which never answers a stranger)".to_string()
        }
        (ReachStatus::Other, ProbeSpec::OpenvpnUdp(_) | ProbeSpec::OpenvpnTcp(_)) => {
            "something answers, but not as OpenVPN".to_string()
        }
        (ReachStatus::Other, _) => "something answers, but not as expected".to_string(),
        (ReachStatus::Error, _) => {
            "could not probe from here: says nothing about the server".to_string()
        }
        (ReachStatus::NotRun, _) => r.detail.clone(),
    }
}

/// A resolver's answer in a few words: its addresses, or why it has none.
fn answer_words(a: &Answer) -> String {
    match a {
        Answer::Addrs { addrs, .. } => addrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.words().clone(),
    }
}

/// Whether the nameserver's answer `d` contradicts the system resolver's in `c`, by the rule
/// of [`DnsComparison::differences`].
pub fn contradicts(c: &DnsComparison, d: &Direct) -> bool {
    let one = DnsComparison {
        host: c.host.clone(),
        system: c.system.clone(),
        direct: vec![d.clone()],
    };
    !one.differences().is_empty()
}

/// One short line per nameserver whose answer contradicts the system resolver's (the details
/// window has the whole sentences of [`DnsComparison::differences`]).
pub fn format_dns_differences(c: &DnsComparison) -> Vec<String> {
    c.direct
        .iter()
        .filter(|d| contradicts(c, d))
        .map(|d| {
            format!(
                "DNS differs: {} says {}, the system resolver {}",
                d.server,
                answer_words(&d.answer),
                answer_words(&c.system)
            )
        })
        .collect()
}

/// For OpenVPN probes: whether OpenVPN itself answered and how the probe was signed.
pub fn format_tags(r: &ReachResult) -> Option<String> {
    if !matches!(r.probe, ProbeSpec::OpenvpnUdp(_) | ProbeSpec::OpenvpnTcp(_)) {
        return None;
    }
    let signed = r
        .signed
        .map_or_else(|| "unsigned".to_string(), |k| format!("signed {k}"));
    Some(if r.is_openvpn {
        format!("OpenVPN answered · {signed}")
    } else {
        signed
    })
}

/// The captive-portal check in one line: its verdict, then the URL.
pub fn format_captive(model: &Model) -> String {
    format!("captive check: {}", format_captive_verdict(model))
}

/// The captive-portal check's verdict (or why there is none) and its URL.
pub fn format_captive_verdict(model: &Model) -> String {
    let url = model
        .config()
        .network
        .captive_url
        .as_ref()
        .map(std::string::ToString::to_string);
    let slot = &model.obs.captive;
    if let Some(since) = slot.running_since {
        let url = url.unwrap_or_default();
        return format!("{} checking {url}", format_running(elapsed(model, since)));
    }
    match (slot.value(), url) {
        (Some(c), _) => {
            let verdict = match &c.verdict {
                CaptiveVerdict::Open => match c.status {
                    Some(s) => format!("no portal ({s} in {})", format_ms(c.took)),
                    None => "no portal".to_string(),
                },
                CaptiveVerdict::Captive(why) => format!("CAPTIVE PORTAL: {why}"),
                CaptiveVerdict::Unknown(why) => format!("could not tell: {why}"),
            };
            format!("{verdict} · {}", c.url)
        }
        (None, Some(url)) if crate::probe::wants_captive_check(model.config()) => {
            format!("not run yet · {url}")
        }
        (None, Some(_)) => "not run (there is no target to explain)".to_string(),
        (None, None) => "off (captive_url = \"\" in the config)".to_string(),
    }
}

fn captive_style(model: &Model, theme: Theme) -> Style {
    match model.obs.captive.value().map(|c| &c.verdict) {
        _ if model.obs.captive.is_running() => theme.running(),
        Some(CaptiveVerdict::Open) => theme.ok(),
        Some(CaptiveVerdict::Captive(_)) => theme.error(),
        Some(CaptiveVerdict::Unknown(_)) => theme.warning(),
        None => theme.dim(),
    }
}

fn port_style(state: &str, theme: Theme) -> Style {
    match state {
        "open" => theme.ok(),
        "untried" | "not run" => theme.dim(),
        _ => theme.error(),
    }
}

/// How a probe's status looks: open is fine, closed or filtered blocks, the rest is unclear.
pub fn status_style(status: ReachStatus, theme: Theme) -> Style {
    match status {
        ReachStatus::Open => theme.ok(),
        ReachStatus::Closed | ReachStatus::Filtered => theme.error(),
        ReachStatus::OpenOrFiltered | ReachStatus::Other | ReachStatus::Error => theme.warning(),
        ReachStatus::NotRun => theme.dim(),
    }
}

/// What every row of the pane shares.
struct Rows<'a> {
    model: &'a Model,
    theme: Theme,
    /// The columns a row may use (the list keeps two for the selection marker).
    width: usize,
    name_w: usize,
    label_w: usize,
    /// Whether each probe's own words get a line (when every row fits with them).
    details: bool,
}

/// One row of lines for a target, built with a hanging indent.
struct Item {
    /// Where this target's lines start: alternatives are indented under their target.
    indent: &'static str,
    lines: Vec<Line<'static>>,
}

impl Item {
    /// `text` word-wrapped at `width` after `lead` more columns of indent (continued lines
    /// hang under the text), in at most `max_lines` lines (cut with "…").
    fn clipped(&mut self, width: usize, lead: &str, text: &str, max_lines: usize, style: Style) {
        let first = format!("{}{lead}", self.indent);
        let lead_w = first.chars().count();
        let parts = wrap_clipped(text, width.saturating_sub(lead_w), max_lines);
        for (n, part) in parts.into_iter().enumerate() {
            let lead = if n == 0 {
                first.clone()
            } else {
                " ".repeat(lead_w)
            };
            self.lines
                .push(Line::styled(format!("{lead}{part}"), style));
        }
    }
}

/// The probe's label column: `tcp:443`, `openvpn-udp:1194`.
fn probe_label(rows: &Rows, item: &Item, label: &str) -> Span<'static> {
    Span::styled(
        format!("{}  {} ", item.indent, pad(label, rows.label_w)),
        rows.theme.heading(),
    )
}

fn status_span(word: &str, style: Style) -> Span<'static> {
    Span::styled(format!("{word:<STATUS_WIDTH$} "), style)
}

/// The widest probe label of any target, for the label column.
fn label_width(targets: &[Target]) -> usize {
    targets
        .iter()
        .flat_map(|t| {
            let tcp = t.tcp_ports().into_iter().map(|p| format!("tcp:{p}"));
            let reach = t
                .probes
                .iter()
                .filter(|s| is_reach_probe(**s))
                .map(ToString::to_string);
            tcp.chain(reach).collect::<Vec<_>>()
        })
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

/// The TCP ports of target `i`, from the connect check.
fn tcp_lines(rows: &Rows, item: &mut Item, i: usize, value: Style) {
    let (model, theme) = (rows.model, rows.theme);
    let slot = &model.obs.targets[i].connect;
    if let Some(r) = slot.value() {
        for a in &r.tcp {
            let (state, detail) = format_port(a);
            let label = probe_label(rows, item, &format!("tcp:{}", a.port));
            let status = status_span(state, port_style(state, theme));
            let room = rows.width.saturating_sub(label.width() + status.width());
            item.lines.push(Line::from(vec![
                label,
                status,
                Span::styled(fit(&detail, room), value),
            ]));
        }
        return;
    }
    // A check waiting for its target's lookup is as good as running.
    let since = slot
        .running_since
        .or(model.obs.targets[i].dns.running_since);
    for port in model.config().targets[i].tcp_ports() {
        let state = match since {
            Some(since) => Span::styled(format_running(elapsed(model, since)), theme.running()),
            None => Span::styled("not run", theme.dim()),
        };
        item.lines.push(Line::from(vec![
            probe_label(rows, item, &format!("tcp:{port}")),
            state,
        ]));
    }
}

/// One OpenVPN/WireGuard result: the probe, its status and time, whether OpenVPN answered and
/// how the probe was signed, what the status proves, and (when the pane has room) the probe's
/// own words, cut to a line.
fn result_lines(rows: &Rows, item: &mut Item, r: &ReachResult, stale: bool) {
    let theme = rows.theme;
    // A probe that could not run says why on its own line, as a port DNS gave no address.
    if r.status == ReachStatus::NotRun {
        let label = probe_label(rows, item, &r.probe.to_string());
        let status = status_span("not run", theme.dim());
        let room = rows.width.saturating_sub(label.width() + status.width());
        item.lines.push(Line::from(vec![
            label,
            status,
            Span::styled(fit(&r.detail, room), theme.dim()),
        ]));
        return;
    }
    let value = if stale { theme.dim() } else { Style::new() };
    let mut head = Line::from(vec![
        probe_label(rows, item, &r.probe.to_string()),
        status_span(r.status.as_str(), status_style(r.status, theme)),
        Span::styled(format_ms(r.took), value),
    ]);
    let meaning = format_reach_status(r);
    let words = match format_tags(r) {
        Some(tags) if head.width() + 2 + tags.chars().count() <= rows.width => {
            head.spans.push(Span::styled(format!("  {tags}"), value));
            meaning
        }
        Some(tags) => format!("{meaning} · {tags}"),
        None => meaning,
    };
    item.lines.push(head);
    item.clipped(rows.width, SUB, &words, MAX_WORDS_LINES, value);
    // The real OpenVPN TLS handshake with the profile, in its own words.
    if let Some(h) = &r.handshake {
        let style = if stale {
            theme.dim()
        } else if h.ok() {
            theme.ok()
        } else {
            theme.error()
        };
        item.clipped(rows.width, SUB, &h.summary(), MAX_WORDS_LINES, style);
    }
    if rows.details {
        item.clipped(rows.width, SUB, &r.detail.clone(), 1, theme.dim());
    }
}

/// The OpenVPN/WireGuard probes of target `i` and its DNS differences.
fn reach_lines(rows: &Rows, item: &mut Item, i: usize) {
    let (model, theme) = (rows.model, rows.theme);
    let target = &model.config().targets[i];
    let slot = &model.obs.targets[i].reach;
    let specs = target.reach_probes();
    let missing = |rows: &Rows, item: &mut Item, word: Span<'static>, why: &str| {
        for spec in &specs {
            item.lines.push(Line::from(vec![
                probe_label(rows, item, &spec.to_string()),
                word.clone(),
                Span::styled(why.to_string(), theme.dim()),
            ]));
        }
    };
    match slot.value() {
        Some(r) if !r.results.is_empty() => {
            for x in &r.results {
                result_lines(rows, item, x, slot.is_running());
            }
        }
        Some(_r) => {
            let resolved = model.obs.targets[i].dns.value().is_some_and(Dns::is_ok);
            let why = if resolved {
                "no result"
            } else {
                "DNS gave no address"
            };
            missing(rows, item, status_span("untried", theme.dim()), why);
        }
        None => {
            let since = slot
                .running_since
                .or(model.obs.targets[i].dns.running_since);
            let word = match since {
                Some(since) => Span::styled(format_running(elapsed(model, since)), theme.running()),
                None => Span::styled("not run", theme.dim()),
            };
            missing(rows, item, word, "");
        }
    }
    let differences = slot
        .value()
        .and_then(|r| r.dns_compare.as_ref())
        .map(format_dns_differences)
        .unwrap_or_default();
    for d in differences {
        item.clipped(rows.width, "  ! ", &d, MAX_WORDS_LINES, theme.warning());
    }
}

/// Why alternative `i` has not run, and how to try it when a finding offers it.
pub(crate) fn untried_words(model: &Model, i: usize) -> String {
    if model.derived.offers_target(i) {
        crate::ui::format::format_untried(key_label(Action::Fixes))
    } else {
        crate::ui::format::format_unoffered()
    }
}

fn target_lines(rows: &Rows, i: usize) -> Vec<Line<'static>> {
    let (model, theme) = (rows.model, rows.theme);
    let t = &model.config().targets[i];
    let mut item = Item {
        indent: if t.alternative_of.is_some() { "  " } else { "" },
        lines: Vec::new(),
    };
    if model.untried_alternative(i) {
        let head = format!("{}{}", item.indent, format_alternative(&t.host));
        item.lines.push(Line::styled(head, theme.dim()));
        item.clipped(
            rows.width,
            SUB,
            &untried_words(model, i),
            MAX_WORDS_LINES,
            theme.dim(),
        );
        return item.lines;
    }
    let head_text = if t.alternative_of.is_some() {
        format!("{}{}", item.indent, format_alternative(&t.host))
    } else {
        format!("{}  {}", pad(&t.name, rows.name_w), t.host)
    };
    let mut head = vec![Span::raw(head_text)];
    let checks = &model.obs.targets[i];
    let since = [
        checks.dns.running_since,
        checks.connect.running_since,
        checks.reach.running_since,
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(since) = since {
        head.push(Span::styled(
            format!("  {}", format_running(elapsed(model, since))),
            theme.running(),
        ));
    }
    item.lines.push(Line::from(head));
    let value = if model.obs.targets[i].connect.is_running() {
        theme.dim()
    } else {
        Style::new()
    };
    tcp_lines(rows, &mut item, i, value);
    reach_lines(rows, &mut item, i);
    item.lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::of(&model.env);
    let block = pane_block(Pane::Reach, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if model.config().targets.is_empty() {
        frame.render_widget(Paragraph::new("no targets"), inner);
        return;
    }
    let style = captive_style(model, theme);
    let captive: Vec<Line> = wrap_clipped(
        &format_captive(model),
        usize::from(inner.width),
        MAX_CAPTIVE_LINES,
    )
    .into_iter()
    .map(|l| Line::styled(l, style))
    .collect();
    let bottom_h = (captive.len() as u16).min(inner.height.saturating_sub(1));
    let [list, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(bottom_h)]).areas(inner);
    frame.render_widget(Paragraph::new(captive), bottom);

    let mut rows = Rows {
        model,
        theme,
        width: usize::from(list.width.saturating_sub(SELECTED_WIDTH)),
        name_w: column_widths(&model.config().targets).0,
        label_w: label_width(&model.config().targets),
        details: true,
    };
    let build = |rows: &Rows| -> Vec<Vec<Line<'static>>> {
        (0..model.config().targets.len())
            .map(|i| target_lines(rows, i))
            .collect()
    };
    // The probes' own words only when every row still fits; Enter always shows them.
    let mut blocks = build(&rows);
    if blocks.iter().map(Vec::len).sum::<usize>() > usize::from(list.height) {
        rows.details = false;
        blocks = build(&rows);
    }
    let scrolled = render_blocks(
        frame,
        list,
        blocks,
        model.selection(Pane::Reach),
        focused,
        theme,
    );
    mark_scroll(frame, area, scrolled, theme);
}

/// The pane in one line, for the stacked layout: "probes: 3 open, 1 open-or-filtered,
/// 1 closed · DNS differs for 1 · captive check: no portal".
pub fn summary(model: &Model) -> Line<'static> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut count = |state: &'static str| match counts.iter_mut().find(|(s, _)| *s == state) {
        Some((_, n)) => *n += 1,
        None => counts.push((state, 1)),
    };
    let mut running = usize::from(model.obs.captive.is_running());
    let mut dns_differs = 0;
    for (checks, target) in model.obs.targets.iter().zip(&model.config().targets) {
        let (connect, reach) = (&checks.connect, &checks.reach);
        // A check waiting for its target's lookup counts as running.
        let lookup = checks.dns.is_running();
        if connect.is_running() || (lookup && !target.tcp_ports().is_empty()) {
            running += 1;
        } else {
            for a in connect
                .value()
                .map(|r| r.tcp.as_slice())
                .unwrap_or_default()
            {
                count(format_port(a).0);
            }
        }
        if reach.is_running() || (lookup && !target.reach_probes().is_empty()) {
            running += 1;
        } else if let Some(r) = reach.value() {
            for x in &r.results {
                count(x.status.as_str());
            }
            if r.dns_compare
                .as_ref()
                .is_some_and(|c| !c.differences().is_empty())
            {
                dns_differs += 1;
            }
        }
    }
    let mut parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    if running > 0 {
        parts.push(format!("{running} running"));
    }
    let mut text = if parts.is_empty() {
        "probes: not checked yet".to_string()
    } else {
        format!("probes: {}", parts.join(", "))
    };
    if dns_differs > 0 {
        let s = if dns_differs == 1 { "" } else { "s" };
        text = format!("{text} · DNS differs for {dns_differs} target{s}");
    }
    if let Some(c) = model.obs.captive.value() {
        text.push_str(match c.verdict {
            CaptiveVerdict::Open => " · captive check: no portal",
            CaptiveVerdict::Captive(_) => " · CAPTIVE PORTAL",
            CaptiveVerdict::Unknown(_) => " · captive check: could not tell",
        });
    }
    Line::raw(text)
}

super::pane_view!("TCP ports per target: open, closed, filtered");
