//! The mouse as messages: the view says what is under the pointer ([`Hit`], from
//! `ui::mouse::hit`), and [`steps`] says what a click or the wheel does there, in the terms the
//! keys use, for `update` to carry out. Pure: a double click is two clicks on the same row
//! within [`DOUBLE_CLICK`], by the times the messages carry.

use std::time::{Duration, Instant};

use super::keys::Action;
use super::model::{Model, Overlay, Pane};

/// Two clicks on the same row within this time are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(400);
/// How many lines one wheel notch scrolls a window.
pub const WHEEL_LINES: u16 = 3;

/// What is under the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A pane, and the row of its list there (`None`: its title, border or empty space).
    Pane { pane: Pane, row: Option<usize> },
    /// The window on top (help, details, fixes, confirmation).
    Window,
    /// The title line, the footer, or the panes around a window.
    Elsewhere,
}

/// A mouse event the dashboard acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    /// The left button went down at `hit`.
    Click { hit: Hit, at: Instant },
    /// One notch of the wheel over `hit`.
    Wheel { hit: Hit, down: bool },
}

/// One thing a mouse event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Select `row` of `pane` (and focus it).
    Select(Pane, usize),
    /// What a key would do.
    Act(Action),
    /// Scroll the window's text by this many lines (negative: up).
    Scroll(i32),
}

/// What `mouse` does, given the model; notes a click for the next one's double-click test.
pub fn steps(model: &mut Model, mouse: Mouse) -> Vec<Step> {
    match mouse {
        Mouse::Click { hit, at } => {
            let double = model
                .last_click
                .is_some_and(|(h, t)| h == hit && at.saturating_duration_since(t) <= DOUBLE_CLICK);
            // A double click's second click does not start another.
            model.last_click = if double { None } else { Some((hit, at)) };
            click(model, hit, double)
        }
        Mouse::Wheel { hit, down } => wheel(model, hit, down),
    }
}

fn click(model: &Model, hit: Hit, double: bool) -> Vec<Step> {
    match (&model.overlay, hit) {
        // A question waits for y or n: clicks elsewhere must not dismiss it.
        (Some(Overlay::Confirm { .. }), _) | (Some(_), Hit::Window) | (None, Hit::Elsewhere) => {
            Vec::new()
        }
        // A click beside a window closes it, as Esc does.
        (Some(_), _) => vec![Step::Act(Action::Close)],
        (None, Hit::Pane { pane, row: None }) => vec![Step::Act(Action::Focus(pane))],
        (
            None,
            Hit::Pane {
                pane,
                row: Some(row),
            },
        ) => {
            let mut steps = vec![Step::Select(pane, row)];
            if double {
                steps.push(Step::Act(Action::Details));
            }
            steps
        }
        (None, Hit::Window) => Vec::new(),
    }
}

fn wheel(model: &Model, hit: Hit, down: bool) -> Vec<Step> {
    let lines = i32::from(WHEEL_LINES);
    let step = if down { Action::Down } else { Action::Up };
    match (&model.overlay, hit) {
        (Some(Overlay::Help | Overlay::Details(_) | Overlay::History), _) => {
            vec![Step::Scroll(if down { lines } else { -lines })]
        }
        (Some(Overlay::Fixes { .. }), _) => vec![Step::Act(step)],
        (Some(Overlay::Confirm { .. }), _) => Vec::new(),
        (None, Hit::Pane { pane, .. }) => vec![Step::Act(Action::Focus(pane)), Step::Act(step)],
        (None, _) => Vec::new(),
    }
}
