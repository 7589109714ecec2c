//! What goes into `update` and what comes out of it.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use crossterm::event::KeyEvent;

use crate::probe::{ProbeEvent, ProbeId};

/// An input to [`crate::app::update()`].
#[derive(Debug, Clone)]
pub enum Msg {
    /// Time passes: the monotonic and the local wall clock, read by the runtime.
    Tick { now: Instant, wall: SystemTime },
    /// A key press.
    Key(KeyEvent),
    /// A click or a wheel notch, with what is under the pointer.
    Mouse(super::mouse::Mouse),
    /// A probe finished; `at` is when the runtime received it.
    Probe { event: Box<ProbeEvent>, at: Instant },
    /// A fix command ran: its exit status or why it could not start.
    FixFinished {
        run: FixRun,
        result: Result<i32, String>,
    },
    /// The report was written (or not): the JSON file, then the text file.
    Exported(Result<PathBuf, String>),
    /// The clipboard copy was sent to the terminal.
    Copied(String),
}

/// A fix command the user confirmed: a fixed argument vector chosen by the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixRun {
    pub label: String,
    pub argv: Vec<String>,
    /// The checks to run again afterwards.
    pub rerun: Vec<ProbeId>,
}

/// Something for the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start a probe (the model has already marked it running).
    Start(ProbeId),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Suspend the TUI, run the command in the real terminal, come back.
    RunFix(FixRun),
    /// Write the report to a file.
    Export,
    Quit,
}
