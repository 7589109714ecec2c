//! The view: whole-screen snapshots (ratatui `TestBackend` + insta) of models built by feeding
//! hand-made probe events and keys through `update` (the scenes, in `scenes.rs`), plus the
//! format helpers.
//!
//! Nothing here reads the real clock for what is drawn: every time on screen is a difference
//! from `base` or a fixed wall-clock time, so the snapshots are deterministic.

use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::style::Color;

use tlsdoctor_tui::app::{self, Overlay, Pane};
use tlsdoctor_tui::diagnose::{Code, Finding, Severity};
use tlsdoctor_tui::probe::clock::NtpError;
use tlsdoctor_tui::probe::connect::{ConnectReport, Dns, TcpError};
use tlsdoctor_tui::probe::reach::dns::{Answer, Direct};
use tlsdoctor_tui::probe::reach::{
    CaptiveResult, CaptiveVerdict, DnsComparison, ReachReport, ReachResult, ReachStatus,
};
use tlsdoctor_tui::probe::{ProbeId, ProbeOutcome};
use tlsdoctor_tui::ui::{self, format};

use super::scenes::*;

/// Everything started; some answers are in, the rest is running 1.25 s in.
fn running() -> Scene {
    let mut s = Scene::new(CONFIG, false);
    app::start(&mut s.model);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        400,
    );
    // The vpn's lookup answers, which starts its connect and TLS checks; the connect is done.
    s.probe(
        ProbeId::Dns(1),
        ProbeOutcome::Dns(resolved(&["198.51.100.7"], 8)),
        800,
    );
    s.probe(
        ProbeId::Connect(1),
        ProbeOutcome::Connect(Box::new(ConnectReport {
            tcp: vec![tcp("198.51.100.7:443", Ok(ms(31)))],
        })),
        900,
    );
    s.tick(1250);
    s
}

const REACH_CONFIG: &str = r#"
[clock]
servers = ["ntp1.example.net"]

[network]
captive_url = "http://192.0.2.80/generate_204"

[[targets]]
name   = "nl"
host   = "nl1.vpn.example.com"
probes = ["tcp:443", "openvpn-udp:1194"]

[[targets]]
name   = "de"
host   = "de1.vpn.example.com"
probes = ["tcp:80", "openvpn-udp:1194", "wireguard:51820"]
"#;

const ALTERNATIVES_CONFIG: &str = r#"
[clock]
servers = ["ntp1.example.net"]

[network]
captive_url = "http://192.0.2.80/generate_204"

[[targets]]
name   = "api"
host   = "198.51.100.7"
probes = ["tcp:443"]

[[targets]]
name         = "vpn"
host         = "vpn1.example.com"
probes       = ["openvpn-udp:1194"]
alternatives = ["vpn2.example.com", "vpn3.example.com"]
"#;

/// Two VPN servers: one whose OpenVPN UDP port answers a tls-auth signed probe, one whose
/// UDP ports are silent, TCP port closed and DNS contradicted; and a captive portal.
fn reach_probes() -> Scene {
    let mut s = Scene::new(REACH_CONFIG, false);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        20,
    );
    s.sync(true, 30);
    s.connect(
        0,
        resolved(&["192.0.2.10"], 7),
        vec![tcp("192.0.2.10:443", Ok(ms(18)))],
        40,
    );
    s.reach(0, resolved(&["192.0.2.10"], 7), ReachReport { results: vec![reach_result(
                "openvpn-udp:1194",
                "192.0.2.10",
                ReachStatus::Open,
                true,
                Some("tls-auth"),
                "OpenVPN answers: a server reset acking our session (tls-auth, HMAC-SHA256) after 14.0 ms",
                ms(14),
            )], dns_compare: Some(compare("nl1.vpn.example.com", "192.0.2.10", "192.0.2.10")) }, 50);
    s.connect(
        1,
        resolved(&["198.51.100.20"], 9),
        vec![tcp("198.51.100.20:80", Err(TcpError::Refused))],
        60,
    );
    s.reach(1, resolved(&["198.51.100.20"], 9), ReachReport { results: vec![
                reach_result(
                    "openvpn-udp:1194",
                    "198.51.100.20",
                    ReachStatus::OpenOrFiltered,
                    false,
                    None,
                    "no reply to 3 resets within 5.0 s: filtered, or the server requires tls-auth/tls-crypt",
                    Duration::from_secs(5),
                ),
                reach_result(
                    "wireguard:51820",
                    "198.51.100.20",
                    ReachStatus::OpenOrFiltered,
                    false,
                    None,
                    "no reply to 3 initiations within 5.0 s: WireGuard never answers a packet it cannot authenticate, so silence cannot tell an open port from a filtered one",
                    Duration::from_secs(5),
                ),
            ], dns_compare: Some(compare(
                "de1.vpn.example.com",
                "198.51.100.20",
                "198.51.100.21",
            )) }, 70);
    s.captive(
        CaptiveResult {
            url: "http://192.0.2.80/generate_204".to_string(),
            verdict: CaptiveVerdict::Captive("302 redirect to http://192.0.2.1/login".to_string()),
            status: Some(302),
            location: Some("http://192.0.2.1/login".to_string()),
            took: ms(31),
        },
        80,
    );
    s
}

/// The vpn's OpenVPN UDP port is closed where the api works: "try another server". The first
/// alternative has been tried and answers; the second has not.
fn alternatives() -> Scene {
    let mut s = Scene::new(ALTERNATIVES_CONFIG, false);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        20,
    );
    s.sync(true, 30);
    s.connect(
        0,
        Dns::Skipped(ip("198.51.100.7")),
        vec![tcp("198.51.100.7:443", Ok(ms(25)))],
        40,
    );
    s.connect(1, resolved(&["192.0.2.21"], 6), vec![], 50);
    s.reach(
        1,
        resolved(&["192.0.2.21"], 6),
        ReachReport {
            results: vec![reach_result(
                "openvpn-udp:1194",
                "192.0.2.21",
                ReachStatus::Closed,
                false,
                None,
                "ICMP port unreachable: nothing listens on UDP 1194 (or a firewall rejects)",
                ms(2),
            )],
            dns_compare: Some(compare("vpn1.example.com", "192.0.2.21", "192.0.2.21")),
        },
        60,
    );
    s.captive(
        CaptiveResult {
            url: "http://192.0.2.80/generate_204".to_string(),
            verdict: CaptiveVerdict::Open,
            status: Some(204),
            location: None,
            took: ms(22),
        },
        70,
    );
    s
}

/// Tries the first alternative from the fixes of the `single-target-failing` finding.
fn try_first_alternative(s: &mut Scene) {
    let at = s
        .model
        .findings()
        .iter()
        .position(|f| f.code == Code::SingleTargetFailing)
        .expect("the vpn fails where the api works");
    s.chars("4");
    for _ in 0..at {
        s.key(KeyCode::Down);
    }
    s.chars("f1");
    // Its lookup runs first; its other checks start on the answer.
    assert!(s.model.is_running(ProbeId::Dns(2)));
    assert!(!s.model.is_running(ProbeId::Dns(3)));
}

/// The alternative's answers.
fn alternative_answers(s: &mut Scene) {
    s.connect(2, resolved(&["192.0.2.22"], 5), vec![], 1300);
    s.reach(
        2,
        resolved(&["192.0.2.22"], 5),
        ReachReport {
            results: vec![reach_result(
                "openvpn-udp:1194",
                "192.0.2.22",
                ReachStatus::Open,
                true,
                None,
                "OpenVPN answers: a server reset acking our session after 11.0 ms",
                ms(11),
            )],
            dns_compare: Some(compare("vpn2.example.com", "192.0.2.22", "192.0.2.22")),
        },
        1400,
    );
}

// ---- snapshots ------------------------------------------------------------------------------

#[test]
fn healthy_screens() {
    let s = healthy(false);
    insta::assert_snapshot!("healthy_80x24", s.screen(80, 24));
    insta::assert_snapshot!("healthy_120x40", s.screen(120, 40));
}

