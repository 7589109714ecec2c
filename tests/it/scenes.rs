//! The scenes of the view's tests and of `examples/screenshots.rs`: models built by feeding
//! hand-made probe events and keys through `update`, with a fixed wall-clock time and no
//! network, so what they draw is the same on every run. Shared by the tests (`mod scenes;`) and
//! the example (`#[path]`).

// Each user takes only some of the scenes.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tlsdoctor_tui::app::Env;
use tlsdoctor_tui::app::{self, Model, Msg};
use tlsdoctor_tui::config::Config;
use tlsdoctor_tui::diagnose::Machine;
use tlsdoctor_tui::probe::clock::{NtpError, NtpReply, Offset};
use tlsdoctor_tui::probe::connect::{ConnectReport, Dns, TcpAttempt, TcpError};
use tlsdoctor_tui::probe::reach::dns::{Answer, Direct};
use tlsdoctor_tui::probe::reach::{
    CaptiveResult, DnsComparison, ReachReport, ReachResult, ReachStatus,
};
use tlsdoctor_tui::probe::sync::{SyncStatus, Timedatectl, ToolAnswer};
use tlsdoctor_tui::probe::{ProbeEvent, ProbeId, ProbeOutcome};
use tlsdoctor_tui::ui;

pub const CONFIG: &str = r#"
[clock]
servers = ["ntp1.example.net", "ntp2.example.net:123", "127.0.0.1:11123"]

[[targets]]
name   = "api"
host   = "api.example.com"
probes = ["tls", "tcp:80"]

[[targets]]
name   = "vpn"
host   = "vpn.example.com"
probes = ["tls"]
"#;

/// 2023-11-14T22:13:20Z on the local clock.
pub fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

pub struct Scene {
    pub base: Instant,
    pub model: Model,
}

impl Scene {
    pub fn new(toml: &str, color: bool) -> Self {
        let mut config = Config::from_toml(toml, Path::new("test.toml")).expect("test config");
        // As the command line does: each alternative server right after its target.
        config.expand_alternatives();
        let base = Instant::now();
        let env = Env {
            log_path: Some(PathBuf::from(
                "/home/user/.local/state/tlsdoctor/tlsdoctor.log",
            )),
            color,
            mouse: true,
            light: false,
            redact: false,
        };
        let mut scene = Scene {
            base,
            model: Model::new(Arc::new(config), Machine::default(), env, base, wall()),
        };
        scene.machine(20);
        scene
    }

    /// The machine check of a plain Debian machine: nothing in the way, clients current, a
    /// CA bundle written 12 days ago.
    pub fn machine(&mut self, at_ms: u64) {
        self.machine_saw(plain_machine(), at_ms);
    }

    /// The machine check saw `report`.
    pub fn machine_saw(
        &mut self,
        report: tlsdoctor_tui::probe::machine::MachineReport,
        at_ms: u64,
    ) {
        self.probe(
            ProbeId::Machine,
            ProbeOutcome::Machine(Box::new(report)),
            at_ms,
        );
    }

    pub fn at(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }

    pub fn probe(&mut self, id: ProbeId, outcome: ProbeOutcome, at_ms: u64) {
        let event = ProbeEvent {
            id,
            finished_at: wall() + Duration::from_millis(at_ms),
            took: Duration::from_millis(at_ms.min(40)),
            outcome,
        };
        let at = self.at(at_ms);
        app::update(
            &mut self.model,
            Msg::Probe {
                event: Box::new(event),
                at,
            },
        );
    }

    pub fn ntp(&mut self, i: usize, r: Result<NtpReply, NtpError>, at_ms: u64) {
        self.probe(ProbeId::Ntp(i), ProbeOutcome::Ntp(r), at_ms);
    }

    pub fn sync(&mut self, ntp: bool, at_ms: u64) {
        let s = SyncStatus {
            timedatectl: ToolAnswer::Answered(Timedatectl {
                ntp: Some(ntp),
                synchronized: Some(ntp),
            }),
            chrony: ToolAnswer::Absent,
        };
        self.probe(
            ProbeId::SyncService,
            ProbeOutcome::SyncService(Box::new(s)),
            at_ms,
        );
    }

