//! The footer: the keys that work now (generated from the live key map) on one line, and
//! above it, while it lasts, the last message. Hints are never cut in half: what does not fit
//! is left out, the optional ones first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::fit;
use super::theme::Theme;
use crate::app::Model;
use crate::app::keys::{Mode, OPTIONAL_HINTS, hints};

/// Between two hints.
const SEP: &str = "  ";

/// The footer's lines at `width` columns: the flash message (if any), cut to one line, and
/// the hints on one line: those that do not fit are left out, the optional ones first
/// ([`OPTIONAL_HINTS`], in that order), so "? help" always shows the way to the rest.
pub fn lines(model: &Model, width: u16) -> Vec<Line<'static>> {
    let theme = Theme::of(&model.env);
    let width = usize::from(width);
    let mut lines = Vec::new();
    if let Some((text, _)) = &model.flash {
        // A flash can quote a command or a path: one clean line, cut with "…".
        lines.push(Line::styled(
            format!(" {}", fit(text, width.saturating_sub(1))),
            theme.flash(),
        ));
    }
    let mut hints = hints(model);
    let used = |hints: &[(&str, &str, bool)]| -> usize {
        hints
            .iter()
            .map(|(key, word, _)| SEP.len() + key.chars().count() + 1 + word.chars().count())
            .sum::<usize>()
            .saturating_sub(SEP.len() - 1)
    };
    for action in OPTIONAL_HINTS {
        if used(&hints) <= width {
            break;
        }
        let label = crate::app::keys::label(Mode::of(model.overlay.as_ref()), *action);
        hints.retain(|(key, _, optional)| !(*optional && Some(*key) == label));
    }
    while used(&hints) > width && hints.len() > 1 {
        hints.remove(0);
    }
    let mut spans = Vec::new();
    for (key, word, _) in hints {
        spans.push(Span::raw(if spans.is_empty() { " " } else { SEP }));
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {word}")));
    }
    lines.push(Line::from(spans));
    lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if area.height == 0 {
        return;
    }
    frame.render_widget(Paragraph::new(lines(model, area.width)), area);
}
