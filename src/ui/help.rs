//! The help window, generated from the live key map (so it cannot disagree with the keys),
//! with what each pane shows and where the log file is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format::wrap_words;
use super::theme::Theme;
use super::{WINDOW_FRAME, centered, window};
use crate::app::keys::{Action, BINDINGS, CONFIRM_KEYS, FIXES_KEYS};
use crate::app::{Model, Pane};

/// What a pane shows, for the help window.
pub fn meaning(pane: Pane) -> &'static str {
    match pane {
        Pane::Clock => "NTP servers, consensus offset, sync service, history",
        Pane::Handshakes => "DNS, TCP, TLS and the certificate per target",
        Pane::Reach => "TCP ports per target: open, closed, filtered",
        Pane::Findings => "the diagnosis, worst first, with its fixes",
    }
}

/// The help text, one entry per binding, wrapped to `width` under its text column.
pub fn lines(model: &Model, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let lw = BINDINGS
        .iter()
        .map(|b| b.label.chars().count())
        .chain(["confirm".len()])
        .max()
        .unwrap_or(0)
        + 2;
    let keys = |table: &[(&str, &str)]| {
        table
            .iter()
            .map(|(k, what)| format!("{k} {what}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let log = match &model.env.log_path {
        Some(p) => p.display().to_string(),
        None => "none: the log file could not be opened".to_string(),
    };
    let mut entries: Vec<(&str, String, Style)> = BINDINGS
        .iter()
        .map(|b| {
            let text = match b.action {
                Action::Focus(p) => format!("{}: {}", b.help, meaning(p)),
                _ => b.help.to_string(),
            };
            (b.label, text, Style::new())
        })
        .collect();
    entries.push(("fixes", keys(FIXES_KEYS), theme.dim()));
    entries.push(("confirm", keys(CONFIRM_KEYS), theme.dim()));
    entries.push(("log", log, Style::new()));
    let mut out = Vec::new();
    for (label, text, style) in entries {
        for (i, part) in wrap_words(&text, width.saturating_sub(lw))
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { label } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{label:<lw$}"), theme.key()),
                Span::styled(part, style),
            ]));
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = Theme::new(model.env.color);
    let widest = lines(model, theme, usize::MAX / 2)
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(0)
        .min(usize::from(u16::MAX)) as u16;
    let width = widest.saturating_add(WINDOW_FRAME).min(area.width);
    let lines = lines(
        model,
        theme,
        usize::from(width.saturating_sub(WINDOW_FRAME)),
    );
    let rect = centered(area, width, (lines.len() as u16).saturating_add(2));
    let inner = window(frame, rect, " Help ".to_string(), theme);
    super::details::render_scrolled(frame, rect, inner, lines, model.overlay_scroll, theme);
}
