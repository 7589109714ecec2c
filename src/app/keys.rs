//! Keys are data: each binding maps keys to an [`Action`] once, and the footer and the help
//! screen are generated from these tables, so they cannot disagree with what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::{Model, Overlay, Pane};

/// What a key asks for on the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NextPane,
    PrevPane,
    Focus(Pane),
    Up,
    Down,
    Details,
    /// Scroll the help or details window by a page.
    PageUp,
    PageDown,
    Close,
    Retry,
    RetryAll,
    Fixes,
    Copy,
    Export,
    Pause,
    Help,
    Quit,
}

/// A key as the tables name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Tab,
    BackTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Enter,
    Esc,
    CtrlC,
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match (self, ev.code) {
            (Key::CtrlC, KeyCode::Char('c' | 'C')) => ctrl,
            (Key::Char(a), KeyCode::Char(b)) => a == b && !ctrl,
            (Key::Tab, KeyCode::Tab) => !ev.modifiers.contains(KeyModifiers::SHIFT),
            (Key::BackTab, KeyCode::BackTab) => true,
            (Key::BackTab, KeyCode::Tab) => ev.modifiers.contains(KeyModifiers::SHIFT),
            (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::PageUp, KeyCode::PageUp)
            | (Key::PageDown, KeyCode::PageDown)
            | (Key::Enter, KeyCode::Enter)
            | (Key::Esc, KeyCode::Esc) => true,
            _ => false,
        }
    }
}

/// One line of the key map.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are written for people.
    pub label: &'static str,
    pub action: Action,
    /// What it does, for the help screen.
    pub help: &'static str,
    /// A short word for the footer, or "" to leave it out of the footer.
    pub hint: &'static str,
}

const fn b(
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        help,
        hint,
    }
}

/// The main screen's key map.
pub const BINDINGS: &[Binding] = &[
    b(&[Key::Tab], "Tab", Action::NextPane, "next pane", "pane"),
    b(
        &[Key::BackTab],
        "S-Tab",
        Action::PrevPane,
        "previous pane",
        "",
    ),
    b(
        &[Key::Char('1')],
        "1",
        Action::Focus(Pane::Clock),
        "Clock pane",
        "",
    ),
    b(
        &[Key::Char('2')],
        "2",
        Action::Focus(Pane::Handshakes),
        "Handshakes pane",
        "",
    ),
    b(
        &[Key::Char('3')],
        "3",
        Action::Focus(Pane::Reach),
        "Reachability pane",
        "",
    ),
    b(
        &[Key::Char('4')],
        "4",
        Action::Focus(Pane::Findings),
        "Findings pane",
        "",
    ),
    b(
        &[Key::Up, Key::Char('k')],
        "↑/k",
        Action::Up,
        "select the row above",
        "",
    ),
    b(
        &[Key::Down, Key::Char('j')],
        "↓/j",
        Action::Down,
        "select the row below",
        "select",
    ),
    b(
        &[Key::Enter],
        "Enter",
        Action::Details,
        "details of the selected row (reply, timings, evidence)",
        "details",
    ),
    b(
        &[Key::PageUp],
        "PgUp",
        Action::PageUp,
        "scroll the help or details window up a page",
        "",
    ),
    b(
        &[Key::PageDown],
        "PgDn",
        Action::PageDown,
        "scroll the help or details window down a page",
        "",
    ),
    b(
        &[Key::Esc],
        "Esc",
        Action::Close,
        "close the window on top",
        "",
    ),
    b(
        &[Key::Char('r')],
        "r",
        Action::Retry,
        "re-run the selected check",
        "retry",
    ),
    b(
        &[Key::Char('R')],
        "R",
        Action::RetryAll,
        "re-run every check",
        "all",
    ),
    b(
        &[Key::Char('f')],
        "f",
        Action::Fixes,
        "fixes for the selected finding",
        "fixes",
    ),
    b(
        &[Key::Char('c')],
        "c",
        Action::Copy,
        "copy the selected finding's fix command (OSC 52)",
        "",
    ),
    b(
        &[Key::Char('e')],
        "e",
        Action::Export,
        "export the report (JSON and text) to the current directory",
        "",
    ),
    b(
        &[Key::Char('p')],
        "p",
        Action::Pause,
        "pause or resume live clock sampling",
        "pause",
    ),
    b(&[Key::Char('?')], "?", Action::Help, "this help", "help"),
    b(
        &[Key::Char('q'), Key::CtrlC],
        "q/C-c",
        Action::Quit,
        "quit",
        "quit",
    ),
];

/// Keys inside the fixes window: (label, what it does).
pub const FIXES_KEYS: &[(&str, &str)] = &[
    ("↑↓", "select"),
    ("Enter/key", "run (asks first)"),
    ("c", "copy command"),
    ("Esc", "close"),
];

/// Keys when a command waits for confirmation.
pub const CONFIRM_KEYS: &[(&str, &str)] =
    &[("y", "run it"), ("n/Esc", "cancel"), ("c", "copy command")];

/// Keys in the help and details windows.
pub const CLOSE_KEYS: &[(&str, &str)] = &[
    ("Esc", "close"),
    ("↑↓", "move"),
    ("r", "retry"),
    ("q", "quit"),
];

/// The footer words for the keys that scroll the help and details windows, whose labels come
/// from the key map.
const SCROLL_HINTS: &[(Action, &str)] =
    &[(Action::PageUp, "page up"), (Action::PageDown, "page down")];

/// The main-screen action for a key press, if any.
pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.action)
}

/// The footer hints for what is on screen now.
pub fn hints(model: &Model) -> Vec<(&'static str, &'static str)> {
    match model.overlay {
        Some(Overlay::Fixes { .. }) => FIXES_KEYS.to_vec(),
        Some(Overlay::Confirm { .. }) => CONFIRM_KEYS.to_vec(),
        Some(Overlay::Help | Overlay::Details(_)) => {
            let scroll = SCROLL_HINTS.iter().filter_map(|(action, word)| {
                BINDINGS
                    .iter()
                    .find(|b| b.action == *action)
                    .map(|b| (b.label, *word))
            });
            let mut keys = CLOSE_KEYS.to_vec();
            keys.splice(2..2, scroll);
            keys
        }
        None => BINDINGS
            .iter()
            .filter(|b| !b.hint.is_empty())
            .map(|b| (b.label, b.hint))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(
            action_for(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(Action::Copy)
        );
        assert_eq!(
            action_for(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::Focus(Pane::Reach))
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn every_key_is_bound_once() {
        let all: Vec<Key> = BINDINGS
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }
}
