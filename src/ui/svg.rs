//! A drawn screen as an SVG image: each cell's character in a monospace font, with its
//! colours and its bold, dim, italic, underlined and reversed modifiers. For the screenshots
//! (`cargo run --example screenshots`), which render through [`super::render`] into a
//! `TestBackend` and save its buffer; GitHub shows an SVG in a README as an image.
//!
//! Runs of cells with the same style are one `<text>` each, stretched to exactly their cells
//! (`textLength`), so the columns line up whatever monospace font the viewer picks.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

/// The width and height of a cell, in pixels, at [`FONT_SIZE`].
const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const FONT_SIZE: f32 = 14.0;
/// How far below a cell's top its text's baseline sits.
const BASELINE: f32 = 13.0;
/// The terminal's own colours, for cells that keep them (`Color::Reset`): a dark terminal's
/// and a light one's (text, background).
const DARK: (&str, &str) = ("#d4d4d4", "#1c1c1c");
const LIGHT: (&str, &str) = ("#1c1c1c", "#ffffff");

/// `buffer` as a standalone SVG document, on a dark terminal.
pub fn render(buffer: &Buffer) -> String {
    render_on(buffer, false)
}

/// `buffer` as a standalone SVG document, on a light terminal when `light`.
pub fn render_on(buffer: &Buffer, light: bool) -> String {
    let (default_fg, default_bg) = if light { LIGHT } else { DARK };
    let area = buffer.area;
    let (w, h) = (
        f32::from(area.width) * CELL_W,
        f32::from(area.height) * CELL_H,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.1}\" height=\"{h:.1}\" \
         viewBox=\"0 0 {w:.1} {h:.1}\" font-family=\"'DejaVu Sans Mono', Menlo, Consolas, \
         'Liberation Mono', monospace\" font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"{default_bg}\"/>"
    );
    for y in 0..area.height {
        let row: Vec<&Cell> = (0..area.width)
            .map(|x| &buffer[(area.x + x, area.y + y)])
            .collect();
        for run in runs(&row) {
            let look = Look::of(row[run.start], default_fg, default_bg);
            let x = run.start as f32 * CELL_W;
            let top = f32::from(y) * CELL_H;
            let width = run.len() as f32 * CELL_W;
            if let Some(bg) = &look.bg {
                let _ = writeln!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{CELL_H:.1}\" fill=\"{bg}\"/>"
                );
            }
            let text: String = row[run.clone()].iter().map(|c| c.symbol()).collect();
            if text.trim().is_empty() && !look.modifier.contains(Modifier::UNDERLINED) {
                continue;
            }
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" textLength=\"{width:.1}\" \
                 lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" fill=\"{}\"{}>{}</text>",
                top + BASELINE,
                look.fg,
                look.attributes(),
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The cells of `row` split where the style changes.
fn runs(row: &[&Cell]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for x in 1..=row.len() {
        let same = x < row.len()
            && row[x].fg == row[start].fg
            && row[x].bg == row[start].bg
            && row[x].modifier == row[start].modifier;
        if !same {
            runs.push(start..x);
            start = x;
        }
    }
    runs
}

/// How a cell looks: its colours (reverse video applied) and its text attributes.
struct Look {
    fg: String,
    /// `None`: the terminal's background, drawn once behind everything.
    bg: Option<String>,
    modifier: Modifier,
}

impl Look {
    fn of(cell: &Cell, default_fg: &str, default_bg: &str) -> Self {
        let m = cell.modifier;
        let (fg, bg) = if m.contains(Modifier::REVERSED) {
            (
                hex(cell.bg).unwrap_or_else(|| default_bg.to_string()),
                Some(hex(cell.fg).unwrap_or_else(|| default_fg.to_string())),
            )
        } else {
            (
                hex(cell.fg).unwrap_or_else(|| default_fg.to_string()),
                hex(cell.bg),
            )
        };
        Look {
            fg,
            bg,
            modifier: m,
        }
    }

    fn attributes(&self) -> String {
        [
            (Modifier::BOLD, " font-weight=\"bold\""),
            (Modifier::DIM, " opacity=\"0.6\""),
            (Modifier::ITALIC, " font-style=\"italic\""),
            (Modifier::UNDERLINED, " text-decoration=\"underline\""),
        ]
        .iter()
        .filter(|(m, _)| self.modifier.contains(*m))
        .map(|(_, a)| *a)
        .collect()
    }
}

/// A colour as `#rrggbb` (xterm's palette for the named and indexed ones); `None` for the
/// terminal's own colour.
pub(crate) fn hex(color: Color) -> Option<String> {
    let (r, g, b) = match color {
        Color::Reset => return None,
        Color::Black => (0x00, 0x00, 0x00),
        Color::Red => (0xcd, 0x31, 0x31),
        Color::Green => (0x0d, 0xbc, 0x79),
        Color::Yellow => (0xe5, 0xe5, 0x10),
        Color::Blue => (0x24, 0x72, 0xc8),
        Color::Magenta => (0xbc, 0x3f, 0xbc),
        Color::Cyan => (0x11, 0xa8, 0xcd),
        Color::Gray => (0xcc, 0xcc, 0xcc),
        Color::DarkGray => (0x76, 0x76, 0x76),
        Color::LightRed => (0xf1, 0x4c, 0x4c),
        Color::LightGreen => (0x23, 0xd1, 0x8b),
        Color::LightYellow => (0xf5, 0xf5, 0x43),
        Color::LightBlue => (0x3b, 0x8e, 0xea),
        Color::LightMagenta => (0xd6, 0x70, 0xd6),
        Color::LightCyan => (0x29, 0xb8, 0xdb),
        Color::White => (0xf2, 0xf2, 0xf2),
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed(i),
    };
    Some(format!("#{r:02x}{g:02x}{b:02x}"))
}

/// xterm's 256-colour palette: 16 named colours, a 6x6x6 cube, 24 greys.
fn indexed(i: u8) -> (u8, u8, u8) {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match i {
        0..=15 => {
            let h = hex(NAMED[usize::from(i)]).unwrap_or_default();
            let c = |n: usize| u8::from_str_radix(&h[n..n + 2], 16).unwrap_or(0);
            (c(1), c(3), c(5))
        }
        16..=231 => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
            let n = i - 16;
            (level(n / 36), level(n / 6 % 6), level(n % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

/// Text for an XML text node.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_runs_of_text_with_their_colours() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
        buf.set_string(0, 0, "ok", Style::new().fg(Color::Green));
        buf.set_string(2, 0, " <a&b>", Style::new());
        buf.set_string(0, 1, "sel", Style::new().add_modifier(Modifier::REVERSED));
        let svg = render(&buf);
        assert!(svg.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"84.0\" height=\"34.0\""
        ));
        assert!(svg.ends_with("</svg>\n"));
        // Green "ok" over two cells, then the rest of the row in the default colours, escaped.
        assert!(svg.contains("textLength=\"16.8\" lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" fill=\"#0dbc79\">ok</text>"), "{svg}");
        assert!(
            svg.contains("fill=\"#d4d4d4\"> &lt;a&amp;b&gt;  </text>"),
            "{svg}"
        );
        // Reverse video: a light box behind dark text.
        assert!(
            svg.contains(
                "<rect x=\"0.0\" y=\"17.0\" width=\"25.2\" height=\"17.0\" fill=\"#d4d4d4\"/>"
            ),
            "{svg}"
        );
        assert!(svg.contains("fill=\"#1c1c1c\">sel</text>"), "{svg}");
        // Blank runs draw nothing.
        assert_eq!(svg.matches("<text").count(), 3, "{svg}");
    }

    #[test]
    fn indexed_colours_follow_xterm() {
        assert_eq!(indexed(1), (0xcd, 0x31, 0x31));
        assert_eq!(indexed(16), (0, 0, 0));
        assert_eq!(indexed(231), (255, 255, 255));
        assert_eq!(indexed(196), (255, 0, 0));
        assert_eq!(indexed(232), (8, 8, 8));
        assert_eq!(hex(Color::Indexed(21)).as_deref(), Some("#0000ff"));
    }

    #[test]
    fn control_characters_never_reach_the_document() {
        assert_eq!(escape("a\x1b[2J\u{7}"), "a\u{fffd}[2J\u{fffd}");
    }
}
