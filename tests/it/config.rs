//! The config: the embedded defaults, a file laid over them key by key, and every bad value
//! refused with a message that names it and its line.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use tlsdoctor_tui::config::{
    Config, ConfigError, Digest, HostPort, KeyDirection, ProbeSpec, Resolve, Sni, TlsWrap,
};

fn load(src: &str) -> Result<Config, ConfigError> {
    Config::from_toml(src, Path::new("test.toml"))
}

#[test]
fn defaults_are_valid() {
    let c = Config::defaults();
    assert!(c.clock.servers.len() >= 3);
    assert!(!c.targets.is_empty());
    assert_eq!(c.network.timeout, Duration::from_secs(5));
}

#[test]
fn a_file_that_only_sets_clock_keeps_the_default_targets() {
    let c = load("[clock]\nservers = [\"127.0.0.1:11123\"]\n").unwrap();
    assert_eq!(c.clock.servers, vec!["127.0.0.1:11123".parse().unwrap()]);
    assert_eq!(c.clock.interval, Duration::from_secs(30));
    assert_eq!(c.targets, Config::defaults().targets);
}

#[test]
fn empty_targets_means_none() {
    assert!(load("targets = []\n").unwrap().targets.is_empty());
}

#[test]
fn target_keys_parse() {
    let c = load(
        r#"
[[targets]]
name = "vpn"
host = "vpn.example.com"
port = 8443
sni = ""
connect = "127.0.0.1:9443"
probes = ["tls", "tcp:80", "openvpn-udp:1194", "openvpn-tcp", "wireguard:51820"]
key_direction = 0
"#,
    )
    .unwrap();
    let t = &c.targets[0];
    assert_eq!(t.port, 8443);
    assert_eq!(t.sni, Sni::None);
    assert_eq!(t.connect, Some("127.0.0.1:9443".parse().unwrap()));
    assert_eq!(
        t.probes,
        vec![
            ProbeSpec::Tls,
            ProbeSpec::Tcp(80),
            ProbeSpec::OpenvpnUdp(1194),
            ProbeSpec::OpenvpnTcp(443),
            ProbeSpec::Wireguard(51820)
        ]
    );
    assert_eq!(t.key_direction, KeyDirection(0));
    assert_eq!(t.tls_port(), 9443);
    assert_eq!(t.tcp_ports(), vec![9443, 80]);
}

#[test]
fn errors_name_the_line_and_the_value() {
    let e = load("[clock]\nservers = []\ninterval = \"3 fortnights\"\n")
        .unwrap_err()
        .0;
    assert!(e.contains("test.toml, line 3"), "{e}");
    assert!(e.contains("3 fortnights"), "{e}");

    let e = load("[[targets]]\nhost = \"a\"\nprobes = [\"tls\", \"smtp:25\"]\n")
        .unwrap_err()
        .0;
    assert!(e.contains("line 3") && e.contains("smtp:25"), "{e}");

    let e = load("[clock]\nserverz = []\n").unwrap_err().0;
    assert!(e.contains("line 2") && e.contains("serverz"), "{e}");

    let e = load("[[targets]]\nhost = \"a\"\ntls_auth = \"/nonexistent/ta.key\"\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("line 3") && e.contains("/nonexistent/ta.key"),
        "{e}"
    );

    let e = load("[[targets]]\nhost = \"a\"\nkey_direction = 2\n")
        .unwrap_err()
        .0;
    assert!(e.contains("line 3") && e.contains("key_direction 2"), "{e}");

    let e = load("[network]\ntimeout = \"0s\"\n").unwrap_err().0;
    assert!(e.contains("line 2") && e.contains("0s"), "{e}");
}

#[test]
fn tls_auth_is_read_at_load_time_with_its_direction() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("ta.key");
    let hex = "00112233445566778899aabbccddeeff\n".repeat(16);
    std::fs::write(
        &key,
        format!(
            "-----BEGIN OpenVPN Static key V1-----\n{hex}-----END OpenVPN Static key V1-----\n"
        ),
    )
    .unwrap();
    let src = format!(
        "[[targets]]\nhost = \"a\"\ntls_auth = {:?}\nkey_direction = 0\n",
        key.display().to_string()
    );
    let t = &load(&src).unwrap().targets[0];
    assert_eq!(t.tls_auth.as_deref(), Some(key.as_path()));
    assert!(matches!(
        t.tls_wrap,
        Some(TlsWrap::Auth {
            direction: tlsdoctor_tui::config::Direction::Normal,
            digest: Digest::Sha1,
            ..
        })
    ));

    std::fs::write(&key, "not a key\n").unwrap();
    let e = load(&src).unwrap_err().0;
    assert!(e.contains("test.toml, line 3"), "{e}");
    assert!(e.contains(&format!("{}, line 1", key.display())), "{e}");
    // Which line and what was expected, never what the file holds.
    assert!(e.contains("expected \"-----BEGIN"), "{e}");
    assert!(!e.contains("not a key"), "{e}");
}

#[test]
fn network_captive_url_and_resolvers() {
    let n = Config::defaults().network;
    assert!(n.captive_url.is_some());
    assert!(n.resolvers.is_empty());
    let n = load("[network]\ncaptive_url = \"http://127.0.0.1:8080/204\"\nresolvers = [\"9.9.9.9\", \"[::1]:5353\"]\n")
        .unwrap()
        .network;
    assert_eq!(
        n.captive_url.map(|u| u.to_string()).as_deref(),
        Some("http://127.0.0.1:8080/204")
    );
    assert_eq!(
        n.resolvers,
        vec![
            "9.9.9.9:53".parse::<SocketAddr>().unwrap(),
            "[::1]:5353".parse().unwrap()
        ]
    );
    assert_eq!(
        load("[network]\ncaptive_url = \"\"\n")
            .unwrap()
            .network
            .captive_url,
        None
    );
    let e = load("[network]\n\ncaptive_url = \"https://x/\"\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("line 3") && e.contains("https://x/") && e.contains("plain http"),
        "{e}"
    );
    let e = load("[network]\nresolvers = [\"dns.google\"]\n")
        .unwrap_err()
        .0;
    assert!(e.contains("line 2") && e.contains("dns.google"), "{e}");
}

