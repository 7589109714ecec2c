//! Keys are data: each binding maps keys to an [`Action`] once, and the footer and the help
//! screen are generated from these tables, so they cannot disagree with what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::{Model, Overlay, Pane};

/// Which window has the keys: each binding lists the modes it works in, so a window's own
/// keys and the fix keys can never be caught by another binding first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The panes.
    Main,
    /// The help or details window.
    Window,
    /// The fixes of a finding: besides these bindings, each fix's own key picks it.
    Fixes,
    /// A command waiting for y/n.
    Confirm,
}

impl Mode {
    /// The mode of what is on screen.
    pub fn of(overlay: Option<&Overlay>) -> Mode {
        match overlay {
            None => Mode::Main,
            Some(Overlay::Help | Overlay::Details(_) | Overlay::History) => Mode::Window,
            Some(Overlay::Fixes { .. }) => Mode::Fixes,
            Some(Overlay::Confirm { .. }) => Mode::Confirm,
        }
    }
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NextPane,
    PrevPane,
    Focus(Pane),
    Up,
    Down,
    Details,
    /// A page up or down: the selection in a pane, the text in a window.
    PageUp,
    PageDown,
    /// The first or the last row (or the top or the end of a window's text).
    Home,
    End,
    Close,
    Retry,
    RetryAll,
    Fixes,
    /// Pick the highlighted fix.
    Choose,
    Copy,
    Export,
    Pause,
    Help,
    /// The window of what ran in this session and what it changed.
    History,
    /// Run the command waiting for confirmation.
    Yes,
    /// Do not run it: back to the fixes.
    No,
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
    Home,
    End,
    Enter,
    Esc,
    CtrlC,
    /// A function key, F1 to F12.
    F(u8),
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match (self, ev.code) {
            (Key::CtrlC, KeyCode::Char('c' | 'C')) => ctrl,
            (Key::Char(a), KeyCode::Char(b)) => a == b && !ctrl,
            (Key::F(a), KeyCode::F(b)) => a == b,
            (Key::Tab, KeyCode::Tab) => !ev.modifiers.contains(KeyModifiers::SHIFT),
            (Key::BackTab, KeyCode::BackTab) => true,
            (Key::BackTab, KeyCode::Tab) => ev.modifiers.contains(KeyModifiers::SHIFT),
            (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::PageUp, KeyCode::PageUp)
            | (Key::PageDown, KeyCode::PageDown)
            | (Key::Home, KeyCode::Home)
            | (Key::End, KeyCode::End)
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
    /// Where the keys do this.
    pub modes: &'static [Mode],
    /// What it does, for the help screen.
    pub help: &'static str,
    /// A short word for the footer, or "" to leave it out of the footer.
    pub hint: &'static str,
}

const MAIN: &[Mode] = &[Mode::Main];
const PANES_AND_WINDOWS: &[Mode] = &[Mode::Main, Mode::Window];
const LISTS: &[Mode] = &[Mode::Main, Mode::Window, Mode::Fixes];
const WINDOW: &[Mode] = &[Mode::Window];
const FIXES: &[Mode] = &[Mode::Fixes];
const CONFIRM: &[Mode] = &[Mode::Confirm];
const ALL: &[Mode] = &[Mode::Main, Mode::Window, Mode::Fixes, Mode::Confirm];

const fn b(
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    modes: &'static [Mode],
    help: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        modes,
        help,
        hint,
    }
}

