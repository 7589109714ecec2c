//! The plain-text report, for people reading a terminal or a log.

use std::fmt::Write as _;

use crate::app::Model;
use crate::diagnose::Judged;
use crate::diagnose::clock::TimeSource;
use crate::probe::reach::CaptiveVerdict;
use crate::probe::tls::{Attempt, TlsReport, Variant};
use crate::text::human_duration;
use crate::ui::format::format_dns;

/// The whole report as text.
pub fn report(model: &Model) -> String {
    let mut s = String::new();
    let errors = model
        .findings()
        .iter()
        .filter(|f| f.severity == crate::diagnose::Severity::Error)
        .count();
    let warnings = model
        .findings()
        .iter()
        .filter(|f| f.severity == crate::diagnose::Severity::Warning)
        .count();
    let _ = writeln!(
        s,
        "tlsdoctor-tui report: {} ({errors} error(s), {warnings} warning(s))",
        super::verdict_word(model.findings()).to_uppercase()
    );

    if let Some(note) = super::limit_note(model) {
        let _ = writeln!(s, "note: {note}");
    }

    let _ = writeln!(s, "\nClock");
    let c = &model.derived.clock.consensus;
    let from = match c.source {
        TimeSource::Ntp => format!("{} NTP server(s) agree", c.used.len()),
        TimeSource::HttpsDate => format!(
            "no NTP server answered; the Date headers of {} HTTPS servers agree, good to about one second",
            c.used.len()
        ),
        TimeSource::None => "no time source".to_string(),
    };
    match c.offset {
        Some(o) => {
            let _ = writeln!(
                s,
                "  consensus offset {o}: {} (source {}: {from})",
                o.describe(),
                c.source.as_str(),
            );
        }
        None if c.split => {
            let _ = writeln!(
                s,
                "  no consensus: the NTP servers disagree and no majority agrees"
            );
        }
        None if !c.unsettled_dates.is_empty() => {
            let _ = writeln!(
                s,
                "  no consensus: no NTP server answered, and the Date headers of {} HTTPS server(s) do not settle the time (at least {} agreeing within {} are needed): certificates are judged on this machine's clock",
                c.unsettled_dates.len(),
                crate::diagnose::clock::HTTPS_DATE_QUORUM,
                human_duration(crate::diagnose::clock::HTTPS_DATE_AGREE)
            );
        }
        None => {
            let _ = writeln!(s, "  no consensus: no server gave a usable time");
        }
    }
    for (server, slot) in model.config().clock.servers.iter().zip(&model.obs.ntp) {
        let line = match slot.value() {
            Some(Ok(r)) => format!(
                "ok       offset {}, round trip {}, stratum {}, ref {}",
                r.offset,
                human_duration(r.rtt),
                r.stratum,
                r.reference_id.clone()
            ),
            Some(Err(e)) => format!("{:<8} {}", e.status(), e),
            None => "not run".to_string(),
        };
        let _ = writeln!(s, "  {:<28} {line}", server.to_string());
    }
    if let Some(sync) = model.obs.sync.value() {
        let _ = writeln!(s, "  sync service: {}", sync.summary());
    }

    let _ = writeln!(s, "\nTargets");
    if model.config().targets.is_empty() {
        let _ = writeln!(s, "  (none configured)");
    }
    for (i, t) in model.config().targets.iter().enumerate() {
        if model.untried_alternative(i) {
            continue;
        }
        let checks = &model.obs.targets[i];
        let _ = writeln!(s, "  {} ({}:{})", t.name, t.host, t.port);
        if let Some(p) = &t.proxy {
            let _ = writeln!(
                s,
                "    Via      the proxy {} (set by {}); TCP below is the direct path",
                p.authority(),
                p.source
            );
        }
        let Some(dns) = checks.dns.value() else {
            let _ = writeln!(s, "    not run");
            continue;
        };
        // The same words as the Handshakes pane.
        let _ = writeln!(s, "    DNS      {}", format_dns(t, dns));
        for a in checks.connect.value().iter().flat_map(|r| &r.tcp) {
            let res = match &a.result {
                Ok(d) => format!("open, connected in {}", human_duration(*d)),
                Err(e) => e.to_string(),
            };
            let at = a.addr.map(|x| format!(" ({x})")).unwrap_or_default();
            let _ = writeln!(s, "    TCP {:<5} {res}{at}", a.port);
        }
        if let Some(tls) = checks.tls.value() {
            tls_lines(&mut s, tls, model.derived.targets[i].chain.as_ref());
        }
        if let Some(reach) = model.obs.targets[i].reach.value() {
            for x in &reach.results {
                let _ = writeln!(
                    s,
                    "    {:<17} {}: {}",
                    x.probe.to_string(),
                    x.status.as_str(),
                    x.detail.clone()
                );
                if let Some(h) = &x.handshake {
                    let _ = writeln!(s, "      {}", h.summary());
                }
            }
            for d in reach
                .dns_compare
                .iter()
                .flat_map(crate::probe::reach::DnsComparison::differences)
            {
                let _ = writeln!(s, "    DNS differs: {d}");
            }
        }
    }
    if let Some(c) = model.obs.captive.value() {
        let verdict = match &c.verdict {
            CaptiveVerdict::Open => "no portal".to_string(),
            CaptiveVerdict::Captive(why) => format!("CAPTIVE PORTAL: {why}"),
            CaptiveVerdict::Unknown(why) => format!("could not tell: {why}"),
        };
        let _ = writeln!(s, "  captive-portal check {}: {verdict}", c.url);
    }

    let _ = writeln!(s, "\nThis machine");
    match &model.derived.machine {
        Some(m) => {
            for line in &m.lines() {
                let _ = writeln!(s, "  {line}");
            }
        }
        None => {
            let _ = writeln!(s, "  not checked");
        }
    }

    let _ = writeln!(s, "\nFindings");
    if model.derived.findings.is_empty() {
        let _ = writeln!(s, "  none: every check passed");
    }
    for f in &model.derived.findings {
        let target = f
            .target
            .as_deref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {} {:<7} {}{target}: {}",
            f.severity.symbol(),
            f.severity.word(),
            f.code,
            f.summary.clone()
        );
        for e in &f.evidence {
            let _ = writeln!(s, "      - {e}");
        }
        for x in &f.fixes {
            match &x.command {
                Some(argv) => {
                    let _ = writeln!(
                        s,
                        "      fix [{}] {}: {}",
                        x.key,
                        x.label,
                        crate::text::shell_join(argv)
                    );
                }
                None => {
                    let _ = writeln!(s, "      fix [{}] {}", x.key, x.label);
                }
            }
        }
    }
    if !model.runs.is_empty() {
        let _ = writeln!(s, "\nFixes and re-runs");
    }
    for r in &model.runs {
        let _ = writeln!(
            s,
            "  {} ({}, took {})",
            r.what.label,
            humantime::format_rfc3339_seconds(r.began_at),
            human_duration(r.took)
        );
        if let Some(argv) = &r.what.command {
            let _ = writeln!(s, "      command: {}", crate::text::shell_join(argv));
        }
        if let Some(exit) = r.exit_words() {
            let _ = writeln!(s, "      {exit}");
        }
        let _ = writeln!(s, "      result: {}", r.summary);
        for c in &r.changes {
            let _ = writeln!(
                s,
                "      {} {}: {}",
                c.kind.word(),
                c.key.describe(),
                c.after.as_deref().or(c.before.as_deref()).unwrap_or("")
            );
        }
    }
    s
}

