//! The reachability probes against lab peers on loopback: the status each probe reports per
//! scenario, and that many silent ports cost about one timeout, not one each.

use crate::lab;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use lab::openvpn::{OpenvpnResponder, test_key};
use lab::udp::{AnsweringUdp, Hangup, HangupTcp, SilentUdp, closed_tcp_port, closed_udp_port};
use tlsdoctor_tui::config::ProbeSpec;
use tlsdoctor_tui::config::{Digest, Direction, StaticKey, TlsWrap};
use tlsdoctor_tui::probe::reach::{self, ReachResult, ReachStatus};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// For peers that answer: the probe returns as soon as they do.
const ANSWER: Duration = Duration::from_secs(5);
/// For peers that stay silent: the probe waits this long.
const SILENT: Duration = Duration::from_millis(800);

fn client_key() -> TlsWrap {
    TlsWrap::Auth {
        key: StaticKey::from_bytes(test_key()),
        direction: Direction::Inverse,
        digest: Digest::Sha1,
    }
}

async fn probe(spec: ProbeSpec, key: Option<&TlsWrap>, timeout: Duration) -> ReachResult {
    let r = reach::run(spec, LOCAL, reach::Keys::openvpn(key), timeout).await;
    println!(
        "{spec:<20} {:<16} openvpn={:<5} {:?} ({:?})",
        r.status.as_str(),
        r.is_openvpn,
        r.detail,
        r.took
    );
    r
}

fn udp(a: SocketAddr) -> ProbeSpec {
    ProbeSpec::OpenvpnUdp(a.port())
}

fn tcp(a: SocketAddr) -> ProbeSpec {
    ProbeSpec::OpenvpnTcp(a.port())
}

#[tokio::test]
async fn openvpn_responder_answers_over_udp_and_tcp() {
    let peer = OpenvpnResponder::start(None).await;
    let r = probe(udp(peer.udp), None, ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Open, true));
    assert!(r.detail.starts_with("OpenVPN answers"), "{}", r.detail);
    assert!(r.took < ANSWER);
    let r = probe(tcp(peer.tcp), None, ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Open, true));
    let r = probe(ProbeSpec::Tcp(peer.tcp.port()), None, ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Open, false));
    assert!(r.detail.starts_with("connected in"), "{}", r.detail);
    assert_eq!(peer.answered(), 2);
}

#[tokio::test]
async fn tls_auth_server_ignores_unsigned_and_answers_signed_probes() {
    let peer = OpenvpnResponder::start(Some(&test_key())).await;
    let key = client_key();

    let r = probe(udp(peer.udp), None, SILENT).await;
    assert_eq!(r.status, ReachStatus::OpenOrFiltered);
    assert!(r.detail.contains("tls-auth/tls-crypt"), "{}", r.detail);
    assert!(peer.ignored() >= 2, "the probe resends: {}", peer.ignored());

    let r = probe(udp(peer.udp), Some(&key), ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Open, true));
    assert_eq!(r.signed, Some("tls-auth"));
    assert!(r.detail.contains("HMAC-SHA1"), "{}", r.detail);
    assert!(!r.detail.contains("does not verify"), "{}", r.detail);

    // Like OpenVPN, the TCP side hangs up on an unsigned reset.
    let r = probe(tcp(peer.tcp), None, ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Other, false));
    assert!(
        r.detail.contains("requires tls-auth/tls-crypt"),
        "{}",
        r.detail
    );

    let r = probe(tcp(peer.tcp), Some(&key), ANSWER).await;
    assert_eq!((r.status, r.is_openvpn), (ReachStatus::Open, true));

    // The wrong direction signs with the other half of the key: not answered.
    let wrong = TlsWrap::Auth {
        key: StaticKey::from_bytes(test_key()),
        direction: Direction::Normal,
        digest: Digest::Sha1,
    };
    let r = probe(udp(peer.udp), Some(&wrong), SILENT).await;
    assert_eq!(r.status, ReachStatus::OpenOrFiltered);
    assert!(
        r.detail.contains("does not accept our tls-auth key"),
        "{}",
        r.detail
    );
    assert_eq!(peer.answered(), 2);
}

