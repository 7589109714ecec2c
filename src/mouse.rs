//! The mouse in the real terminal: capture turned on for the dashboard (unless `--no-mouse`)
//! and always turned off again, and crossterm's mouse events turned into [`Msg::Mouse`] with
//! what the view has under the pointer.

use std::io::{self, Write};
use std::time::Instant;

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use crate::app::Model;
use crate::app::Msg;
use crate::app::mouse::Mouse;

/// Mouse capture while it lives: dropped on every way out of the dashboard (a panic unwinds
/// through it too), so the terminal's own selection comes back.
pub struct Capture {
    on: bool,
}

impl Capture {
    /// Turns capture on when `wanted`.
    pub fn start(wanted: bool) -> io::Result<Self> {
        if wanted {
            crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
        }
        Ok(Capture { on: wanted })
    }

    /// Gives the mouse back to the terminal for a while (a fix command runs in it).
    pub fn suspend(&self) {
        if self.on {
            let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
        }
    }

    /// Takes it again after [`Capture::suspend`].
    pub fn resume(&self) {
        if self.on {
            let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.suspend();
        let _ = io::stdout().flush();
    }
}

/// The message for `event` on a `width` x `height` screen showing `model`; `None` for what the
/// dashboard ignores (moves, drags, releases, other buttons).
pub fn message(
    model: &Model,
    width: u16,
    height: u16,
    event: MouseEvent,
    at: Instant,
) -> Option<Msg> {
    let hit = || crate::ui::mouse::hit(model, width, height, event.column, event.row);
    let mouse = match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Mouse::Click { hit: hit(), at },
        MouseEventKind::ScrollDown => Mouse::Wheel {
            hit: hit(),
            down: true,
        },
        MouseEventKind::ScrollUp => Mouse::Wheel {
            hit: hit(),
            down: false,
        },
        _ => return None,
    };
    Some(Msg::Mouse(mouse))
}
