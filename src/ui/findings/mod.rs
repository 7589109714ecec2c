//! The Findings pane: the next step, then the diagnosis, worst first: severity (symbol and
//! word), code, target and what the last fix or re-run did to it, with the whole summary
//! wrapped under each.

pub mod details;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use super::format::{format_clock_time, format_counts, format_headline, wrap_words};
use super::theme::Theme;
use super::{SELECTED_WIDTH, key_label, mark_scroll, pane_block, render_list};
use crate::app::keys::Action;
use crate::app::verify::{ChangeKind, FindingKey};
use crate::app::{Model, Pane};
use crate::diagnose::Finding;

/// What the target column says for a finding about this machine.
pub const LOCAL: &str = "local";

/// Where a finding's summary starts under its first line.
const SUMMARY_INDENT: &str = "  ";

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

/// The "next step" line: which finding to fix first and why (a root cause explains the rest),
/// or what a pending fix or re-run waits for.
pub fn format_next(model: &Model) -> Option<String> {
    if let Some(p) = &model.pending {
        let waiting = p
            .probes
            .iter()
            .filter(|id| model.obs.is_pending(**id))
            .count();
        return Some(if p.command_running {
            format!("{}: the command runs in the terminal", p.what.label)
        } else {
            format!(
                "{}: re-checking, {waiting} check{} to go",
                p.what.label,
                if waiting == 1 { "" } else { "s" }
            )
        });
    }
    let first = model.findings().first()?;
    let fixes = if first.fixes.is_empty() {
        String::new()
    } else {
        let key = key_label(Action::Fixes).unwrap_or("f");
        format!(" ({key}: its fixes)")
    };
    let name = FindingKey::of(first).describe();
    let n = model.findings().len();
    Some(match first.code.first_because() {
        Some(why) if n > 1 => format!("next: fix {name} first: {why}{fixes}"),
        _ if n > 1 => format!("next: {name}, the worst of {n}{fixes}"),
        _ => format!("next: {name}{fixes}"),
    })
}

/// A finding's mark from the last fix or re-run: "new", "still failing", "changed"; or that a
/// pending one re-checks it.
fn format_mark(model: &Model, f: &Finding) -> Option<(String, bool)> {
    if model
        .pending
        .as_ref()
        .is_some_and(|p| f.probes.iter().any(|id| p.probes.contains(id)))
    {
        return Some(("re-checking…".to_string(), false));
    }
    let run = model.last_run()?;
    let kind = run.change_of(&FindingKey::of(f))?;
    Some((
        format!("{} {}", kind.word(), format_clock_time(run.ended_at)),
        kind == ChangeKind::New,
    ))
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::of(&model.env);
    let mut block = pane_block(Pane::Findings, focused, theme);
    if let Some(run) = model.last_run() {
        let history = key_label(Action::History)
            .map(|k| format!(" · {k} history"))
            .unwrap_or_default();
        let text = format!(
            " last run {}: {} resolved, {} still failing, {} new{history} ",
            format_clock_time(run.ended_at),
            run.count(ChangeKind::Resolved),
            run.count(ChangeKind::StillFailing) + run.count(ChangeKind::Changed),
            run.count(ChangeKind::New),
        );
        block = block.title_bottom(Line::styled(text, theme.dim()).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let width = usize::from(inner.width);
    // The next step, wrapped, when there is room for it and a row.
    let next: Vec<Line<'static>> = match format_next(model) {
        Some(text) if inner.height >= 4 => wrap_words(&text, width.saturating_sub(1))
            .into_iter()
            .take(usize::from(inner.height / 3))
            .map(|l| Line::styled(format!(" {l}"), theme.heading()))
            .collect(),
        _ => Vec::new(),
    };
    let next_h = next.len() as u16;
    frame.render_widget(
        Paragraph::new(next),
        Rect {
            height: next_h,
            ..inner
        },
    );
    let list = Rect {
        y: inner.y + next_h,
        height: inner.height - next_h,
        ..inner
    };
    if model.derived.findings.is_empty() {
        let style = if model.running() == 0 {
            theme.ok()
        } else {
            theme.running()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format_empty(model), style)),
            list,
        );
        return;
    }
    // Each finding: its severity, code, target and mark on one line, then its whole summary
    // wrapped under it (beside the selection marker's two columns).
    let text_w = width.saturating_sub(usize::from(SELECTED_WIDTH) + SUMMARY_INDENT.len());
    let items = model
        .findings()
        .iter()
        .map(|f| {
            let mut head = vec![
                Span::styled(
                    format!("{} {:<7} ", f.severity.symbol(), f.severity.word()),
                    theme.severity(f.severity),
                ),
                Span::styled(f.code.as_str(), theme.heading()),
                Span::raw(format!("  {}", target(f))),
            ];
            if let Some((mark, new)) = format_mark(model, f) {
                let style = if new { theme.warning() } else { theme.dim() };
                head.push(Span::styled(format!("  {mark}"), style));
            }
            let mut lines = vec![Line::from(head)];
            lines.extend(
                wrap_words(&f.summary, text_w)
                    .into_iter()
                    .map(|l| Line::raw(format!("{SUMMARY_INDENT}{l}"))),
            );
            ListItem::new(lines)
        })
        .collect();
    let scrolled = render_list(
        frame,
        list,
        items,
        Some(model.selection(Pane::Findings)),
        focused,
        theme,
    );
    mark_scroll(frame, area, scrolled, theme);
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
