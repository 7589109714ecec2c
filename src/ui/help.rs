//! The help window, generated from the live key map (so it cannot disagree with the keys),
//! with what each pane shows and where the log file is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format::wrap_words;
use super::theme::Theme;
use super::window::{WINDOW_FRAME, centered, window};
use crate::app::Model;
use crate::app::keys::{Action, BINDINGS, Mode, bindings};

/// The help text, one entry per binding, wrapped to `width` under its text column.
pub fn lines(model: &Model, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let lw = BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&Mode::Main) || b.modes.contains(&Mode::Window))
        .map(|b| b.label.chars().count())
        .chain(["confirm".len()])
        .max()
        .unwrap_or(0)
        + 2;
    let keys = |mode: Mode| {
        bindings(mode)
            .filter(|b| b.action != Action::Quit && !b.hint.is_empty())
            .map(|b| format!("{} {}", b.label, b.hint))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let log = match &model.env.log_path {
        Some(p) => p.display().to_string(),
        None => "none: the log file could not be opened".to_string(),
    };
    // One line per key of the panes and windows (a key with a row per mode shows its first).
    let mut shown: Vec<&str> = Vec::new();
    let mut entries: Vec<(&str, String, Style)> = BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&Mode::Main) || b.modes.contains(&Mode::Window))
        .filter(|b| {
            let first = !shown.contains(&b.label);
            shown.push(b.label);
            first
        })
        .map(|b| {
            let text = match b.action {
                Action::Focus(p) => format!("{}: {}", b.help, super::view(p).meaning()),
                _ => b.help.to_string(),
            };
            (b.label, text, Style::new())
        })
        .collect();
    entries.push(("fixes", keys(Mode::Fixes), theme.dim()));
    entries.push(("confirm", keys(Mode::Confirm), theme.dim()));
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
    let theme = Theme::of(&model.env);
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
    super::window::render_scrolled(frame, rect, inner, lines, model.overlay_scroll, theme);
}
