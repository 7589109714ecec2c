//! Property tests over every parser that takes untrusted bytes: the SNTP reply checks, the
//! OpenVPN reply parser, the `.ovpn` profile parser, the static-key parser, the config loader
//! and the certificate analysis. Each property holds for any input: no panic, and what comes
//! back is sane (errors name a line that exists, quote without raw control characters, never
//! repeat a key file's contents; a valid key reads back to its bytes).
//!
//! `cargo test` runs each with a bounded number of cases (`TLSDOCTOR_PROP_CASES`, 256 by
//! default); `fuzz/run.sh` runs the same properties for millions of cases and counts them.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, FileFailurePersistence};
use rustls::pki_types::CertificateDer;
use tlsdoctor_tui::config::ovpn::parse_profile;
use tlsdoctor_tui::config::{Config, Digest, Direction, StaticKey, TlsWrap};
use tlsdoctor_tui::probe::cert::{self, CertInfo};
use tlsdoctor_tui::probe::clock::judge_raw_reply;
use tlsdoctor_tui::probe::reach::openvpn::{self, parse_reply};
use tlsdoctor_tui::probe::trust::{SourceKind, TrustSource};

/// Cases per property: small in `cargo test`, large under `fuzz/run.sh`.
fn cases() -> u32 {
    std::env::var("TLSDOCTOR_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> PropConfig {
    PropConfig {
        cases: cases(),
        // A failure is printed with its shrunk input; no regression files in the tree.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..PropConfig::default()
    }
}

/// Executions per property, printed at the end of each (the fuzz runner sums them).
fn report(name: &str, runs: &AtomicU64) {
    println!("fuzz-count {name} {}", runs.load(Ordering::Relaxed));
}

/// No character that could act on a terminal: messages quote, they never pass bytes through.
fn no_raw_controls(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && c != '\n' || ('\u{202A}'..='\u{202E}').contains(&c))
}

// --- SNTP -------------------------------------------------------------------------------------

/// A reply shaped like SNTP (so the checks past the length are reached) or any bytes.
fn sntp_reply() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80),
        (
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 46),
            proptest::collection::vec(any::<u8>(), 0..24),
        )
            .prop_map(|(first, stratum, rest, extra)| {
                let mut p = vec![first, stratum];
                p.extend(rest);
                p.extend(extra);
                p
            }),
        // Mode 4, version 4, a plausible stratum: most checks pass, the timestamps vary.
        (0u8..4, 0u8..20, proptest::collection::vec(any::<u8>(), 46),).prop_map(
            |(li, stratum, rest)| {
                let mut p = vec![(li << 6) | (4 << 3) | 4, stratum];
                p.extend(rest);
                p
            }
        ),
    ]
}

#[test]
fn prop_sntp_replies() {
    let runs = AtomicU64::new(0);
    proptest!(config(), |(raw in sntp_reply(), echo in any::<bool>())| {
        runs.fetch_add(1, Ordering::Relaxed);
        match judge_raw_reply(&raw, echo) {
            Ok(r) => {
                prop_assert!(raw.len() >= 48);
                prop_assert!((1..16).contains(&r.stratum), "{r:?}");
                prop_assert!(no_raw_controls(&r.reference_id), "{r:?}");
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(!text.is_empty());
                prop_assert!(no_raw_controls(&text), "{text:?}");
                let _ = (e.status(), e.answered());
            }
        }
    });
    report("sntp-reply", &runs);
}

// --- OpenVPN replies --------------------------------------------------------------------------

fn static_key(fill: u8) -> StaticKey {
    let mut b = [0u8; 256];
    for (i, x) in b.iter_mut().enumerate() {
        *x = fill ^ (i as u8);
    }
    StaticKey::from_bytes(b)
}

fn wraps() -> Vec<Option<TlsWrap>> {
    vec![
        None,
        Some(TlsWrap::Auth {
            key: static_key(1),
            direction: Direction::Inverse,
            digest: Digest::Sha1,
        }),
        Some(TlsWrap::Auth {
            key: static_key(2),
            direction: Direction::Bidirectional,
            digest: Digest::Sha512,
        }),
        Some(TlsWrap::Crypt { key: static_key(3) }),
    ]
}

