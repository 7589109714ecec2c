//! The Clock pane: one row per NTP server, then the consensus, the local sync service and the
//! offset history.

pub mod details;

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph, Wrap};

use super::format::{format_ms, format_running, format_sparkline, pad};
use super::theme::Theme;
use super::{
    SELECTED_WIDTH, elapsed, indent, mark_scroll, pane_block, render_list, wrapped_height,
};
use crate::app::{Model, Pane};
use crate::diagnose::TimeSource;
use crate::probe::clock::{NtpError, Offset};

/// The widest a server name gets in the table.
const MAX_SERVER_WIDTH: usize = 24;

/// What a server's row shows after its name and status.
enum Rest {
    Reply {
        offset: String,
        rtt: String,
        stratum: String,
        refid: String,
    },
    Text(String),
}

/// One server's row, before it is laid out in columns.
struct Row {
    server: String,
    status: String,
    style: Style,
    rest: Rest,
    /// The values are from the previous run (a new one is running).
    stale: bool,
}

fn rows(model: &Model, theme: Theme) -> Vec<Row> {
    let falsetickers = model.derived.clock.consensus.falsetickers.clone();
    model
        .config()
        .clock
        .servers
        .iter()
        .zip(&model.obs.ntp)
        .enumerate()
        .map(|(i, (server, slot))| {
            let (mut status, mut style, rest) = match slot.value() {
                Some(Ok(r)) => {
                    let (word, style) = if falsetickers.contains(&i) {
                        ("falseticker", theme.warning())
                    } else {
                        ("ok", theme.ok())
                    };
                    (
                        word.to_string(),
                        style,
                        Rest::Reply {
                            offset: r.offset.to_string(),
                            rtt: format_ms(r.rtt),
                            stratum: r.stratum.to_string(),
                            refid: r.reference_id.clone(),
                        },
                    )
                }
                Some(Err(e)) => (
                    e.status().to_string(),
                    error_style(e, theme),
                    Rest::Text(e.to_string()),
                ),
                None => (
                    "not run".to_string(),
                    theme.dim(),
                    Rest::Text(String::new()),
                ),
            };
            let stale = slot.running_since.is_some();
            let rest = match (slot.running_since, slot.last.is_some()) {
                (Some(_), false) => Rest::Text("waiting for a reply".to_string()),
                _ => rest,
            };
            if let Some(since) = slot.running_since {
                status = format_running(elapsed(model, since));
                style = theme.running();
            }
            Row {
                server: server.to_string(),
                status,
                style,
                rest,
                stale,
            }
        })
        .collect()
}

/// Silence and refusal are errors; a server that answered badly is a warning.
fn error_style(e: &NtpError, theme: Theme) -> Style {
    if e.answered() {
        theme.warning()
    } else {
        theme.error()
    }
}

/// Column widths, from the rows' contents.
struct Widths {
    server: usize,
    status: usize,
    offset: usize,
    rtt: usize,
}

impl Widths {
    fn of(rows: &[Row]) -> Self {
        let max = |f: &dyn Fn(&Row) -> usize, min: usize| rows.iter().map(f).fold(min, usize::max);
        let reply = |r: &Row, pick: fn(&str, &str) -> usize| match &r.rest {
            Rest::Reply { offset, rtt, .. } => pick(offset, rtt),
            Rest::Text(_) => 0,
        };
        Widths {
            server: max(&|r| r.server.chars().count(), 6).min(MAX_SERVER_WIDTH),
            status: max(&|r| r.status.chars().count(), 6),
            offset: max(&|r| reply(r, |o, _| o.len()), 6),
            rtt: max(&|r| reply(r, |_, t| t.len()), 5),
        }
    }

    fn header(&self) -> String {
        format!(
            "{}{} {} {:>ow$} {:>rw$} {:>2} ref id",
            " ".repeat(usize::from(SELECTED_WIDTH)),
            pad("server", self.server),
            pad("status", self.status),
            "offset",
            "rtt",
            "st",
            ow = self.offset,
            rw = self.rtt,
        )
    }
}

fn row_line(row: &Row, w: &Widths, theme: Theme) -> Line<'static> {
    let value_style = if row.stale { theme.dim() } else { Style::new() };
    let mut spans = vec![
        Span::raw(format!("{} ", pad(&row.server, w.server))),
        Span::styled(format!("{} ", pad(&row.status, w.status)), row.style),
    ];
    match &row.rest {
        Rest::Reply {
            offset,
            rtt,
            stratum,
            refid,
        } => spans.push(Span::styled(
            format!(
                "{offset:>ow$} {rtt:>rw$} {stratum:>2} {refid}",
                ow = w.offset,
                rw = w.rtt
            ),
            value_style,
        )),
        Rest::Text(t) => spans.push(Span::styled(t.clone(), value_style)),
    }
    Line::from(spans)
}