/// The status table: every probe kind against every kind of port.
#[tokio::test]
async fn status_per_probe_and_port() {
    let silent = SilentUdp::start().await;
    let closed_udp = closed_udp_port().await;
    let closed_tcp = closed_tcp_port().await;
    let text = AnsweringUdp::start(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    let close = HangupTcp::start(Hangup::Close).await;
    let reset = HangupTcp::start(Hangup::Reset).await;
    let hold = HangupTcp::start(Hangup::Never).await;
    let wg = |a: SocketAddr| ProbeSpec::Wireguard(a.port());

    #[rustfmt::skip]
    let table: Vec<(&str, ProbeSpec, Duration, ReachStatus, &str)> = vec![
        ("silent udp", udp(silent.addr), SILENT, ReachStatus::OpenOrFiltered, "filtered, or the server requires tls-auth/tls-crypt"),
        ("closed udp", udp(closed_udp), ANSWER, ReachStatus::Closed, "ICMP port unreachable"),
        ("text udp", udp(text.addr), ANSWER, ReachStatus::Other, "something else answers: 28 bytes \"HTTP/1.1 400"),
        ("wg silent", wg(silent.addr), SILENT, ReachStatus::OpenOrFiltered, "cannot tell an open port from a filtered one"),
        ("wg closed", wg(closed_udp), ANSWER, ReachStatus::Closed, "ICMP port unreachable"),
        ("wg text", wg(text.addr), ANSWER, ReachStatus::Other, "this is not WireGuard"),
        ("closed tcp", tcp(closed_tcp), ANSWER, ReachStatus::Closed, "connection refused"),
        ("tcp:N closed", ProbeSpec::Tcp(closed_tcp.port()), ANSWER, ReachStatus::Closed, "connection refused"),
        ("hangs up", tcp(close.addr), ANSWER, ReachStatus::Other, "closed it after our reset: not an OpenVPN server"),
        ("resets", tcp(reset.addr), ANSWER, ReachStatus::Other, "reset it after our reset: not an OpenVPN server"),
        ("holds on", tcp(hold.addr), SILENT, ReachStatus::Open, "but no reply to the reset within"),
    ];
    for (name, spec, timeout, status, words) in table {
        let r = probe(spec, None, timeout).await;
        assert_eq!(r.status, status, "{name}: {}", r.detail);
        assert!(
            r.detail.contains(words),
            "{name}: {:?} lacks {words:?}",
            r.detail
        );
        assert!(!r.is_openvpn, "{name}");
    }
    assert!(
        silent.received() >= 4,
        "the UDP probes resend: {}",
        silent.received()
    );
}

/// Many silent ports cost about one timeout, because the probes run concurrently. The bound
/// is loose for a loaded machine; one after another they would cost twelve.
#[tokio::test]
async fn many_silent_ports_take_about_one_timeout() {
    let mut peers = Vec::new();
    for _ in 0..6 {
        peers.push(SilentUdp::start().await);
    }
    let mut specs: Vec<ProbeSpec> = peers.iter().map(|p| udp(p.addr)).collect();
    specs.extend(peers.iter().map(|p| ProbeSpec::Wireguard(p.addr.port())));
    let start = Instant::now();
    let results = reach::run_all(&specs, LOCAL, reach::Keys::default(), SILENT).await;
    let took = start.elapsed();
    assert!(
        took < SILENT * 4,
        "{} silent probes with a {SILENT:?} timeout took {took:?}; about one timeout expected",
        results.len()
    );
    assert_eq!(results.len(), 12);
    assert!(
        results
            .iter()
            .all(|r| r.status == ReachStatus::OpenOrFiltered)
    );
}

/// The user's key, from a config file (`tls_auth` + `key_direction`) and from an `.ovpn`
/// profile given to `--ovpn` (inline key, and a key file next to the profile), makes the
/// tls-auth responder answer; the same targets without a key get silence.
#[tokio::test]
async fn keys_from_config_and_ovpn_get_answers() {
    use clap::Parser;
    use lab::openvpn::key_file_text;
    use tlsdoctor_tui::cli::Cli;

    let peer = OpenvpnResponder::start(Some(&test_key())).await;
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("ta.key");
    std::fs::write(&key_path, key_file_text(&test_key())).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[network]\ntimeout = \"5s\"\n\n[[targets]]\nname = \"signed\"\nhost = \"127.0.0.1\"\n\
             probes = [\"openvpn-udp:{u}\", \"openvpn-tcp:{t}\"]\ntls_auth = {k:?}\nkey_direction = 1\n\n\
             [[targets]]\nname = \"unsigned\"\nhost = \"127.0.0.1\"\nprobes = [\"openvpn-udp:{u}\"]\n",
            u = peer.udp.port(),
            t = peer.tcp.port(),
            k = key_path.display().to_string()
        ),
    )
    .unwrap();
    let inline = dir.path().join("lab.udp.ovpn");
    std::fs::write(
        &inline,
        format!(
            "client\ndev tun\nproto udp\nremote 127.0.0.1 {}\nkey-direction 1\n<tls-auth>\n{}</tls-auth>\n",
            peer.udp.port(),
            key_file_text(&test_key())
        ),
    )
    .unwrap();
    let file = dir.path().join("lab.tcp.ovpn");
    std::fs::write(
        &file,
        format!(
            "client\nremote 127.0.0.1 {} tcp\ntls-auth ta.key 1\n",
            peer.tcp.port()
        ),
    )
    .unwrap();

    let cli = Cli::parse_from([
        "tlsdoctor-tui".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--ovpn".as_ref(),
        inline.as_os_str(),
        "--ovpn".as_ref(),
        file.as_os_str(),
    ]);
    let cfg = cli.resolve_config().unwrap();
    let names: Vec<&str> = cfg.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["signed", "unsigned", "lab.udp", "lab.tcp"]);
    let mut seen = Vec::new();
    for t in &cfg.targets {
        let results = reach::run_all(&t.probes, LOCAL, reach::Keys::of(t), SILENT).await;
        for r in results {
            println!(
                "{:<10} {:<20} {:<16} {}",
                t.name,
                r.probe.to_string(),
                r.status.as_str(),
                r.detail
            );
            seen.push((t.name.clone(), r.probe.kind(), r.status, r.is_openvpn));
        }
    }
    let open = |n: &str, k: &'static str| (n.to_string(), k, ReachStatus::Open, true);
    assert_eq!(
        seen,
        vec![
            open("signed", "openvpn-udp"),
            open("signed", "openvpn-tcp"),
            (
                "unsigned".to_string(),
                "openvpn-udp",
                ReachStatus::OpenOrFiltered,
                false
            ),
            open("lab.udp", "openvpn-udp"),
            open("lab.tcp", "openvpn-tcp"),
        ]
    );
}