/// A datagram shaped like an OpenVPN control packet (control opcode, our session id acked
/// or not, a wrapped packet's length) or any bytes.
fn openvpn_reply() -> impl Strategy<Value = (Vec<u8>, bool)> {
    prop_oneof![
        (
            proptest::collection::vec(any::<u8>(), 0..120),
            any::<bool>()
        ),
        (
            0u8..12,
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 0..110),
        )
            .prop_map(|(opcode, echo, body)| {
                let mut p = vec![opcode << 3];
                p.extend(body);
                (p, echo)
            }),
    ]
}

const OURS: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// Writes our session id where the ack array of an unwrapped reply would carry it.
fn echo_session(p: &mut [u8]) {
    // opcode(1) + server session(8) + ack count(1) + ack id(4) + our session(8)
    if p.len() >= 22 {
        p[9] = 1;
        p[10..14].copy_from_slice(&[0, 0, 0, 0]);
        p[14..22].copy_from_slice(&OURS);
    }
}

#[test]
fn prop_openvpn_replies() {
    let runs = AtomicU64::new(0);
    let wraps = wraps();
    proptest!(config(), |((mut pkt, echo) in openvpn_reply(), w in 0usize..4)| {
        runs.fetch_add(1, Ordering::Relaxed);
        if echo {
            echo_session(&mut pkt);
        }
        let wrap = wraps[w].as_ref();
        let reply = parse_reply(&pkt, OURS, wrap);
        if pkt.len() < 14 {
            prop_assert_eq!(reply, openvpn::Reply::NotOpenvpn);
        }
        // Our own reset is never taken for a server's answer.
        let ours = openvpn::client_reset(OURS, wrap, 1, 0);
        let echoed = matches!(
            parse_reply(&ours, OURS, wrap),
            openvpn::Reply::ServerReset { acks_us: true, .. }
        );
        prop_assert!(!echoed);
    });
    report("openvpn-reply", &runs);
}

// --- .ovpn profiles ---------------------------------------------------------------------------

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("vpn.example.com".to_string()),
        Just("1194".to_string()),
        Just("udp".to_string()),
        Just("tcp".to_string()),
        Just("[inline]".to_string()),
        Just("1".to_string()),
        Just("0".to_string()),
        Just("SHA256".to_string()),
        Just("\"a b\"".to_string()),
        Just("ta.key".to_string()),
        Just("/dev/null".to_string()),
        "[a-z0-9.:-]{0,12}",
        "\\PC{0,6}",
        ".{0,8}",
    ]
}

fn directive() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("remote"),
        Just("port"),
        Just("rport"),
        Just("proto"),
        Just("tls-auth"),
        Just("tls-crypt"),
        Just("tls-crypt-v2"),
        Just("key-direction"),
        Just("auth"),
        Just("client"),
        Just("dev"),
        Just("secret"),
        Just("mode"),
        Just("<connection>"),
        Just("</connection>"),
        Just("<tls-auth>"),
        Just("</tls-auth>"),
        Just("<tls-crypt>"),
        Just("</tls-crypt>"),
        Just("-----BEGIN OpenVPN Static key V1-----"),
        Just("-----END OpenVPN Static key V1-----"),
        Just("# comment"),
        Just("00112233445566778899aabbccddeeff"),
    ]
    .prop_map(str::to_string)
}

fn profile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        proptest::collection::vec(
            (directive(), proptest::collection::vec(word(), 0..4)),
            0..24
        )
        .prop_map(|lines| {
            let mut s = String::new();
            for (d, args) in lines {
                let _ = writeln!(s, "{d} {}", args.join(" "));
            }
            s
        }),
    ]
}