#[test]
fn clock_skew_screens() {
    let s = skewed(false);
    insta::assert_snapshot!("skew_80x24", s.screen(80, 24));
    insta::assert_snapshot!("skew_120x40", s.screen(120, 40));
}

#[test]
fn help_screens() {
    let mut s = healthy(false);
    s.chars("?");
    assert_eq!(s.model.overlay, Some(Overlay::Help));
    insta::assert_snapshot!("help_80x24", s.screen(80, 24));
    insta::assert_snapshot!("help_120x40", s.screen(120, 40));
}

#[test]
fn fix_confirmation_screens() {
    let mut s = skewed(false);
    s.chars("4");
    assert_eq!(
        s.model.selected_finding().map(|f| f.code),
        Some(Code::ClockSkew)
    );
    s.chars("f");
    assert_eq!(s.model.overlay, Some(Overlay::Fixes { selected: 0 }));
    insta::assert_snapshot!("fixes_80x24", s.screen(80, 24));
    s.chars("t");
    assert!(matches!(s.model.overlay, Some(Overlay::Confirm { .. })));
    let screen = s.screen(80, 24);
    assert!(screen.contains("$ sudo timedatectl set-ntp true"));
    assert!(screen.contains("runs in this terminal with the dashboard suspended"));
    insta::assert_snapshot!("confirm_80x24", screen);
    insta::assert_snapshot!("confirm_120x40", s.screen(120, 40));
}

#[test]
fn clock_server_details_screens() {
    let mut s = skewed(false);
    s.key(KeyCode::Enter);
    assert_eq!(s.model.overlay, Some(Overlay::Details(Pane::Clock)));
    insta::assert_snapshot!("details_clock_80x24", s.screen(80, 24));
    insta::assert_snapshot!("details_clock_120x40", s.screen(120, 40));
    // The server that kissed us off: its reason instead of the fields.
    s.key(KeyCode::Esc);
    s.chars("jj");
    s.key(KeyCode::Enter);
    insta::assert_snapshot!("details_clock_kod_80x24", s.screen(80, 24));
}

#[test]
fn target_and_finding_details() {
    let mut s = skewed(false);
    s.chars("2j");
    s.key(KeyCode::Enter);
    let screen = s.screen(120, 40);
    assert!(screen.contains("vpn: vpn.example.com:443"), "{screen}");
    assert!(screen.contains("198.51.100.7 in 8.0ms"), "{screen}");
    assert!(
        screen.contains("TCP 443         198.51.100.7:443 refused: nothing listens"),
        "{screen}"
    );
    insta::assert_snapshot!("details_target_120x40", screen);
    s.key(KeyCode::Esc);
    s.chars("4");
    s.key(KeyCode::Enter);
    let screen = s.screen(120, 40);
    assert!(screen.contains("evidence"), "{screen}");
    assert!(
        screen.contains("[t] turn on automatic time sync"),
        "{screen}"
    );
    assert!(
        screen.contains("$ sudo timedatectl set-ntp true"),
        "{screen}"
    );
    insta::assert_snapshot!("details_finding_120x40", screen);
}

#[test]
fn running_probe_screens() {
    let s = running();
    let screen = s.screen(80, 24);
    // 1.25 s in: frame 12 % 10 = 2.
    assert!(screen.contains("⠹ 1.2s"), "{screen}");
    insta::assert_snapshot!("running_80x24", screen);
    insta::assert_snapshot!("running_120x40", s.screen(120, 40));
}

#[test]
fn stacked_layout_gives_the_focused_pane_the_height() {
    let mut s = skewed(false);
    s.chars("4");
    insta::assert_snapshot!("skew_findings_focused_80x24", s.screen(80, 24));
}

#[test]
fn reach_probe_screens() {
    let mut s = reach_probes();
    s.chars("3");
    let screen = s.screen(120, 40);
    for want in [
        "openvpn-udp:1194 open     14ms",
        "proven open · OpenVPN answered · signed",
        "openvpn-udp:1194 open-or-filtered 5.00s",
        "no reply: filtered, or the server",
        "requires tls-auth/tls-crypt · unsigned",
        "wireguard:51820  open-or-filtered 5.00s",
        "WireGuard never answers a stranger",
        "tcp:80           closed",
        "! DNS differs: 192.0.2.53:53 says",
        "CAPTIVE PORTAL: 302 redirect to",
    ] {
        assert!(screen.contains(want), "{want:?} is not on\n{screen}");
    }
    insta::assert_snapshot!("reach_probes_120x40", screen);
    insta::assert_snapshot!("reach_probes_80x24", s.screen(80, 24));
}

#[test]
fn reach_probe_details_screens() {
    let mut s = reach_probes();
    s.chars("3j");
    s.key(KeyCode::Enter);
    assert_eq!(s.model.overlay, Some(Overlay::Details(Pane::Reach)));
    let screen = s.screen(120, 40);
    for want in [
        "cannot tell an open port from a filtered one",
        "system resolver: 198.51.100.20",
        "192.0.2.53:53: 198.51.100.21",
        "CAPTIVE PORTAL",
    ] {
        assert!(screen.contains(want), "{want:?} is not on\n{screen}");
    }
    insta::assert_snapshot!("reach_details_120x40", screen);
    insta::assert_snapshot!("reach_details_80x24", s.screen(80, 24));
}

#[test]
fn alternative_screens() {
    const UNTRIED: &str = "not tried (f on the finding to try it)";
    let mut s = alternatives();
    s.chars("3");
    let screen = s.screen(120, 40);
    // Both alternatives, in the Reachability and the Handshakes pane alike.
    assert_eq!(screen.matches(UNTRIED).count(), 4, "{screen}");
    insta::assert_snapshot!("reach_alternatives_untried_120x40", screen);
    insta::assert_snapshot!("reach_alternatives_untried_80x24", s.screen(80, 24));
    s.chars("2");
    let hand = s.screen(80, 24);
    assert_eq!(hand.matches(UNTRIED).count(), 2, "{hand}");

    try_first_alternative(&mut s);
    s.tick(1250);
    s.chars("3");
    let running = s.screen(80, 24);
    assert!(
        running.contains("↳ alternative: vpn2.example.com  ⠙ 1.2s"),
        "{running}"
    );
    insta::assert_snapshot!("reach_alternative_running_80x24", running);

    alternative_answers(&mut s);
    let screen = s.screen(120, 40);
    assert_eq!(screen.matches(UNTRIED).count(), 2, "{screen}");
    insta::assert_snapshot!("reach_alternatives_tried_120x40", screen);
    insta::assert_snapshot!("reach_alternatives_tried_80x24", s.screen(80, 24));
    s.chars("2");
    insta::assert_snapshot!("handshakes_alternatives_tried_120x40", s.screen(120, 40));
}

#[test]
fn reach_summary_counts_every_probe() {
    let s = reach_probes();
    assert_eq!(
        ui::reach::summary(&s.model).to_string(),
        "probes: 2 open, 1 closed, 2 open-or-filtered · DNS differs for 1 target · CAPTIVE PORTAL"
    );
    // Stacked, with another pane focused, the line is the pane.
    assert!(
        s.screen(80, 24)
            .contains(" probes: 2 open, 1 closed, 2 open-or-filtered · DNS differs for 1 target"),
        "{}",
        s.screen(80, 24)
    );
    let mut r = alternatives();
    assert_eq!(
        ui::reach::summary(&r.model).to_string(),
        "probes: 1 open, 1 closed · captive check: no portal"
    );
    try_first_alternative(&mut r);
    assert_eq!(
        ui::reach::summary(&r.model).to_string(),
        "probes: 1 open, 1 closed, 1 running · captive check: no portal"
    );
    alternative_answers(&mut r);
    assert_eq!(
        ui::reach::summary(&r.model).to_string(),
        "probes: 2 open, 1 closed · captive check: no portal"
    );
    let fresh = Scene::new(REACH_CONFIG, false);
    assert_eq!(
        ui::reach::summary(&fresh.model).to_string(),
        "probes: not checked yet"
    );
}