/// A bad profile stops the run with an error that names the file and the line.
#[test]
fn a_bad_ovpn_profile_is_a_clear_error() {
    use clap::Parser;
    use tlsdoctor_tui::cli::Cli;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ovpn");
    std::fs::write(
        &path,
        "client\nremote vpn.example.com 1194 udp\nkey-direction 3\n",
    )
    .unwrap();
    let cli = Cli::parse_from([
        "tlsdoctor-tui".as_ref(),
        "--ovpn".as_ref(),
        path.as_os_str(),
    ]);
    let e = cli.resolve_config().unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{}, line 3: bad key direction \"3\"",
            path.display()
        )),
        "{e}"
    );
}

/// A target on loopback with these probes.
fn lab_target(name: &str, probes: Vec<ProbeSpec>) -> tlsdoctor_tui::config::Target {
    use tlsdoctor_tui::config::{HostPort, Target};
    let mut t = Target::from_host_port(&HostPort {
        host: "127.0.0.1".to_string(),
        port: None,
    });
    t.name = name.to_string();
    t.probes = probes;
    t
}

/// Runs every target's real checks, then the diagnosis; returns the findings as
/// `code@target`, sorted.
async fn diagnose(targets: &[tlsdoctor_tui::config::Target], key: Option<&TlsWrap>) -> Vec<String> {
    let mut config = crate::support::bare_config();
    config.network.timeout = SILENT;
    config.targets = targets
        .iter()
        .cloned()
        .map(|mut t| {
            t.tls_wrap = key.cloned();
            t
        })
        .collect();
    let obs = crate::support::observe_targets(
        std::sync::Arc::new(config),
        tlsdoctor_tui::diagnose::Machine::default(),
    )
    .await;
    crate::support::code_at(&tlsdoctor_tui::diagnose::diagnose(&obs).findings)
}