    /// Target `i`'s DNS answer, put straight into its slot: fed as an event it would start
    /// the target's other checks, which these scenes set one by one.
    pub fn dns(&mut self, i: usize, dns: Dns, at_ms: u64) {
        let (took, now) = (Duration::from_millis(at_ms.min(40)), self.at(at_ms));
        self.model.obs.targets[i]
            .dns
            .finish(dns, wall() + Duration::from_millis(at_ms), took, now);
    }

    pub fn connect(&mut self, i: usize, dns: Dns, tcp: Vec<TcpAttempt>, at_ms: u64) {
        self.dns(i, dns, at_ms);
        self.probe(
            ProbeId::Connect(i),
            ProbeOutcome::Connect(Box::new(ConnectReport { tcp })),
            at_ms,
        );
    }

    pub fn reach(&mut self, i: usize, dns: Dns, r: ReachReport, at_ms: u64) {
        self.dns(i, dns, at_ms);
        self.probe(ProbeId::Reach(i), ProbeOutcome::Reach(Box::new(r)), at_ms);
    }

    pub fn captive(&mut self, c: CaptiveResult, at_ms: u64) {
        self.probe(ProbeId::Captive, ProbeOutcome::Captive(Box::new(c)), at_ms);
    }

    pub fn tick(&mut self, ms: u64) {
        let now = self.at(ms);
        app::update(
            &mut self.model,
            Msg::Tick {
                now,
                wall: wall() + Duration::from_millis(ms),
            },
        );
    }

    pub fn key(&mut self, code: KeyCode) {
        app::update(
            &mut self.model,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
    }

    pub fn chars(&mut self, keys: &str) {
        for c in keys.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn screen(&self, width: u16, height: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        term.draw(|f| ui::render(f, &self.model))
            .expect("draw into the test terminal");
        term.backend().to_string()
    }

    pub fn buffer(&self, width: u16, height: u16) -> ratatui::buffer::Buffer {
        let mut term = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        term.draw(|f| ui::render(f, &self.model))
            .expect("draw into the test terminal");
        term.backend().buffer().clone()
    }
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

pub fn reply(server: &str, offset_us: i64, rtt_us: u64, stratum: u8, refid: &str) -> NtpReply {
    let offset = Offset::from_micros(offset_us);
    let true_time = wall() + Duration::from_micros(offset_us.unsigned_abs());
    NtpReply {
        addr: addr(server),
        offset,
        rtt: Duration::from_micros(rtt_us),
        stratum,
        reference_id: refid.to_string(),
        leap: 0,
        precision: -20,
        poll: 6,
        root_delay: Duration::from_micros(1500),
        root_dispersion: Duration::from_micros(800),
        reference_time: Some(true_time - Duration::from_secs(12)),
        server_time: true_time,
    }
}

pub fn resolved(addrs: &[&str], ms: u64) -> Dns {
    Dns::Resolved {
        addrs: addrs.iter().map(|a| ip(a)).collect(),
        took: Duration::from_millis(ms),
    }
}

pub fn tcp(a: &str, result: Result<Duration, TcpError>) -> TcpAttempt {
    let a = addr(a);
    TcpAttempt {
        port: a.port(),
        addr: Some(a),
        result,
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_micros(n * 1000 + 300)
}

pub const SMALL: i64 = 12_300;
pub const SKEW: i64 = 10_800_200_000;

/// Every check answered and nothing is wrong.
pub fn healthy(color: bool) -> Scene {
    let mut s = Scene::new(CONFIG, color);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        30,
    );
    s.ntp(
        1,
        Ok(reply("192.0.2.20:123", SMALL + 900, 18_100, 1, "GPS")),
        40,
    );
    s.ntp(
        2,
        Ok(reply("127.0.0.1:11123", SMALL - 400, 300, 3, "127.127.1.0")),
        50,
    );
    s.sync(true, 60);
    s.connect(
        0,
        resolved(&["93.184.216.34", "2606:2800:220:1::1"], 12),
        vec![
            tcp("93.184.216.34:443", Ok(ms(23))),
            tcp("93.184.216.34:80", Ok(ms(21))),
        ],
        70,
    );
    s.connect(
        1,
        resolved(&["198.51.100.7"], 8),
        vec![tcp("198.51.100.7:443", Ok(ms(31)))],
        80,
    );
    s
}

/// The local clock is 3 h behind: two servers agree, one kisses us off; the sync service is
/// off; the vpn refuses.
pub fn skewed(color: bool) -> Scene {
    let mut s = Scene::new(CONFIG, color);
    // A first round that was fine, then the clock jumped.
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        10,
    );
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SKEW, 21_400, 2, "192.0.2.1")),
        30,
    );
    s.ntp(
        1,
        Ok(reply("192.0.2.20:123", SKEW + 700, 18_100, 1, "GPS")),
        40,
    );
    s.ntp(2, Err(NtpError::KissOfDeath("RATE".to_string())), 50);
    s.sync(false, 60);
    s.connect(
        0,
        resolved(&["93.184.216.34"], 12),
        vec![
            tcp("93.184.216.34:443", Ok(ms(23))),
            tcp(
                "93.184.216.34:80",
                Err(TcpError::Timeout(Duration::from_secs(5))),
            ),
        ],
        70,
    );
    s.connect(
        1,
        resolved(&["198.51.100.7"], 8),
        vec![tcp("198.51.100.7:443", Err(TcpError::Refused))],
        80,
    );
    s
}

