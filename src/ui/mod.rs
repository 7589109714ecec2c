//! The view: pure renderers that only read the model. One file per pane, each fed the model
//! and whether it has the focus; failures are content (a row with a reason), never a log line.

/// A pane module's [`PaneView`]: `View`, made of the module's `render`, `summary` and
/// `details::doc`, and the words for what it shows.
macro_rules! pane_view {
    ($meaning:expr) => {
        /// The pane as the view sees it.
        pub struct View;

        impl $crate::ui::PaneView for View {
            fn render(
                &self,
                frame: &mut ratatui::Frame,
                area: ratatui::layout::Rect,
                model: &$crate::app::Model,
                focused: bool,
            ) {
                render(frame, area, model, focused);
            }

            fn summary(&self, model: &$crate::app::Model) -> ratatui::text::Line<'static> {
                summary(model)
            }

            fn details(
                &self,
                doc: &mut $crate::ui::window::Doc,
                model: &$crate::app::Model,
                row: usize,
            ) -> String {
                details::doc(doc, model, row)
            }

            fn meaning(&self) -> &'static str {
                $meaning
            }
        }
    };
}
use pane_view;

pub mod clock;
pub mod details;
pub mod findings;
pub mod fixes;
pub mod footer;
pub mod format;
pub mod handshakes;
pub mod help;
pub mod history;
pub mod machine;
pub mod mouse;
pub mod reach;
pub mod svg;
pub mod theme;
pub mod title;
pub mod window;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, HighlightSpacing, List, ListItem, ListState, Paragraph};

use crate::app::keys::{Action, BINDINGS};
use crate::app::{Model, Overlay, Pane};
use theme::Theme;

/// From this width on, the panes sit in a 2x2 grid.
const GRID_MIN_WIDTH: u16 = 100;
/// The grid also needs this many rows between the title and the footer.
const GRID_MIN_HEIGHT: u16 = 14;
/// The rows of the This machine pane: a part each (of up to two lines).
const MACHINE_ROWS: u16 = 6;
/// This machine's strip under the grid when another pane has the focus: its title and one
/// summary line.
const MACHINE_STRIP: u16 = 2;
/// The marker in front of the selected row, and its width on screen.
pub const SELECTED: &str = "▶ ";
pub const SELECTED_WIDTH: u16 = 2;

/// Draws the whole screen.
///
/// ```text
///  tlsdoctor-tui  ✗ 1 error, 1 warning: local clock is 3 h 0 m 0.2 s behind        paused
/// ┏ 1 Clock ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓┌ 2 Handshakes ─────────────────────────────┐
/// ┃   server       status offset      rtt┃│ ▶ Google       www.google.com:443   ok    │
/// ┃ ▶ time.a.org   ok     +3h00m00.2s 2ms┃│     DNS  142.250.1.1 in 12ms              │
/// ┃   time.b.org   kod    kiss-o'-death  ┃│     TCP  142.250.1.1:443 connected in 9ms │
/// ┃ consensus +3h00m00.2s: local clock … ┃│                                           │
/// ┃ sync service: timedatectl: NTP no …  ┃│                                           │
/// ┃ history ▁▁▂▄█ min +1.0ms max +3h00m… ┃│                                           │
/// ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛└───────────────────────────────────────────┘
/// ┌ 3 Reachability ──────────────┐┌ 4 Findings ───────────────────────────────────────┐
/// │ ▶ Google  www.google.com     ││ ▶ ✗ error    clock-skew      local  Local clock … │
/// │     tcp 443  open  9ms       ││   ! warning  clock-unsynced  local  no time-sync… │
/// └──────────────────────────────┘└───────────────────────────────────────────────────┘
///  Tab pane  ↓/j select  Enter details  r retry  R all  f fixes  p pause  ? help  q/C-c quit
/// ```
///
/// The focused pane has a thick border. Below 100 columns the panes stack in the same order:
/// the focused one takes the height, the others shrink to their title and a one-line summary.
/// Help, details, fixes and the y/n confirmation are windows centred over the panes.
pub fn render(frame: &mut Frame, model: &Model) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    // The footer takes a second line only when the screen can spare it.
    let footer_lines = footer::lines(model, area.width).len() as u16;
    let footer_h = match area.height {
        0..=1 => 0,
        2..=11 => 1,
        _ => footer_lines.clamp(1, 2),
    };
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(footer_h),
    ])
    .areas(area);
    title::render(frame, top, model);
    footer::render(frame, bottom, model);
    for (pane, rect, compact) in pane_areas(body, model.focus) {
        if rect.height == 0 {
            continue;
        }
        let focused = pane == model.focus;
        mouse::note_pane(pane, rect);
        if compact {
            render_compact(frame, rect, model, pane);
        } else {
            view(pane).render(frame, rect, model, focused);
        }
    }
    let over = Rect {
        height: area.height - footer_h,
        ..area
    };
    match &model.overlay {
        None => {}
        Some(Overlay::Help) => help::render(frame, over, model),
        Some(Overlay::Details(pane)) => details::render(frame, over, model, *pane),
        Some(Overlay::Fixes { selected }) => fixes::render_fixes(frame, over, model, *selected),
        Some(Overlay::Confirm { fix }) => fixes::render_confirm(frame, over, model, *fix),
        Some(Overlay::History) => history::render(frame, over, model),
    }
}