#[test]
fn reach_text_from_the_network_is_cleaned() {
    let mut s = Scene::new(REACH_CONFIG, false);
    s.reach(
        1,
        resolved(&["198.51.100.20"], 9),
        ReachReport {
            results: vec![reach_result(
                "openvpn-udp:1194",
                "198.51.100.20",
                ReachStatus::Other,
                false,
                None,
                "something else answers: 5 bytes \"\x1b[2Jhi\"",
                ms(3),
            )],
            dns_compare: Some(DnsComparison {
                host: "de1.vpn.example.com".to_string(),
                system: Answer::Addrs {
                    addrs: vec![ip("198.51.100.20")],
                    took: ms(9),
                },
                direct: vec![Direct {
                    server: addr("192.0.2.53:53"),
                    answer: Answer::NoAddress {
                        why: "gone\x1b]0;pwned\x07".to_string(),
                        took: ms(4),
                    },
                }],
            }),
        },
        20,
    );
    s.captive(
        CaptiveResult {
            url: "http://192.0.2.80/generate_204".to_string(),
            verdict: CaptiveVerdict::Captive("302 redirect to http://x/\x1b[31mlogin".to_string()),
            status: Some(302),
            location: Some("http://x/\x1b[31mlogin".to_string()),
            took: ms(5),
        },
        30,
    );
    s.chars("3j");
    let mut screens = vec![s.screen(80, 24), s.screen(120, 40)];
    s.key(KeyCode::Enter);
    screens.push(s.screen(120, 40));
    for screen in &screens {
        assert!(!screen.contains('\x1b'), "{screen}");
        assert!(!screen.contains('\x07'), "{screen}");
    }
    assert!(screens[2].contains("gone]0;pwned"), "{}", screens[2]);
    assert!(
        screens[2].contains("something else answers"),
        "{}",
        screens[2]
    );
    assert!(
        screens[0].contains("something answers, but not as OpenVPN"),
        "{}",
        screens[0]
    );
}

#[test]
fn reach_statuses_say_what_they_prove() {
    let r = |spec: &str, status, openvpn, signed| {
        reach_result(spec, "192.0.2.1", status, openvpn, signed, "", ms(1))
    };
    let words = |x: ReachResult| ui::reach::format_reach_status(&x);
    assert_eq!(
        words(r(
            "wireguard:51820",
            ReachStatus::OpenOrFiltered,
            false,
            None
        )),
        "WireGuard never answers a stranger: only a closed port can be proven"
    );
    assert_eq!(
        words(r(
            "openvpn-udp:1194",
            ReachStatus::OpenOrFiltered,
            false,
            None
        )),
        "no reply: filtered, or the server requires tls-auth/tls-crypt"
    );
    assert_eq!(
        words(r(
            "openvpn-udp:1194",
            ReachStatus::OpenOrFiltered,
            false,
            Some("tls-crypt")
        )),
        "no reply even signed: filtered, or the server does not take our tls-crypt key"
    );
    assert_eq!(
        words(r("openvpn-tcp:443", ReachStatus::Open, true, None)),
        "proven open"
    );
    assert!(
        words(r("openvpn-tcp:443", ReachStatus::Open, false, None))
            .contains("OpenVPN is not proven")
    );
    assert!(
        words(r("wireguard:51820", ReachStatus::Closed, false, None)).starts_with("proven closed")
    );
    assert!(words(r("wireguard:51820", ReachStatus::Other, false, None)).contains("not WireGuard"));
    assert!(
        words(r("openvpn-udp:1194", ReachStatus::Error, false, None))
            .contains("says nothing about the server")
    );
    assert_eq!(
        ui::reach::format_tags(&r(
            "openvpn-udp:1194",
            ReachStatus::Open,
            true,
            Some("tls-auth")
        ))
        .as_deref(),
        Some("OpenVPN answered · signed tls-auth")
    );
    assert_eq!(
        ui::reach::format_tags(&r("openvpn-tcp:443", ReachStatus::Other, false, None)).as_deref(),
        Some("unsigned")
    );
    assert_eq!(
        ui::reach::format_tags(&r(
            "wireguard:51820",
            ReachStatus::OpenOrFiltered,
            false,
            None
        )),
        None
    );
}

#[test]
fn captive_check_in_words() {
    let toml = "[network]\ncaptive_url = \"\"\n[[targets]]\nhost = \"vpn.example.com\"\n";
    let off = Scene::new(toml, false);
    assert_eq!(
        ui::reach::format_captive(&off.model),
        "captive check: off (captive_url = \"\" in the config)"
    );
    let mut s = Scene::new(REACH_CONFIG, false);
    assert_eq!(
        ui::reach::format_captive(&s.model),
        "captive check: not run yet · http://192.0.2.80/generate_204"
    );
    app::start(&mut s.model);
    s.tick(1250);
    assert_eq!(
        ui::reach::format_captive(&s.model),
        "captive check: ⠹ 1.2s checking http://192.0.2.80/generate_204"
    );
    s.captive(
        CaptiveResult {
            url: "http://192.0.2.80/generate_204".to_string(),
            verdict: CaptiveVerdict::Unknown(
                "192.0.2.80 closed the connection without an answer".to_string(),
            ),
            status: None,
            location: None,
            took: ms(5),
        },
        1300,
    );
    assert_eq!(
        ui::reach::format_captive(&s.model),
        "captive check: could not tell: 192.0.2.80 closed the connection without an answer · http://192.0.2.80/generate_204"
    );
}

#[test]
fn wrapping_with_a_limit() {
    assert_eq!(
        format::wrap_clipped("one two three", 7, 2),
        ["one two", "three"]
    );
    assert_eq!(
        format::wrap_clipped("one two three four", 7, 2),
        ["one two", "three…"]
    );
    assert_eq!(format::wrap_clipped("one two three", 7, 1), ["one tw…"]);
    assert_eq!(format::wrap_clipped("", 7, 0), [""]);
    assert_eq!(
        format::format_alternative("b.example.com"),
        "↳ alternative: b.example.com"
    );
    assert_eq!(
        format::format_untried(Some("f")),
        "not tried (f on the finding to try it)"
    );
}

// ---- behaviour ------------------------------------------------------------------------------

#[test]
fn tiny_and_odd_sizes_never_panic() {
    let mut scenes = vec![healthy(false), skewed(true), running()];
    let mut help = healthy(false);
    help.chars("?");
    let mut confirm = skewed(false);
    confirm.chars("4ft");
    let mut details = skewed(false);
    details.chars("4");
    details.key(KeyCode::Enter);
    scenes.extend([help, confirm, details, reach_probes(), alternatives()]);
    let mut reach_details = reach_probes();
    reach_details.chars("3j");
    reach_details.key(KeyCode::Enter);
    scenes.push(reach_details);
    for s in &scenes {
        for w in [0, 1, 2, 5, 10, 20, 33, 60, 79, 99, 100, 140] {
            for h in [0, 1, 2, 3, 5, 7, 9, 12, 15, 24, 50] {
                let _ = s.buffer(w, h);
            }
        }
    }
    let tiny = skewed(false).screen(20, 5);
    assert!(tiny.contains("tlsdoctor"), "{tiny}");
}

#[test]
fn no_color_means_no_colour_at_all() {
    let plain = skewed(false).buffer(120, 40);
    assert!(
        plain
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a cell has a colour with colour off"
    );
    let coloured = skewed(true).buffer(120, 40);
    assert!(coloured.content.iter().any(|c| c.fg != Color::Reset));
    // Colour adds nothing to the text: meaning never rests on colour alone.
    assert_eq!(skewed(true).screen(120, 40), skewed(false).screen(120, 40));
}