#[test]
fn prop_ovpn_profiles() {
    let runs = AtomicU64::new(0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.ovpn");
    proptest!(config(), |(text in profile_text())| {
        runs.fetch_add(1, Ordering::Relaxed);
        match parse_profile(&text, &path) {
            Ok(p) => {
                prop_assert!(!p.remotes.is_empty());
                let t = p.target();
                prop_assert!(t.port != 0);
                prop_assert!(!t.probes.is_empty());
                prop_assert!(no_raw_controls(&t.name));
            }
            Err(e) => {
                prop_assert!(no_raw_controls(&e), "{e:?}");
                if let Some(n) = line_in(&e) {
                    prop_assert!(n >= 1 && n <= text.lines().count().max(1), "{e} in {text:?}");
                }
            }
        }
    });
    report("ovpn-profile", &runs);
}

/// The first "line N" a message names.
fn line_in(e: &str) -> Option<usize> {
    let rest = &e[e.find("line ")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

// --- static keys ------------------------------------------------------------------------------

const BEGIN: &str = "-----BEGIN OpenVPN Static key V1-----";
const END: &str = "-----END OpenVPN Static key V1-----";

fn key_text(bytes: &[u8]) -> String {
    let mut s = format!("# 2048 bit OpenVPN static key\n{BEGIN}\n");
    for chunk in bytes.chunks(16) {
        for b in chunk {
            let _ = write!(s, "{b:02x}");
        }
        s.push('\n');
    }
    s.push_str(END);
    s.push('\n');
    s
}

/// A key with one mutation: a byte replaced, a line dropped or doubled, garbage inserted.
fn mutated_key() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(any::<u8>(), 256),
        0usize..4,
        any::<usize>(),
        "\\PC{0,4}",
    )
        .prop_map(|(bytes, how, at, junk)| {
            let text = key_text(&bytes);
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let i = at % lines.len();
            match how {
                0 => lines[i] = junk,
                1 => {
                    lines.remove(i);
                }
                2 => lines.insert(i, lines[i].clone()),
                _ => {
                    let l = &mut lines[i];
                    let cut = l
                        .char_indices()
                        .nth(at % (l.len() + 1))
                        .map_or(l.len(), |c| c.0);
                    l.insert_str(cut, &junk);
                }
            }
            lines.join("\n")
        })
}

#[test]
fn prop_static_keys() {
    let runs = AtomicU64::new(0);
    proptest!(config(), |(bytes in proptest::collection::vec(any::<u8>(), 256),
                           mutated in mutated_key(),
                           secret in "[a-z:*0-9]{12,30}")| {
        runs.fetch_add(3, Ordering::Relaxed);
        // A valid key reads back to exactly its bytes.
        let key = StaticKey::parse(&key_text(&bytes)).unwrap();
        let arr: [u8; 256] = bytes.clone().try_into().unwrap();
        prop_assert_eq!(key, StaticKey::from_bytes(arr));
        // A mutated one parses or says which line, within the text.
        if let Err(e) = StaticKey::parse(&mutated) {
            prop_assert!(e.line >= 1 && e.line <= mutated.lines().count().max(1), "{e:?}");
            prop_assert!(no_raw_controls(&e.message), "{e:?}");
        }
        // Any other file: its contents never come back in the message.
        let other = format!("{secret}\n{secret}\n");
        let e = StaticKey::parse(&other).unwrap_err();
        prop_assert!(!e.message.contains(&secret), "{e:?}");
    });
    report("static-key", &runs);
}

// --- the config -------------------------------------------------------------------------------

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"5s\"".to_string()),
        Just("\"1000000000000000000s\"".to_string()),
        Just("\"-5s\"".to_string()),
        Just("70000".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("9223372036854775807".to_string()),
        Just("[\"tls\", \"tcp:80\", \"openvpn-udp:1194\"]".to_string()),
        Just("[\"127.0.0.1:123\"]".to_string()),
        Just("\"127.0.0.1:8443\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"/dev/zero\"".to_string()),
        Just("true".to_string()),
        "[0-9]{1,25}",
        "\"[a-z0-9.:\\[\\]-]{0,20}\"",
        "\"\\\\u00[0-1][0-9a-f]\\PC{0,4}\"",
        ".{0,10}",
    ]
}

fn toml_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("servers"),
        Just("interval"),
        Just("timeout"),
        Just("ca_file"),
        Just("captive_url"),
        Just("resolvers"),
        Just("concurrency"),
        Just("alt_sni"),
        Just("name"),
        Just("host"),
        Just("port"),
        Just("sni"),
        Just("connect"),
        Just("probes"),
        Just("key_direction"),
        Just("tls_auth"),
        Just("alternatives"),
        Just("bogus"),
    ]
    .prop_map(str::to_string)
}

