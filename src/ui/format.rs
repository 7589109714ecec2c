//! Small pure helpers that turn values into the short strings the panes show.

use std::time::{Duration, SystemTime};

use crate::diagnose::{Finding, Severity};
use crate::sanitize::clean;

/// The spinner's frames; one frame per 100 ms of a probe's running time.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Eight levels of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A duration for a table cell: "0.3ms", "45ms", "1.25s", "12.0s", "2m05s".
pub fn format_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.1}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else if ms < 10_000.0 {
        format!("{:.2}s", ms / 1e3)
    } else if ms < 60_000.0 {
        format!("{:.1}s", ms / 1e3)
    } else {
        let s = d.as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// The spinner frame for a probe that has run for `elapsed` (deterministic: from the time).
pub fn spinner(elapsed: Duration) -> char {
    SPINNER[(elapsed.as_millis() / 100 % SPINNER.len() as u128) as usize]
}

/// A running probe's status cell: spinner and elapsed time, "⠹ 1.2s".
pub fn format_running(elapsed: Duration) -> String {
    format!("{} {:.1}s", spinner(elapsed), elapsed.as_secs_f64())
}

/// The last `width` values as a sparkline scaled from their minimum to their maximum.
/// All-equal values sit on the lowest bar.
pub fn format_sparkline(values: &[i64], width: usize) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let (Some(min), Some(max)) = (shown.iter().min(), shown.iter().max()) else {
        return String::new();
    };
    let span = (max - min) as f64;
    shown
        .iter()
        .map(|v| {
            if span == 0.0 {
                BARS[0]
            } else {
                let level = ((v - min) as f64 / span * (BARS.len() - 1) as f64).round();
                BARS[level as usize]
            }
        })
        .collect()
}

/// "1 error", "2 errors, 1 warning", or `None` without findings.
pub fn format_counts(findings: &[Finding]) -> Option<String> {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Info), "note", "notes"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A finding in a few words for the title line: the summary up to its first ": ", with the
/// first letter in lower case (unless it starts an acronym), after the target's name unless
/// the words already name it. Summaries can quote the network, so the text is cleaned.
pub fn format_headline(f: &Finding) -> String {
    let summary = clean(&f.summary);
    let head = summary.split(": ").next().unwrap_or(&summary);
    let head = uncapitalise(head);
    match &f.target {
        Some(t) if !head.contains(t.as_str()) => format!("{t}: {head}"),
        Some(_) => head,
        None => head,
    }
}

/// `s` with a lower-case first letter, unless the second letter is upper case too ("DNS").
pub fn uncapitalise(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

/// A wall-clock time in UTC, to the millisecond.
pub fn format_time(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// An NTP log2-seconds field: "2^-20 s (0.95 µs)", "2^6 s (64 s)".
pub fn format_log2(exp: i8) -> String {
    let secs = 2f64.powi(i32::from(exp));
    let human = if secs >= 1.0 {
        format!("{secs:.0} s")
    } else if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.2} µs", secs * 1e6)
    };
    format!("2^{exp} s ({human})")
}

/// The NTP leap indicator in words.
pub fn format_leap(leap: u8) -> &'static str {
    match leap {
        0 => "0 (no leap second pending)",
        1 => "1 (the last minute of today has 61 seconds)",
        2 => "2 (the last minute of today has 59 seconds)",
        _ => "3 (alarm: the server's clock is not synchronised)",
    }
}

/// `s` cut to `width` characters, with "…" when something was cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `s` padded with spaces (or cut) to exactly `width` characters.
pub fn pad(s: &str, width: usize) -> String {
    format!("{:<width$}", fit(s, width))
}

/// `s` word-wrapped into lines of at most `width` characters (a word longer than a line is
/// cut). Always at least one line.
pub fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let (cur_len, word_len) = (cur.chars().count(), word.chars().count());
        if cur_len > 0 && cur_len + 1 + word_len > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > width {
            let head: String = cur.chars().take(width).collect();
            cur = cur.chars().skip(width).collect();
            lines.push(head);
        }
    }
    lines.push(cur);
    lines
}

/// `s` word-wrapped to `width`, at most `max_lines` lines; when it is cut, the last line ends
/// with "…". Always at least one line.
pub fn wrap_clipped(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines = wrap_words(s, width);
    let max = max_lines.max(1);
    if lines.len() > max {
        // The next line's first word did not fit on this one, so the two together overflow
        // and `fit` marks the cut.
        let joined = format!("{} {}", lines[max - 1], lines[max]);
        lines.truncate(max);
        let cut = fit(&joined, width.max(1));
        lines[max - 1] = match cut.strip_suffix('…') {
            Some(head) => format!("{}…", head.trim_end()),
            None => cut,
        };
    }
    lines
}

/// The head of an alternative server's row: marked as standing in for the target above it.
pub fn format_alternative(host: &str) -> String {
    format!("↳ alternative: {}", clean(host))
}

/// Why an alternative server's row is empty, and how to try it (`fixes_key` opens the fixes of
/// the finding that offers it).
pub fn format_untried(fixes_key: Option<&str>) -> String {
    match fixes_key {
        Some(k) => format!("not tried ({k} on the finding to try it)"),
        None => "not tried (try it from the fixes of its finding)".to_string(),
    }
}
