//! The Findings pane: the diagnosis, worst first: severity (symbol and word), code, target,
//! summary.

pub mod details;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use super::format::{fit, format_counts, format_headline, pad};
use super::theme::Theme;
use super::{pane_block, render_list};
use crate::app::{Model, Pane};
use crate::diagnose::Finding;

/// What the target column says for a finding about this machine.
pub const LOCAL: &str = "local";

/// The widest a target's name gets in the table.
const MAX_TARGET_WIDTH: usize = 16;

/// The pane's text when there is no finding: what that means depends on whether checks run.
pub fn format_empty(model: &Model) -> String {
    match model.running() {
        0 => "no findings: every finished check passed".to_string(),
        n => format!("checking… {n} running; no findings so far"),
    }
}

fn target(f: &Finding) -> &str {
    f.target.as_deref().unwrap_or(LOCAL)
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::new(model.env.color);
    let block = pane_block(Pane::Findings, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if model.derived.findings.is_empty() {
        let style = if model.running() == 0 {
            theme.ok()
        } else {
            theme.running()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format_empty(model), style)),
            inner,
        );
        return;
    }
    let code_w = model
        .findings()
        .iter()
        .map(|f| f.code.as_str().len())
        .max()
        .unwrap_or(0);
    let target_w = model
        .findings()
        .iter()
        .map(|f| target(f).chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_TARGET_WIDTH);
    // What is left for the summary beside the selection marker, severity, code and target:
    // a summary that does not fit ends in "…" (its whole text is in the details).
    let summary_w = usize::from(inner.width).saturating_sub(2 + 10 + code_w + 1 + target_w + 1);
    let items = model
        .findings()
        .iter()
        .map(|f| {
            ListItem::new(Line::from(vec![
                Span::styled(
                    format!("{} {:<7} ", f.severity.symbol(), f.severity.word()),
                    theme.severity(f.severity),
                ),
                Span::styled(format!("{:<code_w$} ", f.code.as_str()), theme.heading()),
                Span::raw(format!("{} ", pad(target(f), target_w))),
                Span::raw(fit(&f.summary, summary_w)),
            ]))
        })
        .collect();
    render_list(
        frame,
        inner,
        items,
        Some(model.selection(Pane::Findings)),
        focused,
        theme,
    );
}

/// The pane in one line, for the stacked layout.
pub fn summary(model: &Model) -> Line<'static> {
    match (
        format_counts(&model.derived.findings),
        model.derived.findings.first(),
    ) {
        (Some(counts), Some(first)) => Line::raw(format!("{counts}: {}", format_headline(first))),
        _ => Line::raw(format_empty(model)),
    }
}

super::pane_view!("the diagnosis, worst first, with its fixes");
