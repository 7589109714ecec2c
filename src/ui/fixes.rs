//! The fixes window for the selected finding, and the y/n confirmation that shows the exact
//! command before anything runs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph, Wrap};

use super::theme::Theme;
use super::window::{WINDOW_FRAME, centered, led_lines, window};
use super::{render_list, wrapped_height};
use crate::app::Model;
use crate::app::keys::{Action, Mode, bindings};
use crate::diagnose::Fix;
use crate::text::shell_join;

/// The widest a fixes window gets.
const MAX_WIDTH: u16 = 100;

/// What picking a fix does: the exact command, a re-run of checks, or advice.
pub fn format_fix_action(fix: &Fix) -> String {
    match (&fix.command, fix.rerun.is_empty()) {
        (Some(argv), _) => format!("$ {}", shell_join(argv)),
        (None, false) => "no command: picking it re-runs the affected checks".to_string(),
        (None, true) => "advice: nothing to run here".to_string(),
    }
}

/// A fix as the fixes window and a finding's details show it: its key and label, and under it
/// what picking it does, each wrapped to `width`.
pub fn fix_lines(fix: &Fix, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let key = Span::styled(format!("[{}] ", fix.key), theme.key());
    let action = if fix.command.is_some() {
        theme.command()
    } else {
        theme.dim()
    };
    let mut lines = led_lines(key, &fix.label, Style::new(), width);
    lines.extend(led_lines(
        Span::raw("    "),
        &format_fix_action(fix),
        action,
        width,
    ));
    lines
}

pub fn render_fixes(frame: &mut Frame, area: Rect, model: &Model, selected: usize) {
    let theme = Theme::of(&model.env);
    let Some(finding) = model.selected_finding() else {
        return;
    };
    // As wide as the widest fix needs, within the screen; then each fix wrapped to it (two
    // columns go to the selection marker), so no advice is cut at the window's edge.
    let widest = finding
        .fixes
        .iter()
        .flat_map(|fix| fix_lines(fix, theme, usize::MAX))
        .map(|line| line.width())
        .max()
        .unwrap_or(0);
    let width = u16::try_from(widest)
        .unwrap_or(u16::MAX)
        .saturating_add(WINDOW_FRAME + 2)
        .min(MAX_WIDTH)
        .min(area.width);
    let text_width = usize::from(width.saturating_sub(WINDOW_FRAME + 2));
    let items: Vec<Vec<Line<'static>>> = finding
        .fixes
        .iter()
        .map(|fix| fix_lines(fix, theme, text_width))
        .collect();
    let rows: u16 = items.iter().map(|i| i.len() as u16).sum();
    let rect = centered(area, width, rows.saturating_add(2));
    let inner = window(frame, rect, format!(" Fixes for {} ", finding.code), theme);
    let selected = selected.min(finding.fixes.len().saturating_sub(1));
    render_list(
        frame,
        inner,
        items.into_iter().map(ListItem::new).collect(),
        Some(selected),
        true,
        theme,
    );
}

pub fn render_confirm(frame: &mut Frame, area: Rect, model: &Model, fix: usize) {
    let theme = Theme::of(&model.env);
    let Some(fix) = model.selected_finding().and_then(|f| f.fixes.get(fix)) else {
        return;
    };
    let Some(argv) = &fix.command else {
        return;
    };
    let mut lines = vec![
        Line::raw(fix.label.clone()),
        Line::raw(""),
        Line::styled(format!("  $ {}", shell_join(argv)), theme.command()),
        Line::raw(""),
        Line::raw("runs in this terminal with the dashboard suspended"),
    ];
    if argv.first().is_some_and(|p| p == "sudo") {
        lines.push(Line::raw("sudo may ask for your password there"));
    }
    if !fix.rerun.is_empty() {
        lines.push(Line::raw("afterwards the affected checks run again"));
    }
    let keys: Vec<Span<'static>> = bindings(Mode::Confirm)
        .filter(|b| !b.hint.is_empty() && b.action != Action::Quit)
        .flat_map(|b| {
            [
                Span::styled(b.label, theme.key()),
                Span::raw(format!(" {}   ", b.hint)),
            ]
        })
        .collect();
    let keys = Line::from(keys);
    let widest = lines
        .iter()
        .chain(std::iter::once(&keys))
        .map(Line::width)
        .max()
        .unwrap_or(0) as u16;
    let width = widest
        .saturating_add(WINDOW_FRAME)
        .min(MAX_WIDTH)
        .min(area.width);
    let text_h = wrapped_height(&lines, width.saturating_sub(WINDOW_FRAME));
    let rect = centered(area, width, text_h.saturating_add(4));
    let inner = window(frame, rect, " Run this fix? ".to_string(), theme);
    // The keys stay on the last line, whatever the window's height.
    let [text, _, bottom] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(u16::from(inner.height >= 3)),
        Constraint::Length(u16::from(inner.height >= 2)),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    frame.render_widget(Paragraph::new(keys), bottom);
}
