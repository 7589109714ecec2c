//! The details window for the selected row of a pane: each pane writes its own details
//! (`ui/<pane>/details.rs`); this sizes the window to them and scrolls what does not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::theme::Theme;
use super::window::{Doc, render_scrolled};
use super::window::{WINDOW_FRAME, centered, window};
use crate::app::{Model, Pane};

/// The widest the window gets, so lines stay readable on wide terminals.
const MAX_WIDTH: u16 = 100;
/// The narrowest it gets (if the screen allows).
const MIN_WIDTH: u16 = 60;

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
    let title = super::view(pane).details(&mut doc, model, i);
    Some((title, doc.lines))
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, pane: Pane) {
    let theme = Theme::of(&model.env);
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
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, width, total.saturating_add(2));
    let inner = window(frame, rect, title, theme);
    render_scrolled(frame, rect, inner, lines, model.overlay_scroll, theme);
}