#[test]
fn network_text_is_cleaned() {
    let mut s = Scene::new(CONFIG, false);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 100, 1, "G\x1b[2JPS")),
        10,
    );
    s.ntp(
        1,
        Err(NtpError::BadPacket("\x1b]0;pwned\x07junk".to_string())),
        10,
    );
    s.connect(
        0,
        Dns::Failed {
            error: "no such host\x1b[31m".to_string(),
            took: ms(3),
        },
        vec![],
        20,
    );
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = s.screen(w, h);
        assert!(!screen.contains('\x1b'), "{screen}");
        assert!(!screen.contains('\x07'), "{screen}");
        assert!(screen.contains("G[2JPS"), "{screen}");
    }
    s.chars("2");
    s.key(KeyCode::Enter);
    let screen = s.screen(120, 40);
    assert!(screen.contains("no such host[31m"), "{screen}");
    assert!(!screen.contains('\x1b'), "{screen}");
}

#[test]
fn footer_hints_come_from_the_key_map() {
    let mut s = skewed(false);
    for overlay_keys in ["", "?", "4f", "t"] {
        s.chars(overlay_keys);
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = s.screen(w, h);
            let lines: Vec<&str> = screen.lines().collect();
            // The hints are one line, the last; at 80 columns the optional ones may be left
            // out, never the others.
            let footer = lines[lines.len() - 1];
            for (key, word, optional) in app::keys::hints(&s.model) {
                assert!(
                    footer.contains(&format!("{key} {word}")) || (optional && w < 120),
                    "{footer:?} lacks {key} {word}"
                );
            }
            assert!(
                footer.contains("? help") || !overlay_keys.is_empty(),
                "{footer:?}"
            );
        }
    }
}

