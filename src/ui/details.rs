//! The details window for the selected row of a pane: every field of an NTP reply (or why
//! there is none), a target's DNS answer and TCP attempts, a finding's evidence and fixes.

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
        None => doc.field("status", "no result yet"),
    }
    run_fields(doc, model, slot);
    format!(" {}: {} ", t.name, host_port(t))
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
        Pane::Handshakes | Pane::Reach => target_doc(&mut doc, model, i),
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