/// A reachability result as the probes word it.
pub fn reach_result(
    spec: &str,
    to: &str,
    status: ReachStatus,
    openvpn: bool,
    signed: Option<&'static str>,
    detail: &str,
    took: Duration,
) -> ReachResult {
    let probe: tlsdoctor_tui::config::ProbeSpec = spec.parse().expect("test probe");
    let addr = SocketAddr::new(ip(to), probe.port().expect("a probe with a port"));
    ReachResult {
        probe,
        addr,
        port: addr.port(),
        status,
        is_openvpn: openvpn,
        signed,
        detail: detail.to_string(),
        took,
        via: None,
        handshake: None,
    }
}

/// The system resolver and one nameserver asked directly, with their answers.
pub fn compare(host: &str, system: &str, direct: &str) -> DnsComparison {
    let answer = |a: &str, ms: u64| Answer::Addrs {
        addrs: vec![ip(a)],
        took: Duration::from_millis(ms),
    };
    DnsComparison {
        host: host.to_string(),
        system: answer(system, 9),
        direct: vec![Direct {
            server: addr("192.0.2.53:53"),
            answer: answer(direct, 14),
        }],
    }
}

// ---- TLS ------------------------------------------------------------------------------------

/// Certificates that are byte-identical on every run: fixed RSA keys (tests/it/fixtures/ui; RSA
/// PKCS#1 v1.5 signatures are deterministic), fixed serials, dates fixed around `wall()`. So
/// the fingerprints, the verdicts and the findings in the snapshots never change.
pub mod pki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, SerialNumber,
    };
    use rustls::pki_types::CertificateDer;
    use time::OffsetDateTime;

    pub const DAY: i64 = 86_400;
    pub const HOUR: i64 = 3_600;

    /// A fixed test key.
    pub enum Key {
        Root,
        Issuing,
        Leaf,
        /// An Ed25519 key from a fixed seed, for a root that is only ever trusted, never shown.
        Seed(u8),
    }

    fn key(k: &Key) -> KeyPair {
        let pem = match k {
            Key::Root => include_str!("fixtures/ui/root.key"),
            Key::Issuing => include_str!("fixtures/ui/issuing.key"),
            Key::Leaf => include_str!("fixtures/ui/leaf.key"),
            Key::Seed(seed) => {
                // A PKCS#8 v1 document around the seed.
                let mut der = vec![
                    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04,
                    0x22, 0x04, 0x20,
                ];
                der.extend([*seed; 32]);
                return KeyPair::try_from(der.as_slice()).expect("a fixed Ed25519 key");
            }
        };
        KeyPair::from_pem(pem).expect("a fixture key")
    }

    /// `secs` after `wall()`.
    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("a test date")
    }

    pub struct Ca {
        pub cert: CertificateDer<'static>,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca_params(cn: &str, serial: u64, from: i64, to: i64) -> CertificateParams {
        let mut p = CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.distinguished_name
            .push(DnType::OrganizationName, "Example Trust");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.serial_number = Some(SerialNumber::from(serial));
        p.not_before = at(from);
        p.not_after = at(to);
        p
    }

    /// A self-signed root.
    pub fn root(cn: &str, k: &Key, serial: u64) -> Ca {
        let key = key(k);
        let params = ca_params(cn, serial, -400 * DAY, 3000 * DAY);
        let cert = params.self_signed(&key).expect("self-sign the root");
        Ca {
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    impl Ca {
        pub fn intermediate(&self, cn: &str, k: &Key, serial: u64) -> Ca {
            let key = key(k);
            let params = ca_params(cn, serial, -300 * DAY, 1500 * DAY);
            let cert = params
                .signed_by(&key, &self.issuer)
                .expect("sign the intermediate");
            Ca {
                cert: cert.der().clone(),
                issuer: Issuer::new(params, key),
            }
        }

        /// A server certificate for `sans` with the leaf key, valid from `from` to `to`
        /// seconds after `wall()`.
        pub fn leaf(
            &self,
            sans: &[&str],
            serial: u64,
            from: i64,
            to: i64,
        ) -> CertificateDer<'static> {
            let names: Vec<String> = sans.iter().map(|s| (*s).to_string()).collect();
            let mut p = CertificateParams::new(names).expect("valid SANs");
            p.distinguished_name = rcgen::DistinguishedName::new();
            p.distinguished_name.push(DnType::CommonName, sans[0]);
            p.serial_number = Some(SerialNumber::from(serial));
            p.not_before = at(from);
            p.not_after = at(to);
            p.is_ca = IsCa::ExplicitNoCa;
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            p.signed_by(&key(&Key::Leaf), &self.issuer)
                .expect("sign the leaf")
                .der()
                .clone()
        }
    }
}