/// What a pane gives the view: its full form, its one-line form for the stacked layout, the
/// details of a row, and what it shows (for the help). A new pane implements this in its
/// folder (`ui/<pane>/`) and gets one arm in [`view`].
pub trait PaneView {
    /// The pane, in `area`; `focused` marks its selected row.
    fn render(&self, frame: &mut Frame, area: Rect, model: &Model, focused: bool);
    /// The pane in one line.
    fn summary(&self, model: &Model) -> Line<'static>;
    /// The details of row `row` into `doc`; returns the window's title.
    fn details(&self, doc: &mut window::Doc, model: &Model, row: usize) -> String;
    /// What the pane shows, for the help window.
    fn meaning(&self) -> &'static str;
}

/// The view of `pane`.
pub fn view(pane: Pane) -> &'static dyn PaneView {
    match pane {
        Pane::Clock => &clock::View,
        Pane::Handshakes => &handshakes::View,
        Pane::Reach => &reach::View,
        Pane::Findings => &findings::View,
        Pane::Machine => &machine::View,
    }
}

/// Where each pane goes, and whether it is shown compact (title and one summary line).
pub fn pane_areas(body: Rect, focus: Pane) -> Vec<(Pane, Rect, bool)> {
    if body.width >= GRID_MIN_WIDTH && body.height >= GRID_MIN_HEIGHT {
        // This machine is a strip under the grid: its title and summary line, or, focused,
        // its rows (as many as a third of the height allows).
        let strip = if focus == Pane::Machine {
            (MACHINE_ROWS * 2 + 2)
                .min(body.height / 3)
                .max(MACHINE_STRIP)
        } else {
            MACHINE_STRIP
        };
        let [grid, machine] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(strip)]).areas(body);
        let [upper, lower] =
            Layout::vertical([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(grid);
        let [clock, hand] =
            Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(upper);
        let [reach, find] =
            Layout::horizontal([Constraint::Ratio(2, 5), Constraint::Ratio(3, 5)]).areas(lower);
        return vec![
            (Pane::Clock, clock, false),
            (Pane::Handshakes, hand, false),
            (Pane::Reach, reach, false),
            (Pane::Findings, find, false),
            (Pane::Machine, machine, focus != Pane::Machine),
        ];
    }
    // The others shrink first to one line each, then vanish, so the focused pane stays usable.
    let small = match body.height {
        12.. => 2,
        7..=11 => 1,
        _ => 0,
    };
    let constraints = Pane::ALL.map(|p| {
        if p == focus {
            Constraint::Fill(1)
        } else {
            Constraint::Length(small)
        }
    });
    let rects = Layout::vertical(constraints).split(body);
    Pane::ALL
        .iter()
        .zip(rects.iter())
        .map(|(p, r)| (*p, *r, *p != focus))
        .collect()
}

