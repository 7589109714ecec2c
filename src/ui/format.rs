//! Small pure helpers that turn values into the short strings the panes show.

use std::time::{Duration, SystemTime};

use crate::config::Target;
use crate::diagnose::{Finding, Severity};
use crate::probe::connect::Dns;
use crate::probe::tls::{Attempt, Negotiated, Variant};
use crate::probe::trust::{PathError, SourceKind, SourceVerdict, TimeFault, Verdicts};
use crate::text::human_duration;
use crate::text::uncapitalise;

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
    let summary = f.summary.clone();
    let head = summary.split(": ").next().unwrap_or(&summary);
    let head = uncapitalise(head);
    match &f.target {
        Some(t) if !head.contains(t.as_str()) => format!("{t}: {head}"),
        Some(_) => head,
        None => head,
    }
}

/// A wall-clock time in UTC, to the millisecond.
pub fn format_time(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// A wall-clock time of day in UTC, to the second: "14:02:11".
pub fn format_clock_time(t: SystemTime) -> String {
    let full = humantime::format_rfc3339_seconds(t).to_string();
    full.get(11..19).unwrap_or(&full).to_string()
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
    format!("↳ alternative: {host}")
}

/// Why an alternative server's row is empty, and how to try it (`fixes_key` opens the fixes of
/// the finding that offers it).
pub fn format_untried(fixes_key: Option<&str>) -> String {
    match fixes_key {
        Some(k) => format!("not tried ({k} on the finding to try it)"),
        None => "not tried (try it from the fixes of its finding)".to_string(),
    }
}

/// Why an alternative server's row is empty when no finding offers it (its target does not
/// fail while others work), so no key would try it.
pub fn format_unoffered() -> String {
    "not tried (offered when its target fails where others work)".to_string()
}

/// The DNS phase in words.
pub fn format_dns(target: &Target, dns: &Dns) -> String {
    match dns {
        Dns::Skipped(ip) if target.connect.is_some() => {
            format!("skipped: the config connects to {ip}")
        }
        Dns::Skipped(ip) => format!("not needed: {ip} is an address"),
        Dns::Resolved { addrs, took } => format!(
            "{} in {}",
            addrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            format_ms(*took)
        ),
        Dns::Failed { error, took } => {
            format!("failed after {}: {}", format_ms(*took), error)
        }
        Dns::Timeout(d) => format!("no answer within {}", human_duration(*d)),
    }
}

/// A span of time in the fewest words that still tell it: "41 d", "1 d 6 h", "3 h 5 min",
/// "12 min", "40 s".
pub fn format_span(secs: u64) -> String {
    const DAY: u64 = 86_400;
    match secs {
        s if s >= 2 * DAY => format!("{} d", s / DAY),
        s if s >= DAY => match (s % DAY) / 3600 {
            0 => "1 d".to_string(),
            h => format!("1 d {h} h"),
        },
        s if s >= 3600 => match (s % 3600) / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Where `at` (UNIX seconds) falls in a certificate's validity: "expires in 41 d", "expired
/// 3 d ago", "not valid for another 2 h".
pub fn format_validity(not_before: i64, not_after: i64, at: i64) -> String {
    if at < not_before {
        format!(
            "not valid for another {}",
            format_span((not_before - at).unsigned_abs())
        )
    } else if at > not_after {
        format!(
            "expired {} ago",
            format_span((at - not_after).unsigned_abs())
        )
    } else {
        format!(
            "expires in {}",
            format_span((not_after - at).unsigned_abs())
        )
    }
}

/// What a handshake settled on: "TLSv1.3 · TLS_AES_256_GCM_SHA384 · X25519MLKEM768
/// (post-quantum hybrid) · ALPN h2".
pub fn format_negotiated(n: &Negotiated) -> String {
    let group = match (&n.group, n.post_quantum) {
        (Some(g), true) => format!("{g} (post-quantum hybrid)"),
        (Some(g), false) => g.clone(),
        (None, _) => "key exchange unknown".to_string(),
    };
    let alpn = n
        .alpn
        .as_deref()
        .map_or_else(|| "no ALPN".to_string(), |a| format!("ALPN {a}"));
    format!(
        "{} · {} · {group} · {alpn}",
        n.version.clone(),
        n.cipher.clone()
    )
}

/// How a retried hello differed from the default one, to follow "works" or "fails".
pub fn format_variant(v: &Variant) -> String {
    match v {
        Variant::Default => "with the default hello".to_string(),
        Variant::NoPostQuantum => "without the post-quantum share".to_string(),
        Variant::OtherSni(name) => format!("with another SNI ({name})"),
        Variant::NoSni => "without SNI".to_string(),
        Variant::Tls12Only => "with TLS 1.2 only".to_string(),
        Variant::Tls13Only => "with TLS 1.3 only".to_string(),
        Variant::Http11 => "with ALPN http/1.1 only".to_string(),
    }
}

/// A retried hello's result in a few words: "works without the post-quantum share".
pub fn format_variant_result(a: &Attempt) -> String {
    let verdict = if a.failure.is_none() {
        "works"
    } else {
        "fails"
    };
    format!("{verdict} {}", format_variant(&a.variant))
}

/// A trust source as the panes name it: "mozilla", "system", "ca-file".
pub fn source_name(kind: &SourceKind) -> &'static str {
    match kind {
        SourceKind::Mozilla => "mozilla",
        SourceKind::System => "system",
        SourceKind::CaFile(_) => "ca-file",
    }
}

/// Why there is no path to a source's roots, in two or three words.
pub fn format_path_error(e: &PathError) -> &'static str {
    match e {
        PathError::UnknownIssuer => "unknown issuer",
        PathError::CaUsedAsEndEntity => "CA cert as leaf",
        PathError::Unsupported(_) => "refused algorithm",
        PathError::BadSignature(_) => "bad signature",
        PathError::Time(_) => "chain dates",
        PathError::NoRoots => "no roots",
        PathError::Other(_) => "no path",
    }
}

/// One source's verdict in a word: "✓", or "✗" and the first reason a client using only this
/// source refuses the chain at the time of `v`.
pub fn format_source_verdict(v: &Verdicts, s: &SourceVerdict) -> String {
    if s.webpki.is_ok() {
        return "✓".to_string();
    }
    let why = match &s.path {
        Err(e) => format_path_error(e),
        Ok(_) => match v.time.first().map(|p| p.fault) {
            Some(TimeFault::Expired) => "expired",
            Some(TimeFault::NotYetValid) => "not yet valid",
            None if v.name.as_ref().is_some_and(|(_, r)| r.is_err()) => "wrong host",
            None if !v.purpose.is_empty() => "wrong purpose",
            None => "refused",
        },
    };
    format!("✗ {why}")
}

/// Every source's verdict in one line: "mozilla ✓ · system ✓ · ca-file ✗ unknown issuer".
pub fn format_trust(v: &Verdicts) -> String {
    if v.sources.is_empty() {
        return "no trust store loaded".to_string();
    }
    v.sources
        .iter()
        .map(|s| format!("{} {}", source_name(&s.source), format_source_verdict(v, s)))
        .collect::<Vec<_>>()
        .join(" · ")
}
