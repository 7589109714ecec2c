//! The title line: the product, the overall verdict in words, and whether sampling is paused.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{fit, format_counts, format_headline};
use super::theme::Theme;
use crate::app::Model;
use crate::app::verify::OUTCOME_SHOWN_FOR;
use crate::diagnose::{Severity, verdict};
use crate::probe;

/// The product's name as the title shows it.
pub const PRODUCT: &str = "tlsdoctor-tui";

/// The verdict, after what the last fix or re-run changed while that is fresh.
pub fn format_verdict(model: &Model) -> (&'static str, Option<Severity>, String) {
    let (symbol, severity, text) = format_state(model);
    match model.last_run() {
        Some(run) if model.now.saturating_duration_since(run.ended) < OUTCOME_SHOWN_FOR => {
            (symbol, severity, format!("{} · {text}", run.headline()))
        }
        _ => (symbol, severity, text),
    }
}

/// The overall state: a symbol that reads without colour, its severity, and the words.
fn format_state(model: &Model) -> (&'static str, Option<Severity>, String) {
    let running = model.running();
    let checking = format!("checking… {running} running");
    if let (Some(worst), Some(counts)) = (
        verdict(&model.derived.findings),
        format_counts(&model.derived.findings),
    ) {
        let mut text = format!("{counts}: {}", format_headline(&model.derived.findings[0]));
        if running > 0 {
            text = format!("{text} · {checking}");
        }
        return (worst.symbol(), Some(worst), text);
    }
    if running > 0 {
        ("○", None, checking)
    } else if has_every_result(model) {
        ("✓", None, "all checks passed".to_string())
    } else {
        ("○", None, "not checked yet".to_string())
    }
}

/// Whether the clock's checks and every target's lookup have a result (the checks a lookup
/// starts run right after it, so while they do something is running). The captive-portal
/// and machine checks speak only when they find something.
fn has_every_result(model: &Model) -> bool {
    probe::all_probes(model.config())
        .into_iter()
        .filter(|id| !matches!(id, probe::ProbeId::Captive | probe::ProbeId::Machine))
        .all(|id| model.obs.has_result(id))
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if area.height == 0 {
        return;
    }
    let theme = Theme::of(&model.env);
    let (symbol, severity, text) = format_verdict(model);
    let style = match severity {
        Some(s) => theme.severity(s),
        None if symbol == "✓" => theme.ok(),
        None => theme.running(),
    };
    let right = if model.paused { " paused " } else { "" };
    let product = format!(" {PRODUCT} ");
    // Whatever does not fit is cut with "…" so a cut verdict reads as one.
    let room = usize::from(area.width)
        .saturating_sub(product.chars().count() + 1 + symbol.chars().count() + 1)
        .saturating_sub(right.chars().count());
    let line = Line::from(vec![
        Span::styled(product, theme.title()),
        Span::raw(" "),
        Span::styled(format!("{symbol} "), style),
        Span::styled(fit(&text, room), style),
    ]);
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(line), left_area);
    frame.render_widget(
        Paragraph::new(Span::styled(right, theme.warning().patch(theme.title()))),
        right_area,
    );
}