/// The label of the key that triggers `action` on the main screen, from the live key map.
pub fn key_label(action: Action) -> Option<&'static str> {
    BINDINGS
        .iter()
        .find(|b| b.action == action)
        .map(|b| b.label)
}

/// A pane's title, with the key that jumps to it: " 1 Clock ".
pub fn pane_title(pane: Pane) -> String {
    match key_label(Action::Focus(pane)) {
        Some(k) => format!(" {k} {} ", pane.title()),
        None => format!(" {} ", pane.title()),
    }
}

/// The bordered block around a pane.
pub fn pane_block(pane: Pane, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .border_type(Theme::border_type(focused))
        .border_style(theme.border(focused))
        .title(Span::styled(pane_title(pane), theme.title()))
}

/// A pane shrunk to its title and a one-line summary.
fn render_compact(frame: &mut Frame, area: Rect, model: &Model, pane: Pane) {
    let theme = Theme::of(&model.env);
    // One line: what does not fit ends in "…" (the pane itself, focused, shows it all).
    let room = usize::from(area.width).saturating_sub(if area.height >= 2 {
        1
    } else {
        pane_title(pane).chars().count()
    });
    let summary = fit_line(view(pane).summary(model), room);
    if area.height >= 2 {
        let block = Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border(false))
            .title(Span::styled(pane_title(pane), theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new(summary), indent(inner, 1));
    } else {
        let mut spans = vec![Span::styled(pane_title(pane), theme.title())];
        spans.extend(summary.spans);
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

/// `line` cut to `width` columns, ending in "…" when something was cut.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let text: String = span.content.chars().take(left).collect();
        left -= text.chars().count();
        spans.push(Span::styled(text, span.style));
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

/// How many rows of a list are out of view above and below.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrolled {
    pub above: usize,
    pub below: usize,
}

/// A pane's rows as a list that keeps the selected row in view; the selection is marked only
/// in the focused pane. Returns how many rows are out of view.
pub fn render_list(
    frame: &mut Frame,
    area: Rect,
    items: Vec<ListItem<'static>>,
    selected: Option<usize>,
    focused: bool,
    theme: Theme,
) -> Scrolled {
    let heights: Vec<usize> = items.iter().map(ListItem::height).collect();
    let list = List::new(items).highlight_spacing(HighlightSpacing::Always);
    let list = if focused {
        list.highlight_symbol(SELECTED)
            .highlight_style(theme.selected())
    } else {
        list.highlight_symbol("  ")
    };
    let mut state = ListState::default().with_selected(selected);
    frame.render_stateful_widget(list, area, &mut state);
    let above = state.offset().min(heights.len());
    let mut room = usize::from(area.height);
    let shown = heights[above..]
        .iter()
        .take_while(|h| {
            let fits = **h <= room;
            room = room.saturating_sub(**h);
            fits
        })
        .count();
    let mut y = area.y;
    for (i, h) in heights.iter().enumerate().skip(above).take(shown) {
        let h = u16::try_from(*h).unwrap_or(u16::MAX);
        mouse::note_row(
            i,
            Rect {
                y,
                height: h,
                ..area
            },
        );
        y = y.saturating_add(h);
    }
    Scrolled {
        above,
        below: heights.len() - above - shown,
    }
}

/// Rows of several lines each (a target and its checks), scrolled so the top stays in view
/// while the selected row fits under it, else the selected row comes to the top (as far as
/// the rows below fill the area, and from its head when it is taller than the area); marked
/// as a list marks its selection. Unlike a list, a row that does not fit shows as far as it
/// goes, so a tall row never hides the ones below. Returns how many rows are out of view.
pub fn render_blocks(
    frame: &mut Frame,
    area: Rect,
    blocks: Vec<Vec<Line<'static>>>,
    selected: usize,
    focused: bool,
    theme: Theme,
) -> Scrolled {
    let height = usize::from(area.height);
    let starts: Vec<usize> = blocks
        .iter()
        .scan(0, |at, b| {
            let start = *at;
            *at += b.len();
            Some(start)
        })
        .collect();
    let total: usize = blocks.iter().map(Vec::len).sum();
    let start = starts.get(selected).copied().unwrap_or(total);
    let end = start + blocks.get(selected).map_or(0, Vec::len);
    let offset = if end <= height {
        0
    } else {
        start.min(total.saturating_sub(height))
    };
    let scrolled = Scrolled {
        above: blocks
            .iter()
            .zip(&starts)
            .filter(|(b, s)| **s + b.len() <= offset)
            .count(),
        below: starts.iter().filter(|s| **s >= offset + height).count(),
    };
    let lens: Vec<usize> = blocks.iter().map(Vec::len).collect();
    let mut lines = Vec::with_capacity(total);
    for (i, block) in blocks.into_iter().enumerate() {
        for (n, mut line) in block.into_iter().enumerate() {
            let marker = if focused && i == selected && n == 0 {
                SELECTED
            } else {
                "  "
            };
            line.spans.insert(0, Span::raw(marker));
            lines.push(line);
        }
    }
    for (i, (start, len)) in starts.iter().zip(&lens).enumerate() {
        let top = start.saturating_sub(offset).min(height);
        let bottom = (start + len).saturating_sub(offset).min(height);
        if bottom > top {
            let y = area.y + u16::try_from(top).unwrap_or(u16::MAX);
            let h = u16::try_from(bottom - top).unwrap_or(u16::MAX);
            mouse::note_row(
                i,
                Rect {
                    y,
                    height: h,
                    ..area
                },
            );
        }
    }
    let scroll = u16::try_from(offset).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), area);
    if focused {
        let top = start.saturating_sub(offset).min(height);
        let bottom = end.saturating_sub(offset).min(height);
        let highlight = Rect {
            y: area.y + u16::try_from(top).unwrap_or(u16::MAX),
            height: u16::try_from(bottom - top).unwrap_or(u16::MAX),
            ..area
        };
        frame.buffer_mut().set_style(highlight, theme.selected());
    }
    scrolled
}

