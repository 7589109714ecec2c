//! Text from the network is untrusted: control characters (escape sequences among them) are
//! stripped before it reaches the terminal or a text report.

/// `s` without control characters; tabs and newlines become spaces.
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

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn strips_escapes() {
        assert_eq!(clean("ok\x1b[2J\x07name\u{202E}"), "ok[2Jname");
        assert_eq!(clean("a\tb\nc"), "a b c");
    }
}
