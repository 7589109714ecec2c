//! The footer: the keys that work now (generated from the live key map) and the last message.
//! Hints are never cut in half: what does not fit on the first line goes to a second.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::Model;
use crate::app::keys::hints;

/// Between two hints.
const SEP: &str = "  ";

/// The footer's lines at `width` columns: the flash message (if any) and the hints, packed
/// whole into as many lines as they need.
pub fn lines(model: &Model, width: u16) -> Vec<Line<'static>> {
    let theme = Theme::new(model.env.color);
    let width = usize::from(width);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    if let Some((text, _)) = &model.flash {
        // A flash can quote a command or a path: keep it to one clean line.
        let text = format!(" {text} ");
        used = text.chars().count() + 1;
        cur.push(Span::styled(text, theme.flash()));
        cur.push(Span::styled("│", theme.dim()));
    }
    for (key, word) in hints(model) {
        let body = key.chars().count() + 1 + word.chars().count();
        let mut prefix = if cur.is_empty() { " " } else { SEP };
        if !cur.is_empty() && used + prefix.len() + body > width {
            lines.push(Line::from(std::mem::take(&mut cur)));
            used = 0;
            prefix = " ";
        }
        cur.push(Span::raw(prefix));
        cur.push(Span::styled(key, theme.key()));
        cur.push(Span::raw(format!(" {word}")));
        used += prefix.len() + body;
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if area.height == 0 {
        return;
    }
    frame.render_widget(Paragraph::new(lines(model, area.width)), area);
}
