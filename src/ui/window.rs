//! A window over the panes (help, details, fixes): the document its text is built in, word-
//! wrapped with hanging indents so the window knows its height, and the scrolled rendering
//! that says where the view is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::format::{format_ms, format_time, wrap_words};
use super::key_label;
use super::theme::Theme;
use crate::app::Model;
use crate::app::keys::Action;
use crate::probe::slot::{Done, Slot};
use crate::text::human_duration;

/// The width of the field names.
const LABEL: usize = 16;

/// What a window adds around its text: the border and one column of padding on each side.
pub const WINDOW_FRAME: u16 = 4;

/// A window over the panes: cleared, bordered, titled; returns the area inside the border.
pub fn window(frame: &mut Frame, area: Rect, title: String, theme: Theme) -> Rect {
    super::mouse::note_window(area);
    frame.render_widget(ratatui::widgets::Clear, area);
    let block = Block::bordered()
        .padding(ratatui::widgets::Padding::horizontal(1))
        .border_type(ratatui::widgets::BorderType::Double)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// A `width` x `height` rectangle centred in `area`, clamped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A window's text, built line by line and word-wrapped to `width` with hanging indents, so
/// the window knows its exact height.
pub struct Doc {
    pub theme: Theme,
    pub width: usize,
    pub lines: Vec<Line<'static>>,
}

impl Doc {
    pub fn new(theme: Theme, width: usize) -> Self {
        Doc {
            theme,
            width,
            lines: Vec::new(),
        }
    }

    /// `name` in the label column, `value` wrapped beside it.
    pub fn field(&mut self, name: &str, value: &str) {
        let wrapped = wrap_words(value, self.width.saturating_sub(LABEL));
        for (i, part) in wrapped.into_iter().enumerate() {
            let label = if i == 0 { name } else { "" };
            self.lines.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), self.theme.heading()),
                Span::raw(part),
            ]));
        }
    }

    /// Text wrapped under a first-line `lead` ("• ", "    "), continued under the lead's
    /// width.
    pub fn para(&mut self, lead: &str, text: &str, style: Style) {
        self.lines.extend(led_lines(
            Span::styled(lead.to_string(), style),
            text,
            style,
            self.width,
        ));
    }

    pub fn line(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }
}

/// `text` word-wrapped to `width` under a first-line `lead`, continued under the lead's width.
pub fn led_lines(
    lead: Span<'static>,
    text: &str,
    style: Style,
    width: usize,
) -> Vec<Line<'static>> {
    let lead_w = lead.width();
    let indent = Span::styled(" ".repeat(lead_w), lead.style);
    let mut first = Some(lead);
    wrap_words(text, width.saturating_sub(lead_w))
        .into_iter()
        .map(|part| {
            let lead = first.take().unwrap_or_else(|| indent.clone());
            Line::from(vec![lead, Span::styled(part, style)])
        })
        .collect()
}

/// A finding's first line: its severity (symbol and word) and code, then `more`.
pub fn finding_line(f: &crate::diagnose::Finding, theme: Theme, more: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{} {}", f.severity.symbol(), f.severity.word()),
            theme.severity(f.severity),
        ),
        Span::raw("  "),
        Span::styled(f.code.as_str(), theme.heading()),
        Span::raw(more.to_string()),
    ])
}

/// When a run finished and how long it took; and whether another runs or waits.
pub fn run_fields<T>(doc: &mut Doc, model: &Model, slot: &Slot<T>) {
    if let Some(Done { at, took, .. }) = &slot.last {
        doc.field(
            "checked at",
            &format!(
                "{} (local clock), took {}",
                format_time(*at),
                format_ms(*took)
            ),
        );
    }
    if let Some(since) = slot.running_since {
        let queued = if slot.queued {
            ", one more run queued"
        } else {
            ""
        };
        doc.field(
            "running",
            &format!(
                "for {}{queued}",
                human_duration(crate::ui::elapsed(model, since))
            ),
        );
    }
}

/// When a slot's last run finished and took, and since when it runs.
pub type SlotRun = (
    Option<(std::time::SystemTime, std::time::Duration)>,
    Option<std::time::Instant>,
);

pub fn slot_run<T>(slot: &Slot<T>) -> SlotRun {
    (
        slot.last.as_ref().map(|d| (d.at, d.took)),
        slot.running_since,
    )
}

/// When the latest of some checks finished, and whether one runs now.
pub fn run_fields_of(doc: &mut Doc, model: &Model, slots: &[SlotRun]) {
    let last = slots
        .iter()
        .filter_map(|(last, _)| *last)
        .max_by_key(|(at, _)| *at);
    if let Some((at, took)) = last {
        doc.field(
            "checked at",
            &format!(
                "{} (local clock), took {}",
                format_time(at),
                format_ms(took)
            ),
        );
    }
    if let Some(since) = slots.iter().filter_map(|(_, r)| *r).min() {
        doc.field(
            "running",
            &format!("for {}", human_duration(crate::ui::elapsed(model, since))),
        );
    }
}

/// A section heading, after a blank line.
pub fn heading(doc: &mut Doc, text: &str) {
    let style = doc.theme.heading();
    doc.line(Line::raw(""));
    doc.para("", text, style);
}

/// Renders a window's `lines` in its `inner` area, scrolled down `scroll` lines (clamped to
/// the text); when they do not fit, the bottom border of `rect` says where the view is.
pub fn render_scrolled(
    frame: &mut Frame,
    rect: Rect,
    inner: Rect,
    lines: Vec<Line<'static>>,
    scroll: u16,
    theme: Theme,
) {
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max_scroll = total.saturating_sub(inner.height);
    let scroll = scroll.min(max_scroll);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    if max_scroll > 0 && rect.height >= 3 && rect.width >= 4 {
        let mark = format_scroll(scroll, inner.height, total);
        let w = u16::try_from(Span::raw(&mark).width())
            .unwrap_or(u16::MAX)
            .min(rect.width - 2);
        let border = Rect {
            x: rect.x + rect.width - 1 - w,
            y: rect.y + rect.height - 1,
            width: w,
            height: 1,
        };
        frame.render_widget(Paragraph::new(Span::styled(mark, theme.title())), border);
    }
}

/// Where a scrolled window's view is, and the keys that move it (from the key map):
/// " lines 1–20 of 64 · PgDn more ".
pub fn format_scroll(scroll: u16, height: u16, total: u16) -> String {
    let first = scroll.saturating_add(1);
    let last = scroll.saturating_add(height).min(total);
    let keys: Vec<String> = [
        (scroll > 0, Action::PageUp, "back"),
        (last < total, Action::PageDown, "more"),
    ]
    .into_iter()
    .filter(|(on, ..)| *on)
    .filter_map(|(_, action, word)| key_label(action).map(|k| format!(" · {k} {word}")))
    .collect();
    format!(" lines {first}–{last} of {total}{} ", keys.concat())
}
