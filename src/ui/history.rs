//! The history window: each fix and re-run of this session, newest first: what ran, when,
//! its exit status, and what it changed, finding by finding.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::format::format_clock_time;
use super::theme::Theme;
use super::window::{Doc, WINDOW_FRAME, centered, render_scrolled, window};
use crate::app::Model;
use crate::app::verify::{Change, ChangeKind};
use crate::text::{human_duration, shell_join};

/// The widest the window gets, so lines stay readable on wide terminals.
const MAX_WIDTH: u16 = 100;

/// The window's text, wrapped to `width`.
pub fn lines(model: &Model, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let mut doc = Doc::new(theme, width);
    if let Some(p) = &model.pending {
        doc.para("", &format!("{} (running)", p.what.label), theme.running());
        doc.field("began", &format_clock_time(p.began_at));
        if let Some(argv) = &p.what.command {
            doc.field("command", &shell_join(argv));
        }
    }
    if model.runs.is_empty() && model.pending.is_none() {
        doc.para(
            "",
            "nothing has run yet: r re-runs the selected check, R every check, and f offers \
             the fixes of the selected row's finding; what each changed shows here",
            theme.dim(),
        );
    }
    for run in model.runs.iter().rev() {
        if !doc.lines.is_empty() {
            doc.line(Line::raw(""));
        }
        doc.para("", &run.what.label, theme.heading());
        doc.field(
            "when",
            &format!(
                "{} to {} (UTC), {}",
                format_clock_time(run.began_at),
                format_clock_time(run.ended_at),
                human_duration(run.took)
            ),
        );
        if let Some(argv) = &run.what.command {
            doc.field("command", &shell_join(argv));
        }
        if let Some(exit) = run.exit_words() {
            doc.field("exit", &exit);
        }
        doc.field("result", &run.summary);
        for c in &run.changes {
            change(&mut doc, c);
        }
    }
    doc.lines
}

/// One finding's fate: "✓ resolved  clock-skew: Local clock is …", a change as before → after.
fn change(doc: &mut Doc, c: &Change) {
    let theme = doc.theme;
    let style = match c.kind {
        ChangeKind::Resolved => theme.ok(),
        ChangeKind::New => theme.warning(),
        ChangeKind::Changed | ChangeKind::StillFailing => Style::new(),
    };
    let lead = format!("{} {:<13} ", c.kind.symbol(), c.kind.word());
    let text = match (c.kind, &c.before, &c.after) {
        (ChangeKind::Changed, Some(b), Some(a)) => {
            format!("{}: {b} → {a}", c.key.describe())
        }
        (_, _, Some(s)) | (_, Some(s), None) => format!("{}: {s}", c.key.describe()),
        (_, None, None) => c.key.describe(),
    };
    doc.para(&lead, &text, style);
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = Theme::of(&model.env);
    let width = MAX_WIDTH.min(area.width);
    let lines = lines(
        model,
        theme,
        usize::from(width.saturating_sub(WINDOW_FRAME)),
    );
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, width, total.saturating_add(2));
    let inner = window(
        frame,
        rect,
        " History: what ran and what it changed ".to_string(),
        theme,
    );
    render_scrolled(frame, rect, inner, lines, model.overlay_scroll, theme);
}