pub use pki::{DAY, HOUR};
pub use rustls::pki_types::CertificateDer;
pub use tlsdoctor_tui::probe::tls::{
    Attempt, FirstRead, HttpHead, Negotiated, TlsFailure, TlsReport, Variant,
};
pub use tlsdoctor_tui::probe::trust::{SourceKind, Trust, TrustSource};

pub const TLS_CONFIG: &str = r#"
[clock]
servers = ["ntp1.example.net", "ntp2.example.net"]

[network]
captive_url = ""

[[targets]]
name   = "api"
host   = "api.example.com"
probes = ["tls", "tcp:80"]

[[targets]]
name   = "vpn"
host   = "vpn.example.com"
probes = ["tls"]

[[targets]]
name   = "nl"
host   = "nl1.vpn.example.com"
probes = ["openvpn-udp:1194"]
"#;

/// The certificates of the TLS scenes, and the stores that trust them: Mozilla's and the
/// system's hold the root; the ca_file holds a root that signed none of them.
pub struct Certs {
    pub issuing: pki::Ca,
    pub trust: Arc<Trust>,
}

impl Certs {
    pub fn new() -> Self {
        let root = pki::root("Example Root CA", &pki::Key::Root, 1);
        let issuing = root.intermediate("Example Issuing CA 1", &pki::Key::Issuing, 2);
        let other = pki::root("Corp Extra Root", &pki::Key::Seed(9), 9);
        let trust = Arc::new(Trust::new(vec![
            TrustSource::from_ders(SourceKind::Mozilla, std::slice::from_ref(&root.cert)),
            TrustSource::from_ders(SourceKind::System, std::slice::from_ref(&root.cert)),
            TrustSource::from_ders(
                SourceKind::CaFile(PathBuf::from("/etc/tlsdoctor/extra-roots.pem")),
                std::slice::from_ref(&other.cert),
            ),
        ]));
        Certs { issuing, trust }
    }

    /// A leaf for `host` and the intermediate, as a good server sends them.
    pub fn chain(&self, host: &str, seed: u8, from: i64, to: i64) -> Vec<CertificateDer<'static>> {
        let www = format!("www.{host}");
        vec![
            self.issuing
                .leaf(&[host, www.as_str()], u64::from(seed), from, to),
            self.issuing.cert.clone(),
        ]
    }
}

