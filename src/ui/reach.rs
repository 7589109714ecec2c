//! The Reachability pane: per target, each TCP port its checks connect to: open, closed
//! (refused) or filtered (no answer).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use super::format::{format_ms, format_running, pad};
use super::handshakes::column_widths;
use super::theme::Theme;
use super::{elapsed, pane_block, render_list};
use crate::app::{Model, Pane};
use crate::probe::clock::human_duration;
use crate::probe::connect::{TcpAttempt, TcpError};
use crate::sanitize::clean;

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
        Err(TcpError::Unreachable(e)) => ("unreach", format!("{addr}: {}", clean(e))),
        Err(TcpError::NoAddress) => ("untried", "DNS gave no address".to_string()),
        Err(TcpError::Other(e)) => ("error", format!("{addr}: {}", clean(e))),
    }
}

fn state_style(state: &str, theme: Theme) -> Style {
    match state {
        "open" => theme.ok(),
        "untried" => theme.dim(),
        _ => theme.error(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::new(model.env.color);
    let block = pane_block(Pane::Reach, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if model.config.targets.is_empty() {
        frame.render_widget(Paragraph::new("no targets"), inner);
        return;
    }
    let (name_w, _) = column_widths(&model.config.targets);
    let items = model
        .config
        .targets
        .iter()
        .zip(&model.connect)
        .map(|(t, slot)| {
            let mut head = vec![Span::raw(format!("{}  {}", pad(&t.name, name_w), t.host))];
            if let Some(since) = slot.running_since {
                head.push(Span::styled(
                    format!("  {}", format_running(elapsed(model, since))),
                    theme.running(),
                ));
            }
            let value = if slot.is_running() {
                theme.dim()
            } else {
                Style::new()
            };
            let mut lines = vec![Line::from(head)];
            match slot.value() {
                Some(r) => {
                    for a in &r.tcp {
                        let (state, detail) = format_port(a);
                        lines.push(Line::from(vec![
                            Span::styled(format!("  tcp {:<5} ", a.port), theme.heading()),
                            Span::styled(format!("{state:<8} "), state_style(state, theme)),
                            Span::styled(detail, value),
                        ]));
                    }
                }
                None if slot.is_running() => {
                    lines.push(Line::styled("  connecting…", theme.dim()));
                }
                None => {}
            }
            ListItem::new(lines)
        })
        .collect();
    render_list(
        frame,
        inner,
        items,
        Some(model.selection(Pane::Reach)),
        focused,
        theme,
    );
}

/// The pane in one line, for the stacked layout: "ports: 3 open, 1 closed, 1 filtered".
pub fn summary(model: &Model) -> Line<'static> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut running = 0;
    for slot in &model.connect {
        if slot.is_running() {
            running += 1;
            continue;
        }
        for a in slot.value().map(|r| r.tcp.as_slice()).unwrap_or_default() {
            let state = format_port(a).0;
            match counts.iter_mut().find(|(s, _)| *s == state) {
                Some((_, n)) => *n += 1,
                None => counts.push((state, 1)),
            }
        }
    }
    let mut parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    if running > 0 {
        parts.push(format!("{running} running"));
    }
    if parts.is_empty() {
        return Line::raw("ports: not checked yet");
    }
    Line::raw(format!("ports: {}", parts.join(", ")))
}