#[test]
fn flash_shows_in_the_footer() {
    let mut s = healthy(false);
    s.chars("p");
    let screen = s.screen(120, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let footer = lines[lines.len() - 2..].join("");
    assert!(footer.contains("live sampling paused"), "{footer}");
    assert!(footer.contains("q/C-c quit"), "{footer}");
    let title = screen.lines().next().expect("a title line");
    assert!(title.contains("paused"), "{title}");
}

#[test]
fn selection_stays_visible_when_scrolling() {
    let servers: Vec<String> = (1..=30)
        .map(|i| format!("\"ntp{i}.example.net\""))
        .collect();
    let toml = format!(
        "targets = []\n[clock]\nservers = [{}]\n",
        servers.join(", ")
    );
    let mut s = Scene::new(&toml, false);
    for i in 0..30 {
        s.ntp(i, Err(NtpError::Timeout(Duration::from_secs(2))), 10);
    }
    let top = s.screen(80, 24);
    assert!(top.contains("ntp1.example.net"), "{top}");
    assert!(!top.contains("ntp30.example.net"), "{top}");
    for _ in 0..29 {
        s.key(KeyCode::Down);
    }
    let bottom = s.screen(80, 24);
    assert!(bottom.contains("▶ ntp30.example.net"), "{bottom}");
}

#[test]
fn findings_empty_states() {
    let s = healthy(false);
    assert!(
        s.screen(120, 40)
            .contains("no findings: every finished check passed")
    );
    assert!(
        s.screen(120, 40)
            .lines()
            .next()
            .is_some_and(|l| l.contains("all checks passed"))
    );
    let r = running();
    assert!(r.screen(120, 40).contains("checking…"));
}

#[test]
fn verdict_in_words() {
    let s = skewed(false);
    let (symbol, severity, text) = ui::title::format_verdict(&s.model);
    assert_eq!(symbol, "✗");
    assert_eq!(severity, Some(Severity::Error));
    assert_eq!(
        text,
        "3 errors, 2 warnings: local clock is 3 h 0 m 0.2 s behind"
    );
    let (_, _, text) = ui::title::format_verdict(&healthy(false).model);
    assert_eq!(text, "all checks passed");
    let (_, _, text) = ui::title::format_verdict(&running().model);
    // Two of three NTP servers; the sync check; the api's lookup; the vpn's TLS check and DNS
    // comparison (its lookup and connect are done); the captive-portal check; the machine
    // check.
    assert_eq!(text, "checking… 8 running");
}

#[test]
fn clock_lines_in_words() {
    let s = skewed(false);
    assert_eq!(
        ui::clock::format_consensus(&s.model),
        "consensus +3h00m00.2s: local clock is 3 h 0 m 0.2 s behind · 2 of 3 servers"
    );
    assert_eq!(
        ui::clock::format_sync(&s.model),
        "sync service: timedatectl: NTP no, synchronized no · chrony: not installed"
    );
    let h = ui::clock::format_history(&s.model, 60);
    assert!(h.starts_with("history ▁"), "{h}");
    assert!(h.ends_with(" min +12.3ms max +3h00m00.2s"), "{h}");
    let r = running();
    assert_eq!(ui::clock::format_sync(&r.model), "sync service: checking…");
}

#[test]
fn falsetickers_are_marked_in_their_rows() {
    let mut s = Scene::new(CONFIG, false);
    s.ntp(0, Ok(reply("192.0.2.10:123", SMALL, 100, 2, "A")), 10);
    s.ntp(1, Ok(reply("192.0.2.20:123", SMALL + 100, 100, 2, "B")), 10);
    s.ntp(2, Ok(reply("127.0.0.1:11123", SKEW, 100, 2, "C")), 10);
    let screen = s.screen(120, 40);
    let row = screen
        .lines()
        .skip(1)
        .find(|l| l.contains("127.0.0.1:11123"))
        .expect("the falseticker's row");
    assert!(row.contains("falseticker"), "{row}");
    assert!(
        ui::clock::format_consensus(&s.model).ends_with("2 of 3 servers · 1 falseticker left out")
    );
}

// ---- format helpers -------------------------------------------------------------------------

#[test]
fn durations_for_cells() {
    assert_eq!(format::format_ms(Duration::from_micros(300)), "0.3ms");
    assert_eq!(format::format_ms(Duration::from_micros(45_400)), "45ms");
    assert_eq!(format::format_ms(Duration::from_millis(1250)), "1.25s");
    assert_eq!(format::format_ms(Duration::from_secs(12)), "12.0s");
    assert_eq!(format::format_ms(Duration::from_secs(125)), "2m05s");
}

#[test]
fn spinner_follows_the_elapsed_time() {
    assert_eq!(format::spinner(Duration::ZERO), '⠋');
    assert_eq!(format::spinner(Duration::from_millis(150)), '⠙');
    assert_eq!(format::spinner(Duration::from_millis(1050)), '⠋');
    assert_eq!(
        format::format_running(Duration::from_millis(1250)),
        "⠹ 1.2s"
    );
}

#[test]
fn sparklines_scale_from_min_to_max() {
    assert_eq!(format::format_sparkline(&[0, 2, 14], 10), "▁▂█");
    assert_eq!(format::format_sparkline(&[-5, -5], 10), "▁▁");
    assert_eq!(format::format_sparkline(&[100, 0, 50, 100], 2), "▁█");
    assert_eq!(format::format_sparkline(&[], 10), "");
}

fn finding(severity: Severity, target: Option<&str>, summary: &str) -> Finding {
    Finding {
        code: Code::ClockSkew,
        severity,
        target: target.map(str::to_string),
        summary: summary.to_string(),
        evidence: vec![],
        fixes: vec![],
        probes: vec![],
    }
}

#[test]
fn counts_and_headlines() {
    let fs = vec![
        finding(
            Severity::Error,
            None,
            "Local clock is 3 h behind: certs break",
        ),
        finding(Severity::Error, Some("vpn"), "DNS failed: x"),
        finding(Severity::Warning, None, "w"),
    ];
    assert_eq!(
        format::format_counts(&fs).as_deref(),
        Some("2 errors, 1 warning")
    );
    assert_eq!(format::format_counts(&[]), None);
    assert_eq!(format::format_headline(&fs[0]), "local clock is 3 h behind");
    assert_eq!(format::format_headline(&fs[1]), "vpn: DNS failed");
    let named = finding(
        Severity::Error,
        Some("10.0.0.1:1"),
        "10.0.0.1:1 refused the connection",
    );
    assert_eq!(
        format::format_headline(&named),
        "10.0.0.1:1 refused the connection"
    );
    assert_eq!(
        tlsdoctor_tui::text::uncapitalise("NTP server"),
        "NTP server"
    );
    assert_eq!(tlsdoctor_tui::text::uncapitalise("Clock"), "clock");
    assert_eq!(tlsdoctor_tui::text::uncapitalise(""), "");
}

#[test]
fn ntp_fields_in_words() {
    assert_eq!(format::format_log2(-20), "2^-20 s (0.95 µs)");
    assert_eq!(format::format_log2(-7), "2^-7 s (7.81 ms)");
    assert_eq!(format::format_log2(6), "2^6 s (64 s)");
    assert!(format::format_leap(3).contains("not synchronised"));
    assert_eq!(format::format_time(wall()), "2023-11-14T22:13:20.000Z");
}

#[test]
fn fix_actions_in_words() {
    use tlsdoctor_tui::diagnose::Fix;
    let mut fix = Fix {
        key: 't',
        label: "turn on time sync".to_string(),
        command: Some(vec![
            "sudo".into(),
            "timedatectl".into(),
            "set-ntp".into(),
            "true".into(),
        ]),
        rerun: vec![ProbeId::SyncService],
    };
    assert_eq!(
        ui::fixes::format_fix_action(&fix),
        "$ sudo timedatectl set-ntp true"
    );
    fix.command = None;
    assert!(ui::fixes::format_fix_action(&fix).contains("re-runs the affected checks"));
    fix.rerun.clear();
    assert!(ui::fixes::format_fix_action(&fix).starts_with("advice"));
}

#[test]
fn word_wrapping() {
    assert_eq!(format::wrap_words("one two three", 7), ["one two", "three"]);
    assert_eq!(format::wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(format::wrap_words("", 4), [""]);
    assert_eq!(format::wrap_words("a b", 0), ["a", "b"]);
}

#[test]
fn fitting_text() {
    assert_eq!(format::fit("abcdef", 4), "abc…");
    assert_eq!(format::fit("abc", 4), "abc");
    assert_eq!(format::fit("abc", 0), "");
    assert_eq!(format::pad("ab", 4), "ab  ");
    assert_eq!(format::pad("abcdef", 4), "abc…");
}

#[test]
fn layout_grid_and_stack() {
    use ratatui::layout::Rect;
    let grid = ui::pane_areas(Rect::new(0, 1, 120, 38), Pane::Clock);
    // This machine is a strip of its title and one line under the grid until it has the focus.
    for (pane, r, compact) in &grid {
        if *pane == Pane::Machine {
            assert!(*compact);
            assert_eq!((r.y, r.height, r.width), (37, 2, 120));
        } else {
            assert!(!compact && r.height >= 18, "{pane:?}: {r:?}");
        }
    }
    let opened = ui::pane_areas(Rect::new(0, 1, 120, 38), Pane::Machine);
    let machine = opened.iter().find(|(p, ..)| *p == Pane::Machine);
    assert!(machine.is_some_and(|(_, r, compact)| !compact && r.height == 12));
    let stack = ui::pane_areas(Rect::new(0, 1, 80, 22), Pane::Reach);
    for (pane, r, compact) in &stack {
        if *pane == Pane::Reach {
            assert!(!compact);
            assert_eq!(r.height, 22 - 4 * 2);
        } else {
            assert!(compact);
            assert_eq!(r.height, 2);
        }
    }
    let tiny = ui::pane_areas(Rect::new(0, 1, 20, 3), Pane::Findings);
    for (pane, r, _) in &tiny {
        assert_eq!(r.height, if *pane == Pane::Findings { 3 } else { 0 });
    }
    let c = ui::window::centered(Rect::new(0, 0, 10, 5), 40, 3);
    assert_eq!(c, Rect::new(0, 1, 10, 3));
}

/// Focuses the Handshakes pane and selects `row`; returns the screens at 80x24 and 120x40.
fn handshake_row(s: &mut Scene, row: usize) -> String {
    s.chars("2");
    s.model.selected[Pane::Handshakes.index()] = 0;
    for _ in 0..row {
        s.key(KeyCode::Down);
    }
    s.screen(80, 24) + &s.screen(120, 40)
}

/// The handshake snapshots: the pane (focused, its row selected) at both sizes, then the
/// details of the row at both sizes.
fn handshake_snapshots(s: &mut Scene, name: &str) {
    insta::assert_snapshot!(format!("{name}_80x24"), s.screen(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), s.screen(120, 40));
    s.key(KeyCode::Enter);
    assert_eq!(s.model.overlay, Some(Overlay::Details(Pane::Handshakes)));
    insta::assert_snapshot!(format!("{name}_details_80x24"), s.screen(80, 24));
    insta::assert_snapshot!(format!("{name}_details_120x40"), s.screen(120, 40));
}

/// Everything a details window shows, scrolled page by page to its end (at 80x24).
fn whole_details(s: &mut Scene) -> String {
    s.model.overlay_scroll = 0;
    let mut all = String::new();
    for _ in 0..30 {
        all.push_str(&s.screen(80, 24));
        let before = s.screen(80, 24);
        s.key(KeyCode::PageDown);
        if s.screen(80, 24) == before {
            break;
        }
    }
    all
}

#[test]
fn tls_good_screens() {
    let mut s = tls_good();
    assert!(
        s.model.derived.findings.is_empty(),
        "{:?}",
        s.model.derived.findings
    );
    let pane = handshake_row(&mut s, 0);
    for want in [
        "TLSv1.3 in 31ms · TLS_AES_256_GCM_SHA384 ·",
        "X25519MLKEM768 (post-quantum hybrid)",
        "HTTP  1.1 200 OK · Date Tue, 14 Nov 2023 22:13:21 GMT",
        "api.example.com ← Example Issuing CA 1 · expires in 41 d",
        "mozilla ✓ · system ✓ · ca-file ✗ unknown issuer",
    ] {
        assert!(pane.contains(want), "{want:?} is not on\n{pane}");
    }
    // The target with UDP checks only: its host, no made-up port or TLS line.
    assert!(pane.contains("nl   nl1.vpn.example.com"), "{pane}");
    assert!(!pane.contains("nl1.vpn.example.com:443"), "{pane}");
    handshake_snapshots(&mut s, "tls_good");
    let all = whole_details(&mut s);
    for want in [
        "#0 leaf api.example.com",
        "#1 intermediate Example Issuing CA 1",
        "api.example.com, www.api.example.com",
        "RSA 2048 bits",
        "sha256WithRSAEncryption",
        "SHA-256",
        "serverAuth",
        "yes (basicConstraints CA:TRUE)",
        "✓ trusted: a path to CN=Example Root CA",
        "time (true)",
        "first read 12ms (212 bytes)",
    ] {
        assert!(all.contains(want), "{want:?} is not in the details\n{all}");
    }
    s.model.overlay_scroll = 0;
    s.key(KeyCode::PageDown);
    insta::assert_snapshot!("tls_good_details_page2_80x24", s.screen(80, 24));
}

#[test]
fn tls_expired_screens() {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    let host = "api.example.com";
    let a = completed(
        attempt(Variant::Default, host, "93.184.216.34:443", 1_612),
        "X25519MLKEM768",
        Some("Tue, 14 Nov 2023 22:13:21 GMT"),
    );
    let chain = certs.chain(host, 5, -93 * DAY, -3 * DAY - 4 * HOUR);
    tls(&mut s, 0, report(host, a, vec![], &chain), 60);
    tls(&mut s, 1, vpn_good(&certs), 70);
    assert!(
        s.model
            .findings()
            .iter()
            .any(|f| f.code == Code::CertExpired && f.target.as_deref() == Some("api")),
        "{:?}",
        s.model.derived.findings
    );
    let pane = handshake_row(&mut s, 0);
    assert!(pane.contains("api.example.com:443  expired"), "{pane}");
    assert!(pane.contains("expired 3 d ago"), "{pane}");
    assert!(
        pane.contains("mozilla ✗ expired · system ✗ expired"),
        "{pane}"
    );
    handshake_snapshots(&mut s, "tls_expired");
    let all = whole_details(&mut s);
    assert!(all.contains("cert-expired"), "{all}");
    assert!(all.contains("the true time agrees"), "{all}");
}

#[test]
fn tls_reset_screens() {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    tls(&mut s, 0, api_good(&certs), 60);
    tls(&mut s, 1, vpn_reset(&certs), 70);
    assert!(
        s.model
            .findings()
            .iter()
            .any(|f| f.code == Code::MiddleboxLargeHello),
        "{:?}",
        s.model.derived.findings
    );
    let pane = handshake_row(&mut s, 1);
    assert!(pane.contains("vpn.example.com:443  reset"), "{pane}");
    assert!(
        pane.contains("works without the post-quantum share"),
        "{pane}"
    );
    handshake_snapshots(&mut s, "tls_reset");
    let all = whole_details(&mut s);
    for want in [
        "✓ without the post-quantum key share: TLSv1.3",
        "✗ with SNI \"example.com\": connection reset",
        "middlebox-large-hello",
    ] {
        assert!(all.contains(want), "{want:?} is not in the details\n{all}");
    }
}

#[test]
fn tls_clock_explained_screens() {
    let certs = Certs::new();
    // The local clock is 3 h behind; the certificate was issued 1 h ago in true time, so by
    // the local clock it is valid only in 2 h.
    let mut s = tls_scene(&certs, SKEW);
    let host = "api.example.com";
    let a = completed(
        attempt(Variant::Default, host, "93.184.216.34:443", 1_612),
        "X25519MLKEM768",
        Some("Wed, 15 Nov 2023 01:13:20 GMT"),
    );
    let chain = certs.chain(host, 6, 2 * HOUR, 90 * DAY);
    tls(&mut s, 0, report(host, a, vec![], &chain), 60);
    tls(&mut s, 1, vpn_good(&certs), 70);
    assert!(
        !s.model
            .findings()
            .iter()
            .any(|f| f.code == Code::CertNotYetValid),
        "the clock explains it: {:?}",
        s.model.derived.findings
    );
    let pane = handshake_row(&mut s, 0);
    assert!(pane.contains("api.example.com:443  clock"), "{pane}");
    assert!(pane.contains("not valid for another 2 h"), "{pane}");
    assert!(
        pane.contains("at the true time (+3h00m00.2s): expires in 89 d"),
        "{pane}"
    );
    handshake_snapshots(&mut s, "tls_clock");
    s.key(KeyCode::PageDown);
    s.key(KeyCode::PageDown);
    let verdicts = s.screen(80, 24);
    assert!(verdicts.contains("time (true)"), "{verdicts}");
    insta::assert_snapshot!("tls_clock_details_page3_80x24", verdicts);
    let all = whole_details(&mut s);
    for want in [
        "time (local)",
        "time (true)",
        "clock-skew",
        "your clock says",
    ] {
        assert!(all.contains(want), "{want:?} is not in the details\n{all}");
    }
}

#[test]
fn two_https_dates_do_not_settle_the_time_in_the_clock_pane() {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    // A second round where no NTP server answers: UDP 123 is blocked. Two servers' Date
    // headers agree, but it takes three to tell the time.
    s.ntp(0, Err(NtpError::Timeout(Duration::from_secs(2))), 80);
    s.ntp(1, Err(NtpError::Timeout(Duration::from_secs(2))), 85);
    tls(&mut s, 0, api_good(&certs), 90);
    tls(&mut s, 1, vpn_good(&certs), 95);
    assert_eq!(
        ui::clock::format_consensus(&s.model),
        "consensus: none · the Date headers of 2 HTTPS server(s) do not settle the time (3 agreeing needed; no NTP server answered)"
    );
    s.chars("1");
    insta::assert_snapshot!("https_date_unsettled_80x24", s.screen(80, 24));
    insta::assert_snapshot!("https_date_unsettled_120x40", s.screen(120, 40));
}

#[test]
fn running_tls_shows_a_spinner() {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    s.chars("2R");
    assert!(
        !s.model.is_running(ProbeId::Tls(0)),
        "TLS waits for the lookup"
    );
    s.probe(
        ProbeId::Dns(0),
        ProbeOutcome::Dns(resolved(&["93.184.216.34"], 12)),
        0,
    );
    assert!(s.model.is_running(ProbeId::Tls(0)), "the answer starts it");
    s.tick(1250);
    let pane = s.screen(120, 40);
    assert!(pane.contains("api.example.com:443  ⠹ 1.2s"), "{pane}");
    assert!(pane.contains("handshaking…"), "{pane}");
}

#[test]
fn tls_text_from_the_network_is_cleaned() {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    let host = "api.example.com";
    let mut a = attempt(Variant::Default, host, "93.184.216.34:443", 1_612);
    a.failure = Some(TlsFailure::Other("bad\x1b[2Jthing".to_string()));
    let mut r = report(host, a, vec![], &[]);
    r.attempt.http = Some(HttpHead {
        status_line: "HTTP/1.1 200 \x1b]0;pwned\x07OK".to_string(),
        status: Some(200),
        date_raw: Some("Tue\x1b[31m".to_string()),
        date: None,
        received_at: wall(),
    });
    tls(&mut s, 0, r, 60);
    s.chars("2");
    let mut screens = vec![s.screen(80, 24), s.screen(120, 40)];
    s.key(KeyCode::Enter);
    screens.push(whole_details(&mut s));
    for screen in &screens {
        assert!(!screen.contains('\x1b'), "{screen}");
        assert!(!screen.contains('\x07'), "{screen}");
    }
    assert!(screens[1].contains("bad[2Jthing"), "{}", screens[1]);
}

#[test]
fn validity_and_spans_in_words() {
    assert_eq!(format::format_span(41 * 86_400 + 5 * 3600), "41 d");
    assert_eq!(format::format_span(86_400 + 6 * 3600), "1 d 6 h");
    assert_eq!(format::format_span(3 * 3600 + 5 * 60), "3 h 5 min");
    assert_eq!(format::format_span(2 * 3600), "2 h");
    assert_eq!(format::format_span(720), "12 min");
    assert_eq!(format::format_span(40), "40 s");
    assert_eq!(
        format::format_validity(0, 100 * 86_400, 59 * 86_400),
        "expires in 41 d"
    );
    assert_eq!(
        format::format_validity(0, 100, 100 + 3 * 86_400),
        "expired 3 d ago"
    );
    assert_eq!(
        format::format_validity(7200, 9000, 0),
        "not valid for another 2 h"
    );
}

#[test]
fn overlay_scroll_position_in_words() {
    assert_eq!(
        ui::window::format_scroll(0, 20, 64),
        " lines 1–20 of 64 · PgDn more "
    );
    assert_eq!(
        ui::window::format_scroll(10, 20, 64),
        " lines 11–30 of 64 · PgUp back · PgDn more "
    );
    assert_eq!(
        ui::window::format_scroll(44, 20, 64),
        " lines 45–64 of 64 · PgUp back "
    );
}

#[test]
fn tls_screens_at_odd_sizes_never_panic() {
    let mut details = tls_good();
    handshake_row(&mut details, 0);
    details.key(KeyCode::Enter);
    let mut scrolled = tls_good();
    handshake_row(&mut scrolled, 1);
    scrolled.key(KeyCode::Enter);
    scrolled.model.overlay_scroll = u16::MAX;
    let mut help = tls_good();
    help.chars("?");
    help.model.overlay_scroll = 500;
    let mut pane = tls_good();
    handshake_row(&mut pane, 2);
    for s in [&details, &scrolled, &help, &pane] {
        for w in [0, 1, 2, 5, 10, 20, 33, 60, 79, 99, 100, 140] {
            for h in [0, 1, 2, 3, 5, 7, 9, 12, 15, 24, 50] {
                let _ = s.buffer(w, h);
            }
        }
    }
    // Scrolled past the end, the window shows the end of the text.
    let end = scrolled.screen(80, 24);
    assert!(end.contains("checked at"), "{end}");
    assert!(!end.contains("PgDn more"), "{end}");
    let help_end = help.screen(80, 24);
    assert!(help_end.contains("log "), "{help_end}");
}

/// A target reached through `connect = "ADDR:PORT"` is dialed on that port: its row judges the
/// TCP attempt on it (the config's `port` is the port the server is known by).
#[test]
fn a_connect_address_row_judges_the_port_it_dials() {
    let toml = "[clock]\nservers = []\n[network]\ncaptive_url = \"\"\n\n[[targets]]\nname = \"lab\"\nhost = \"lab.example.com\"\nport = 443\nconnect = \"127.0.0.1:8443\"\n";
    let mut s = Scene::new(toml, false);
    s.connect(
        0,
        Dns::Skipped(ip("127.0.0.1")),
        vec![tcp("127.0.0.1:8443", Err(TcpError::Refused))],
        50,
    );
    s.chars("2");
    let screen = s.screen(120, 40);
    assert!(
        screen.contains("lab.example.com:443  refused"),
        "the row judges 8443, where the TLS check goes:\n{screen}"
    );
}

/// A fix's advice longer than the window is wrapped under its key, in the finding's details
/// and in the fixes window, never cut at the window's edge.
/// The text inside the window on top of `screen` (its double border), line by line.
fn window_text(screen: &str) -> String {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, x0, x1)) = lines.iter().enumerate().find_map(|(i, l)| {
        let x0 = l.iter().position(|c| *c == '╔')?;
        let x1 = l.iter().position(|c| *c == '╗')?;
        Some((i, x0, x1))
    }) else {
        return String::new();
    };
    lines[top + 1..]
        .iter()
        .take_while(|l| l.get(x0) != Some(&'╚'))
        .map(|l| l[x0 + 1..x1.min(l.len())].iter().collect::<String>() + "\n")
        .collect()
}