/// An attempt that got no further than `failure`, or the handshake that `negotiated` says.
pub fn attempt(variant: Variant, sni: &str, to: &str, hello_len: usize) -> Attempt {
    Attempt {
        addr: Some(addr(to)),
        tcp: Some(Ok(ms(23))),
        hello_len,
        took: ms(60),
        ..Attempt::new(variant, Some(sni.to_string()))
    }
}

/// `a` completed: TLS 1.3 with `group`, ALPN http/1.1, and a `HEAD /` answered with `date`.
pub fn completed(mut a: Attempt, group: &str, date: Option<&str>) -> Attempt {
    a.handshake = Some(ms(31));
    a.negotiated = Some(Negotiated {
        version: "TLSv1.3".to_string(),
        cipher: "TLS_AES_256_GCM_SHA384".to_string(),
        group: Some(group.to_string()),
        post_quantum: group == "X25519MLKEM768",
        alpn: Some("http/1.1".to_string()),
    });
    a.first_read = Some(FirstRead::Data {
        took: ms(12),
        bytes: 212,
    });
    a.http = Some(HttpHead {
        status_line: "HTTP/1.1 200 OK".to_string(),
        status: Some(200),
        date_raw: date.map(str::to_string),
        date: date.and_then(tlsdoctor_tui::probe::http::parse_date),
        received_at: wall(),
    });
    a.received = 4_310;
    a
}

/// A report for `host` from its attempts and the chain it captured.
pub fn report(
    host: &str,
    attempt: Attempt,
    variants: Vec<Attempt>,
    chain: &[CertificateDer<'static>],
) -> TlsReport {
    TlsReport {
        host: host.to_string(),
        port: 443,
        sni: Some(host.to_string()),
        name: host.to_string(),
        started_at: wall(),
        took: ms(95),
        attempt,
        variants,
        chain: tlsdoctor_tui::probe::cert::parse_chain(chain),
        verified_at: Some(wall()),
    }
}

/// The NTP servers agree on `offset_us`; the sync service is on; every target resolves and
/// connects.
pub fn tls_scene(certs: &Certs, offset_us: i64) -> Scene {
    let mut s = Scene::new(TLS_CONFIG, false);
    s.model.obs.machine.trust = Arc::clone(&certs.trust);
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", offset_us, 21_400, 2, "192.0.2.1")),
        20,
    );
    s.ntp(
        1,
        Ok(reply("192.0.2.20:123", offset_us + 700, 18_100, 1, "GPS")),
        25,
    );
    s.sync(true, 30);
    s.connect(
        0,
        resolved(&["93.184.216.34"], 12),
        vec![
            tcp("93.184.216.34:443", Ok(ms(23))),
            tcp("93.184.216.34:80", Ok(ms(21))),
        ],
        40,
    );
    s.connect(
        1,
        resolved(&["198.51.100.7"], 8),
        vec![tcp("198.51.100.7:443", Ok(ms(31)))],
        45,
    );
    s.connect(2, resolved(&["192.0.2.30"], 6), vec![], 50);
    s
}

pub fn tls(s: &mut Scene, i: usize, r: TlsReport, at_ms: u64) {
    s.probe(ProbeId::Tls(i), ProbeOutcome::Tls(Box::new(r)), at_ms);
}

/// api: TLS 1.3 with the post-quantum group, a leaf and its intermediate, 41 days left.
pub fn api_good(certs: &Certs) -> TlsReport {
    let host = "api.example.com";
    let a = completed(
        attempt(Variant::Default, host, "93.184.216.34:443", 1_612),
        "X25519MLKEM768",
        Some("Tue, 14 Nov 2023 22:13:21 GMT"),
    );
    report(
        host,
        a,
        vec![],
        &certs.chain(host, 3, -49 * DAY, 41 * DAY + 5 * HOUR),
    )
}

/// vpn: TLS 1.3 with the classic X25519, 200 days left.
pub fn vpn_good(certs: &Certs) -> TlsReport {
    let host = "vpn.example.com";
    let a = completed(
        attempt(Variant::Default, host, "198.51.100.7:443", 1_612),
        "X25519",
        Some("Tue, 14 Nov 2023 22:13:20 GMT"),
    );
    report(host, a, vec![], &certs.chain(host, 4, -20 * DAY, 200 * DAY))
}