#[test]
fn alternatives_are_hosts() {
    let c =
        load("[[targets]]\nhost = \"a\"\nalternatives = [\"b.example.com\", \"::1\"]\n").unwrap();
    assert_eq!(c.targets[0].alternatives, vec!["b.example.com", "::1"]);
    assert!(Config::defaults().targets[0].alternatives.is_empty());
    let e = load("[[targets]]\nhost = \"a\"\nalternatives = [\"b c\"]\n")
        .unwrap_err()
        .0;
    assert!(e.contains("line 3") && e.contains("b c"), "{e}");
}

#[test]
fn host_port_forms() {
    let hp: HostPort = "[::1]:123".parse().unwrap();
    assert_eq!((hp.host.as_str(), hp.port), ("::1", Some(123)));
    let hp: HostPort = "::1".parse().unwrap();
    assert_eq!((hp.host.as_str(), hp.port), ("::1", None));
    let hp: HostPort = "example.com:8443".parse().unwrap();
    assert_eq!(hp.to_string(), "example.com:8443");
    assert!("example.com:99999".parse::<HostPort>().is_err());
    assert!("".parse::<HostPort>().is_err());
}

#[test]
fn resolve_parses() {
    let r: Resolve = "example.com:443:127.0.0.1".parse().unwrap();
    assert_eq!(r.addr, "127.0.0.1".parse::<IpAddr>().unwrap());
    let r: Resolve = "example.com:443:[::1]".parse().unwrap();
    assert_eq!(r.addr, "::1".parse::<IpAddr>().unwrap());
    assert!("example.com:443".parse::<Resolve>().is_err());
}

#[test]
fn free_text_is_cleaned_where_it_enters() {
    let c = load(
        "[[targets]]\nname = \"evil\\u001b[2J\\u202Ename\"\nhost = \"a\"\nsni = \"b\\u0007c\"\n",
    )
    .unwrap();
    assert_eq!(c.targets[0].name, "evil[2Jname");
    assert_eq!(c.targets[0].sni, Sni::Name("bc".to_string()));
}

#[test]
fn every_default_lives_in_the_embedded_defaults() {
    // A file that sets nothing gets every value from defaults.toml.
    let c = load("").unwrap();
    assert_eq!(c, Config::defaults());
    assert!(c.network.captive_url.is_some());
    assert!(c.network.alt_sni.is_some());
    assert!(c.network.concurrency > 0);
}

#[test]
fn ports_durations_and_keys_are_refused_where_they_are_written() {
    let e = load("[[targets]]\nhost = \"a\"\nport = 70000\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("test.toml, line 3") && e.contains("bad port 70000"),
        "{e}"
    );
    assert!(e.contains("from 1 to 65535"), "{e}");
    // Its own line, not the [[targets]] header's.
    let e = load("[[targets]]\nhost = \"a\"\n\nport = 0\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("test.toml, line 4") && e.contains("bad port 0"),
        "{e}"
    );
    let e = load("[[targets]]\nhost = \"a\"\nport = -1\n")
        .unwrap_err()
        .0;
    assert!(e.contains("line 3") && e.contains("bad port -1"), "{e}");

    for huge in ["1000000000000000000s", "18446744073709551615s", "25h"] {
        let e = load(&format!(
            "[network]\ncaptive_url = \"\"\ntimeout = \"{huge}\"\n"
        ))
        .unwrap_err()
        .0;
        assert!(
            e.contains("line 3") && e.contains(&format!("\"{huge}\"")),
            "{e}"
        );
        assert!(e.contains("more than a day"), "{e}");
    }
    let e = load("[clock]\ninterval = \"99999999999999999999999s\"\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("line 2") && e.contains("99999999999999999999999s"),
        "{e}"
    );
    let e = load("[clock]\ntimeout = \"-5s\"\n").unwrap_err().0;
    assert!(
        e.contains("line 2") && e.contains("cannot be negative"),
        "{e}"
    );
    assert_eq!(
        load("[clock]\ninterval = \"24h\"\n")
            .unwrap()
            .clock
            .interval,
        Duration::from_secs(86_400)
    );

    let e = load("[clock]\ntimeout = \"2s\"\ntimeout = \"3s\"\n")
        .unwrap_err()
        .0;
    assert!(
        e.contains("line 3") && e.contains("duplicate key \"timeout\""),
        "{e}"
    );
}

#[test]
fn bad_values_are_quoted_as_written_escaped_not_stripped() {
    let e = load("[[targets]]\nhost = \"a\"\nprobes = [\"tcp:8\\u001b[2J\"]\n")
        .unwrap_err()
        .0;
    assert!(e.contains(r#""tcp:8\x1b[2J""#), "{e}");
    assert!(!e.contains('\x1b'), "{e}");
    let e = load("[[targets]]\nhost = \"a\\u202Eb c\"\n").unwrap_err().0;
    assert!(e.contains(r#""a\u{202e}b c""#), "{e}");
    let e = load("[network]\nalt_sni = \"x\\\"y\"\n").unwrap_err().0;
    assert!(e.contains(r#""x\"y""#), "{e}");
}
