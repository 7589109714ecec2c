//! What is under the mouse pointer: the screen is drawn for `model` into an off-screen buffer
//! of the terminal's size, and the renderers note where they put each pane, each row of a
//! pane's list and the window on top ([`note_pane`], [`note_row`], [`note_window`]). So the
//! rows are found exactly where they were drawn, scrolling and wrapping included, without a
//! second copy of any pane's layout. Only [`hit`] turns the noting on.

use std::cell::RefCell;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::{Position, Rect};

use crate::app::mouse::Hit;
use crate::app::{Model, Pane};

/// Where the renderers put things, while [`hit`] draws.
#[derive(Debug, Default)]
struct Seen {
    /// The pane being drawn, and every pane's area.
    current: Option<Pane>,
    panes: Vec<(Pane, Rect)>,
    /// Each visible row of a pane's list: its pane, its index, the lines it takes.
    rows: Vec<(Pane, usize, Rect)>,
    /// The windows drawn over the panes (the last is on top).
    windows: Vec<Rect>,
}

thread_local! {
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

fn with_seen(f: impl FnOnce(&mut Seen)) {
    SEEN.with(|s| {
        if let Some(seen) = s.borrow_mut().as_mut() {
            f(seen);
        }
    });
}

/// The renderer is about to draw `pane` in `area`.
pub fn note_pane(pane: Pane, area: Rect) {
    with_seen(|s| {
        s.current = Some(pane);
        s.panes.push((pane, area));
    });
}

/// The pane being drawn put its row `row` on the lines of `area`.
pub fn note_row(row: usize, area: Rect) {
    with_seen(|s| {
        if let Some(pane) = s.current {
            s.rows.push((pane, row, area));
        }
    });
}

/// A window was drawn in `area`.
pub fn note_window(area: Rect) {
    with_seen(|s| s.windows.push(area));
}

/// What is at column `x`, row `y` of a `width` x `height` screen showing `model`.
pub fn hit(model: &Model, width: u16, height: u16, x: u16, y: u16) -> Hit {
    let Ok(mut term) = Terminal::new(TestBackend::new(width, height));
    SEEN.with(|s| *s.borrow_mut() = Some(Seen::default()));
    let Ok(_) = term.draw(|f| super::render(f, model));
    let seen = SEEN.with(|s| s.borrow_mut().take()).unwrap_or_default();
    let at = Position { x, y };
    if let Some(window) = seen.windows.last() {
        return if window.contains(at) {
            Hit::Window
        } else {
            Hit::Elsewhere
        };
    }
    let Some((pane, _)) = seen.panes.iter().find(|(_, r)| r.contains(at)) else {
        return Hit::Elsewhere;
    };
    let row = seen
        .rows
        .iter()
        .find(|(p, _, r)| p == pane && r.contains(at))
        .map(|(_, row, _)| *row);
    Hit::Pane { pane: *pane, row }
}
