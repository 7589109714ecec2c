//! The "This machine" pane: a row per part of the machine check — this machine's firewall,
//! the security software that runs here, the VPN clients and TLS stack against their minimum
//! versions, the VPN services, the trust store, the OS — each with its state in a few words
//! and a mark: ✓ fine, a finding's symbol when one speaks about the part, ? when the check
//! cannot tell (and why). In the grid it is a strip under the other panes, its summary line
//! naming what is wrong; focused, it opens to its rows.
//!
//! ```text
//! ┏ 5 This machine ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
//! ┃▶ ✗ firewall           nftables: 3 rule(s) read                                         ┃
//! ┃  ✓ security software  none of the table runs or is installed                           ┃
//! ┃  ! VPN client and TLS outdated: openvpn 2.4.0 below 2.5.0                              ┃
//! ┃  ✓ VPN services       nordvpnd active · nordvpn: Status: Disconnected                  ┃
//! ┃  ✓ trust store        system store /etc/ssl/certs/ca-certificates.crt (written 12 …    ┃
//! ┃  · OS                 Debian GNU/Linux 12 (bookworm)                                   ┃
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//! ```

pub mod details;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use super::format::{format_running, wrap_words};
use super::theme::Theme;
use super::{SELECTED_WIDTH, elapsed, mark_scroll, pane_block, render_list};
use crate::app::{Model, Pane};
use crate::diagnose::Finding;
use crate::diagnose::machine::{Part, PartState};

/// The width of the label column.
const LABEL_WIDTH: usize = 18;
/// How many lines a part's summary takes at most in the pane (Enter shows it whole).
const MAX_SUMMARY_LINES: usize = 2;

/// The worst finding about `part`, when one speaks about it (the findings are worst first).
pub fn part_finding(model: &Model, part: Part) -> Option<&Finding> {
    let codes = part.codes();
    model.findings().iter().find(|f| codes.contains(&f.code))
}

/// A part's mark and its style: the finding's symbol, `?` when the check cannot tell, `·`
/// for what is only information (the OS), else `✓`.
fn mark(model: &Model, p: &PartState, theme: Theme) -> (&'static str, Style) {
    match part_finding(model, p.part) {
        Some(f) => (f.severity.symbol(), theme.severity(f.severity)),
        None if p.unknown => ("?", theme.warning()),
        None if p.part == Part::Os => ("·", theme.dim()),
        None => ("✓", theme.ok()),
    }
}

/// What the pane says while there are no parts: running, or not run.
fn format_waiting(model: &Model) -> String {
    match model.obs.local.running_since {
        Some(since) => format!(
            "{} checking this machine (firewall, security software, clients, trust store)",
            format_running(elapsed(model, since))
        ),
        None => "not checked yet".to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::of(&model.env);
    let mut block = pane_block(Pane::Machine, focused, theme);
    if let Some(since) = model.obs.local.running_since
        && model.derived.machine.is_some()
    {
        block = block.title_bottom(
            Line::styled(
                format!(" {} re-checking ", format_running(elapsed(model, since))),
                theme.running(),
            )
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some(m) = &model.derived.machine else {
        frame.render_widget(
            Paragraph::new(Span::styled(format_waiting(model), theme.running())),
            inner,
        );
        return;
    };
    let width = usize::from(inner.width).saturating_sub(usize::from(SELECTED_WIDTH));
    // Beside the label when the pane is wide, else under it.
    let beside = width >= LABEL_WIDTH + 30;
    let text_w = if beside {
        width - LABEL_WIDTH - 3
    } else {
        width.saturating_sub(4)
    };
    let items =
        m.parts
            .iter()
            .map(|p| {
                let (symbol, style) = mark(model, p, theme);
                let words = wrap_words(&p.summary, text_w.max(1));
                let shown = words.len().min(MAX_SUMMARY_LINES);
                let cut = words.len() > shown;
                let mut words: Vec<String> = words.into_iter().take(shown).collect();
                if cut && let Some(last) = words.last_mut() {
                    last.push('…');
                }
                let head = vec![
                    Span::styled(format!("{symbol} "), style),
                    Span::styled(format!("{:<LABEL_WIDTH$}", p.part.label()), theme.heading()),
                ];
                let lines: Vec<Line<'static>> = if beside {
                    let mut it = words.into_iter();
                    let mut first = head;
                    first.push(Span::raw(format!(" {}", it.next().unwrap_or_default())));
                    std::iter::once(Line::from(first))
                        .chain(it.map(|text| {
                            Line::raw(format!("{:pad$}{text}", "", pad = LABEL_WIDTH + 3))
                        }))
                        .collect()
                } else {
                    std::iter::once(Line::from(head))
                        .chain(words.into_iter().map(|w| Line::raw(format!("    {w}"))))
                        .collect()
                };
                ListItem::new(lines)
            })
            .collect();
    let scrolled = render_list(
        frame,
        inner,
        items,
        Some(model.selection(Pane::Machine)),
        focused,
        theme,
    );
    mark_scroll(frame, area, scrolled, theme);
}

/// The pane in one line: a mark per part, then what is wrong (the worst part first), or that
/// all is well.
pub fn summary(model: &Model) -> Line<'static> {
    let theme = Theme::of(&model.env);
    let Some(m) = &model.derived.machine else {
        return Line::raw(format_waiting(model));
    };
    // The OS is information, not a check: it is left out of the one line.
    let mut spans = Vec::new();
    for p in m.parts.iter().filter(|p| p.part != Part::Os) {
        let (symbol, style) = mark(model, p, theme);
        spans.push(Span::styled(format!("{symbol} "), style));
        spans.push(Span::raw(format!("{} ", p.part.short())));
    }
    let worst = m
        .parts
        .iter()
        .filter_map(|p| part_finding(model, p.part))
        .max_by_key(|f| f.severity);
    match worst {
        Some(f) => spans.push(Span::styled(
            format!("— {}", f.summary),
            theme.severity(f.severity),
        )),
        None if m.parts.iter().any(|p| p.unknown) => {
            let unknown: Vec<&str> = m
                .parts
                .iter()
                .filter(|p| p.unknown)
                .map(|p| p.part.label())
                .collect();
            spans.push(Span::styled(
                format!("— cannot tell: {}", unknown.join(", ")),
                theme.dim(),
            ));
        }
        None => spans.push(Span::styled("— nothing in the way", theme.ok())),
    }
    Line::from(spans)
}

super::pane_view!("its firewall, security software, VPN clients, services, trust store");