/// The consensus in words: "consensus +3h00m00.2s: local clock is 3 h 0 m 0.2 s behind · 2
/// of 3 servers · 1 falseticker left out".
pub fn format_consensus(model: &Model) -> String {
    let c = &model.derived.clock.consensus;
    let running = model.obs.ntp.iter().filter(|s| s.is_running()).count();
    let answered = model
        .obs
        .ntp
        .iter()
        .filter(|s| matches!(s.value(), Some(Ok(_))))
        .count();
    match c.offset {
        Some(o) if c.source == TimeSource::HttpsDate => {
            let n = c.used.len();
            format!(
                "consensus {o}: {} · from the Date headers of {n} HTTPS server{}, ±1 s (no NTP server answered)",
                o.describe(),
                if n == 1 { "" } else { "s" }
            )
        }
        Some(o) => {
            let mut s = format!(
                "consensus {o}: {} · {} of {} servers",
                o.describe(),
                c.used.len(),
                model.obs.ntp.len()
            );
            if !c.falsetickers.is_empty() {
                let n = c.falsetickers.len();
                let _ = write!(
                    s,
                    " · {n} falseticker{} left out",
                    if n == 1 { "" } else { "s" }
                );
            }
            s
        }
        None if model.obs.ntp.is_empty() => {
            "consensus: no NTP servers configured (set [clock] servers or --ntp)".to_string()
        }
        None if running > 0 && answered == 0 => format!("consensus: checking… {running} running"),
        None if !c.unsettled_dates.is_empty() => format!(
            "consensus: none · the Date headers of {} HTTPS server(s) do not settle the time ({} agreeing needed; no NTP server answered)",
            c.unsettled_dates.len(),
            crate::diagnose::clock::HTTPS_DATE_QUORUM
        ),
        None if model.obs.ntp.iter().all(|s| s.last.is_some()) => {
            "consensus: none, no server gave a usable time".to_string()
        }
        None => "consensus: not sampled yet".to_string(),
    }
}

/// The local sync service in one line.
pub fn format_sync(model: &Model) -> String {
    match (model.obs.sync.value(), model.obs.sync.is_running()) {
        (Some(s), false) => format!("sync service: {}", s.summary()),
        (Some(s), true) => format!("sync service: {} (checking again…)", s.summary()),
        (None, true) => "sync service: checking…".to_string(),
        (None, false) => "sync service: not checked yet".to_string(),
    }
}

/// The consensus history as a sparkline with its scale (the lowest and highest offset
/// shown), fitted to `width` characters.
pub fn format_history(model: &Model, width: usize) -> String {
    let label = "history ";
    let scale = |shown: &[i64]| {
        let lo = shown.iter().min().copied().unwrap_or_default();
        let hi = shown.iter().max().copied().unwrap_or_default();
        format!(
            " min {} max {}",
            Offset::from_micros(lo),
            Offset::from_micros(hi)
        )
    };
    let values: Vec<i64> = model.history.iter().map(|o| o.as_micros()).collect();
    if values.is_empty() {
        return "history: no complete round yet".to_string();
    }
    // The scale's width depends on what is shown; the whole history's scale is the widest.
    let room = width
        .saturating_sub(label.len() + scale(&values).chars().count())
        .max(1);
    let shown = &values[values.len().saturating_sub(room)..];
    format!("{label}{}{}", format_sparkline(shown, room), scale(shown))
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::of(&model.env);
    let block = pane_block(Pane::Clock, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // Under the table: the consensus, the sync service and the history, word-wrapped; the
    // table keeps at least one row and the consensus comes first when space is short.
    let text = indent(inner, SELECTED_WIDTH);
    let clock = &model.derived.clock;
    let consensus_style = match (clock.severity(), clock.consensus.offset) {
        (Some(s), _) => theme.severity(s),
        (None, Some(_)) => theme.ok(),
        (None, None) => theme.dim(),
    };
    let lines = vec![
        Line::styled(format_consensus(model), consensus_style),
        Line::raw(format_sync(model)),
        Line::styled(format_history(model, usize::from(text.width)), theme.dim()),
    ];
    let header_h = u16::from(inner.height >= 3);
    let bottom_h =
        wrapped_height(&lines, text.width).min(inner.height.saturating_sub(header_h + 1));
    let [header, list, bottom] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Fill(1),
        Constraint::Length(bottom_h),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        indent(bottom, SELECTED_WIDTH),
    );

    let rows = rows(model, theme);
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new("no NTP servers configured: set [clock] servers or use --ntp"),
            list,
        );
    } else {
        let w = Widths::of(&rows);
        frame.render_widget(
            Paragraph::new(Span::styled(w.header(), theme.heading())),
            header,
        );
        let items = rows
            .iter()
            .map(|r| ListItem::new(row_line(r, &w, theme)))
            .collect();
        let scrolled = render_list(
            frame,
            list,
            items,
            Some(model.selection(Pane::Clock)),
            focused,
            theme,
        );
        mark_scroll(frame, area, scrolled, theme);
    }
}

/// The pane in one line, for the stacked layout.
pub fn summary(model: &Model) -> Line<'static> {
    let running = model.obs.ntp.iter().filter(|s| s.is_running()).count();
    let mut s = format_consensus(model);
    if running > 0 && !s.contains("running") {
        let _ = write!(s, " · {running} running");
    }
    Line::raw(s)
}

super::pane_view!("NTP servers, consensus offset, sync service, history");
