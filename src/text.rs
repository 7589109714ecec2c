//! Prose helpers at the bottom of the crate: every layer may use them, they use nothing of
//! the crate. Sanitising untrusted text, durations in words, byte previews, shell quoting.

use std::fmt::Write as _;
use std::time::Duration;

/// `s` without control characters; tabs and newlines become spaces. Text from the network is
/// untrusted: it goes through here once, where it enters (the probes, the config loader).
pub fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            // Bidirectional overrides can make text read differently from what it is.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect()
}

/// A duration in words for people: "3 h 0 m 0.2 s", "1 m 30.0 s", "12.3 ms", "2 d 4 h".
/// Rounded to a tenth before the unit is chosen, so 59.99 s reads "1 m 0.0 s".
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 86_400 {
        return format!("{} d {} h", secs / 86_400, (secs / 3600) % 24);
    }
    let tenth_s = (d.as_micros() + 50_000) / 100_000;
    let (s, t) = ((tenth_s / 10) % 60, tenth_s % 10);
    if tenth_s >= 36_000 {
        format!(
            "{} h {} m {s}.{t} s",
            tenth_s / 36_000,
            (tenth_s / 600) % 60
        )
    } else if tenth_s >= 600 {
        format!("{} m {s}.{t} s", tenth_s / 600)
    } else if tenth_s >= 10 {
        format!("{}.{t} s", tenth_s / 10)
    } else {
        let tenth_ms = (d.as_nanos() + 50_000) / 100_000;
        format!("{}.{} ms", tenth_ms / 10, tenth_ms % 10)
    }
}

/// Bytes as text for people: printable ASCII as is, the rest as `\xNN` (the backslash and
/// the double quote too, so the text reads back to exactly these bytes inside quotes). The one
/// place server bytes are escaped: callers quote the result, they never escape it again.
pub fn show_bytes(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if (b == b' ' || b.is_ascii_graphic()) && b != b'\\' && b != b'"' {
            s.push(b as char);
        } else {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

/// Bytes in double quotes, escaped once by [`show_bytes`]: `"HTTP/1.1 200\x0d\x0a"`.
pub fn quote_bytes(bytes: &[u8]) -> String {
    format!("\"{}\"", show_bytes(bytes))
}

/// Text as the user or a peer wrote it, in double quotes, with every character that could
/// act on a terminal or read differently escaped instead of dropped (so the quote still
/// matches the file): `"\x1b[2J"`, `"a\"b"`, `"\u{202e}"`. For quoting bad values back.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `argv` as one line a user can paste into a POSIX shell.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `s` with an upper-case first letter.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// `s` with a lower-case first letter, unless its first word has another upper-case letter:
/// an acronym ("DNS") or a name written in mixed case ("OpenVPN", "NordLynx", "WireGuard").
pub fn uncapitalise(s: &str) -> String {
    let mut chars = s.chars();
    let first_word = s
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    match chars.next() {
        Some(a) if a.is_uppercase() && !first_word.chars().skip(1).any(char::is_uppercase) => {
            a.to_lowercase().chain(chars).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncapitalise_keeps_acronyms_and_mixed_case_names() {
        assert_eq!(uncapitalise("Every target fails"), "every target fails");
        assert_eq!(uncapitalise("DNS fails"), "DNS fails");
        assert_eq!(uncapitalise("OpenVPN over UDP"), "OpenVPN over UDP");
        assert_eq!(
            uncapitalise("NordLynx (WireGuard) UDP"),
            "NordLynx (WireGuard) UDP"
        );
        assert_eq!(uncapitalise("A"), "a");
        assert_eq!(uncapitalise(""), "");
    }

    #[test]
    fn strips_escapes() {
        assert_eq!(clean("ok\x1b[2J\x07name\u{202E}"), "ok[2Jname");
        assert_eq!(clean("a\tb\nc"), "a b c");
    }

    #[test]
    fn bytes_show_escaped() {
        assert_eq!(show_bytes(b"HTTP/1.1\r\n\x1b"), "HTTP/1.1\\x0d\\x0a\\x1b");
        // A server that sends a backslash cannot pass for an escape.
        assert_eq!(show_bytes(br#"a\x0d"b"#), "a\\x5cx0d\\x22b");
        assert_eq!(quote_bytes(b"OK\r\n"), r#""OK\x0d\x0a""#);
    }

    #[test]
    fn quotes_keep_what_was_written() {
        assert_eq!(quote("\x1b[2J"), r#""\x1b[2J""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("x\u{202E}y\u{85}"), r#""x\u{202e}y\u{85}""#);
        assert_eq!(quote("vpn.example.com"), r#""vpn.example.com""#);
        assert_eq!(quote("café"), "\"café\"");
    }

    #[test]
    fn quoting() {
        let argv: Vec<String> = ["sudo", "timedatectl", "set-ntp", "true"]
            .map(String::from)
            .to_vec();
        assert_eq!(shell_join(&argv), "sudo timedatectl set-ntp true");
        assert_eq!(
            shell_join(&["a b".to_string(), "it's".to_string()]),
            r"'a b' 'it'\''s'"
        );
    }

    #[test]
    fn capitals() {
        assert_eq!(capitalise("local clock"), "Local clock");
        assert_eq!(uncapitalise("Local clock"), "local clock");
        assert_eq!(uncapitalise("DNS failed"), "DNS failed");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(
            human_duration(Duration::from_millis(10_800_200)),
            "3 h 0 m 0.2 s"
        );
        assert_eq!(human_duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(human_duration(Duration::from_secs(90)), "1 m 30.0 s");
    }
}
