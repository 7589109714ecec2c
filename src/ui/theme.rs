//! Styles. Meaning never rests on colour alone (symbols, words, thick borders and reverse video
//! carry it), so with colour off (`NO_COLOR`, `--no-color`) every style keeps only its
//! modifiers.
//!
//! Titles are bold in the terminal's own text colour, and the selected row has its own
//! background, so both read on any background. The other colours come in two sets: the dark
//! background's, and the light one's (`--theme light`, or `COLORFGBG` naming a light
//! background), where yellow, light yellow, cyan and green — faint on white — become darker
//! colours of the 256-colour palette.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;

use crate::diagnose::Severity;

/// The styles of one frame.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
    light: bool,
}

impl Theme {
    /// The dark background's styles (or none, without colour).
    pub fn new(color: bool) -> Self {
        Theme {
            color,
            light: false,
        }
    }

    /// The styles for the session's terminal: colour or not, light background or dark.
    pub fn of(env: &crate::app::Env) -> Self {
        Theme {
            color: env.color,
            light: env.light,
        }
    }

    fn paint(self, fg: Color, modifier: Modifier) -> Style {
        let style = Style::new().add_modifier(modifier);
        match (self.color, self.light) {
            (false, _) => style,
            (true, false) => style.fg(fg),
            (true, true) => match on_light(fg) {
                Color::Reset => style,
                c => style.fg(c),
            },
        }
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

    /// Pane and window titles: bold in the terminal's own colour, readable on any background.
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
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

/// A colour of the dark set as the light background shows it: the ones faint on white become
/// darker ones (xterm's 256 colours), light grey becomes the terminal's own text colour.
fn on_light(c: Color) -> Color {
    match c {
        Color::Yellow => Color::Indexed(130),
        Color::LightYellow => Color::Indexed(90),
        Color::Cyan | Color::LightCyan => Color::Indexed(31),
        Color::Green | Color::LightGreen => Color::Indexed(28),
        Color::Gray | Color::White => Color::Reset,
        other => other,
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

    /// WCAG's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let lum = |h: &str| {
            let c = |i: usize| {
                let v = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()) / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Every coloured text style reads on its background (xterm's colours, as the screenshots
    /// draw them): a contrast of 3 or more, or the terminal's own colour.
    #[test]
    fn every_style_reads_on_its_background() {
        for (light, bg) in [(false, "#1c1c1c"), (true, "#ffffff")] {
            let t = Theme { color: true, light };
            for (name, s) in [
                ("title", t.title()),
                ("heading", t.heading()),
                ("dim", t.dim()),
                ("ok", t.ok()),
                ("warning", t.warning()),
                ("error", t.error()),
                ("running", t.running()),
                ("key", t.key()),
                ("command", t.command()),
                ("flash", t.flash()),
                ("info", t.severity(Severity::Info)),
                ("border", t.border(true)),
            ] {
                let Some(fg) = s.fg.and_then(crate::ui::svg::hex) else {
                    continue;
                };
                let c = contrast(&fg, bg);
                assert!(c >= 3.0, "{name} {fg} on {bg}: contrast {c:.2}");
            }
            // The selected row: white on its own blue, whatever the terminal's background.
            let sel = t.selected();
            assert_eq!((sel.fg, sel.bg), (Some(Color::White), Some(Color::Blue)));
        }
        assert_eq!(Theme::new(true).title().fg, None);
    }
}
