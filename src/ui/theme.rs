//! Styles. Meaning never rests on colour alone (symbols, words, thick borders and reverse video
//! carry it), so with colour off (`NO_COLOR`, `--no-color`) every style keeps only its
//! modifiers.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;

use crate::diagnose::Severity;

/// The styles of one frame.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    fn paint(self, fg: Color, modifier: Modifier) -> Style {
        let style = Style::new().add_modifier(modifier);
        if self.color { style.fg(fg) } else { style }
    }

    /// A pane's border: thick and bright when it has the focus.
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.paint(Color::Cyan, Modifier::BOLD)
        } else {
            self.paint(Color::DarkGray, Modifier::empty())
        }
    }

    pub fn border_type(focused: bool) -> BorderType {
        if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        }
    }

    /// Pane and window titles.
    pub fn title(self) -> Style {
        self.paint(Color::White, Modifier::BOLD)
    }

    /// The selected row of the focused pane.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Column headings and labels.
    pub fn heading(self) -> Style {
        self.paint(Color::Gray, Modifier::BOLD)
    }

    /// Secondary text: timings, stale values, explanations.
    pub fn dim(self) -> Style {
        self.paint(Color::DarkGray, Modifier::empty())
    }

    pub fn ok(self) -> Style {
        self.paint(Color::Green, Modifier::empty())
    }

    pub fn warning(self) -> Style {
        self.paint(Color::Yellow, Modifier::empty())
    }

    pub fn error(self) -> Style {
        self.paint(Color::Red, Modifier::BOLD)
    }

    /// A check that is running now.
    pub fn running(self) -> Style {
        self.paint(Color::Cyan, Modifier::empty())
    }

    /// Keys in hints and windows.
    pub fn key(self) -> Style {
        self.paint(Color::Cyan, Modifier::BOLD)
    }

    /// A command that will run.
    pub fn command(self) -> Style {
        self.paint(Color::LightYellow, Modifier::BOLD)
    }

    pub fn severity(self, s: Severity) -> Style {
        match s {
            Severity::Error => self.error(),
            Severity::Warning => self.warning(),
            Severity::Info => self.paint(Color::Blue, Modifier::empty()),
        }
    }

    /// The footer's transient message.
    pub fn flash(self) -> Style {
        self.paint(Color::LightYellow, Modifier::BOLD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::new(false);
        for s in [
            t.border(true),
            t.border(false),
            t.title(),
            t.selected(),
            t.dim(),
            t.ok(),
            t.error(),
            t.severity(Severity::Warning),
            t.command(),
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
        assert!(Theme::new(true).error().fg.is_some());
    }
}