/// vpn: the default hello is reset; without the post-quantum share it works; another SNI and
/// none are reset too (they are as large).
pub fn vpn_reset(certs: &Certs) -> TlsReport {
    let host = "vpn.example.com";
    let to = "198.51.100.7:443";
    let mut a = attempt(Variant::Default, host, to, 1_612);
    a.failure = Some(TlsFailure::Reset { received: 0 });
    let small = completed(
        attempt(Variant::NoPostQuantum, host, to, 380),
        "X25519",
        None,
    );
    let mut other = attempt(
        Variant::OtherSni("example.com".to_string()),
        "example.com",
        to,
        1_608,
    );
    other.failure = Some(TlsFailure::Reset { received: 0 });
    let mut none = attempt(Variant::NoSni, host, to, 1_590);
    none.sni = None;
    none.failure = Some(TlsFailure::Reset { received: 0 });
    report(
        host,
        a,
        vec![small, other, none],
        &certs.chain(host, 4, -20 * DAY, 200 * DAY),
    )
}

/// A good TLS 1.3 handshake with the post-quantum group (api), a classic one (vpn), and a
/// target with UDP checks only (nl).
pub fn tls_good() -> Scene {
    let certs = Certs::new();
    let mut s = tls_scene(&certs, SMALL);
    tls(&mut s, 0, api_good(&certs), 60);
    tls(&mut s, 1, vpn_good(&certs), 70);
    s
}

/// Every HTTPS site's certificate is issued by an antivirus's root, which only the system
/// store trusts: TLS interception.
pub fn intercepted() -> Scene {
    let kaspersky = pki::root(
        "Kaspersky Anti-Virus Personal Root Certificate",
        &pki::Key::Seed(7),
        7,
    );
    let mozilla = pki::root("Example Root CA", &pki::Key::Root, 1);
    let trust = Trust::new(vec![
        TrustSource::from_ders(SourceKind::Mozilla, std::slice::from_ref(&mozilla.cert)),
        TrustSource::from_ders(
            SourceKind::System,
            &[mozilla.cert.clone(), kaspersky.cert.clone()],
        ),
    ]);
    let certs = Certs {
        issuing: kaspersky,
        trust: Arc::new(trust),
    };
    let mut s = tls_scene(&certs, SMALL);
    tls(&mut s, 0, api_good(&certs), 60);
    tls(&mut s, 1, vpn_good(&certs), 70);
    s.reach(
        2,
        resolved(&["192.0.2.30"], 6),
        ReachReport {
            results: vec![reach_result(
                "openvpn-udp:1194",
                "192.0.2.30",
                ReachStatus::Open,
                true,
                None,
                "OpenVPN answers: a server reset acking our session after 9.0 ms",
                ms(9),
            )],
            dns_compare: None,
        },
        80,
    );
    s
}

const UDP_BLOCKED_CONFIG: &str = r#"
[clock]
servers = ["ntp1.example.net", "ntp2.example.net"]

[network]
captive_url = ""

[[targets]]
name   = "nordvpn nl"
host   = "nl1.vpn.example.com"
probes = ["openvpn-udp:1194", "openvpn-tcp:443", "wireguard:51820"]
"#;

/// A NordVPN server whose OpenVPN UDP port is silent while OpenVPN over TCP 443 answers: the
/// network blocks UDP; the `nordvpn` CLI is installed, so its settings are the fix.
pub fn udp_blocked() -> Scene {
    let mut s = Scene::new(UDP_BLOCKED_CONFIG, false);
    s.model.obs.machine.nordvpn_cli = true;
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", SMALL, 21_400, 2, "192.0.2.1")),
        20,
    );
    s.ntp(
        1,
        Ok(reply("192.0.2.20:123", SMALL + 700, 18_100, 1, "GPS")),
        25,
    );
    s.sync(true, 30);
    let dns = || resolved(&["192.0.2.44"], 7);
    s.connect(0, dns(), vec![], 40);
    s.reach(
        0,
        dns(),
        ReachReport {
            results: vec![
                reach_result(
                    "openvpn-udp:1194",
                    "192.0.2.44",
                    ReachStatus::OpenOrFiltered,
                    false,
                    None,
                    "no reply to 3 resets within 5.0 s: filtered, or the server requires tls-auth/tls-crypt",
                    Duration::from_secs(5),
                ),
                reach_result(
                    "openvpn-tcp:443",
                    "192.0.2.44",
                    ReachStatus::Open,
                    true,
                    None,
                    "OpenVPN answers: a server reset acking our session after 31.0 ms",
                    ms(31),
                ),
                reach_result(
                    "wireguard:51820",
                    "192.0.2.44",
                    ReachStatus::OpenOrFiltered,
                    false,
                    None,
                    "no reply to 3 initiations within 5.0 s: WireGuard never answers a packet it cannot authenticate, so silence cannot tell an open port from a filtered one",
                    Duration::from_secs(5),
                ),
            ],
            dns_compare: Some(compare("nl1.vpn.example.com", "192.0.2.44", "192.0.2.44")),
        },
        5040,
    );
    s
}

