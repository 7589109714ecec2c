//! The details window for the selected row of a pane: every field of an NTP reply (or why
//! there is none), a target's DNS answer and TCP attempts, a target's every reachability probe
//! with what its status proves, the DNS comparison and the captive-portal check, a finding's
//! evidence and fixes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fixes::format_fix_action;
use super::format::{format_leap, format_log2, format_ms, format_time, wrap_words};
use super::handshakes::{format_dns, format_tcp, host_port};
use super::theme::Theme;
use super::{WINDOW_FRAME, centered, key_label, window};
use crate::app::keys::Action;
use crate::app::{Done, Model, Pane, Slot};
use crate::config::Sni;
use crate::probe::clock::human_duration;
use crate::probe::reach::{CaptiveVerdict, ReachReport, is_reach_probe, wants_reach};
use crate::sanitize::clean;

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
    let sni = match &t.sni {
        Sni::Host => t.host.clone(),
        Sni::Name(n) => n.clone(),
        Sni::None => "none (no SNI is sent)".to_string(),
    };
    doc.field("target", &t.name);
    doc.field("host", &host_port(t));
    doc.field("SNI", &sni);
    if let Some(c) = t.connect {
        doc.field("connect", &format!("{c} (from the config or --resolve)"));
    }
    let probes: Vec<String> = t.probes.iter().map(ToString::to_string).collect();
    doc.field("probes", &probes.join(", "));
    match slot.value() {
        Some(r) => {
            doc.field("DNS", &format_dns(t, &r.dns));
            for a in &r.tcp {
                let addr = a
                    .addr
                    .map_or_else(|| format!("port {}", a.port), |x| x.to_string());
                doc.field(
                    &format!("TCP {}", a.port),
                    &format!("{addr} {}", format_tcp(&a.result).1),
                );
            }
        }
        None if model.untried_alternative(i) => doc.field("status", &untried_words()),
        None => doc.field("status", "no result yet"),
    }
    run_fields(doc, model, slot);
    target_title(t)
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
    if t.name == host_port(t) {
        format!(" {} ", clean(&t.name))
    } else {
        format!(" {}: {} ", clean(&t.name), host_port(t))
    }
}

/// When the latest of a target's runs finished, and whether one runs now.
fn target_run_fields(doc: &mut Doc, model: &Model, i: usize) {
    let connect = &model.connect[i];
    let reach = &model.reach[i];
    let last = [
        connect.last.as_ref().map(|d| (d.at, d.took)),
        reach.last.as_ref().map(|d| (d.at, d.took)),
    ]
    .into_iter()
    .flatten()
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
    let since = [connect.running_since, reach.running_since]
        .into_iter()
        .flatten()
        .min();
    if let Some(since) = since {
        doc.field(
            "running",
            &format!("for {}", human_duration(super::elapsed(model, since))),
        );
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
            &format!("{} ({})", clean(&parent.name), host_port(parent)),
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
    target_run_fields(doc, model, i);
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
    let rect = centered(area, width, (lines.len() as u16).saturating_add(2));
    let inner = window(frame, rect, title, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