/// "↑ 3 more" on the top border of a pane's `area` and "↓ 5 more" on its bottom border, at
/// the right, when rows are out of view.
pub fn mark_scroll(frame: &mut Frame, area: Rect, scrolled: Scrolled, theme: Theme) {
    if area.height < 3 || area.width < 16 {
        return;
    }
    for (n, arrow, y) in [
        (scrolled.above, "↑", area.y),
        (scrolled.below, "↓", area.y + area.height - 1),
    ] {
        if n == 0 {
            continue;
        }
        let text = format!(" {arrow} {n} more ");
        let w = (Span::raw(&text).width() as u16).min(area.width - 4);
        let at = Rect {
            x: area.x + area.width - 2 - w,
            y,
            width: w,
            height: 1,
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.title())), at);
    }
}

/// How many rows `lines` take when word-wrapped at `width` (greedy, as the paragraph wraps).
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            let mut rows = 1;
            let mut cur = 0;
            for word in text.split(' ') {
                let wl = Span::raw(word).width();
                if cur == 0 {
                    cur = wl;
                } else if cur + 1 + wl <= w {
                    cur += 1 + wl;
                } else {
                    rows += 1;
                    cur = wl;
                }
                while cur > w {
                    rows += 1;
                    cur -= w;
                }
            }
            rows
        })
        .sum();
    rows.min(usize::from(u16::MAX)) as u16
}

/// `area` without its first `n` columns (when it is wide enough to spare them).
pub fn indent(area: Rect, n: u16) -> Rect {
    if area.width <= n * 2 {
        return area;
    }
    Rect {
        x: area.x + n,
        width: area.width - n,
        ..area
    }
}

/// The running time of a probe that started at `since`.
pub fn elapsed(model: &Model, since: std::time::Instant) -> std::time::Duration {
    model.now.saturating_duration_since(since)
}