#[test]
fn long_fix_advice_is_wrapped_not_cut() {
    let mut s = Scene::new(CONFIG, false);
    let failed = Dns::Failed {
        error: "Temporary failure in name resolution".to_string(),
        took: ms(2),
    };
    s.probe(ProbeId::Dns(0), ProbeOutcome::Dns(failed), 10);
    s.chars("4");
    // The advice of all-targets-failing, as long as it is: two lines at 80 columns.
    let long = "check this machine's network, firewall and security software (antivirus web \
                shields, VPN or proxy software): pause them and re-run";
    // The lab's longest summary, and the longest fix label it offers.
    let summary = "something between here and 127.0.0.1:40000 drops large ClientHellos: the \
                   default hello (1612 bytes, post-quantum key share) fails, a 380-byte one works";
    let finding = &mut s.model.derived.findings[0];
    assert_eq!(finding.code, Code::DnsFailure);
    finding.fixes[0].label = long.to_string();
    finding.summary = summary.to_string();
    let finding = finding.clone();
    let flat = |screen: &str| {
        screen
            .replace(['║', '┃', '│', '▶', '"'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let pane = s.screen(w, h);
        // The Findings pane is the right three fifths of the grid from 100 columns on.
        let right: String = pane
            .lines()
            .map(|l| {
                l.chars()
                    .skip(if w >= 100 { usize::from(w) * 2 / 5 } else { 0 })
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        assert!(
            flat(&right).contains(summary),
            "pane cut the summary:\n{pane}"
        );
        s.key(KeyCode::Enter);
        let details = s.screen(w, h);
        s.key(KeyCode::Esc);
        s.chars("f");
        let fixes = s.screen(w, h);
        s.key(KeyCode::Esc);
        let (in_details, in_fixes) = (flat(&window_text(&details)), flat(&window_text(&fixes)));
        assert!(
            in_details.contains(summary),
            "details cut the summary:\n{details}"
        );
        for fix in &finding.fixes {
            let line = format!("[{}] {}", fix.key, fix.label);
            assert!(
                in_details.contains(&line),
                "details cut {line:?}:\n{details}"
            );
            assert!(
                in_fixes.contains(&line),
                "fixes window cut {line:?}:\n{fixes}"
            );
        }
        insta::assert_snapshot!(format!("long_advice_pane_{w}x{h}"), pane);
        insta::assert_snapshot!(format!("long_advice_details_{w}x{h}"), details);
        insta::assert_snapshot!(format!("long_advice_fixes_{w}x{h}"), fixes);
    }
}

#[test]
fn the_export_keeps_what_ran_and_what_it_changed() {
    let mut s = alternatives();
    try_first_alternative(&mut s);
    assert!(s.model.pending.is_some(), "its checks run");
    alternative_answers(&mut s);
    assert!(s.model.pending.is_none(), "its checks ended");
    let json = tlsdoctor_tui::report::json::report(&s.model);
    let run = &json["runs"][0];
    assert!(
        run["what"]
            .as_str()
            .is_some_and(|w| w.starts_with("fix: try another server: vpn2.example.com")),
        "{run}"
    );
    assert_eq!(
        run["exit_status"],
        serde_json::Value::Null,
        "no command ran"
    );
    assert_eq!(run["summary"], "the checks it re-ran found nothing wrong");
    let text = tlsdoctor_tui::report::text::report(&s.model);
    assert!(text.contains("\nFixes and re-runs\n"), "{text}");
    assert!(
        text.contains("result: the checks it re-ran found nothing wrong"),
        "{text}"
    );
    // The history window says the same.
    s.chars("h");
    let screen = s.screen(80, 24);
    assert!(screen.contains("History"), "{screen}");
    assert!(screen.contains("try another server"), "{screen}");
}

// ---- the mouse ------------------------------------------------------------------------------

use tlsdoctor_tui::app::mouse::{DOUBLE_CLICK, Hit, Mouse};

/// Where `text` is first drawn on a `w` x `h` screen: its first cell.
fn locate(s: &Scene, (w, h): (u16, u16), text: &str) -> (u16, u16) {
    let buf = s.buffer(w, h);
    for y in 0..h {
        let cells: Vec<&str> = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        let line = cells.concat();
        if let Some(at) = line.find(text) {
            let mut bytes = 0;
            for (x, c) in cells.iter().enumerate() {
                if bytes == at {
                    return (x as u16, y);
                }
                bytes += c.len();
            }
        }
    }
    panic!("{text:?} is not on the screen:\n{}", s.screen(w, h));
}

/// What is under `text` (its first cell).
fn hit_on(s: &Scene, size: (u16, u16), text: &str) -> Hit {
    let (x, y) = locate(s, size, text);
    ui::mouse::hit(&s.model, size.0, size.1, x, y)
}

fn click(s: &mut Scene, hit: Hit, at_ms: u64) {
    let at = s.at(at_ms);
    app::update(&mut s.model, app::Msg::Mouse(Mouse::Click { hit, at }));
}

fn wheel(s: &mut Scene, hit: Hit, down: bool) {
    app::update(&mut s.model, app::Msg::Mouse(Mouse::Wheel { hit, down }));
}

#[test]
fn a_click_focuses_a_pane_and_selects_the_row_under_it() {
    const BIG: (u16, u16) = (120, 40);
    let mut s = skewed(false);
    let refused = s
        .model
        .findings()
        .iter()
        .position(|f| f.code == Code::TcpRefused)
        .expect("the vpn's refusal");
    assert_ne!(refused, 0, "not the row selected anyway");
    // A finding's second line (its summary) belongs to it too.
    let hit = hit_on(&s, BIG, "198.51.100.7:443 refused the connection");
    assert_eq!(
        hit,
        Hit::Pane {
            pane: Pane::Findings,
            row: Some(refused)
        }
    );
    click(&mut s, hit, 100);
    assert_eq!(s.model.focus, Pane::Findings);
    assert_eq!(
        s.model.selected_finding().map(|f| f.code),
        Some(Code::TcpRefused)
    );
    assert_eq!(s.model.overlay, None, "one click selects only");
    // A pane's title focuses it and leaves its selection alone.
    let title = hit_on(&s, BIG, "2 Handshakes");
    assert_eq!(
        title,
        Hit::Pane {
            pane: Pane::Handshakes,
            row: None
        }
    );
    click(&mut s, title, 1_000);
    assert_eq!(s.model.focus, Pane::Handshakes);
    // A target's block of lines is its row: a line under the vpn's name selects the vpn.
    let hit = hit_on(&s, BIG, "198.51.100.7:443 refused: nothing listens");
    assert_eq!(
        hit,
        Hit::Pane {
            pane: Pane::Handshakes,
            row: Some(1)
        }
    );
    click(&mut s, hit, 2_000);
    assert_eq!(s.model.selection(Pane::Handshakes), 1);
    // The title line and the footer are no pane.
    assert_eq!(hit_on(&s, BIG, "tlsdoctor-tui"), Hit::Elsewhere);
}

#[test]
fn a_double_click_opens_the_details_and_a_click_beside_a_window_closes_it() {
    const SIZE: (u16, u16) = (120, 40);
    let mut s = skewed(false);
    let hit = hit_on(&s, SIZE, "ntp2.example.net:123");
    assert_eq!(
        hit,
        Hit::Pane {
            pane: Pane::Clock,
            row: Some(1)
        }
    );
    click(&mut s, hit, 100);
    // Too slow for a double click: two single ones.
    let slow = 100 + DOUBLE_CLICK.as_millis() as u64 + 1;
    click(&mut s, hit, slow);
    assert_eq!(s.model.overlay, None);
    click(&mut s, hit, slow + 200);
    assert_eq!(s.model.overlay, Some(Overlay::Details(Pane::Clock)));
    assert_eq!(s.model.selection(Pane::Clock), 1);
    // Inside the window a click does nothing; beside it, it closes the window as Esc does.
    let (w, h) = SIZE;
    assert_eq!(ui::mouse::hit(&s.model, w, h, w / 2, h / 2), Hit::Window);
    click(&mut s, Hit::Window, 5_000);
    assert!(s.model.overlay.is_some());
    let beside = ui::mouse::hit(&s.model, w, h, 0, h - 3);
    assert_eq!(beside, Hit::Elsewhere);
    click(&mut s, beside, 6_000);
    assert_eq!(s.model.overlay, None);
    // A question waiting for y/n is not dismissed by a click.
    s.chars("4ft");
    assert!(matches!(s.model.overlay, Some(Overlay::Confirm { .. })));
    click(&mut s, beside, 7_000);
    assert!(matches!(s.model.overlay, Some(Overlay::Confirm { .. })));
}

#[test]
fn the_wheel_moves_the_list_under_it_and_scrolls_windows() {
    const SIZE: (u16, u16) = (80, 24);
    let mut s = skewed(false);
    // Stacked at 80 columns: the Findings pane is one summary line, and the wheel over it
    // focuses it and moves its selection.
    let over = hit_on(&s, SIZE, "4 Findings");
    assert!(
        matches!(
            over,
            Hit::Pane {
                pane: Pane::Findings,
                ..
            }
        ),
        "{over:?}"
    );
    wheel(&mut s, over, true);
    assert_eq!(s.model.focus, Pane::Findings);
    assert_eq!(s.model.selection(Pane::Findings), 1);
    wheel(&mut s, over, false);
    wheel(&mut s, over, false);
    assert_eq!(s.model.selection(Pane::Findings), 0);
    // F1 opens the help; the wheel scrolls its text, not the pane below.
    app::update(
        &mut s.model,
        app::Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::F(1),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert_eq!(s.model.overlay, Some(Overlay::Help));
    let top = s.screen(SIZE.0, SIZE.1);
    wheel(&mut s, Hit::Window, true);
    assert_eq!(s.model.overlay_scroll, 3);
    assert_ne!(s.screen(SIZE.0, SIZE.1), top, "the help moved");
    assert_eq!(s.model.selection(Pane::Findings), 0);
    wheel(&mut s, Hit::Window, false);
    assert_eq!(s.model.overlay_scroll, 0);
    assert_eq!(s.screen(SIZE.0, SIZE.1), top);
    // In the fixes window the wheel moves the highlighted fix.
    s.key(KeyCode::Esc);
    s.chars("f");
    assert_eq!(s.model.overlay, Some(Overlay::Fixes { selected: 0 }));
    wheel(&mut s, Hit::Window, true);
    assert_eq!(s.model.overlay, Some(Overlay::Fixes { selected: 1 }));
}

/// The real OpenVPN TLS handshake of an `--ovpn` profile: its outcome under the probe's row in
/// the Reachability pane, and in the probe's details every packet exchanged, one line each.
#[test]
fn openvpn_handshake_in_the_reach_pane_and_its_details() {
    use tlsdoctor_tui::probe::vpn::check::VpnHandshake;
    use tlsdoctor_tui::probe::vpn::openvpn::{
        CaVerdict, Direction, HandshakeReport, Opcode, PacketRecord, Status, Transport,
    };
    let mut s = Scene::new(REACH_CONFIG, false);
    s.connect(
        0,
        resolved(&["192.0.2.10"], 7),
        vec![tcp("192.0.2.10:443", Ok(ms(18)))],
        40,
    );
    let mut r = reach_result(
        "openvpn-udp:1194",
        "192.0.2.10",
        ReachStatus::Open,
        true,
        None,
        "OpenVPN answers: a server reset acking our session after 14.0 ms",
        ms(14),
    );
    let mut report = HandshakeReport::new(r.addr, Transport::Udp, None);
    report.status = Status::Completed;
    report.ca = Some(CaVerdict::Verified);
    report.timings.total = ms(84);
    for (at, direction, op, id) in [
        (0, Direction::Sent, 7, 0),
        (12, Direction::Received, 8, 0),
        (13, Direction::Sent, 4, 1),
    ] {
        report.packets.push(PacketRecord {
            at: ms(at),
            direction,
            opcode: Some(Opcode(op)),
            msg_id: Some(id),
            acks: Vec::new(),
            payload_len: 0,
            wire_len: 14,
            retransmission: false,
            note: None,
        });
    }
    r.handshake = Some(Box::new(VpnHandshake {
        report,
        uncapped: None,
        other_direction: None,
        unsigned: None,
        small_hello: None,
        legacy: None,
        name: None,
        server_purpose: None,
        server_subject: Some("CN=nl1.vpn.example.com".to_string()),
        verified_at: std::time::SystemTime::now(),
    }));
    s.reach(
        0,
        resolved(&["192.0.2.10"], 7),
        ReachReport {
            results: vec![r],
            dns_compare: None,
        },
        50,
    );
    s.chars("3");
    let pane = s.screen(120, 40);
    assert!(
        pane.contains("OpenVPN TLS handshake completed over UDP"),
        "{pane}"
    );
    s.key(KeyCode::Enter);
    let all = whole_details(&mut s);
    for want in [
        "OpenVPN TLS handshake completed over UDP 1194 in",
        "CN=nl1.vpn.example.com, verified with the profile's CA",
        "packets exchanged:",
        "ms -> P_CONTROL_HARD_RESET_CLIENT_V2 msg 0 0 B (14 on the wire)",
        "ms <- P_CONTROL_HARD_RESET_SERVER_V2 msg 0",
    ] {
        assert!(all.contains(want), "{want:?} is not in the details\n{all}");
    }
}

/// This machine: Enter on a part shows what the check saw of it and the finding about it; f
/// opens that finding's fixes.
#[test]
fn this_machine_details_and_fixes() {
    let mut s = this_machine();
    assert_eq!(s.model.focus, Pane::Machine);
    s.chars("jj");
    s.key(KeyCode::Enter);
    assert_eq!(s.model.overlay, Some(Overlay::Details(Pane::Machine)));
    let screen = s.screen(80, 24);
    assert!(
        screen.contains("This machine: VPN clients, TLS"),
        "{screen}"
    );
    assert!(
        screen.contains("openvpn 2.3.18 (minimum 2.4.0): outdated"),
        "{screen}"
    );
    assert!(screen.contains("client-outdated"), "{screen}");
    insta::assert_snapshot!("details_machine_clients_80x24", screen);
    s.key(KeyCode::Esc);
    s.chars("f");
    let screen = s.screen(80, 24);
    assert!(screen.contains("Fixes for client-outdated"), "{screen}");
}