/// The skewed clock's fix `t` (turn on time sync) confirmed, run, exited 0, and every check it
/// re-ran ended with the clock right: the before/after of the fix → verify loop.
pub fn clock_fixed(color: bool) -> Scene {
    let mut s = skewed(color);
    s.chars("4");
    s.chars("ft");
    let fx = app::update(
        &mut s.model,
        Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    let [app::Effect::RunFix(run)] = fx.as_slice() else {
        panic!("confirming the clock fix runs it: {fx:?}")
    };
    // (No tick here: a scene never started, so a tick would start a clock round first.)
    let run = run.clone();
    app::update(&mut s.model, Msg::FixFinished { run, result: Ok(0) });
    s.ntp(
        0,
        Ok(reply("192.0.2.10:123", 200, 21_400, 2, "192.0.2.1")),
        3_400,
    );
    s.ntp(1, Ok(reply("192.0.2.20:123", 350, 18_100, 1, "GPS")), 3_450);
    s.ntp(
        2,
        Ok(reply("127.0.0.1:11123", 120, 300, 3, "127.127.1.0")),
        3_500,
    );
    // The wall clock moves as the ticks would have moved it.
    s.model.wall = wall() + Duration::from_millis(3_600);
    s.sync(true, 3_600);
    assert!(
        s.model.pending.is_none(),
        "every check the fix re-ran has ended: {:?}",
        s.model.pending.as_ref().map(|p| (
            p.command_running,
            p.probes
                .iter()
                .filter(|id| s.model.obs.is_pending(**id))
                .collect::<Vec<_>>()
        ))
    );
    s
}

/// One screenshot: its file name (without size and extension) and the scene it shows.
pub struct Shot {
    pub name: &'static str,
    pub scene: Scene,
}

/// The sizes every screenshot is taken at.
pub const SHOT_SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// What the machine check sees on a plain Debian machine: nothing in the way, clients
/// current, a CA bundle written 12 days ago.
pub fn plain_machine() -> tlsdoctor_tui::probe::machine::MachineReport {
    use tlsdoctor_tui::machine::clients::{self, Found, OsRelease};
    use tlsdoctor_tui::probe::firewall::{Firewall, Reading, Ruleset, Save, Ufw};
    use tlsdoctor_tui::probe::machine::{
        ClientVersion, MachineReport, SecurityScan, VersionAnswer,
    };
    use tlsdoctor_tui::probe::trust::{StoreFile, StoreSummary};
    let version = |program: &str, v: Option<&str>| ClientVersion {
        client: clients::client(program).expect("a program of the table"),
        answer: v.map_or(VersionAnswer::NotInstalled, |v| {
            VersionAnswer::Found(Found {
                version: v.to_string(),
                other_product: None,
            })
        }),
    };
    MachineReport {
        security: SecurityScan {
            found: Vec::new(),
            limited: None,
        },
        clients: vec![
            version("nordvpn", None),
            version("openvpn", Some("2.6.3")),
            version("wg", Some("1.0.20210914")),
            version("openssl", Some("3.0.11")),
        ],
        os: Ok(OsRelease::parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
        )),
        firewall: Firewall {
            iptables: Reading::Read(
                Save::parse("", "iptables-legacy", false).expect("an empty table"),
            ),
            ip6tables: Reading::Read(
                Save::parse("", "ip6tables-legacy", true).expect("an empty table"),
            ),
            ufw: Ufw::Inactive,
            ..Firewall::nft_only(
                Ruleset::parse(r#"{"nftables": [{"metainfo": {"json_schema_version": 1}}]}"#)
                    .expect("an empty ruleset"),
            )
        },
        services: Vec::new(),
        nordvpn_status: None,
        trust_store: Ok(StoreSummary {
            bundle: Some(StoreFile {
                path: PathBuf::from("/etc/ssl/certs/ca-certificates.crt"),
                modified: Some(wall() - Duration::from_secs(12 * 86_400)),
                named_by: None,
            }),
            dirs: vec![PathBuf::from("/etc/ssl/certs")],
            system_roots: 146,
            mozilla_roots: 150,
            mozilla_file: None,
            system_only: Vec::new(),
            installed_here: Vec::new(),
            missing: 4,
            problems: Vec::new(),
        }),
    }
}

/// The machine check finds an OpenVPN below its minimum and an intercepting antivirus running,
/// on the healthy scene; the This machine pane has the focus.
pub fn this_machine() -> Scene {
    use tlsdoctor_tui::machine::clients::{self, Found};
    use tlsdoctor_tui::machine::security::PRODUCTS;
    use tlsdoctor_tui::probe::machine::{ClientVersion, Detected, VersionAnswer};
    let mut s = healthy(true);
    let mut report = plain_machine();
    report.clients[1] = ClientVersion {
        client: clients::client("openvpn").expect("openvpn is in the table"),
        answer: VersionAnswer::Found(Found {
            version: "2.3.18".to_string(),
            other_product: None,
        }),
    };
    let product = PRODUCTS
        .iter()
        .find(|p| p.vendor == "Kaspersky")
        .expect("Kaspersky is in the table");
    report.security.found = vec![Detected {
        product,
        running: vec!["process kesl (pid 4242)".to_string()],
        installed: vec![format!("installed at {}", product.paths[0])],
    }];
    s.machine_saw(report, 500);
    s.chars("5");
    s
}

/// The screenshots in `screenshots/`, in colour: each scene after its keys.
pub fn shots() -> Vec<Shot> {
    let with = |mut scene: Scene, keys: &str| {
        scene.model.env.color = true;
        scene.chars(keys);
        scene
    };
    vec![
        Shot {
            name: "01-healthy",
            scene: with(healthy(true), ""),
        },
        Shot {
            name: "02-clock-3h-off",
            scene: with(skewed(true), ""),
        },
        Shot {
            name: "03-interception",
            scene: with(intercepted(), "4"),
        },
        Shot {
            name: "04-udp-blocked",
            scene: with(udp_blocked(), "4"),
        },
        Shot {
            name: "05-fixes-window",
            scene: with(udp_blocked(), "4f"),
        },
        Shot {
            name: "06-fix-before",
            scene: with(skewed(true), "4ft"),
        },
        Shot {
            name: "07-fix-after",
            scene: with(clock_fixed(true), ""),
        },
        Shot {
            name: "08-fix-history",
            scene: with(clock_fixed(true), "h"),
        },
        Shot {
            name: "10-this-machine",
            scene: with(this_machine(), ""),
        },
        Shot {
            name: "09-light-background",
            scene: {
                let mut s = with(skewed(true), "4");
                s.model.env.light = true;
                s
            },
        },
    ]
}

/// A drawn screen as plain text: one line per row, trailing blanks removed.
pub fn plain(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            let symbol = buffer[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The files of one screenshot at one size: `(file name, contents)` for the text and the SVG.
pub fn shot_files(shot: &Shot, (w, h): (u16, u16)) -> [(String, String); 2] {
    let buffer = shot.scene.buffer(w, h);
    [
        (format!("{}_{w}x{h}.txt", shot.name), plain(&buffer)),
        (
            format!("{}_{w}x{h}.svg", shot.name),
            ui::svg::render_on(&buffer, shot.scene.model.env.light),
        ),
    ]
}

/// Whether a file in `screenshots/` is one the screenshots write (a text or an SVG).
pub fn is_screenshot(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("svg"))
}