/// The one key map, every mode's keys. A key may have a row per mode where it does or says
/// something else; the footer shows a mode's hints in this order.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    b(&[Key::Tab], "Tab", Action::NextPane, MAIN, "next pane", "pane"),
    b(&[Key::BackTab], "S-Tab", Action::PrevPane, MAIN, "previous pane", ""),
    b(&[Key::Char('1')], "1", Action::Focus(Pane::Clock), MAIN, "Clock pane", ""),
    b(&[Key::Char('2')], "2", Action::Focus(Pane::Handshakes), MAIN, "Handshakes pane", ""),
    b(&[Key::Char('3')], "3", Action::Focus(Pane::Reach), MAIN, "Reachability pane", ""),
    b(&[Key::Char('4')], "4", Action::Focus(Pane::Findings), MAIN, "Findings pane", ""),
    b(&[Key::Char('5')], "5", Action::Focus(Pane::Machine), MAIN, "This machine pane", ""),
    b(&[Key::Esc], "Esc", Action::Close, WINDOW, "close the window on top", "close"),
    b(&[Key::Up, Key::Char('k')], "↑/k", Action::Up, LISTS, "select the row above", ""),
    b(&[Key::Down, Key::Char('j')], "↓/j", Action::Down, &[Mode::Main, Mode::Fixes], "select the row below", "select"),
    b(&[Key::Down, Key::Char('j')], "↓/j", Action::Down, WINDOW, "select the row below (its details follow)", "move"),
    b(&[Key::Enter], "Enter", Action::Details, MAIN, "details of the selected row (reply, timings, evidence)", "details"),
    b(&[Key::Enter], "Enter", Action::Details, WINDOW, "close the details", ""),
    b(&[Key::Enter], "Enter/key", Action::Choose, FIXES, "run the highlighted fix, or the one whose key is pressed (a command asks first)", "run (asks first)"),
    b(&[Key::PageUp], "PgUp", Action::PageUp, MAIN, "select a page of rows up", ""),
    b(&[Key::PageDown], "PgDn", Action::PageDown, MAIN, "select a page of rows down", ""),
    b(&[Key::Home], "Home", Action::Home, MAIN, "select the first row", ""),
    b(&[Key::End], "End", Action::End, MAIN, "select the last row", ""),
    b(&[Key::PageUp], "PgUp", Action::PageUp, WINDOW, "scroll the window up a page", "page up"),
    b(&[Key::PageDown], "PgDn", Action::PageDown, WINDOW, "scroll the window down a page", "page down"),
    b(&[Key::Home], "Home", Action::Home, WINDOW, "the top of the window's text", ""),
    b(&[Key::End], "End", Action::End, WINDOW, "the end of the window's text", ""),
    b(&[Key::Char('r')], "r", Action::Retry, PANES_AND_WINDOWS, "re-run the selected check", "retry"),
    b(&[Key::Char('R')], "R", Action::RetryAll, MAIN, "re-run every check", "all"),
    b(&[Key::Char('f')], "f", Action::Fixes, MAIN, "fixes for the selected row's finding", "fixes"),
    b(&[Key::Char('h')], "h", Action::History, MAIN, "what ran in this session and what it changed", "history"),
    b(&[Key::Char('y'), Key::Char('Y')], "y", Action::Yes, CONFIRM, "run the command", "run it"),
    b(&[Key::Char('n'), Key::Char('N'), Key::Esc], "n/Esc", Action::No, CONFIRM, "do not run it", "cancel"),
    b(&[Key::Char('c')], "c", Action::Copy, MAIN, "copy the selected finding's fix command (OSC 52)", ""),
    b(&[Key::Char('c')], "c", Action::Copy, &[Mode::Fixes, Mode::Confirm], "copy the fix's command (OSC 52)", "copy command"),
    b(&[Key::Esc], "Esc", Action::Close, FIXES, "close the fixes", "close"),
    b(&[Key::Char('e')], "e", Action::Export, MAIN, "write a support bundle (tar.gz) to the current directory", ""),
    b(&[Key::Char('p')], "p", Action::Pause, MAIN, "pause or resume live clock sampling", "pause"),
    b(&[Key::Char('?')], "?", Action::Help, MAIN, "this help", "help"),
    b(&[Key::F(1)], "F1", Action::Help, MAIN, "this help, as ?", ""),
    b(&[Key::Char('?'), Key::F(1)], "?", Action::Help, WINDOW, "close the help", ""),
    b(&[Key::Char('q'), Key::CtrlC], "q/C-c", Action::Quit, ALL, "quit", "quit"),
];

/// The action of a key press in `mode`, if any.
pub fn action_for(mode: Mode, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.action)
}

/// Whether `ch` is taken by a binding in `mode`: a fix's own key must not be, or it could
/// never be pressed in the fixes window.
pub fn reserved(mode: Mode, ch: char) -> bool {
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .any(|b| b.keys.contains(&Key::Char(ch)))
}

/// The bindings of `mode`, in table order.
pub fn bindings(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.modes.contains(&mode))
}

/// The label of the key that triggers `action` in `mode`.
pub fn label(mode: Mode, action: Action) -> Option<&'static str> {
    bindings(mode).find(|b| b.action == action).map(|b| b.label)
}

/// The footer hints a narrow footer leaves out first (the help lists every key).
pub const OPTIONAL_HINTS: &[Action] = &[
    Action::Pause,
    Action::NextPane,
    Action::RetryAll,
    Action::History,
    Action::Down,
];

/// The footer hints for what is on screen now, in table order, and whether each may be left
/// out when the footer is narrow.
pub fn hints(model: &Model) -> Vec<(&'static str, &'static str, bool)> {
    bindings(Mode::of(model.overlay.as_ref()))
        .filter(|b| !b.hint.is_empty())
        .map(|b| (b.label, b.hint, OPTIONAL_HINTS.contains(&b.action)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_map_to_actions() {
        let main = |code, m| action_for(Mode::Main, &key(code, m));
        assert_eq!(
            main(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Action::Quit)
        );
        assert_eq!(
            main(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(
            main(KeyCode::Char('c'), KeyModifiers::NONE),
            Some(Action::Copy)
        );
        assert_eq!(
            main(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::PrevPane)
        );
        assert_eq!(
            main(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::Down)
        );
        assert_eq!(
            main(KeyCode::Char('3'), KeyModifiers::NONE),
            Some(Action::Focus(Pane::Reach))
        );
        assert_eq!(main(KeyCode::Char('x'), KeyModifiers::NONE), None);
        assert_eq!(main(KeyCode::Char('y'), KeyModifiers::NONE), None);
        let confirm = |code, m| action_for(Mode::Confirm, &key(code, m));
        assert_eq!(
            confirm(KeyCode::Char('y'), KeyModifiers::NONE),
            Some(Action::Yes)
        );
        assert_eq!(confirm(KeyCode::Esc, KeyModifiers::NONE), Some(Action::No));
        assert_eq!(
            confirm(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit),
            "Ctrl-C quits from every window, before c copies"
        );
        assert_eq!(
            action_for(Mode::Fixes, &key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Choose)
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for mode in [Mode::Main, Mode::Window, Mode::Fixes, Mode::Confirm] {
            let all: Vec<Key> = bindings(mode)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, k) in all.iter().enumerate() {
                assert!(
                    !all[i + 1..].contains(k),
                    "{k:?} is bound twice in {mode:?}"
                );
            }
        }
    }

    #[test]
    fn the_fixes_window_reserves_its_own_keys() {
        for ch in ['j', 'k', 'c', 'q'] {
            assert!(reserved(Mode::Fixes, ch), "{ch}");
        }
        for ch in ['r', 't', 's', '1'] {
            assert!(!reserved(Mode::Fixes, ch), "{ch}");
        }
    }
}