fn tls_lines(s: &mut String, r: &TlsReport, judged: Option<&Judged>) {
    let a = &r.attempt;
    let line = match (&a.failure, &a.negotiated) {
        (None, Some(n)) => format!(
            "{} {}, {}{}, ALPN {}{}",
            n.version,
            n.cipher,
            n.group.as_deref().unwrap_or("?"),
            if n.post_quantum {
                " (post-quantum)"
            } else {
                ""
            },
            n.alpn.as_deref().unwrap_or("none"),
            a.handshake
                .map(|d| format!(", in {}", human_duration(d)))
                .unwrap_or_default()
        ),
        (Some(f), _) => format!("failed: {f}"),
        (None, None) => "no handshake".to_string(),
    };
    let _ = writeln!(s, "    TLS      {line}");
    // Each retry's summary starts with its variant.
    for v in &r.variants {
        let _ = writeln!(s, "    retry    {}", v.summary());
    }
    if let Some((h, by)) = r.http_attempt().and_then(|a| Some((a.http.as_ref()?, a))) {
        let date = h
            .date_raw
            .as_deref()
            .map(|d| format!(", Date: {d}"))
            .unwrap_or_default();
        let _ = writeln!(s, "    HTTP     {}{date}{}", h.status_line, from_retry(by));
    }
    if let Some(by) = r.chain_attempt().filter(|a| a.variant != Variant::Default) {
        let _ = writeln!(s, "    chain    captured by the retry {}", by.variant);
    }
    for (k, c) in r.chain.iter().enumerate() {
        match &c.info {
            Ok(i) => {
                let _ = writeln!(
                    s,
                    "    cert {k}   {} (issuer {}), {}, SANs: {}",
                    i.subject.clone(),
                    i.issuer.clone(),
                    i.key,
                    if i.sans.is_empty() {
                        "none".to_string()
                    } else {
                        (i.sans.join(", ")).clone()
                    }
                );
            }
            Err(e) => {
                let _ = writeln!(s, "    cert {k}   unreadable: {e}");
            }
        }
    }
    if let Some(v) = judged.map(|j| &j.local) {
        let trust: Vec<String> = v
            .sources
            .iter()
            .map(|src| match &src.path {
                Ok(root) => format!("{}: trusted ({})", src.source.key(), root),
                Err(e) => format!("{}: {}", src.source.key(), e),
            })
            .collect();
        let _ = writeln!(s, "    trust    {}", trust.join(" · "));
    }
}

/// " (from the retry without SNI)" for what a retried hello got; nothing for the default hello.
fn from_retry(a: &Attempt) -> String {
    if a.variant == Variant::Default {
        String::new()
    } else {
        format!(" (from the retry {})", a.variant)
    }
}