fn config_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just(""),
        Just("[clock]"),
        Just("[network]"),
        Just("[[targets]]"),
        Just("targets = []"),
        Just("[x"),
    ];
    prop_oneof![
        ".{0,120}",
        proptest::collection::vec(
            (
                header,
                proptest::collection::vec((toml_key(), toml_value()), 0..5)
            ),
            0..6
        )
        .prop_map(|sections| {
            let mut s = String::new();
            for (h, kvs) in sections {
                s.push_str(h);
                s.push('\n');
                for (k, v) in kvs {
                    let _ = writeln!(s, "{k} = {v}");
                }
            }
            s
        }),
    ]
}

#[test]
fn prop_config_loader() {
    let runs = AtomicU64::new(0);
    proptest!(config(), |(text in config_text())| {
        runs.fetch_add(1, Ordering::Relaxed);
        match Config::from_toml(&text, Path::new("p.toml")) {
            Ok(c) => {
                prop_assert!(c.network.timeout <= tlsdoctor_tui::config::MAX_DURATION);
                prop_assert!(c.clock.timeout <= tlsdoctor_tui::config::MAX_DURATION);
                prop_assert!(!c.network.timeout.is_zero());
                prop_assert!(c.targets.iter().all(|t| t.port != 0));
                prop_assert!(c.targets.iter().all(|t| no_raw_controls(&t.name)));
            }
            Err(e) => {
                prop_assert!(e.0.starts_with("config file p.toml"), "{e}");
                prop_assert!(no_raw_controls(&e.0), "{e:?}");
                if let Some(n) = line_in(&e.0) {
                    prop_assert!(n >= 1 && n <= text.lines().count() + 1, "{e} in {text:?}");
                }
            }
        }
    });
    report("config", &runs);
}

// --- certificates -----------------------------------------------------------------------------

/// A few real certificates to mutate: a leaf with SANs and EKU, a CA, an ECDSA leaf.
fn sample_ders() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let leaf =
        rcgen::generate_simple_self_signed(vec!["a.example".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    out.push(leaf.cert.der().to_vec());
    let key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Fuzz Root \u{1b}[2J");
    ca.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    out.push(ca.self_signed(&key).unwrap().der().to_vec());
    out
}

/// A certificate with up to four mutations: bytes replaced, inserted, removed, or cut short.
fn mutated_der(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        0..samples.len(),
        proptest::collection::vec((0u8..4, any::<usize>(), any::<u8>()), 0..4),
    )
        .prop_map(move |(i, edits)| {
            let mut der = samples[i].clone();
            for (how, at, b) in edits {
                if der.is_empty() {
                    break;
                }
                let at = at % der.len();
                match how {
                    0 => der[at] = b,
                    1 => der.insert(at, b),
                    2 => {
                        der.remove(at);
                    }
                    _ => der.truncate(at),
                }
            }
            der
        })
}

#[test]
fn prop_certificate_analysis() {
    let runs = AtomicU64::new(0);
    let samples = sample_ders();
    for der in &samples {
        CertInfo::parse(der).expect("the samples parse");
    }
    proptest!(config(), |(der in mutated_der(samples.clone()), at in any::<i64>())| {
        runs.fetch_add(1, Ordering::Relaxed);
        if let Ok(info) = CertInfo::parse(&der) {
            let _ = (info.allows_server_auth(), info.valid_at(at), info.weaknesses());
            let shown = [info.validity(), info.validity_words(at), info.display_name().to_string(),
                         info.issuer_name().to_string(), info.subject.clone()];
            for s in shown {
                prop_assert!(no_raw_controls(&s), "{s:?}");
            }
            prop_assert!(info.sans.iter().all(|s| no_raw_controls(s)));
        }
        let chain = cert::parse_chain(&[CertificateDer::from(der.clone())]);
        prop_assert_eq!(chain.len(), 1);
        let _ = cert::fingerprint(&der);
        // The same bytes as a PEM bundle (a ca_file).
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64_lines(&der)
        );
        let src = TrustSource::from_pem(SourceKind::CaFile("f.pem".into()), pem.as_bytes());
        prop_assert!(src.problems.iter().all(|p| no_raw_controls(p)));
    });
    report("certificate", &runs);
}

fn base64_lines(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    b64.as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