/// A scenario: its name, its targets (name, probes), the key, the expected `code@target`s.
type Scenario = (
    &'static str,
    Vec<(&'static str, Vec<ProbeSpec>)>,
    Option<TlsWrap>,
    Vec<&'static str>,
);

/// The finding codes per scenario: real lab peers, real probes, the pure rules.
#[tokio::test]
async fn findings_per_scenario() {
    use lab::udp::FilteredTcp;
    let vpn = OpenvpnResponder::start(None).await;
    let keyed = OpenvpnResponder::start(Some(&test_key())).await;
    let silent = SilentUdp::start().await;
    let closed_udp = closed_udp_port().await;
    let closed_tcp = closed_tcp_port().await;
    let filtered = FilteredTcp::start().await;
    let wg = |a: SocketAddr| ProbeSpec::Wireguard(a.port());

    #[rustfmt::skip]
    let table: Vec<Scenario> = vec![
        ("UDP silent, TCP answers", vec![("a", vec![udp(silent.addr), tcp(vpn.tcp)])], None, vec!["openvpn-udp-blocked@a"]),
        ("UDP closed, TCP answers", vec![("a", vec![udp(closed_udp), tcp(vpn.tcp)])], None, vec!["openvpn-udp-blocked@a"]),
        ("everything answers", vec![("a", vec![udp(vpn.udp), tcp(vpn.tcp), ProbeSpec::Tcp(vpn.tcp.port())])], None, vec![]),
        ("OpenVPN TCP refused", vec![("a", vec![tcp(closed_tcp)])], None, vec!["port-closed@a"]),
        ("OpenVPN UDP closed, no TCP to compare", vec![("a", vec![udp(closed_udp)])], None, vec!["port-closed@a"]),
        ("OpenVPN TCP times out", vec![("a", vec![tcp(filtered.addr)])], None, vec!["port-filtered@a"]),
        ("WireGuard closed", vec![("a", vec![wg(closed_udp)])], None, vec!["wireguard-udp-closed@a"]),
        ("WireGuard silent proves nothing", vec![("a", vec![wg(silent.addr)])], None, vec![]),
        ("tls-auth server, no key: silence proves nothing", vec![("a", vec![udp(keyed.udp)])], None, vec![]),
        ("tls-auth server, with the key", vec![("a", vec![udp(keyed.udp), tcp(keyed.tcp)])], Some(client_key()), vec![]),
        ("one server fails where others work",
            vec![("bad", vec![tcp(closed_tcp)]), ("good", vec![tcp(vpn.tcp)]), ("fine", vec![udp(vpn.udp)])],
            None, vec!["port-closed@bad", "single-target-failing@bad"]),
        ("every server fails",
            vec![("x", vec![tcp(closed_tcp)]), ("y", vec![wg(closed_udp)])],
            None, vec!["all-targets-failing@*", "port-closed@x", "wireguard-udp-closed@y"]),
    ];
    let start = Instant::now();
    for (scenario, targets, key, want) in table {
        let targets: Vec<_> = targets.into_iter().map(|(n, p)| lab_target(n, p)).collect();
        let got = diagnose(&targets, key.as_ref()).await;
        println!("{scenario}: {got:?}");
        assert_eq!(got, want, "{scenario}");
    }
    println!("all scenarios took {:?}", start.elapsed());
}

/// `--preset nordvpn` adds the API host and the three VPN probes; `=HOST` moves the server.
#[test]
fn the_nordvpn_preset_through_the_cli() {
    use clap::Parser;
    use tlsdoctor_tui::cli::Cli;
    let cfg = Cli::parse_from([
        "tlsdoctor-tui",
        "--preset",
        "nordvpn=nl1.example.net",
        "example.org",
    ])
    .resolve_config()
    .unwrap();
    // The server's alternatives follow it, to be run only when the user tries one.
    let server = cfg
        .targets
        .iter()
        .position(|t| t.name == "NordVPN server")
        .unwrap();
    let alts: Vec<&str> = cfg
        .targets
        .iter()
        .filter(|t| t.alternative_of == Some(server))
        .map(|t| t.host.as_str())
        .collect();
    assert_eq!(alts.len(), 3, "{alts:?}");
    assert_eq!(cfg.targets[server + 1].alternative_of, Some(server));
    let t: Vec<(String, String, Vec<String>)> = cfg
        .targets
        .iter()
        .filter(|t| t.alternative_of.is_none())
        .map(|t| {
            (
                t.name.clone(),
                t.host.clone(),
                t.probes.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert_eq!(
        t,
        vec![
            (
                "example.org".to_string(),
                "example.org".to_string(),
                vec!["tls".to_string()]
            ),
            (
                "NordVPN API".to_string(),
                "api.nordvpn.com".to_string(),
                vec!["tls".to_string()]
            ),
            (
                "NordVPN server".to_string(),
                "nl1.example.net".to_string(),
                vec![
                    "openvpn-udp:1194".to_string(),
                    "openvpn-tcp:443".to_string(),
                    "wireguard:51820".to_string()
                ]
            ),
        ]
    );
    let e = Cli::parse_from(["tlsdoctor-tui", "--preset", "nope"])
        .resolve_config()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown preset \"nope\": use one of nordvpn"),
        "{e}"
    );
}

/// The captive-portal check against an open network and two kinds of portal, and the
/// finding it leads to.
#[tokio::test]
async fn captive_portal_check_and_finding() {
    use lab::http::{HttpAnswer, HttpServer};
    use tlsdoctor_tui::diagnose::reach::captive;
    use tlsdoctor_tui::probe::reach::{CaptiveVerdict, captive_portal};

    let open = HttpServer::start(HttpAnswer::NoContent).await;
    let redirect = HttpServer::start(HttpAnswer::RedirectToLogin).await;
    let page = HttpServer::start(HttpAnswer::LoginPage).await;
    let closed = closed_tcp_port().await;

    let r = captive_portal(&open.url().parse().unwrap(), ANSWER).await;
    println!("{r:?}");
    assert_eq!(
        (r.verdict.clone(), r.status),
        (CaptiveVerdict::Open, Some(204))
    );
    let mut out = Vec::new();
    captive(&r, &[], &mut out);
    assert!(out.is_empty());

    let r = captive_portal(&redirect.url().parse().unwrap(), ANSWER).await;
    println!("{r:?}");
    assert_eq!(r.status, Some(302));
    assert_eq!(
        r.location.as_deref(),
        Some("http://portal.lab.invalid/login?continue=1")
    );
    let lie =
        lab::dns::DnsResponder::start(lab::dns::DnsAnswer::A(Ipv4Addr::new(10, 9, 9, 9))).await;
    let system = tlsdoctor_tui::probe::connect::lookup("localhost", ANSWER).await;
    let dns =
        tlsdoctor_tui::probe::reach::dns_compare("localhost", &system, &[lie.addr], ANSWER).await;
    captive(&r, std::slice::from_ref(&dns), &mut out);
    assert_eq!(out.len(), 1);
    assert!(
        out[0].evidence.iter().any(|e| e.contains("says 10.9.9.9")),
        "the DNS comparison is evidence: {:?}",
        out[0].evidence
    );
    assert_eq!(out[0].code.as_str(), "captive-portal");
    assert!(
        out[0]
            .summary
            .contains("log in at http://portal.lab.invalid/login"),
        "{}",
        out[0].summary
    );

    let r = captive_portal(&page.url().parse().unwrap(), ANSWER).await;
    println!("{r:?}");
    assert!(
        matches!(&r.verdict, CaptiveVerdict::Captive(w) if w.contains("Log in to Lab WiFi")),
        "{r:?}"
    );

    // No answer at all is not a portal: the check cannot tell.
    let r = captive_portal(
        &format!("http://{closed}/generate_204").parse().unwrap(),
        ANSWER,
    )
    .await;
    println!("{r:?}");
    assert!(matches!(r.verdict, CaptiveVerdict::Unknown(_)), "{r:?}");
    let mut none = Vec::new();
    captive(&r, &[], &mut none);
    assert!(none.is_empty());
}

/// The resolver comparison: a nameserver that lies about a name is a difference; one that
/// agrees with the system resolver is not; NXDOMAIN for a name the system resolves is.
#[tokio::test]
async fn dns_comparison_with_a_lying_nameserver() {
    use lab::dns::{DnsAnswer, DnsResponder};
    use tlsdoctor_tui::probe::reach::dns_compare;

    let liar = DnsResponder::start(DnsAnswer::A(Ipv4Addr::new(10, 66, 66, 66))).await;
    let honest = DnsResponder::start(DnsAnswer::A(Ipv4Addr::LOCALHOST)).await;
    let nx = DnsResponder::start(DnsAnswer::NxDomain).await;
    let silent = SilentUdp::start().await;
    let system = tlsdoctor_tui::probe::connect::lookup("localhost", ANSWER).await;
    let cmp = dns_compare(
        "localhost",
        &system,
        &[liar.addr, honest.addr, nx.addr, silent.addr],
        SILENT,
    )
    .await;
    println!("system: {}", cmp.system.words());
    for d in &cmp.direct {
        println!("{}: {}", d.server, d.answer.words());
    }
    let diffs = cmp.differences();
    println!("{diffs:#?}");
    assert!(cmp.system.addrs().contains(&LOCAL), "{:?}", cmp.system);
    assert_eq!(
        cmp.direct[0].answer.addrs(),
        [IpAddr::from([10, 66, 66, 66])]
    );
    assert_eq!(diffs.len(), 2, "{diffs:?}");
    assert!(diffs[0].contains(&format!("the nameserver {} says 10.66.66.66", liar.addr)));
    assert!(diffs[1].contains("NXDOMAIN"));
    assert!(cmp.direct[3].answer.words().starts_with("no answer within"));
}

/// A VPN server whose name does not resolve keeps its probes in sight: each says it did not
/// run and why, instead of disappearing from the pane and the report.
#[tokio::test]
async fn probes_of_a_name_without_address_are_not_run() {
    use tlsdoctor_tui::config::{Config, HostPort, Target};
    use tlsdoctor_tui::probe::connect::Dns;
    let mut t = Target::from_host_port(&HostPort {
        host: "nl900.vpn.example".to_string(),
        port: None,
    });
    t.probes = vec![
        ProbeSpec::OpenvpnUdp(1194),
        ProbeSpec::OpenvpnTcp(443),
        ProbeSpec::Wireguard(51_820),
    ];
    let mut config = Config::defaults();
    config.targets = vec![t];
    let dns = Dns::Failed {
        error: "Name or service not known".to_string(),
        took: Duration::from_millis(3),
    };
    let report = reach::check_target(&config, 0, &dns).await;
    let seen: Vec<(String, &str)> = report
        .results
        .iter()
        .map(|r| (r.probe.to_string(), r.status.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("openvpn-udp:1194".to_string(), "not-run"),
            ("openvpn-tcp:443".to_string(), "not-run"),
            ("wireguard:51820".to_string(), "not-run"),
        ]
    );
    for r in &report.results {
        assert_eq!(
            r.detail,
            "DNS failed for nl900.vpn.example: Name or service not known"
        );
    }
}
