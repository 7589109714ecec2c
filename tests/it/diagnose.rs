//! Scenarios of the pure diagnosis: observations built by hand, one fixture per failure mode,
//! fed to `diagnose`, and what must come out — every finding code with its severity, its
//! target, the evidence that tells it apart and its fixes (keys, and the exact command where
//! there is one). No sockets, no clock probes, nothing async: the certificates come from the
//! lab's rcgen PKI, the trust stores are built in memory.
//!
//! Each scenario is a row of [`scenarios`]: a name, the events that build its observations
//! (as the probes would post them), and the findings expected. [`the_scenarios`] runs them all
//! and prints every mismatch before failing. The same events, replayed in other orders with
//! re-runs in between, check that `Derived::refresh` always equals `diagnose` from scratch.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rcgen::ExtendedKeyUsagePurpose;
use rustls::pki_types::CertificateDer;
use tlsdoctor_tui::app::keys::{Mode, reserved};
use tlsdoctor_tui::config::{Config, HostPort, ProbeSpec, Proxy, Target};
use tlsdoctor_tui::diagnose::{
    CertStatus, Code, Derived, Finding, Machine, Observations, Programs, Severity, diagnose,
};
use tlsdoctor_tui::machine::clients::{self, Found, OsRelease};
use tlsdoctor_tui::machine::security::PRODUCTS;
use tlsdoctor_tui::probe::cert::parse_chain;
use tlsdoctor_tui::probe::clock::{NtpError, Offset};
use tlsdoctor_tui::probe::connect::{ConnectReport, Dns, TcpAttempt, TcpError};
use tlsdoctor_tui::probe::machine::{
    ClientVersion, Detected, MachineReport, SecurityScan, VersionAnswer,
};
use tlsdoctor_tui::probe::proxy::ProxyError;
use tlsdoctor_tui::probe::reach::dns::{Answer, Direct, DnsComparison};
use tlsdoctor_tui::probe::reach::{
    CaptiveResult, CaptiveVerdict, ReachReport, ReachResult, ReachStatus, wants_reach,
};
use tlsdoctor_tui::probe::sync::{ChronyTracking, SyncStatus, Timedatectl, ToolAnswer};
use tlsdoctor_tui::probe::tls::{
    Alert, Attempt, FirstRead, HttpHead, Negotiated, TlsFailure, TlsReport, Variant, alert_name,
};
use tlsdoctor_tui::probe::trust::{SourceKind, Trust, TrustSource};
use tlsdoctor_tui::probe::vpn::check::VpnHandshake;
use tlsdoctor_tui::probe::vpn::openvpn::{
    CaVerdict, Failure as VpnFailure, HandshakeReport, Status as VpnStatus, Step as VpnStep,
    Transport,
};
use tlsdoctor_tui::probe::{ProbeId, ProbeOutcome};

use crate::lab::tls::{Ca, LeafSpec, Pki, http_date, weak_rsa1024, weak_sha1};
use crate::support::{LabTrust, bare_config, code_at, lab_trust, ntp_reply, record};

const SEC: i64 = 1_000_000;
const HOUR: i64 = 3_600 * SEC;
const DAY: i64 = 86_400 * SEC;

/// The fix commands, as argv.
const SUDO_SET_NTP: &[&str] = &["sudo", "timedatectl", "set-ntp", "true"];
const SET_NTP: &[&str] = &["timedatectl", "set-ntp", "true"];
const MAKESTEP: &[&str] = &["chronyc", "makestep"];
const NORDVPN_OPENVPN: &[&str] = &["nordvpn", "set", "technology", "openvpn"];
const NORDVPN_TCP: &[&str] = &["nordvpn", "set", "protocol", "tcp"];

// ---- the lab: certificates and trust stores --------------------------------------------------

/// The PKI of the scenarios and the trust stores a chain is judged against: Mozilla's roots
/// (which sign nothing here), a system store holding two interception roots, and a ca_file
/// with the lab's own root and the weak fixtures' root.
struct Lab {
    /// The lab's CA, trusted through the ca_file.
    pki: Pki,
    /// A CA no trust source here has.
    stranger: Pki,
    kaspersky: Ca,
    corp_proxy: Ca,
    trust: Arc<Trust>,
    /// The local clock when the chains were seen.
    now: SystemTime,
}

impl Lab {
    fn new() -> Self {
        let now = SystemTime::now();
        let LabTrust {
            pki,
            kaspersky,
            corp_proxy,
            trust,
        } = lab_trust();
        let root = Ca::root("Stranger Root CA");
        let intermediate = root.intermediate("Stranger Issuing CA");
        let stranger = Pki { root, intermediate };
        Lab {
            pki,
            stranger,
            kaspersky,
            corp_proxy,
            trust,
            now,
        }
    }

    fn machine(&self) -> Machine {
        Machine {
            trust: Arc::clone(&self.trust),
            ..Machine::default()
        }
    }

    /// The chain a good server of the lab sends: its leaf as `spec` says, and the intermediate.
    fn chain(&self, spec: &LeafSpec) -> Vec<CertificateDer<'static>> {
        self.pki.chain(spec).0
    }

    /// A good chain for `t`'s host.
    fn good(&self, t: &Target) -> Vec<CertificateDer<'static>> {
        self.chain(&site(t))
    }
}

/// A valid leaf for `t`'s host, for a year around now.
fn site(t: &Target) -> LeafSpec {
    let mut spec = LeafSpec::localhost();
    spec.cn.clone_from(&t.host);
    spec.sans = vec![t.host.clone()];
    spec
}

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---- targets and what their checks saw -------------------------------------------------------

/// A target named `name` at `name.example.com:443`, checked with TLS.
fn target(name: &str) -> Target {
    let mut t = Target::from_host_port(&HostPort {
        host: format!("{name}.example.com"),
        port: None,
    });
    t.name = name.to_string();
    t
}

/// A target for the weak fixtures, whose certificates are for `localhost`.
fn localhost(name: &str) -> Target {
    let mut t = target(name);
    t.host = "localhost".to_string();
    t
}

/// A VPN server: OpenVPN over UDP 1194 and TCP 443, WireGuard on UDP 51820; no TLS.
fn vpn(name: &str) -> Target {
    let mut t = target(name);
    t.probes = vec![
        ProbeSpec::OpenvpnUdp(1194),
        ProbeSpec::OpenvpnTcp(443),
        ProbeSpec::Wireguard(51_820),
    ];
    t
}

const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

fn resolved() -> Dns {
    Dns::Resolved {
        addrs: vec![SERVER],
        took: ms(12),
    }
}

/// Every TCP port of `t` connects.
fn connected(t: &Target) -> ConnectReport {
    tcp(t, &Ok(ms(21)))
}

/// Every TCP port of `t` gives `result`.
fn tcp(t: &Target, result: &Result<Duration, TcpError>) -> ConnectReport {
    ConnectReport {
        tcp: t
            .tcp_ports()
            .into_iter()
            .map(|port| TcpAttempt {
                port,
                addr: Some(SocketAddr::new(SERVER, port)),
                result: result.clone(),
            })
            .collect(),
    }
}

fn no_reach() -> ReachReport {
    ReachReport {
        results: Vec::new(),
        dns_compare: None,
    }
}

/// The reach report of a VPN server's probes.
fn reach(results: Vec<ReachResult>) -> ReachReport {
    ReachReport {
        results,
        dns_compare: None,
    }
}

/// One OpenVPN/WireGuard probe's result.
fn probe(spec: ProbeSpec, status: ReachStatus, is_openvpn: bool) -> ReachResult {
    let port = spec.port().unwrap_or_default();
    ReachResult {
        probe: spec,
        addr: SocketAddr::new(SERVER, port),
        port,
        status,
        is_openvpn,
        signed: None,
        detail: if is_openvpn {
            "an OpenVPN server answered".to_string()
        } else {
            format!("{} seen", status.as_str())
        },
        took: ms(30),
        via: None,
        handshake: None,
    }
}

// ---- TLS reports -----------------------------------------------------------------------------

/// The size of the default ClientHello (with the post-quantum key share) and of one without.
const LARGE_HELLO: usize = 1_850;
const SMALL_HELLO: usize = 560;

/// An attempt of `variant` against `t` that connected and sent its hello, no further.
fn attempt(t: &Target, variant: Variant) -> Attempt {
    let sni = match &variant {
        Variant::OtherSni(name) => Some(name.clone()),
        Variant::NoSni => None,
        _ => t.sni_name().map(str::to_string),
    };
    let hello_len = if variant == Variant::NoPostQuantum {
        SMALL_HELLO
    } else {
        LARGE_HELLO
    };
    Attempt {
        addr: Some(SocketAddr::new(SERVER, t.tls_port())),
        tcp: Some(Ok(ms(21))),
        hello_len,
        took: ms(60),
        ..Attempt::new(variant, sni)
    }
}

fn negotiated(version: &str) -> Negotiated {
    Negotiated {
        version: version.to_string(),
        cipher: "TLS_AES_256_GCM_SHA384".to_string(),
        group: Some("X25519".to_string()),
        post_quantum: false,
        alpn: Some("http/1.1".to_string()),
    }
}

/// `a` completed (TLS 1.3) and `HEAD /` was answered, with `date` as its `Date` header.
fn completed(mut a: Attempt, date: Option<String>, received_at: SystemTime) -> Attempt {
    a.handshake = Some(ms(31));
    a.negotiated = Some(negotiated("TLSv1.3"));
    a.first_read = Some(FirstRead::Data {
        took: ms(12),
        bytes: 212,
    });
    a.http = Some(HttpHead {
        status_line: "HTTP/1.1 200 OK".to_string(),
        status: Some(200),
        date: date
            .as_deref()
            .and_then(tlsdoctor_tui::probe::http::parse_date),
        date_raw: date,
        received_at,
    });
    a.received = 4_310;
    a
}

/// A variant of the hello that works.
fn works(t: &Target, variant: Variant) -> Attempt {
    completed(attempt(t, variant), None, SystemTime::now())
}

/// A variant of the hello that fails with `failure`.
fn fails(t: &Target, variant: Variant, failure: TlsFailure) -> Attempt {
    let mut a = attempt(t, variant);
    a.failure = Some(failure);
    a
}

/// The report of `t`'s TLS check: the default hello, the variants, and the chain seen at the
/// lab's local time.
fn report(
    lab: &Lab,
    t: &Target,
    default: Attempt,
    variants: Vec<Attempt>,
    chain: &[CertificateDer<'static>],
) -> TlsReport {
    TlsReport {
        host: t.host.clone(),
        port: t.port,
        sni: t.sni_name().map(str::to_string),
        name: t.sni_name().unwrap_or(&t.host).to_string(),
        started_at: lab.now,
        took: ms(95),
        attempt: default,
        variants,
        chain: parse_chain(chain),
        verified_at: (!chain.is_empty()).then_some(lab.now),
    }
}

/// A handshake that worked, with this chain.
fn tls_ok(lab: &Lab, t: &Target, chain: &[CertificateDer<'static>]) -> TlsReport {
    report(lab, t, works(t, Variant::Default), Vec::new(), chain)
}

/// A handshake that worked, whose `HEAD /` answer says the true time is `offset` away.
fn tls_dated(
    lab: &Lab,
    t: &Target,
    chain: &[CertificateDer<'static>],
    offset: time::Duration,
) -> TlsReport {
    let date = http_date(time::OffsetDateTime::from(lab.now) + offset);
    let a = completed(attempt(t, Variant::Default), Some(date), lab.now);
    report(lab, t, a, Vec::new(), chain)
}

/// A default hello that failed with `failure` (no chain seen), and the variants tried.
fn tls_failed(lab: &Lab, t: &Target, failure: TlsFailure, variants: Vec<Attempt>) -> TlsReport {
    report(lab, t, fails(t, Variant::Default, failure), variants, &[])
}

/// The variants the probe tries after a blocked hello, each with this failure.
fn blocked_variants(t: &Target, failure: &TlsFailure) -> Vec<Attempt> {
    [
        Variant::NoPostQuantum,
        Variant::OtherSni("example.com".to_string()),
        Variant::NoSni,
    ]
    .into_iter()
    .map(|v| fails(t, v, failure.clone()))
    .collect()
}

fn reset() -> TlsFailure {
    TlsFailure::Reset { received: 0 }
}

fn silence() -> TlsFailure {
    TlsFailure::Timeout {
        waited: Duration::from_secs(5),
        received: 0,
    }
}

fn alert(code: u8) -> Alert {
    Alert {
        code,
        name: alert_name(code).to_string(),
    }
}

// ---- the clock -------------------------------------------------------------------------------

fn offset(micros: i64) -> Offset {
    Offset::from_micros(micros)
}

fn timedatectl(on: bool) -> SyncStatus {
    SyncStatus {
        timedatectl: ToolAnswer::Answered(Timedatectl {
            ntp: Some(on),
            synchronized: Some(on),
        }),
        chrony: ToolAnswer::Absent,
    }
}

fn chrony(leap_status: &str) -> SyncStatus {
    SyncStatus {
        timedatectl: ToolAnswer::Absent,
        chrony: ToolAnswer::Answered(ChronyTracking {
            reference: "C0000201 (ntp1.example.net)".to_string(),
            stratum: 3,
            leap_status: leap_status.to_string(),
            system_time: "0.000012 seconds fast of NTP time".to_string(),
        }),
    }
}

// ---- scenarios -------------------------------------------------------------------------------

/// One event of a scenario, as the runtime handles it.
#[derive(Debug, Clone)]
enum Step {
    /// A probe's result (its run requested first when it is not running; a target's DNS
    /// answer requests its other checks).
    Record(ProbeId, Box<ProbeOutcome>),
    /// A run requested again: a re-run whose result comes later (or never).
    Request(ProbeId),
}

impl Step {
    fn apply(&self, obs: &mut Observations) {
        match self {
            Step::Record(id, outcome) => record(obs, *id, (**outcome).clone()),
            Step::Request(id) => {
                obs.request(*id, Instant::now());
            }
        }
    }
}

/// A fix as expected: its key, and its exact argv when it runs a command.
#[derive(Debug, Clone, Copy)]
struct FixSpec {
    key: char,
    argv: Option<&'static [&'static str]>,
}

/// A fix that is advice or a re-run: no command.
fn key(key: char) -> FixSpec {
    FixSpec { key, argv: None }
}

/// A fix that runs `argv`.
fn cmd(key: char, argv: &'static [&'static str]) -> FixSpec {
    FixSpec {
        key,
        argv: Some(argv),
    }
}

/// A finding as expected.
#[derive(Debug, Clone)]
struct Expect {
    code: &'static str,
    severity: Severity,
    /// The target's name, or `*` for the machine.
    at: &'static str,
    /// Substrings of the summary.
    summary: Vec<&'static str>,
    /// Substrings that some evidence line must hold, each.
    evidence: Vec<&'static str>,
    /// Exactly these fixes, in this order.
    fixes: Vec<FixSpec>,
}

fn err(code: &'static str, at: &'static str) -> Expect {
    expect(code, Severity::Error, at)
}

fn warn(code: &'static str, at: &'static str) -> Expect {
    expect(code, Severity::Warning, at)
}

fn info(code: &'static str, at: &'static str) -> Expect {
    expect(code, Severity::Info, at)
}

fn expect(code: &'static str, severity: Severity, at: &'static str) -> Expect {
    Expect {
        code,
        severity,
        at,
        summary: Vec::new(),
        evidence: Vec::new(),
        fixes: Vec::new(),
    }
}

impl Expect {
    fn says(mut self, parts: &[&'static str]) -> Self {
        self.summary.extend(parts);
        self
    }

    fn shows(mut self, lines: &[&'static str]) -> Self {
        self.evidence.extend(lines);
        self
    }

    fn fixes(mut self, fixes: &[FixSpec]) -> Self {
        self.fixes.extend(fixes);
        self
    }
}

/// A row of the table.
struct Scenario {
    name: &'static str,
    config: Arc<Config>,
    machine: Machine,
    steps: Vec<Step>,
    /// Exactly these findings.
    expect: Vec<Expect>,
    /// Codes that must not come out: what an explanation that takes precedence hides.
    not: Vec<&'static str>,
    /// The code of the first finding, the headline.
    headline: Option<&'static str>,
    /// How target `i`'s chain fares.
    certs: Vec<(usize, Option<CertStatus>)>,
}

/// Builds a scenario: the config and the events together, so a target's index is known when
/// its results are recorded.
struct Build {
    name: &'static str,
    config: Config,
    machine: Machine,
    steps: Vec<Step>,
}

fn scenario(lab: &Lab, name: &'static str) -> Build {
    Build {
        name,
        config: bare_config(),
        machine: lab.machine(),
        steps: Vec::new(),
    }
}

impl Build {
    fn step(&mut self, id: ProbeId, outcome: ProbeOutcome) {
        self.steps.push(Step::Record(id, Box::new(outcome)));
    }

    /// NTP servers `ntp1.example.net`, ... that answered so.
    fn ntp(mut self, answers: Vec<Result<Offset, NtpError>>) -> Self {
        let base = self.config.clock.servers.len();
        for (n, answer) in answers.into_iter().enumerate() {
            let i = base + n;
            self.config.clock.servers.push(HostPort {
                host: format!("ntp{}.example.net", i + 1),
                port: None,
            });
            self.step(ProbeId::Ntp(i), ProbeOutcome::Ntp(answer.map(ntp_reply)));
        }
        self
    }

    fn sync(mut self, status: SyncStatus) -> Self {
        self.step(
            ProbeId::SyncService,
            ProbeOutcome::SyncService(Box::new(status)),
        );
        self
    }

    fn root(mut self) -> Self {
        self.machine.is_root = true;
        self
    }

    fn trust(mut self, trust: Trust) -> Self {
        self.machine.trust = Arc::new(trust);
        self
    }

    fn nordvpn(mut self) -> Self {
        self.machine.nordvpn_cli = true;
        self
    }

    /// Exactly these of the programs fix commands run are on PATH.
    fn programs(mut self, names: &[&'static str]) -> Self {
        self.machine.programs = Programs::found(names.iter().copied());
        self
    }

    /// Adds `t` (and the alternatives it lists, untried) and records what its checks saw:
    /// each check the target has, from `dns` on.
    fn target_saw(
        mut self,
        t: Target,
        dns: Dns,
        connect: ConnectReport,
        tls: Option<TlsReport>,
        reach: ReachReport,
    ) -> Self {
        let i = self.config.targets.len();
        let mut one = bare_config();
        one.targets = vec![t];
        one.expand_alternatives();
        for mut added in one.targets {
            added.alternative_of = added.alternative_of.map(|p| p + i);
            self.config.targets.push(added);
        }
        let t = &self.config.targets[i];
        let (has_tcp, has_tls, has_reach) = (
            !t.tcp_ports().is_empty(),
            t.probes.contains(&ProbeSpec::Tls),
            wants_reach(t),
        );
        self.step(ProbeId::Dns(i), ProbeOutcome::Dns(dns));
        if has_tcp {
            self.step(
                ProbeId::Connect(i),
                ProbeOutcome::Connect(Box::new(connect)),
            );
        }
        if let Some(r) = tls.filter(|_| has_tls) {
            self.step(ProbeId::Tls(i), ProbeOutcome::Tls(Box::new(r)));
        }
        if has_reach {
            self.step(ProbeId::Reach(i), ProbeOutcome::Reach(Box::new(reach)));
        }
        self
    }

    /// A TLS target that resolves and connects, whose handshake gave `tls`.
    fn tls(self, t: Target, tls: TlsReport) -> Self {
        let connect = connected(&t);
        self.target_saw(t, resolved(), connect, Some(tls), no_reach())
    }

    /// A VPN server that resolves, whose probes gave `results`.
    fn vpn(self, t: Target, results: Vec<ReachResult>) -> Self {
        let connect = connected(&t);
        self.target_saw(t, resolved(), connect, None, reach(results))
    }

    fn captive(mut self, result: CaptiveResult) -> Self {
        self.config.network.captive_url =
            Some(result.url.parse().expect("a valid captive-portal URL"));
        self.step(ProbeId::Captive, ProbeOutcome::Captive(Box::new(result)));
        self
    }

    fn expect(self, expect: Vec<Expect>) -> Scenario {
        Scenario {
            name: self.name,
            config: Arc::new(self.config),
            machine: self.machine,
            steps: self.steps,
            expect,
            not: Vec::new(),
            headline: None,
            certs: Vec::new(),
        }
    }
}

impl Scenario {
    /// These codes must not come out.
    fn not(mut self, codes: &[&'static str]) -> Self {
        self.not.extend(codes);
        self
    }

    fn headline(mut self, code: &'static str) -> Self {
        self.headline = Some(code);
        self
    }

    fn cert(mut self, i: usize, status: Option<CertStatus>) -> Self {
        self.certs.push((i, status));
        self
    }

    /// The observations after every step.
    fn observations(&self) -> Observations {
        let mut obs = Observations::new(Arc::clone(&self.config), self.machine.clone());
        for s in &self.steps {
            s.apply(&mut obs);
        }
        obs
    }
}

/// Every failure mode, one row each (some codes have several).
fn scenarios(lab: &Lab) -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(clock_scenarios(lab));
    all.extend(transport_scenarios(lab));
    all.extend(certificate_scenarios(lab));
    all.extend(handshake_scenarios(lab));
    all.extend(reach_scenarios(lab));
    all.extend(proxy_scenarios(lab));
    all.extend(firewall_scenarios(lab));
    all.extend(app_suspect_scenarios(lab));
    all.extend(machine_scenarios(lab));
    all.extend(vpn_handshake_scenarios(lab));
    all
}

fn clock_scenarios(lab: &Lab) -> Vec<Scenario> {
    let three_hours = 3 * HOUR;
    vec![
        scenario(lab, "clock 3 h behind, NTP sync switched off")
            .ntp(vec![Ok(offset(three_hours)), Ok(offset(three_hours + 2_000))])
            .sync(timedatectl(false))
            .expect(vec![
                err("clock-skew", "*")
                    .says(&["Local clock is 3 h 0 m", "behind", "certificates will look"])
                    .shows(&[
                        "consensus of 2 NTP server(s)",
                        "ntp1.example.net (127.0.0.1:123): offset +3h00m00.0s",
                        "ntp2.example.net (127.0.0.1:123)",
                    ])
                    .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
                warn("clock-unsynced", "*")
                    .shows(&["timedatectl: NTP no, synchronized no"])
                    .fixes(&[cmd('t', SUDO_SET_NTP)]),
            ])
            .headline("clock-skew"),
        scenario(lab, "clock 3 h behind, chrony runs, as root")
            .ntp(vec![Ok(offset(three_hours))])
            .sync(chrony("Normal"))
            .root()
            .expect(vec![
                err("clock-skew", "*")
                    .shows(&["consensus of 1 NTP server(s)"])
                    .fixes(&[cmd('m', MAKESTEP), key('r')]),
            ]),
        scenario(lab, "clock 3 h ahead, chrony not synchronised")
            .ntp(vec![Ok(offset(-three_hours))])
            .sync(SyncStatus {
                timedatectl: ToolAnswer::Answered(Timedatectl {
                    ntp: Some(true),
                    synchronized: Some(false),
                }),
                ..chrony("Not synchronised")
            })
            .expect(vec![
                err("clock-skew", "*")
                    .says(&["Local clock is 3 h 0 m", "ahead"])
                    .fixes(&[
                        cmd('m', &["sudo", "chronyc", "makestep"]),
                        cmd('t', SUDO_SET_NTP),
                        key('r'),
                    ]),
                warn("clock-unsynced", "*")
                    .shows(&["timedatectl: NTP yes, synchronized no · chrony: Not synchronised (stratum 3"])
                    .fixes(&[cmd('t', SUDO_SET_NTP)]),
            ]),
        scenario(lab, "chrony not synchronised, no timedatectl")
            .ntp(vec![Ok(offset(SEC / 10))])
            .sync(chrony("Not synchronised"))
            .expect(vec![
                warn("clock-unsynced", "*")
                    .shows(&["timedatectl: not installed · chrony: Not synchronised"])
                    .fixes(&[key('h')]),
            ]),
        scenario(lab, "clock 3 h behind, no sync tool installed, sync check not run yet")
            .ntp(vec![Ok(offset(three_hours))])
            .programs(&["sudo"])
            .expect(vec![
                err("clock-skew", "*")
                    .fixes(&[key('h'), key('r')]),
            ]),
        scenario(lab, "clock 3 h behind, timedatectl installed and answering")
            .ntp(vec![Ok(offset(three_hours))])
            .programs(&["sudo", "timedatectl"])
            .sync(timedatectl(false))
            .expect(vec![
                err("clock-skew", "*").fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
                warn("clock-unsynced", "*").fixes(&[cmd('t', SUDO_SET_NTP)]),
            ]),
        scenario(lab, "clock 3 h behind, timedatectl and chronyc installed but cannot operate")
            .ntp(vec![Ok(offset(three_hours))])
            .programs(&["sudo", "timedatectl", "chronyc"])
            .sync(SyncStatus {
                timedatectl: ToolAnswer::Failed(
                    "System has not been booted with systemd as init system (PID 1). Can't operate."
                        .to_string(),
                ),
                chrony: ToolAnswer::Failed("506 Cannot talk to daemon".to_string()),
            })
            .expect(vec![
                err("clock-skew", "*").fixes(&[key('h'), key('r')]),
            ])
            .not(&["clock-unsynced"]),
        scenario(lab, "clock 3 h behind, timedatectl answers, no sudo and not root")
            .ntp(vec![Ok(offset(three_hours))])
            .programs(&["timedatectl"])
            .sync(timedatectl(false))
            .expect(vec![
                err("clock-skew", "*").fixes(&[key('h'), key('r')]),
                warn("clock-unsynced", "*").fixes(&[key('h')]),
            ]),
        scenario(lab, "clock 90 s ahead")
            .ntp(vec![Ok(offset(-90 * SEC))])
            .sync(timedatectl(true))
            .expect(vec![
                warn("clock-drift", "*")
                    .says(&["Local clock is 1 m 30.0 s ahead", "TLS still works"])
                    .shows(&["offset -1m30.0s"])
                    .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
            ]),
        scenario(lab, "NTP blocked")
            .ntp(vec![
                Err(NtpError::Timeout(Duration::from_secs(2))),
                Err(NtpError::Refused(SocketAddr::from(([192, 0, 2, 123], 123)))),
            ])
            .expect(vec![
                warn("ntp-unreachable", "*")
                    .says(&["UDP 123 may be blocked"])
                    .shows(&[
                        "ntp1.example.net: no reply within 2.0 s",
                        "ntp2.example.net: refused",
                    ])
                    .fixes(&[key('r')]),
            ]),
        scenario(lab, "a falseticker among three servers")
            .ntp(vec![
                Ok(offset(0)),
                Ok(offset(2_000)),
                Ok(offset(10 * SEC)),
            ])
            .expect(vec![
                warn("ntp-bad-server", "*")
                    .says(&["ntp3.example.net gives no trustworthy time"])
                    .shows(&["falseticker", "left out of the consensus"])
                    .fixes(&[key('r')]),
            ]),
        scenario(lab, "a server sends a kiss-o'-death, two servers disagree")
            .ntp(vec![
                Ok(offset(0)),
                Ok(offset(10 * SEC)),
                Err(NtpError::KissOfDeath("RATE".to_string())),
            ])
            .expect(vec![
                warn("ntp-bad-server", "*")
                    .says(&["disagree and no majority agrees"])
                    .shows(&["ntp1.example.net: offset", "ntp2.example.net: offset"])
                    .fixes(&[key('r')]),
                warn("ntp-bad-server", "*")
                    .says(&["ntp3.example.net"])
                    .shows(&["kiss-o'-death RATE"])
                    .fixes(&[key('r')]),
            ]),
        {
            let mut sc = scenario(lab, "NTP blocked, three HTTPS Date headers agree on the time")
                .ntp(vec![Err(NtpError::Timeout(Duration::from_secs(2)))]);
            for (name, skew) in [("web", 0), ("news", 1), ("mail", 2)] {
                let t = target(name);
                let chain = lab.good(&t);
                let at = time::Duration::hours(3) + time::Duration::seconds(skew);
                sc = sc.tls(t.clone(), tls_dated(lab, &t, &chain, at));
            }
            sc.expect(vec![
                err("clock-skew", "*")
                    .says(&["behind: certificates will look expired or not yet valid"])
                    .shows(&[
                        "no NTP server answered; the Date headers of 3 HTTPS servers agree (at least 3 within 3.0 s are needed): offset +",
                        "good to about one second",
                        "web: Date: ",
                        "mail: Date: ",
                    ])
                    .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
                warn("ntp-unreachable", "*").fixes(&[key('r')]),
            ])
        },
        {
            // One server's clock is a month behind and its certificate expired ten days ago:
            // one Date header does not make it this machine's fault.
            let shop = target("shop");
            let chain = lab.chain(&site(&shop).valid(days(-300), days(-10)));
            let tls = tls_dated(lab, &shop, &chain, -days(30));
            scenario(lab, "one HTTPS server's Date header does not decide the time")
                .ntp(vec![Err(NtpError::Timeout(Duration::from_secs(2)))])
                .tls(shop, tls)
                .expect(vec![
                    err("cert-expired", "shop")
                        .says(&["expired 10 d"])
                        .shows(&["the true time is unknown (no NTP consensus, nor 3 HTTPS Date headers within 3.0 s of one another): this verdict stands on this machine's clock"])
                        .fixes(&[key('s'), key('r')]),
                    warn("ntp-unreachable", "*").fixes(&[key('r')]),
                ])
                .not(&["clock-skew", "clock-drift"])
        },
        {
            // Three servers, three different times: nobody is known to be right.
            let mut sc = scenario(lab, "three HTTPS Date headers that disagree")
                .ntp(vec![Err(NtpError::Timeout(Duration::from_secs(2)))]);
            for (name, hours) in [("web", 0), ("news", 1), ("mail", -2)] {
                let t = target(name);
                let chain = lab.good(&t);
                sc = sc.tls(t.clone(), tls_dated(lab, &t, &chain, time::Duration::hours(hours)));
            }
            sc.expect(vec![warn("ntp-unreachable", "*").fixes(&[key('r')])])
                .not(&["clock-skew", "clock-drift"])
        },
        {
            // The certificate expired ten days ago by this clock, which is thirty days ahead:
            // at the true time it is valid.
            let shop = target("shop");
            let chain = lab.chain(&site(&shop).valid(days(-300), days(-10)));
            let tls = tls_ok(lab, &shop, &chain);
            scenario(lab, "a certificate expired only by this clock")
                .ntp(vec![Ok(offset(-30 * DAY))])
                .tls(shop, tls)
                .expect(vec![
                    err("clock-skew", "*")
                        .says(&["Local clock is 30 d 0 h ahead"])
                        .shows(&[
                            "consensus of 1 NTP server(s)",
                            "shop: the certificate of 192.0.2.7:443 looks expired only because this clock is wrong",
                            "shop: leaf shop.example.com: not before",
                            "(at ",
                            "shop: at the true time the certificate is valid",
                        ])
                        .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
                ])
                .not(&["cert-expired"])
                .headline("clock-skew")
                .cert(0, Some(CertStatus::Clock))
        },
        {
            // The clock is "only" 4 minutes behind (a drift), and a certificate issued two
            // minutes ago by the true time is not yet valid by this clock: enough to break
            // TLS, so one clock-skew with the certificate as evidence; not cert-not-yet-valid,
            // and no clock-drift saying TLS still works.
            let fresh = target("fresh");
            let spec = site(&fresh).valid(time::Duration::minutes(2), days(90));
            let chain = lab.chain(&spec);
            let tls = tls_ok(lab, &fresh, &chain);
            scenario(lab, "a fresh certificate, the clock drifts 4 min behind")
                .ntp(vec![Ok(offset(4 * 60 * SEC))])
                .sync(timedatectl(true))
                .tls(fresh, tls)
                .root()
                .expect(vec![
                    err("clock-skew", "*")
                        .says(&["Local clock is 4 m 0.0 s behind", "under 5 min, but enough to make a certificate look"])
                        .shows(&[
                            "fresh: the certificate of 192.0.2.7:443 looks not yet valid only because this clock is wrong",
                            "fresh: leaf fresh.example.com: not before",
                            "fresh: at the true time the certificate is valid",
                        ])
                        .fixes(&[cmd('t', SET_NTP), key('r')]),
                ])
                .not(&["cert-not-yet-valid", "clock-drift"])
                .cert(0, Some(CertStatus::Clock))
        },
        {
            // NTP blocked; the server's own Date header says this clock is 3 h behind, and its
            // certificate starts in an hour by this clock.
            let early = target("early");
            let chain = lab.chain(&site(&early).valid(time::Duration::hours(1), days(90)));
            let tls = tls_dated(lab, &early, &chain, time::Duration::hours(3));
            let mut sc = scenario(lab, "a certificate not yet valid by this clock, the Date headers know")
                .ntp(vec![Err(NtpError::Timeout(Duration::from_secs(2)))])
                .tls(early, tls);
            for name in ["web", "mail"] {
                let t = target(name);
                let chain = lab.good(&t);
                sc = sc.tls(t.clone(), tls_dated(lab, &t, &chain, time::Duration::hours(3)));
            }
            sc
                .expect(vec![
                    err("clock-skew", "*")
                        .shows(&[
                            "the Date headers of 3 HTTPS servers agree",
                            "early: the certificate of 192.0.2.7:443 looks not yet valid only because this clock is wrong",
                        ])
                        .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
                    warn("ntp-unreachable", "*").fixes(&[key('r')]),
                ])
                .not(&["cert-not-yet-valid"])
                .cert(0, Some(CertStatus::Clock))
        },
    ]
}

fn transport_scenarios(lab: &Lab) -> Vec<Scenario> {
    let gone = target("gone");
    let connect = tcp(&gone, &Err(TcpError::NoAddress));
    let tls = tls_failed(lab, &gone, TlsFailure::Tcp(TcpError::NoAddress), Vec::new());
    let dns_failed = scenario(lab, "the name does not resolve")
        .target_saw(
            gone,
            Dns::Failed {
                error: "Name or service not known".to_string(),
                took: ms(40),
            },
            connect,
            Some(tls),
            no_reach(),
        )
        .expect(vec![
            err("dns-failure", "gone")
                .says(&["gone.example.com does not resolve"])
                .shows(&[
                    "system resolver for \"gone.example.com\": Name or service not known",
                    "/etc/resolv.conf",
                ])
                .fixes(&[key('r')]),
        ]);

    let slow = target("slow-dns");
    let connect = tcp(&slow, &Err(TcpError::NoAddress));
    let tls = tls_failed(lab, &slow, TlsFailure::Tcp(TcpError::NoAddress), Vec::new());
    let dns_timeout = scenario(lab, "the resolver does not answer")
        .target_saw(
            slow,
            Dns::Timeout(Duration::from_secs(5)),
            connect,
            Some(tls),
            no_reach(),
        )
        .expect(vec![
            err("dns-failure", "slow-dns")
                .says(&["did not answer for slow-dns.example.com"])
                .shows(&["no answer within 5s"])
                .fixes(&[key('r')]),
        ]);

    let closed = target("closed");
    let connect = tcp(&closed, &Err(TcpError::Refused));
    let tls = tls_failed(lab, &closed, TlsFailure::Tcp(TcpError::Refused), Vec::new());
    let refused = scenario(lab, "the TLS port refuses")
        .target_saw(closed, resolved(), connect, Some(tls), no_reach())
        .expect(vec![
            err("tcp-refused", "closed")
                .says(&["192.0.2.7:443 refused the connection"])
                .shows(&["(port 443): the host answered with a reset"])
                .fixes(&[key('r')]),
        ]);

    let dropped = target("dropped");
    let wait = Duration::from_secs(5);
    let connect = tcp(&dropped, &Err(TcpError::Timeout(wait)));
    let tls = tls_failed(
        lab,
        &dropped,
        TlsFailure::Tcp(TcpError::Timeout(wait)),
        Vec::new(),
    );
    let timeout = scenario(lab, "the TLS port does not answer")
        .target_saw(dropped, resolved(), connect, Some(tls), no_reach())
        .expect(vec![
            err("tcp-timeout", "dropped")
                .says(&["did not answer within 5.0 s"])
                .shows(&["(port 443): no answer at all"])
                .fixes(&[key('r')]),
        ]);

    let far = target("far");
    let why = "Network is unreachable (os error 101)";
    let connect = tcp(&far, &Err(TcpError::Unreachable(why.to_string())));
    let tls = tls_failed(
        lab,
        &far,
        TlsFailure::Tcp(TcpError::Unreachable(why.to_string())),
        Vec::new(),
    );
    let unreachable = scenario(lab, "no route to the target")
        .target_saw(far, resolved(), connect, Some(tls), no_reach())
        .expect(vec![
            err("tcp-unreachable", "far")
                .says(&[
                    "cannot be reached from this machine",
                    "Network is unreachable",
                ])
                .shows(&["(port 443): Network is unreachable", "default route"])
                .fixes(&[key('r')]),
        ]);

    vec![dns_failed, dns_timeout, refused, timeout, unreachable]
}

/// `t` with its TLS checks through the proxy `proxy.corp:3128`, set by `HTTPS_PROXY`.
fn proxied(mut t: Target) -> Target {
    t.proxy = Some(Proxy::parse("http://proxy.corp:3128", "HTTPS_PROXY").expect("a proxy URL"));
    t
}

/// The proxy's answer to `CONNECT`: `status` and its status line.
fn proxy_refused(status: u16, line: &str) -> TlsFailure {
    TlsFailure::Proxy(ProxyError::Refused {
        status,
        status_line: line.to_string(),
    })
}

fn proxy_scenarios(lab: &Lab) -> Vec<Scenario> {
    let only = {
        let web = proxied(target("web"));
        let refused = tcp(&web, &Err(TcpError::Refused));
        let tls = tls_ok(lab, &web, &lab.chain(&site(&web)));
        let mut gw = proxied(vpn("gw"));
        gw.probes = vec![ProbeSpec::OpenvpnTcp(443)];
        let mut through = probe(ProbeSpec::OpenvpnTcp(443), ReachStatus::Open, true);
        through.via = Some("proxy.corp:3128".to_string());
        let direct = probe(ProbeSpec::OpenvpnTcp(443), ReachStatus::Closed, false);
        let connect = connected(&gw);
        scenario(lab, "only the proxy gets out")
            .target_saw(web, resolved(), refused, Some(tls), no_reach())
            .target_saw(gw, resolved(), connect, None, reach(vec![direct, through]))
            .expect(vec![
                warn("proxy-only", "*")
                    .says(&["only the proxy proxy.corp:3128 gets out: direct connections fail"])
                    .shows(&[
                        "web: direct: 192.0.2.7:443 refused the connection",
                        "web: through the proxy proxy.corp:3128 (HTTPS_PROXY): the TLS handshake completed",
                        "gw: direct: openvpn-tcp 443: closed",
                        "gw: OpenVPN TCP 443 answers through the proxy",
                    ])
                    .fixes(&[key('o'), key('a'), key('r')]),
            ])
            .not(&["tcp-refused", "port-closed", "all-targets-failing", "single-target-failing"])
    };

    let down = {
        let mut s = scenario(lab, "the proxy refuses connections");
        for name in ["a", "b"] {
            let t = proxied(target(name));
            let connect = connected(&t);
            let failure = TlsFailure::Proxy(ProxyError::Connect {
                addr: Some(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)),
                    3128,
                )),
                error: TcpError::Refused,
            });
            let tls = tls_failed(lab, &t, failure, Vec::new());
            s = s.target_saw(t, resolved(), connect, Some(tls), no_reach());
        }
        s.expect(vec![
            err("proxy-failure", "*")
                .says(&["the proxy proxy.corp:3128 refuses connections"])
                .shows(&[
                    "the proxy is proxy.corp:3128, set by HTTPS_PROXY",
                    "CONNECT a.example.com:443: TCP connect to the proxy 10.0.0.3:3128: connection refused",
                    "CONNECT b.example.com:443",
                    "direct TCP connect to port 443 works",
                ])
                .fixes(&[key('p'), key('r')]),
        ])
        .not(&["all-targets-failing", "tcp-refused"])
        .headline("proxy-failure")
    };

    let auth = proxied(target("auth"));
    let connect = connected(&auth);
    let tls = tls_failed(
        lab,
        &auth,
        proxy_refused(407, "HTTP/1.1 407 Proxy Authentication Required"),
        Vec::new(),
    );
    let credentials = scenario(lab, "the proxy wants credentials")
        .target_saw(auth, resolved(), connect, Some(tls), no_reach())
        .expect(vec![
            err("proxy-failure", "auth")
                .says(&["wants a user name and password (407)"])
                .shows(&["\"HTTP/1.1 407 Proxy Authentication Required\""])
                .fixes(&[key('p'), key('r')]),
        ]);

    let shop = proxied(target("shop"));
    let connect = connected(&shop);
    let tls = tls_failed(
        lab,
        &shop,
        proxy_refused(403, "HTTP/1.1 403 Forbidden"),
        Vec::new(),
    );
    let other = target("other");
    let other_tls = tls_ok(lab, &other, &lab.chain(&site(&other)));
    let forbidden = scenario(lab, "the proxy forbids one destination")
        .target_saw(shop, resolved(), connect, Some(tls), no_reach())
        .tls(other, other_tls)
        .expect(vec![
            err("proxy-failure", "shop")
                .says(&["forbids the tunnel to shop.example.com:443 (403)"])
                .fixes(&[key('p'), key('r')]),
            warn("single-target-failing", "shop").fixes(&[key('o'), key('r')]),
        ]);

    vec![only, down, credentials, forbidden]
}

fn certificate_scenarios(lab: &Lab) -> Vec<Scenario> {
    let mut out = Vec::new();

    let old = target("old");
    let chain = lab.chain(&site(&old).valid(days(-400), days(-10)));
    let tls = tls_ok(lab, &old, &chain);
    out.push(
        scenario(lab, "an expired certificate, the true time unknown")
            .tls(old, tls)
            .expect(vec![
                err("cert-expired", "old")
                    .says(&[
                        "the certificate of 192.0.2.7:443 expired ",
                        " ago (leaf old.example.com)",
                    ])
                    .shows(&[
                        "leaf old.example.com: not before",
                        ": expired)",
                        "the true time is unknown",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .cert(0, Some(CertStatus::Expired)),
    );

    let early = target("early");
    let chain = lab.chain(&site(&early).valid(days(10), days(400)));
    let tls = tls_ok(lab, &early, &chain);
    out.push(
        scenario(lab, "a certificate not yet valid, the clock right")
            .ntp(vec![Ok(offset(0))])
            .tls(early, tls)
            .expect(vec![
                err("cert-not-yet-valid", "early")
                    .says(&["is not valid for another ", "(leaf early.example.com)"])
                    .shows(&[": not yet valid)", "the true time agrees"])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["clock-skew"])
            .cert(0, Some(CertStatus::NotYetValid)),
    );

    let mail = target("mail");
    let mut spec = site(&mail);
    spec.sans = vec!["other.example".to_string(), "www.other.example".to_string()];
    let tls = tls_ok(lab, &mail, &lab.chain(&spec));
    out.push(
        scenario(lab, "a certificate for another name")
            .tls(mail, tls)
            .expect(vec![
                err("cert-wrong-host", "mail")
                    .says(&["is not valid for \"mail.example.com\""])
                    .shows(&["names in the certificate: other.example, www.other.example"])
                    .fixes(&[key('h'), key('r')]),
            ])
            .cert(0, Some(CertStatus::WrongHost)),
    );

    let own = target("own");
    let leaf = site(&own).self_signed();
    let tls = tls_ok(lab, &own, &[leaf.cert]);
    out.push(
        scenario(lab, "a self-signed certificate")
            .tls(own, tls)
            .expect(vec![
                err("cert-self-signed", "own")
                    .says(&["presents a self-signed certificate"])
                    .shows(&[
                        "\"own.example.com\" issued itself (issuer = subject)",
                        "Mozilla roots: ",
                        "ca_file lab-ca.pem: ",
                    ])
                    .fixes(&[key('s'), key('a'), key('r')]),
            ])
            .not(&["cert-incomplete-chain", "cert-unknown-issuer"])
            .cert(0, Some(CertStatus::Untrusted)),
    );

    let x509 = target("x509");
    let mut spec = site(&x509);
    spec.ca = true;
    let leaf = spec.self_signed();
    let tls = tls_ok(lab, &x509, &[leaf.cert]);
    out.push(
        scenario(lab, "a self-signed CA certificate (openssl req -x509)")
            .tls(x509, tls)
            .expect(vec![
                err("cert-self-signed", "x509")
                    .shows(&["is a CA certificate (CA:TRUE", "CaUsedAsEndEntity"])
                    .fixes(&[key('s'), key('a'), key('r')]),
            ]),
    );

    let private = target("private");
    let chain = lab.stranger.chain(&site(&private)).0;
    let tls = tls_ok(lab, &private, &chain);
    out.push(
        scenario(lab, "a chain from a CA nobody here trusts")
            .tls(private, tls)
            .expect(vec![
                err("cert-unknown-issuer", "private")
                    .says(&["a CA nobody here trusts"])
                    .shows(&[
                        "the chain ends at \"Stranger Issuing CA\", issued by \"Stranger Root CA\", which no trust source here has",
                        "Mozilla roots: no path to any of its roots",
                        "system store: no path to any of its roots",
                        "ca_file lab-ca.pem: no path to any of its roots",
                    ])
                    .fixes(&[key('a'), key('r')]),
            ])
            .not(&["cert-incomplete-chain", "tls-interception"])
            .cert(0, Some(CertStatus::Untrusted)),
    );

    let lonely = target("lonely");
    let leaf = lab.pki.intermediate.issue(&site(&lonely));
    let tls = tls_ok(lab, &lonely, &[leaf.cert]);
    out.push(
        scenario(lab, "the server sends no intermediate")
            .tls(lonely, tls)
            .expect(vec![
                err("cert-incomplete-chain", "lonely")
                    .says(&["does not send the intermediate certificate"])
                    .shows(&["sent only its own certificate, issued by \"Lab Intermediate CA\", and no intermediate"])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["cert-unknown-issuer"]),
    );

    let client = target("client-only");
    let mut spec = site(&client);
    spec.eku = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let tls = tls_ok(lab, &client, &lab.chain(&spec));
    out.push(
        scenario(lab, "a certificate for clients, not servers")
            .tls(client, tls)
            .expect(vec![
                err("cert-bad-purpose", "client-only")
                    .says(&["is not for TLS servers"])
                    .shows(&["leaf client-only.example.com: extended key usage clientAuth does not include serverAuth"])
                    .fixes(&[key('s'), key('r')]),
            ])
            .cert(0, Some(CertStatus::BadPurpose)),
    );

    let soon = target("soon");
    let chain = lab.chain(&site(&soon).valid(days(-60), days(3)));
    let tls = tls_ok(lab, &soon, &chain);
    out.push(
        scenario(lab, "a certificate that expires in 3 days")
            .tls(soon, tls)
            .expect(vec![
                warn("cert-expiring-soon", "soon")
                    .says(&["expires in ", "(under 14 days)"])
                    .shows(&["leaf soon.example.com: not before"])
                    .fixes(&[key('s'), key('r')]),
            ])
            .cert(0, Some(CertStatus::ExpiringSoon)),
    );

    // The AddTrust case: leaf, intermediate, and the root cross-signed by an older root that
    // has expired. The valid path does not use it: a warning of its own, not cert-expired.
    let cross = target("cross");
    let mut chain = lab.good(&cross);
    let old_root = Ca::root("Old Root CA");
    chain.push(
        lab.pki
            .root
            .cross_signed_by(&old_root, days(-2000), days(-30)),
    );
    let tls = tls_ok(lab, &cross, &chain);
    out.push(
        scenario(lab, "an expired cross-certificate beside a valid path")
            .tls(cross, tls)
            .expect(vec![
                warn("cert-chain-extra", "cross")
                    .says(&[
                        "sends a certificate its valid chain does not need",
                        "(intermediate Lab Root CA: expired",
                    ])
                    .shows(&[
                        "intermediate Lab Root CA: expired (not before",
                        "ca_file lab-ca.pem has a valid path without it, to CN=Lab Root CA",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["cert-expired", "clock-skew"])
            .cert(0, Some(CertStatus::Ok)),
    );

    let sha1 = localhost("sha1");
    let tls = tls_ok(lab, &sha1, &weak_sha1().chain);
    out.push(
        scenario(lab, "a leaf signed with SHA-1")
            .tls(sha1, tls)
            .expect(vec![
                err("cert-weak", "sha1")
                    .says(&["modern clients refuse as weak"])
                    .shows(&[
                        "leaf localhost: signed with ecdsa-with-SHA1",
                        "ca_file lab-ca.pem: refused signature algorithm or key",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["cert-unknown-issuer", "cert-incomplete-chain"])
            .cert(0, Some(CertStatus::Untrusted)),
    );

    let rsa = localhost("rsa1024");
    let tls = tls_ok(lab, &rsa, &weak_rsa1024().chain);
    out.push(
        scenario(lab, "an intermediate with an RSA 1024-bit key")
            .tls(rsa, tls)
            .expect(vec![
                err("cert-weak", "rsa1024")
                    .shows(&[
                        "intermediate Lab RSA-1024 Intermediate: RSA key of 1024 bits (under 2048)",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["cert-unknown-issuer"]),
    );

    let refused = localhost("rsa-refused");
    let mut tls = tls_failed(
        lab,
        &refused,
        TlsFailure::Signature("the handshake signature uses a refused key".to_string()),
        Vec::new(),
    );
    tls.chain = parse_chain(&weak_rsa1024().chain);
    tls.verified_at = Some(lab.now);
    out.push(
        scenario(lab, "the handshake signature refused for a weak key")
            .tls(refused, tls)
            .expect(vec![
                err("cert-weak", "rsa-refused")
                    .shows(&[
                        "RSA key of 1024 bits",
                        "the handshake signature was refused: the handshake signature uses a refused key",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .not(&["tls-error"]),
    );

    let bank = target("bank");
    let leaf = lab.kaspersky.issue(&site(&bank));
    let tls = tls_ok(lab, &bank, &[leaf.cert]);
    out.push(
        scenario(lab, "Kaspersky re-signs the site (its root installed)")
            .tls(bank, tls)
            .expect(vec![
                err("tls-interception", "bank")
                    .says(&["Kaspersky intercepts TLS to 192.0.2.7:443"])
                    .shows(&[
                        "the chain names \"Kaspersky Anti-Virus Personal Root Certificate\", a CA of a TLS-intercepting product",
                        "the chain verifies against the system store's root",
                        "Mozilla roots: no path to any of its roots",
                        "system store: trusted, root",
                    ])
                    .fixes(&[key('x'), key('o'), key('v'), key('r')]),
            ])
            .not(&["cert-unknown-issuer", "cert-incomplete-chain"])
            .headline("tls-interception")
            .cert(0, Some(CertStatus::Intercepted)),
    );

    // The same product's CA, sent along, with its root in no store.
    let shop = target("shop");
    let leaf = lab.kaspersky.issue(&site(&shop));
    let tls = tls_ok(lab, &shop, &[leaf.cert, lab.kaspersky.cert.clone()]);
    out.push(
        scenario(lab, "Kaspersky re-signs the site (its root in no store)")
            .trust(Trust::new(vec![
                TrustSource::mozilla(),
                TrustSource::from_pem(SourceKind::System, lab.corp_proxy.pem.as_bytes()),
            ]))
            .tls(shop, tls)
            .expect(vec![
                err("tls-interception", "shop")
                    .says(&["Kaspersky intercepts TLS"])
                    .shows(&["a CA of a TLS-intercepting product"])
                    .fixes(&[key('x'), key('o'), key('v'), key('r')]),
            ])
            .not(&["cert-unknown-issuer", "cert-self-signed"]),
    );

    // A public name signed by a root only this machine has: interception or the company's own
    // CA for its public names; the tool cannot tell, and says both.
    let intranet = target("intranet");
    let leaf = lab.corp_proxy.issue(&site(&intranet));
    let tls = tls_ok(lab, &intranet, &[leaf.cert]);
    out.push(
        scenario(
            lab,
            "a root only the system store has, signing a public name",
        )
        .tls(intranet, tls)
        .expect(vec![
            warn("tls-interception", "intranet")
                .says(&[
                    "a root installed on this machine",
                    "signs 192.0.2.7:443 (intranet.example.com): either TLS is intercepted",
                    "or the site uses your organisation's private CA",
                ])
                .shows(&[
                    "but not against Mozilla's roots nor the ca_file",
                    "so does an organisation's private CA",
                ])
                .fixes(&[key('x'), key('v'), key('r')]),
        ])
        .not(&["cert-unknown-issuer", "cert-incomplete-chain", "private-ca"])
        .cert(0, Some(CertStatus::Intercepted)),
    );

    // A host whose certificate is public everywhere, re-signed by a local root: a fact.
    let mut witness = target("mozilla");
    witness.host = "www.mozilla.org".to_string();
    let leaf = lab.corp_proxy.issue(&site(&witness));
    let tls = tls_ok(lab, &witness, &[leaf.cert]);
    out.push(
        scenario(lab, "a root only the system store has, re-signing a public site")
            .tls(witness, tls)
            .expect(vec![
                err("tls-interception", "mozilla")
                    .says(&["(www.mozilla.org), whose certificate comes from a public CA: TLS is intercepted"])
                    .shows(&["www.mozilla.org has a certificate from a public CA wherever it is reached"])
                    .fixes(&[key('x'), key('v'), key('r')]),
            ])
            .not(&["private-ca"])
            .cert(0, Some(CertStatus::Intercepted)),
    );

    // An internal name signed by a root only this machine has: the company's (or the home's)
    // own CA, as expected; information, not an interception.
    let mut wiki = target("wiki");
    wiki.host = "wiki.corp".to_string();
    let leaf = lab.corp_proxy.issue(&site(&wiki));
    let tls = tls_ok(lab, &wiki, &[leaf.cert]);
    out.push(
        scenario(lab, "a private CA signing an internal name")
            .tls(wiki, tls)
            .expect(vec![
                info("private-ca", "wiki")
                    .says(&["(wiki.corp) is signed by a private CA installed on this machine (CN=Corp Proxy Root"])
                    .shows(&[
                        "\"wiki.corp\" is an internal name: no public CA signs it",
                        "system store: trusted, root CN=Corp Proxy Root",
                    ])
                    .fixes(&[key('a'), key('r')]),
            ])
            .not(&["tls-interception", "cert-unknown-issuer"])
            .cert(0, Some(CertStatus::Ok)),
    );

    // A public root (the lab's, standing in for one of Mozilla's) that this machine's CA
    // bundle lacks: an outdated bundle; browsers work, curl and the system's clients refuse.
    let news = target("news");
    let tls = tls_ok(lab, &news, &lab.good(&news));
    out.push(
        scenario(lab, "the system's CA bundle lacks a public root")
            .trust(Trust::new(vec![
                TrustSource::from_pem(SourceKind::Mozilla, lab.pki.root.pem.as_bytes()),
                TrustSource::from_pem(SourceKind::System, lab.corp_proxy.pem.as_bytes()),
            ]))
            .programs(&["sudo", "apt-get", "update-ca-certificates"])
            .tls(news, tls)
            .expect(vec![
                err("ca-bundle-outdated", "news")
                    .says(&[
                        "this machine's CA bundle lacks CN=Lab Root CA",
                        "programs that use the system store refuse it",
                    ])
                    .shows(&[
                        "Mozilla's roots: path to the public root CN=Lab Root CA",
                        "system store: no path: it lacks CN=Lab Root CA",
                    ])
                    .fixes(&[
                        cmd(
                            'u',
                            &[
                                "sudo",
                                "apt-get",
                                "install",
                                "--only-upgrade",
                                "ca-certificates",
                            ],
                        ),
                        cmd('b', &["sudo", "update-ca-certificates"]),
                        key('r'),
                    ]),
            ])
            .not(&["cert-unknown-issuer", "tls-interception", "private-ca"]),
    );

    // The same with a ca_file that has the root: this check works, other programs still fail.
    let blog = target("blog");
    let tls = tls_ok(lab, &blog, &lab.good(&blog));
    out.push(
        scenario(lab, "an outdated bundle, the root in this check's ca_file")
            .trust(Trust::new(vec![
                TrustSource::from_pem(SourceKind::Mozilla, lab.pki.root.pem.as_bytes()),
                TrustSource::from_pem(SourceKind::System, lab.corp_proxy.pem.as_bytes()),
                TrustSource::from_pem(
                    SourceKind::CaFile("ca.pem".into()),
                    lab.pki.root.pem.as_bytes(),
                ),
            ]))
            .programs(&["sudo", "dnf", "update-ca-trust"])
            .tls(blog, tls)
            .expect(vec![
                warn("ca-bundle-outdated", "blog")
                    .shows(&["this check's own ca_file; other programs do not read it"])
                    .fixes(&[
                        cmd('u', &["sudo", "dnf", "upgrade", "ca-certificates"]),
                        cmd('b', &["sudo", "update-ca-trust"]),
                        key('r'),
                    ]),
            ]),
    );

    let fine = target("fine");
    let tls = tls_ok(lab, &fine, &lab.good(&fine));
    out.push(
        scenario(lab, "a good server")
            .ntp(vec![Ok(offset(300))])
            .sync(timedatectl(true))
            .tls(fine, tls)
            .expect(Vec::new())
            .cert(0, Some(CertStatus::Ok)),
    );
    out
}

fn handshake_scenarios(lab: &Lab) -> Vec<Scenario> {
    let mut out = Vec::new();

    let t = target("reset");
    let tls = tls_failed(lab, &t, reset(), blocked_variants(&t, &reset()));
    out.push(
        scenario(lab, "reset after the ClientHello, every variant too")
            .tls(t, tls)
            .expect(vec![
                err("tls-reset", "reset")
                    .says(&["192.0.2.7:443 reset the connection after the ClientHello"])
                    .shows(&[
                        "default hello (TLS 1.3+1.2, post-quantum share): connection reset after the ClientHello (0 bytes received) [hello 1850 bytes]",
                        "without the post-quantum key share: connection reset",
                        "no variant (smaller hello, other SNI, no SNI) got through",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ])
            .cert(0, None),
    );

    let t = target("silent");
    let tls = tls_failed(lab, &t, silence(), blocked_variants(&t, &silence()));
    out.push(scenario(lab, "no TLS answer").tls(t, tls).expect(vec![
                err("tls-timeout", "silent")
                    .says(&["accepted TCP but gave no TLS answer in time"])
                    .shows(&["no TLS answer within 5.0 s (0 bytes received)", "no variant"])
                    .fixes(&[key('s'), key('r')]),
            ]));

    let t = target("closing");
    let closed = TlsFailure::Closed { received: 0 };
    let tls = tls_failed(lab, &t, closed.clone(), blocked_variants(&t, &closed));
    out.push(
        scenario(lab, "closed after the ClientHello")
            .tls(t, tls)
            .expect(vec![
                err("tls-closed", "closing")
                    .says(&["closed the connection after the ClientHello without answering"])
                    .shows(&["connection closed after the ClientHello"])
                    .fixes(&[key('s'), key('r')]),
            ]),
    );

    let t = target("done");
    let tls = tls_failed(lab, &t, TlsFailure::EarlyAlert(alert(0)), Vec::new());
    out.push(
        scenario(lab, "close_notify instead of a ServerHello")
            .tls(t, tls)
            .expect(vec![
                err("tls-closed", "done")
                    .says(&["answered the ClientHello with close_notify and no ServerHello"])
                    .shows(&[
                        "the server sent the alert close_notify (0) instead of a ServerHello, then nothing more",
                        "the server said it is done",
                    ])
                    .fixes(&[key('s'), key('r')]),
            ]),
    );

    let t = target("warned");
    let tls = tls_failed(lab, &t, TlsFailure::EarlyAlert(alert(112)), Vec::new());
    out.push(
        scenario(lab, "a warning alert instead of a ServerHello")
            .tls(t, tls)
            .expect(vec![
                err("tls-alert", "warned")
                    .says(&["answered the ClientHello with the alert unrecognized_name and no ServerHello"])
                    .shows(&["unrecognized_name (112) instead of a ServerHello", "check the target's `sni`"])
                    .fixes(&[key('u'), key('r')]),
            ]),
    );

    let t = target("plain");
    let first_bytes = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n".to_vec();
    let mut tls = tls_failed(
        lab,
        &t,
        TlsFailure::NotTls {
            first_bytes: first_bytes.clone(),
        },
        Vec::new(),
    );
    tls.attempt.first_bytes = first_bytes;
    out.push(
        scenario(lab, "plain HTTP on the TLS port")
            .tls(t, tls)
            .expect(vec![
                err("not-tls", "plain")
                    .says(&["answered the ClientHello in plaintext: an HTTP server"])
                    .shows(&[
                        "the first bytes from the server: \"HTTP/1.1 400 Bad Request",
                        "a captive portal or a proxy",
                    ])
                    .fixes(&[key('p'), key('r')]),
            ]),
    );

    // The same plaintext server, when it reset the default hello before its answer was read:
    // the retries saw it, and the verdict does not depend on which attempt won the race.
    let t = target("plain-raced");
    let raced = TlsFailure::Reset { received: 0 };
    let mut variants = blocked_variants(&t, &raced);
    variants[0].failure = Some(TlsFailure::NotTls {
        first_bytes: b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
    });
    let tls = tls_failed(lab, &t, raced, variants);
    out.push(
        scenario(lab, "plain HTTP that reset the default hello")
            .tls(t, tls)
            .expect(vec![
                err("not-tls", "plain-raced")
                    .says(&["answered the ClientHello in plaintext: an HTTP server"])
                    .shows(&[
                        "the first bytes from the server: \"HTTP/1.1 400 Bad Request",
                        "seen by the retry without the post-quantum key share; the default hello got: default hello (TLS 1.3+1.2, post-quantum share): connection reset",
                    ])
                    .fixes(&[key('p'), key('r')]),
            ]),
    );

    let t = target("picky");
    let variants = vec![
        fails(&t, Variant::Tls12Only, TlsFailure::Alert(alert(40))),
        fails(&t, Variant::Tls13Only, TlsFailure::Alert(alert(40))),
    ];
    let tls = tls_failed(lab, &t, TlsFailure::Alert(alert(40)), variants);
    out.push(
        scenario(lab, "a handshake_failure alert")
            .tls(t, tls)
            .expect(vec![
                err("tls-alert", "picky")
                    .says(&[
                        "refused the handshake with the alert handshake_failure",
                        "no variant works",
                    ])
                    .shows(&[
                        "TLS 1.2 only: the server sent the fatal alert handshake_failure (40)",
                        "handshake_failure: no cipher suite or key exchange in common",
                    ])
                    .fixes(&[key('u'), key('r')]),
            ])
            .not(&["tls-version"]),
    );

    let t = target("legacy");
    let variants = vec![
        works(&t, Variant::Tls12Only),
        fails(&t, Variant::Tls13Only, TlsFailure::Alert(alert(70))),
    ];
    let tls = tls_failed(lab, &t, TlsFailure::Alert(alert(70)), variants);
    out.push(
        scenario(lab, "TLS 1.3 refused, TLS 1.2 works")
            .tls(t, tls)
            .expect(vec![
                err("tls-version", "legacy")
                    .says(&[
                        "the server refuses the default hello's protocol version (alert protocol_version (70)); TLS 1.2 only works",
                    ])
                    .shows(&["TLS 1.3 only: the server sent the fatal alert protocol_version (70)"])
                    .fixes(&[key('u'), key('r')]),
            ])
            .not(&["tls-alert"]),
    );

    let t = target("ancient");
    let variants = vec![
        fails(&t, Variant::Tls12Only, TlsFailure::Alert(alert(70))),
        fails(&t, Variant::Tls13Only, TlsFailure::Alert(alert(70))),
    ];
    let tls = tls_failed(lab, &t, TlsFailure::Alert(alert(70)), variants);
    out.push(
        scenario(lab, "a server that speaks only TLS 1.1 or older")
            .tls(t, tls)
            .expect(vec![
                err("tls-version", "ancient")
                    .says(&[
                        "the server speaks only TLS 1.1 or older",
                        "no variant works",
                    ])
                    .fixes(&[key('u'), key('r')]),
            ]),
    );

    let t = target("mtls");
    let mut a = completed(attempt(&t, Variant::Default), None, lab.now);
    a.http = None;
    a.first_read = Some(FirstRead::Alert(alert(116)));
    a.failure = Some(TlsFailure::ClientCertRequired {
        alert: Some(alert(116)),
        after_handshake: true,
        http_status: None,
    });
    a.capture.client_auth = Some(vec!["CN=Corp Client CA".to_string()]);
    let chain = lab.good(&t);
    let tls = report(lab, &t, a, Vec::new(), &chain);
    out.push(
        scenario(lab, "a client certificate required (TLS 1.3)")
            .tls(t, tls)
            .expect(vec![
                err("client-cert-required", "mtls")
                    .says(&["requires a client certificate (mutual TLS)"])
                    .shows(&[
                        "TLSv1.3: the handshake completed, then the first read got the alert certificate_required (116)",
                        "client certificates accepted from: CN=Corp Client CA",
                    ])
                    .fixes(&[key('i'), key('r')]),
            ])
            .cert(0, None),
    );

    let t = target("nginx-mtls");
    let mut a = completed(attempt(&t, Variant::Default), None, lab.now);
    a.negotiated = Some(negotiated("TLSv1.2"));
    if let Some(h) = &mut a.http {
        h.status_line = "HTTP/1.1 400 Bad Request".to_string();
        h.status = Some(400);
    }
    a.failure = Some(TlsFailure::ClientCertRequired {
        alert: None,
        after_handshake: true,
        http_status: Some(400),
    });
    a.capture.client_auth = Some(vec!["CN=Corp Client CA".to_string()]);
    let chain = lab.good(&t);
    let tls = report(lab, &t, a, Vec::new(), &chain);
    out.push(
        scenario(lab, "a client certificate required over HTTP (nginx)")
            .tls(t, tls)
            .expect(vec![
                err("client-cert-required", "nginx-mtls")
                    .says(&["requires a client certificate (mutual TLS)"])
                    .shows(&[
                        "TLSv1.2: the handshake completed; the server sent a CertificateRequest and got no certificate, then it answered \"HTTP/1.1 400 Bad Request\"",
                        "No required SSL certificate was sent",
                        "client certificates accepted from: CN=Corp Client CA",
                    ])
                    .fixes(&[key('i'), key('r')]),
            ])
            .cert(0, None),
    );

    let t = target("tls12-mtls");
    let mut a = fails(
        &t,
        Variant::Default,
        TlsFailure::ClientCertRequired {
            alert: Some(alert(40)),
            after_handshake: false,
            http_status: None,
        },
    );
    a.capture.client_auth = Some(Vec::new());
    let tls = report(lab, &t, a, Vec::new(), &[]);
    out.push(
        scenario(lab, "a client certificate required (TLS 1.2)")
            .tls(t, tls)
            .expect(vec![
                err("client-cert-required", "tls12-mtls")
                    .shows(&[
                        "the server sent a CertificateRequest, then the alert handshake_failure (40)",
                        "the server named no CA for client certificates",
                    ])
                    .fixes(&[key('i'), key('r')]),
            ])
            .not(&["tls-alert"]),
    );

    let t = target("large");
    let variants = vec![
        works(&t, Variant::NoPostQuantum),
        fails(&t, Variant::OtherSni("example.com".to_string()), reset()),
        fails(&t, Variant::NoSni, reset()),
    ];
    let chain = lab.good(&t);
    let tls = report(
        lab,
        &t,
        fails(&t, Variant::Default, reset()),
        variants,
        &chain,
    );
    out.push(
        scenario(lab, "a middlebox resets large ClientHellos")
            .tls(t, tls)
            .expect(vec![
                err("middlebox-large-hello", "large")
                    .says(&["drops large ClientHellos", "the default hello (1850 bytes, post-quantum key share) fails, a 560-byte one works"])
                    .shows(&[
                        "default hello (TLS 1.3+1.2, post-quantum share): connection reset after the ClientHello (0 bytes received) [hello 1850 bytes]",
                        "without the post-quantum key share: TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 [hello 560 bytes]",
                    ])
                    .fixes(&[key('u'), key('p'), key('r')]),
            ])
            .not(&["tls-reset", "sni-blocked"]),
    );

    let t = target("swallowed");
    let variants = vec![
        works(&t, Variant::NoPostQuantum),
        works(&t, Variant::OtherSni("example.com".to_string())),
        works(&t, Variant::NoSni),
    ];
    let tls = report(
        lab,
        &t,
        fails(&t, Variant::Default, silence()),
        variants,
        &[],
    );
    out.push(
        scenario(lab, "a middlebox swallows large ClientHellos")
            .tls(t, tls)
            .expect(vec![
                err("middlebox-large-hello", "swallowed")
                    .shows(&["no TLS answer within 5.0 s"])
                    .fixes(&[key('u'), key('p'), key('r')]),
            ])
            .not(&["tls-timeout", "sni-blocked"]),
    );

    let t = target("censored");
    let variants = vec![
        fails(&t, Variant::NoPostQuantum, reset()),
        works(&t, Variant::OtherSni("example.com".to_string())),
        works(&t, Variant::NoSni),
    ];
    let tls = report(lab, &t, fails(&t, Variant::Default, reset()), variants, &[]);
    out.push(
        scenario(lab, "the network blocks the server name")
            .tls(t, tls)
            .expect(vec![
                err("sni-blocked", "censored")
                    .says(&[
                        "the network blocks the server name \"censored.example.com\": the same server answers with SNI \"example.com\"",
                    ])
                    .shows(&["with SNI \"example.com\": TLSv1.3", "without SNI: TLSv1.3"])
                    .fixes(&[key('n'), key('r')]),
            ])
            .not(&["tls-reset", "middlebox-large-hello"]),
    );

    let t = target("garbled");
    let mut tls = tls_failed(
        lab,
        &t,
        TlsFailure::Protocol("received corrupt message of type InvalidContentType".to_string()),
        Vec::new(),
    );
    tls.attempt.first_bytes = vec![0x16, 0x03, 0x03, 0x00, 0x05, 0xfe];
    out.push(
        scenario(lab, "the server breaks the protocol")
            .tls(t, tls)
            .expect(vec![
                err("tls-error", "garbled")
                    .says(&["the TLS handshake failed: received corrupt message"])
                    .shows(&[
                        "default hello: received corrupt message of type InvalidContentType",
                        "the server's first bytes: \"",
                    ])
                    .fixes(&[key('r')]),
            ]),
    );

    let t = target("forged");
    let mut tls = tls_failed(
        lab,
        &t,
        TlsFailure::Signature("invalid signature for the server's key".to_string()),
        Vec::new(),
    );
    let chain = lab.good(&t);
    tls.chain = parse_chain(&chain);
    tls.verified_at = Some(lab.now);
    out.push(
        scenario(lab, "a handshake signature that does not verify")
            .tls(t, tls)
            .expect(vec![
                err("tls-error", "forged")
                    .says(&["the server's handshake signature does not verify"])
                    .shows(&["invalid signature for the server's key"])
                    .fixes(&[key('r')]),
            ])
            .not(&["cert-weak"]),
    );
    out
}

fn reach_scenarios(lab: &Lab) -> Vec<Scenario> {
    use ProbeSpec::{OpenvpnTcp, OpenvpnUdp, Wireguard};
    use ReachStatus::{Closed, Filtered, Open, OpenOrFiltered};
    let mut out = Vec::new();

    let udp_blocked = || {
        vec![
            probe(OpenvpnUdp(1194), OpenOrFiltered, false),
            probe(OpenvpnTcp(443), Open, true),
            probe(Wireguard(51_820), OpenOrFiltered, false),
        ]
    };
    out.push(
        scenario(lab, "OpenVPN UDP blocked, TCP answers, nordvpn installed")
            .vpn(vpn("nl1"), udp_blocked())
            .nordvpn()
            .expect(vec![
                err("openvpn-udp-blocked", "nl1")
                    .says(&["OpenVPN over UDP 1194 gets no answer from nl1.example.com while OpenVPN over TCP 443 answers"])
                    .shows(&[
                        "openvpn-udp to 192.0.2.7:1194: open-or-filtered",
                        "openvpn-tcp to 192.0.2.7:443: open (an OpenVPN server answered)",
                        "so UDP is what is blocked on the way",
                    ])
                    .fixes(&[cmd('t', NORDVPN_OPENVPN), cmd('p', NORDVPN_TCP), key('r')]),
            ])
            .not(&["port-filtered"]),
    );
    out.push(
        scenario(lab, "OpenVPN UDP blocked, TCP answers, no nordvpn")
            .vpn(vpn("nl2"), udp_blocked())
            .expect(vec![
                err("openvpn-udp-blocked", "nl2")
                    .shows(&["openvpn-udp to 192.0.2.7:1194"])
                    .fixes(&[key('o'), key('r')]),
            ]),
    );
    let nordlynx_silent = || {
        vec![
            probe(OpenvpnUdp(1194), Open, true),
            probe(OpenvpnTcp(443), Open, true),
            probe(Wireguard(51_820), OpenOrFiltered, false),
        ]
    };
    out.push(
        scenario(lab, "NordLynx silent, OpenVPN answers, no nordvpn")
            .vpn(vpn("nl3"), nordlynx_silent())
            .expect(vec![
                warn("nordlynx-unproven", "nl3")
                    .says(&[
                        "NordLynx (WireGuard) UDP 51820 on nl3.example.com is silent while OpenVPN answers",
                    ])
                    .shows(&[
                        "wireguard to 192.0.2.7:51820: open-or-filtered",
                        "openvpn-udp to 192.0.2.7:1194: open",
                        "a key the server does not know",
                    ])
                    .fixes(&[key('o'), key('r')]),
            ]),
    );
    out.push(
        scenario(lab, "NordLynx silent, OpenVPN answers, nordvpn installed")
            .vpn(vpn("nl4"), nordlynx_silent())
            .nordvpn()
            .expect(vec![
                warn("nordlynx-unproven", "nl4").fixes(&[cmd('t', NORDVPN_OPENVPN), key('r')]),
            ]),
    );
    out.push({
        // With the user's keys, silence is no handshake: blocked, or a key the server does not
        // know. It is not "unproven" but a failure of its own.
        let mut keyed = vpn("wg-keyed");
        keyed.probes = vec![OpenvpnUdp(1194), Wireguard(51_820)];
        let mut silent = probe(Wireguard(51_820), OpenOrFiltered, false);
        silent.signed = Some("wireguard key");
        scenario(lab, "no WireGuard handshake with the user's keys")
            .vpn(keyed, vec![probe(OpenvpnUdp(1194), Open, true), silent])
            .expect(vec![
                err("wireguard-no-handshake", "wg-keyed")
                    .says(&[
                        "no WireGuard handshake with wg-keyed.example.com on UDP 51820",
                        "does not know this config's key",
                    ])
                    .shows(&["wireguard to 192.0.2.7:51820: open-or-filtered"])
                    .fixes(&[key('n'), key('o'), key('r')]),
            ])
            .not(&["nordlynx-unproven"])
    });
    out.push({
        let mut keyed = vpn("wg-ok");
        keyed.probes = vec![Wireguard(51_820)];
        let mut done = probe(Wireguard(51_820), Open, false);
        done.signed = Some("wireguard key");
        scenario(lab, "a WireGuard handshake with the user's keys")
            .vpn(keyed, vec![done])
            .expect(vec![])
    });
    out.push({
        // Silence proves nothing: a target with only a silent NordLynx port is not one that
        // "works" beside a failing one.
        let mut wg = vpn("wg-only");
        wg.probes = vec![Wireguard(51_820)];
        let closed = target("closed");
        let connect = tcp(&closed, &Err(TcpError::Refused));
        let tls = tls_failed(lab, &closed, TlsFailure::Tcp(TcpError::Refused), Vec::new());
        scenario(lab, "a silent NordLynx port does not count as working")
            .target_saw(closed, resolved(), connect, Some(tls), no_reach())
            .vpn(wg, vec![probe(Wireguard(51_820), OpenOrFiltered, false)])
            .expect(vec![err("tcp-refused", "closed").fixes(&[key('r')])])
            .not(&["single-target-failing", "nordlynx-unproven"])
    });
    out.push(
        scenario(lab, "WireGuard closed, nordvpn installed")
            .vpn(
                vpn("de1"),
                vec![
                    probe(OpenvpnUdp(1194), OpenOrFiltered, false),
                    probe(OpenvpnTcp(443), Closed, false),
                    probe(Wireguard(51_820), Closed, false),
                ],
            )
            .nordvpn()
            .expect(vec![
                err("wireguard-udp-closed", "de1")
                    .says(&["WireGuard (NordLynx) UDP 51820 on de1.example.com is closed"])
                    .shows(&["wireguard to 192.0.2.7:51820: closed"])
                    .fixes(&[cmd('t', NORDVPN_OPENVPN), cmd('p', NORDVPN_TCP), key('r')]),
                err("port-closed", "de1")
                    .says(&["openvpn-tcp port 443 on de1.example.com is closed"])
                    .shows(&["openvpn-tcp to 192.0.2.7:443: closed"])
                    .fixes(&[key('o'), key('r')]),
            ]),
    );
    out.push(
        scenario(
            lab,
            "WireGuard closed, OpenVPN UDP works, nordvpn installed",
        )
        .vpn(
            vpn("de2"),
            vec![
                probe(OpenvpnUdp(1194), Open, true),
                probe(OpenvpnTcp(443), Open, true),
                probe(Wireguard(51_820), Closed, false),
            ],
        )
        .nordvpn()
        .expect(vec![
            err("wireguard-udp-closed", "de2").fixes(&[cmd('t', NORDVPN_OPENVPN), key('r')]),
        ]),
    );
    out.push(
        scenario(lab, "WireGuard filtered")
            .vpn(
                vpn("ch1"),
                vec![
                    probe(OpenvpnUdp(1194), Open, true),
                    probe(OpenvpnTcp(443), Open, true),
                    probe(Wireguard(51_820), Filtered, false),
                ],
            )
            .expect(vec![
                err("port-filtered", "ch1")
                    .says(&["wireguard port 51820 on ch1.example.com is filtered"])
                    .shows(&["wireguard to 192.0.2.7:51820: filtered"])
                    .fixes(&[key('o'), key('r')]),
            ])
            .not(&["wireguard-udp-closed"]),
    );

    // A portal answers DNS with a private address and HTTP with a redirect; TLS is reset.
    let web = target("web");
    let mut answer = no_reach();
    answer.dns_compare = Some(DnsComparison {
        host: web.host.clone(),
        system: Answer::Addrs {
            addrs: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))],
            took: ms(3),
        },
        direct: vec![Direct {
            server: SocketAddr::from(([9, 9, 9, 9], 53)),
            answer: Answer::Addrs {
                addrs: vec![IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34))],
                took: ms(18),
            },
        }],
    });
    let tls = tls_failed(lab, &web, reset(), blocked_variants(&web, &reset()));
    let connect = connected(&web);
    out.push(
        scenario(lab, "a captive portal")
            .target_saw(web, resolved(), connect, Some(tls), answer)
            .captive(CaptiveResult {
                url: "http://captive.example.net/generate_204".to_string(),
                verdict: CaptiveVerdict::Captive(
                    "302 Found where 204 No Content was expected".to_string(),
                ),
                status: Some(302),
                location: Some("http://portal.example.net/login".to_string()),
                took: ms(80),
            })
            .expect(vec![
                err("captive-portal", "*")
                    .says(&["a captive portal intercepts the network: log in at http://portal.example.net/login"])
                    .shows(&[
                        "GET http://captive.example.net/generate_204: 302 Found where 204 No Content was expected",
                        "it sends the browser to http://portal.example.net/login",
                        "DNS for web.example.com: the system resolver says 10.0.0.1",
                        "but the nameserver 9.9.9.9:53 says 93.184.216.34",
                        "private addresses for a public name",
                    ])
                    .fixes(&[key('o')]),
                err("tls-reset", "web").fixes(&[key('s'), key('r')]),
            ])
            .headline("captive-portal"),
    );

    // Across targets.
    let (a, b) = (target("a"), target("b"));
    let (ra, rb) = (
        tls_failed(lab, &a, reset(), blocked_variants(&a, &reset())),
        tls_failed(lab, &b, reset(), blocked_variants(&b, &reset())),
    );
    out.push(
        scenario(lab, "every target is reset")
            .tls(a, ra)
            .tls(b, rb)
            .expect(vec![
                err("all-targets-failing", "*")
                    .says(&[
                        "every target fails the same way (tls-reset): the cause is on this side",
                    ])
                    .shows(&[
                        "a: tls-reset — 192.0.2.7:443 reset the connection",
                        "b: tls-reset — ",
                    ])
                    .fixes(&[key('o'), key('r')]),
                err("tls-reset", "a").fixes(&[key('s'), key('r')]),
                err("tls-reset", "b").fixes(&[key('s'), key('r')]),
            ])
            .not(&["single-target-failing"])
            .headline("all-targets-failing"),
    );

    let (a, b, c) = (target("a"), target("b"), target("c"));
    let (ra, rb) = (
        tls_ok(lab, &a, &lab.good(&a)),
        tls_ok(lab, &b, &lab.good(&b)),
    );
    let rc = tls_failed(lab, &c, silence(), blocked_variants(&c, &silence()));
    out.push(
        scenario(lab, "one target of three fails")
            .tls(a, ra)
            .tls(b, rb)
            .tls(c, rc)
            .expect(vec![
                err("tls-timeout", "c").fixes(&[key('s'), key('r')]),
                warn("single-target-failing", "c")
                    .says(&["c fails (tls-timeout) where a, b work: try another server"])
                    .shows(&["c: tls-timeout — ", "working: a, b"])
                    .fixes(&[key('o'), key('r')]),
            ])
            .not(&["all-targets-failing"]),
    );

    let (a, mut b) = (target("a"), target("b"));
    b.alternatives = vec!["b2.example.com".to_string(), "b3.example.com".to_string()];
    let ra = tls_ok(lab, &a, &lab.good(&a));
    let rb = tls_failed(lab, &b, reset(), blocked_variants(&b, &reset()));
    out.push(
        scenario(lab, "one target fails, and has alternatives")
            .tls(a, ra)
            .tls(b, rb)
            .expect(vec![
                err("tls-reset", "b").fixes(&[key('s'), key('r')]),
                warn("single-target-failing", "b")
                    .says(&["b fails (tls-reset) where a works"])
                    .fixes(&[key('1'), key('2'), key('r')]),
            ]),
    );
    out
}

// ---- checking a scenario ---------------------------------------------------------------------

fn fix_specs(f: &Finding) -> Vec<(char, Option<Vec<String>>)> {
    f.fixes.iter().map(|x| (x.key, x.command.clone())).collect()
}

/// What is wrong with `findings` for `s`, one line each.
fn mismatches(s: &Scenario, derived: &Derived) -> Vec<String> {
    let findings = &derived.findings;
    let mut wrong = Vec::new();
    let mut want: Vec<String> = s
        .expect
        .iter()
        .map(|e| format!("{}@{}", e.code, e.at))
        .collect();
    want.sort();
    let got = code_at(findings);
    if got != want {
        wrong.push(format!("findings: expected {want:?}, got {got:?}"));
    }
    // Pair each expectation with the next finding of its code and target.
    let mut used = vec![false; findings.len()];
    for e in &s.expect {
        let found = findings.iter().enumerate().find(|(i, f)| {
            !used[*i] && f.code.as_str() == e.code && f.target.as_deref().unwrap_or("*") == e.at
        });
        let Some((i, f)) = found else {
            continue;
        };
        used[i] = true;
        let what = format!("{}@{}", e.code, e.at);
        if f.severity != e.severity {
            wrong.push(format!(
                "{what}: severity {:?}, expected {:?}",
                f.severity, e.severity
            ));
        }
        for part in &e.summary {
            if !f.summary.contains(part) {
                wrong.push(format!("{what}: summary {:?} lacks {part:?}", f.summary));
            }
        }
        for part in &e.evidence {
            if !f.evidence.iter().any(|l| l.contains(part)) {
                wrong.push(format!(
                    "{what}: no evidence line holds {part:?}; evidence: {:#?}",
                    f.evidence
                ));
            }
        }
        let want_fixes: Vec<(char, Option<Vec<String>>)> = e
            .fixes
            .iter()
            .map(|x| {
                (
                    x.key,
                    x.argv.map(|a| a.iter().map(ToString::to_string).collect()),
                )
            })
            .collect();
        if fix_specs(f) != want_fixes {
            wrong.push(format!(
                "{what}: fixes {:?}, expected {want_fixes:?}",
                fix_specs(f)
            ));
        }
    }
    for code in &s.not {
        if findings.iter().any(|f| f.code.as_str() == *code) {
            wrong.push(format!("{code} must not come out"));
        }
    }
    if let Some(h) = s.headline
        && findings.first().map(|f| f.code.as_str()) != Some(h)
    {
        wrong.push(format!(
            "the headline is {:?}, expected {h}",
            findings.first().map(|f| f.code.as_str())
        ));
    }
    if findings.windows(2).any(|w| w[0].severity < w[1].severity) {
        wrong.push("findings are not sorted worst first".to_string());
    }
    for (i, status) in &s.certs {
        let got = derived.targets.get(*i).and_then(|t| t.cert);
        if got != *status {
            wrong.push(format!("target {i}: cert {got:?}, expected {status:?}"));
        }
    }
    wrong
}

#[test]
fn the_scenarios() {
    let lab = Lab::new();
    let all = scenarios(&lab);
    let mut failed = 0;
    for s in &all {
        let derived = diagnose(&s.observations());
        let wrong = mismatches(s, &derived);
        if wrong.is_empty() {
            continue;
        }
        failed += 1;
        println!("✗ {}", s.name);
        for w in &wrong {
            println!("    {w}");
        }
        println!("    all findings: {:#?}", derived.findings);
    }
    println!("{} scenarios, {failed} failed", all.len());
    assert_eq!(failed, 0, "{failed} of {} scenarios failed", all.len());
}

#[test]
fn every_code_has_a_scenario() {
    let lab = Lab::new();
    let all = scenarios(&lab);
    let expected: Vec<&str> = all
        .iter()
        .flat_map(|s| s.expect.iter().map(|e| e.code))
        .collect();
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|c| !expected.contains(c))
        .collect();
    assert!(missing.is_empty(), "no scenario for {missing:?}");
    let unknown: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|c| !codes.contains(c))
        .collect();
    assert!(unknown.is_empty(), "not finding codes: {unknown:?}");
}

/// The README documents every code (a row of its table: symptom, cause, fix).
#[test]
fn every_code_is_documented() {
    let readme = include_str!("../../README.md");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !readme.contains(&format!("| `{c}` |")))
        .collect();
    assert!(missing.is_empty(), "no README row for {missing:?}");
}

#[test]
fn fix_keys_are_free_and_unique() {
    let lab = Lab::new();
    let mut seen = Vec::new();
    let mut wrong = Vec::new();
    for s in scenarios(&lab) {
        for f in diagnose(&s.observations()).findings {
            let keys: Vec<char> = f.fixes.iter().map(|x| x.key).collect();
            for (i, k) in keys.iter().enumerate() {
                if reserved(Mode::Fixes, *k) {
                    wrong.push(format!("{}: {}: key {k:?} is reserved", s.name, f.code));
                }
                if keys[i + 1..].contains(k) {
                    wrong.push(format!("{}: {}: key {k:?} twice", s.name, f.code));
                }
                if !seen.contains(k) {
                    seen.push(*k);
                }
            }
            for x in &f.fixes {
                if x.command.as_ref().is_some_and(Vec::is_empty) {
                    wrong.push(format!("{}: {}: an empty command", s.name, f.code));
                }
            }
        }
    }
    seen.sort_unstable();
    println!("fix keys: {}", seen.iter().collect::<String>());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---- the incremental derivation -------------------------------------------------------------

/// Compares `derived` (kept across steps) with a derivation from scratch.
fn same_as_scratch(derived: &Derived, obs: &Observations) -> Result<(), String> {
    let fresh = diagnose(obs);
    if derived.findings != fresh.findings {
        return Err(format!(
            "findings differ:\n  kept:    {:?}\n  scratch: {:?}\n  kept: {:#?}\n  scratch: {:#?}",
            code_at(&derived.findings),
            code_at(&fresh.findings),
            derived.findings,
            fresh.findings
        ));
    }
    if derived.clock != fresh.clock {
        return Err(format!(
            "clock differs: {:?} vs {:?}",
            derived.clock, fresh.clock
        ));
    }
    if derived.targets.len() != fresh.targets.len() {
        return Err("target count differs".to_string());
    }
    for (i, (a, b)) in derived.targets.iter().zip(&fresh.targets).enumerate() {
        if a.chain != b.chain {
            return Err(format!("target {i}: chain differs"));
        }
        if a.cert != b.cert {
            return Err(format!("target {i}: cert {:?} vs {:?}", a.cert, b.cert));
        }
        if a.done != b.done {
            return Err(format!("target {i}: done {} vs {}", a.done, b.done));
        }
    }
    Ok(())
}

/// Feeds `steps` one by one into observations of `config`, refreshing one kept derivation
/// after each, and compares it with the derivation from scratch.
fn replay(config: &Arc<Config>, machine: &Machine, steps: &[Step]) -> Result<(), String> {
    let mut obs = Observations::new(Arc::clone(config), machine.clone());
    let mut derived = Derived::default();
    derived.refresh(&obs);
    same_as_scratch(&derived, &obs).map_err(|e| format!("before any step: {e}"))?;
    for (n, step) in steps.iter().enumerate() {
        step.apply(&mut obs);
        derived.refresh(&obs);
        same_as_scratch(&derived, &obs).map_err(|e| format!("after step {n} ({step:?}): {e}"))?;
    }
    Ok(())
}

/// A small deterministic shuffle (xorshift), so the orders are varied and reproducible.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut x = seed | 1;
    for i in (1..out.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

/// The orders a scenario's steps are replayed in: as recorded, reversed, shuffled, and with
/// every check requested again in the middle and recorded again at the end.
fn orders(steps: &[Step]) -> Vec<(String, Vec<Step>)> {
    let mut out = vec![
        ("as recorded".to_string(), steps.to_vec()),
        (
            "reversed".to_string(),
            steps.iter().rev().cloned().collect(),
        ),
    ];
    for seed in [7, 1_234_567, 0xdead_beef] {
        out.push((format!("shuffled ({seed})"), shuffled(steps, seed)));
    }
    let half = steps.len() / 2;
    let mut rerun: Vec<Step> = steps[..half].to_vec();
    rerun.extend(steps.iter().filter_map(|s| match s {
        Step::Record(id, _) => Some(Step::Request(*id)),
        Step::Request(_) => None,
    }));
    rerun.extend(steps[half..].iter().cloned());
    rerun.extend(shuffled(steps, 42));
    out.push(("re-run in the middle".to_string(), rerun));
    out
}

#[test]
fn refresh_equals_scratch_in_every_scenario() {
    let lab = Lab::new();
    let mut wrong = Vec::new();
    for s in scenarios(&lab) {
        for (order, steps) in orders(&s.steps) {
            if let Err(e) = replay(&s.config, &s.machine, &steps) {
                wrong.push(format!("{} ({order}): {e}", s.name));
            }
        }
    }
    for w in &wrong {
        println!("✗ {w}");
    }
    assert!(wrong.is_empty(), "{} replays differ", wrong.len());
}

/// A world of several targets whose results change between runs: the consensus moves (within
/// a second, to another second, to no time at all and back), a target's re-run gets another
/// chain, a blocked target starts to work, a VPN server's UDP opens.
#[test]
fn refresh_equals_scratch_as_results_change() {
    let lab = Lab::new();
    let (web, shop, blocked, nl) = (target("web"), target("shop"), target("blocked"), vpn("nl"));
    let good = lab.good(&web);
    let by_clock = lab.chain(&site(&shop).valid(days(-300), days(-10)));
    let renewed = lab.good(&shop);
    let expired = lab.chain(&site(&web).valid(days(-400), days(-10)));

    // The config and the first round, built as a scenario.
    let base = scenario(&lab, "world")
        .ntp(vec![Ok(offset(0)), Ok(offset(2_000))])
        .sync(timedatectl(true))
        .tls(web.clone(), tls_ok(&lab, &web, &good))
        .tls(shop.clone(), tls_ok(&lab, &shop, &by_clock))
        .tls(
            blocked.clone(),
            tls_failed(
                &lab,
                &blocked,
                reset(),
                blocked_variants(&blocked, &reset()),
            ),
        )
        .vpn(
            nl,
            vec![
                probe(
                    ProbeSpec::OpenvpnUdp(1194),
                    ReachStatus::OpenOrFiltered,
                    false,
                ),
                probe(ProbeSpec::OpenvpnTcp(443), ReachStatus::Open, true),
                probe(ProbeSpec::Wireguard(51_820), ReachStatus::Closed, false),
            ],
        )
        .nordvpn()
        .expect(Vec::new());
    let rec = |id: ProbeId, outcome: ProbeOutcome| Step::Record(id, Box::new(outcome));
    let ntp = |i: usize, micros: i64| {
        rec(
            ProbeId::Ntp(i),
            ProbeOutcome::Ntp(Ok(ntp_reply(offset(micros)))),
        )
    };
    let tls = |i: usize, r: TlsReport| rec(ProbeId::Tls(i), ProbeOutcome::Tls(Box::new(r)));
    let rounds: Vec<Vec<Step>> = vec![
        base.steps.clone(),
        // The clock turns out to be thirty days ahead: the shop's certificate is fine.
        vec![
            Step::Request(ProbeId::Ntp(0)),
            Step::Request(ProbeId::Ntp(1)),
            ntp(0, -30 * DAY),
            ntp(1, -30 * DAY + 300_000),
        ],
        // The consensus moves within the second, then across seconds.
        vec![
            ntp(1, -30 * DAY + 100_000),
            ntp(0, -30 * DAY - 2 * SEC),
            ntp(1, -30 * DAY - 2 * SEC),
        ],
        // The servers split: no time is claimed; then they agree again.
        vec![ntp(0, 0), ntp(1, 3 * SEC), ntp(1, 0)],
        // Re-runs whose results differ: the blocked target works, the shop renewed, the web
        // server's certificate lapsed, the VPN's UDP opens.
        vec![
            Step::Request(ProbeId::Dns(2)),
            rec(ProbeId::Dns(2), ProbeOutcome::Dns(resolved())),
            rec(
                ProbeId::Connect(2),
                ProbeOutcome::Connect(Box::new(connected(&blocked))),
            ),
            tls(2, tls_ok(&lab, &blocked, &lab.good(&blocked))),
            rec(ProbeId::Reach(2), ProbeOutcome::Reach(Box::new(no_reach()))),
            Step::Request(ProbeId::Tls(1)),
            tls(1, tls_ok(&lab, &shop, &renewed)),
            Step::Request(ProbeId::Tls(0)),
            Step::Request(ProbeId::Tls(0)),
            tls(0, tls_ok(&lab, &web, &expired)),
            tls(0, tls_ok(&lab, &web, &expired)),
            Step::Request(ProbeId::Dns(3)),
            rec(
                ProbeId::Reach(3),
                ProbeOutcome::Reach(Box::new(reach(vec![
                    probe(ProbeSpec::OpenvpnUdp(1194), ReachStatus::Open, true),
                    probe(ProbeSpec::OpenvpnTcp(443), ReachStatus::Open, true),
                    probe(ProbeSpec::Wireguard(51_820), ReachStatus::Closed, false),
                ]))),
            ),
        ],
        // The clock moves again, and the first target's DNS fails on a re-run.
        vec![
            ntp(0, -30 * DAY),
            ntp(1, -30 * DAY),
            Step::Request(ProbeId::Dns(0)),
            rec(
                ProbeId::Dns(0),
                ProbeOutcome::Dns(Dns::Failed {
                    error: "Name or service not known".to_string(),
                    took: ms(3),
                }),
            ),
        ],
    ];

    let mut wrong = Vec::new();
    let flat: Vec<Step> = rounds.iter().flatten().cloned().collect();
    let mut runs: Vec<(String, Vec<Step>)> = vec![("in rounds".to_string(), flat.clone())];
    for seed in [3, 99, 2_024, 65_537, 0x00c0_ffee] {
        // Each round shuffled, the rounds in order.
        let steps = rounds.iter().flat_map(|r| shuffled(r, seed)).collect();
        runs.push((format!("rounds shuffled ({seed})"), steps));
        // Everything shuffled.
        runs.push((format!("all shuffled ({seed})"), shuffled(&flat, seed)));
    }
    for (order, steps) in &runs {
        if let Err(e) = replay(&base.config, &base.machine, steps) {
            wrong.push(format!("{order}: {e}"));
        }
    }
    for w in &wrong {
        println!("✗ {w}");
    }
    assert!(wrong.is_empty(), "{} replays differ", wrong.len());

    // The world really moved: as recorded, the end differs from the start.
    let mut obs = Observations::new(Arc::clone(&base.config), base.machine.clone());
    for s in &base.steps {
        s.apply(&mut obs);
    }
    let first = code_at(&diagnose(&obs).findings);
    for s in &flat[base.steps.len()..] {
        s.apply(&mut obs);
    }
    let last = code_at(&diagnose(&obs).findings);
    assert_ne!(first, last);
    println!("first round: {first:?}\nlast round: {last:?}");
}

// ---- what the diagnosis gets wrong -----------------------------------------------------------

/// A server that sends the wrong intermediate (a stale one after its CA rotated
/// intermediates): the chain as sent does not link the leaf to anything, like a chain with no
/// intermediate at all, and the leaf's real issuer chains to a trusted root. The fix is on
/// the server (send the full chain), not "trust this CA".
#[test]

fn a_wrong_intermediate_is_an_incomplete_chain() {
    let lab = Lab::new();
    let t = target("stale");
    let leaf = lab.pki.intermediate.issue(&site(&t));
    let chain = vec![leaf.cert, lab.stranger.intermediate.cert.clone()];
    let tls = tls_ok(&lab, &t, &chain);
    let s = scenario(&lab, "the server sends another CA's intermediate")
        .tls(t, tls)
        .expect(vec![
            err("cert-incomplete-chain", "stale")
                .shows(&["issued by \"Lab Intermediate CA\""])
                .fixes(&[key('s'), key('r')]),
        ])
        .not(&["cert-unknown-issuer"]);
    let wrong = mismatches(&s, &diagnose(&s.observations()));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every check of both targets fails with "network is unreachable" (no route: the Wi-Fi is
/// down, or an IPv6 address without IPv6): the TCP connect and the handshake's connect.
/// Each is `tcp-unreachable`, and every target failing alike is `all-targets-failing`.
#[test]
fn an_unreachable_network_is_a_failure() {
    let lab = Lab::new();
    let mut b = scenario(&lab, "no route to any target");
    for name in ["a", "b"] {
        let t = target(name);
        let unreachable =
            TcpError::Unreachable("Network is unreachable (os error 101)".to_string());
        let connect = tcp(&t, &Err(unreachable.clone()));
        let tls = tls_failed(&lab, &t, TlsFailure::Tcp(unreachable), Vec::new());
        b = b.target_saw(t, resolved(), connect, Some(tls), no_reach());
    }
    let obs = b.expect(Vec::new()).observations();
    let findings = diagnose(&obs).findings;
    for name in ["a", "b"] {
        assert!(
            findings
                .iter()
                .any(|f| f.target.as_deref() == Some(name) && f.severity == Severity::Error),
            "no error for {name}: {:?}",
            code_at(&findings)
        );
    }
    assert!(
        findings
            .iter()
            .any(|f| f.code.as_str() == "all-targets-failing"),
        "{:?}",
        code_at(&findings)
    );
}

/// chrony runs but is not synchronised, and timedatectl is not installed (the sync check
/// found no such program): the clock's fixes still offer `timedatectl set-ntp true`, a
/// command this machine does not have. `clock-unsynced` offers it only when timedatectl
/// answered; the clock's own fixes should too.
#[test]

fn no_timedatectl_fix_without_timedatectl() {
    let lab = Lab::new();
    let s = scenario(&lab, "clock 3 h behind, only chrony, not synchronised")
        .ntp(vec![Ok(offset(3 * HOUR))])
        .sync(chrony("Not synchronised"))
        .expect(vec![
            err("clock-skew", "*").fixes(&[cmd('m', &["sudo", "chronyc", "makestep"]), key('r')]),
            warn("clock-unsynced", "*").fixes(&[key('h')]),
        ]);
    let wrong = mismatches(&s, &diagnose(&s.observations()));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// After logging in at the portal, `r` on the `captive-portal` finding should check again:
/// its probes are what `r` re-runs, and they are empty (its one fix re-runs nothing either).
#[test]

fn the_captive_portal_can_be_checked_again() {
    let lab = Lab::new();
    let web = target("web");
    let tls = tls_ok(&lab, &web, &lab.good(&web));
    let obs = scenario(&lab, "a captive portal")
        .tls(web, tls)
        .captive(CaptiveResult {
            url: "http://captive.example.net/generate_204".to_string(),
            verdict: CaptiveVerdict::Captive("302 Found".to_string()),
            status: Some(302),
            location: None,
            took: ms(80),
        })
        .expect(Vec::new())
        .observations();
    let findings = diagnose(&obs).findings;
    let portal = findings
        .iter()
        .find(|f| f.code.as_str() == "captive-portal")
        .expect("a captive-portal finding");
    assert!(
        portal.probes.contains(&ProbeId::Captive),
        "{:?}",
        portal.probes
    );
}

/// Enough targets that a derivation from scratch shares them out among threads, while a
/// refresh after one result redoes one target on the calling thread: both must agree, and
/// every target's verdict must land on its own row.
#[test]
fn refresh_equals_scratch_with_many_targets() {
    let lab = Lab::new();
    let mut build = scenario(&lab, "many")
        .ntp(vec![Ok(offset(0))])
        .sync(timedatectl(true));
    for i in 0..40 {
        let t = target(&format!("site{i}"));
        let chain = if i % 3 == 0 {
            lab.chain(&site(&t).valid(days(-400), days(-10)))
        } else {
            lab.good(&t)
        };
        build = build.tls(t.clone(), tls_ok(&lab, &t, &chain));
    }
    let s = build.expect(Vec::new());
    let mut obs = Observations::new(Arc::clone(&s.config), s.machine.clone());
    for step in &s.steps {
        step.apply(&mut obs);
    }
    let d = diagnose(&obs);
    let mut got: Vec<String> = d
        .findings
        .iter()
        .filter(|f| f.code == Code::CertExpired)
        .filter_map(|f| f.target.clone())
        .collect();
    let mut want: Vec<String> = (0..40)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("site{i}"))
        .collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    for seed in [5, 77] {
        replay(&s.config, &s.machine, &shuffled(&s.steps, seed)).unwrap();
    }
}

/// An alternative server's row says "f on the finding to try it" only while a finding's fixes
/// try it: when every target fails (a local cause, no "switch server"), none does, and the
/// row says when one would.
#[test]
fn an_untried_alternative_points_at_a_finding_only_when_one_offers_it() {
    const OFFERED: &str = "on the finding to try it";
    const UNOFFERED: &str = "not tried (offered when its target fails where others work)";
    let lab = Lab::new();
    let (a, mut b) = (target("a"), target("b"));
    b.alternatives = vec!["b2.example.com".to_string()];
    let fail_a = tls_failed(&lab, &a, reset(), blocked_variants(&a, &reset()));
    let ok_a = tls_ok(&lab, &a, &lab.good(&a));
    let fail_b = tls_failed(&lab, &b, reset(), blocked_variants(&b, &reset()));
    let screen = |obs: Observations| {
        let model = tlsdoctor_tui::app::Model::from_observations(
            obs,
            tlsdoctor_tui::app::Env::default(),
            Instant::now(),
            std::time::SystemTime::now(),
        );
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50))
            .expect("test terminal");
        term.draw(|f| tlsdoctor_tui::ui::render(f, &model))
            .expect("draw");
        (model.derived.clone(), term.backend().to_string())
    };

    let all_fail = scenario(&lab, "every target fails, one has an alternative")
        .tls(a.clone(), fail_a)
        .tls(b.clone(), fail_b.clone())
        .expect(Vec::new())
        .observations();
    let alt = all_fail
        .config
        .targets
        .iter()
        .position(|t| t.alternative_of.is_some())
        .expect("the alternative is a target");
    let (derived, text) = screen(all_fail);
    assert!(
        derived
            .findings
            .iter()
            .any(|f| f.code == Code::AllTargetsFailing),
        "{:?}",
        code_at(&derived.findings)
    );
    assert!(!derived.offers_target(alt));
    assert!(!text.contains(OFFERED), "{text}");
    assert!(text.contains(UNOFFERED), "{text}");

    let one_fails = scenario(&lab, "one target fails, it has an alternative")
        .tls(a, ok_a)
        .tls(b, fail_b)
        .expect(Vec::new())
        .observations();
    let (derived, text) = screen(one_fails);
    assert!(
        derived.offers_target(alt),
        "{:?}",
        code_at(&derived.findings)
    );
    assert!(text.contains(OFFERED), "{text}");
    assert!(!text.contains(UNOFFERED), "{text}");
}

/// A target checked with TLS alone gets one connection, not two: no connect check starts,
/// yet its connect slot runs with the TLS check and ends with the handshake's own connect,
/// so the TCP line and the transport findings read as before.
#[test]
fn the_tls_check_stands_for_the_connect_check_of_a_tls_only_target() {
    let lab = Lab::new();
    let t = target("vpn");
    let mut tcp_too = target("api");
    tcp_too.probes.push(ProbeSpec::Tcp(80));
    let mut config = bare_config();
    config.targets = vec![t.clone(), tcp_too];
    let config = Arc::new(config);
    let after = |i| tlsdoctor_tui::probe::after_dns(&config.targets, i);
    assert!(!after(0).contains(&ProbeId::Connect(0)), "{:?}", after(0));
    assert!(after(0).contains(&ProbeId::Tls(0)));
    assert!(
        after(1).contains(&ProbeId::Connect(1)),
        "a second TCP port has a connect check of its own: {:?}",
        after(1)
    );
    let mut obs = Observations::new(Arc::clone(&config), lab.machine());
    record(&mut obs, ProbeId::Dns(0), ProbeOutcome::Dns(resolved()));
    assert!(
        obs.is_running(ProbeId::Connect(0)),
        "it runs with the TLS check"
    );
    let refused = TcpError::Refused;
    let tls = tls_failed(&lab, &t, TlsFailure::Tcp(refused.clone()), Vec::new());
    let mut tls = tls;
    tls.attempt.tcp = Some(Err(refused.clone()));
    record(&mut obs, ProbeId::Tls(0), ProbeOutcome::Tls(Box::new(tls)));
    assert!(!obs.is_running(ProbeId::Connect(0)));
    let connect = obs.targets[0]
        .connect
        .value()
        .expect("the handshake's connect");
    assert_eq!(connect.tcp.len(), 1);
    assert_eq!(connect.tcp[0].port, 443);
    assert_eq!(connect.tcp[0].result, Err(refused));
    let codes = code_at(&diagnose(&obs).findings);
    assert!(codes.contains(&"tcp-refused@vpn".to_string()), "{codes:?}");
}

// ---- this machine ------------------------------------------------------------------------------

/// The product of the table made by `vendor`, seen running as `process` (or installed only).
fn product(vendor: &str, process: Option<&str>) -> Detected {
    let product = PRODUCTS
        .iter()
        .find(|p| p.vendor == vendor)
        .expect("a product of the table");
    Detected {
        product,
        running: process
            .map(|p| vec![format!("process {p} (pid 4242)")])
            .unwrap_or_default(),
        installed: vec![format!("installed at {}", product.paths[0])],
    }
}

/// The version check of `program` as `version` printed it, or not installed.
fn version(program: &str, version: Option<&str>) -> ClientVersion {
    ClientVersion {
        client: clients::client(program).expect("a program of the table"),
        answer: version.map_or(VersionAnswer::NotInstalled, |v| {
            VersionAnswer::Found(Found {
                version: v.to_string(),
                other_product: None,
            })
        }),
    }
}

/// Every program current, none of them nordvpn.
fn current() -> Vec<ClientVersion> {
    vec![
        version("nordvpn", None),
        version("openvpn", Some("2.6.3")),
        version("wg", Some("1.0.20210914")),
        version("openssl", Some("3.0.11")),
    ]
}

const DEBIAN: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
const FEDORA: &str = "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40\n";
const APT_OPENVPN: &[&str] = &["sudo", "apt-get", "install", "--only-upgrade", "openvpn"];
const DNF_NORDVPN_OPENSSL: &[&str] = &["dnf", "upgrade", "nordvpn", "openssl"];

impl Build {
    /// The machine check saw `found` and `clients` on the distribution `os_release` describes.
    fn machine_saw(
        mut self,
        found: Vec<Detected>,
        clients: Vec<ClientVersion>,
        os_release: &str,
    ) -> Self {
        let report = MachineReport {
            security: SecurityScan {
                found,
                limited: None,
            },
            clients,
            os: Ok(OsRelease::parse(os_release)),
            firewall: tlsdoctor_tui::probe::firewall::Firewall::unknown("not read"),
            services: Vec::new(),
            nordvpn_status: None,
            trust_store: Err("not read".to_string()),
        };
        self.step(ProbeId::Machine, ProbeOutcome::Machine(Box::new(report)));
        self
    }

    /// The machine check read this nftables ruleset (`nft -j list ruleset`'s JSON), and found
    /// nothing else.
    fn firewall_saw(self, nft_json: &str) -> Self {
        use tlsdoctor_tui::probe::firewall::{Firewall, Ruleset};
        self.firewall_is(Firewall::nft_only(
            Ruleset::parse(nft_json).expect("nft's JSON"),
        ))
    }

    /// The machine check read this firewall, and found nothing else.
    fn firewall_is(mut self, firewall: tlsdoctor_tui::probe::firewall::Firewall) -> Self {
        let report = MachineReport {
            security: SecurityScan {
                found: Vec::new(),
                limited: None,
            },
            clients: current(),
            os: Ok(OsRelease::parse(DEBIAN)),
            firewall,
            services: Vec::new(),
            nordvpn_status: None,
            trust_store: Err("not read".to_string()),
        };
        self.step(ProbeId::Machine, ProbeOutcome::Machine(Box::new(report)));
        self
    }
}

/// `nft add rule inet fw out udp dport 1194 drop`, as `nft -j list ruleset` prints it.
const NFT_DROP_1194: &str = r#"{"nftables": [
  {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
  {"table": {"family": "inet", "name": "fw", "handle": 1}},
  {"chain": {"family": "inet", "table": "fw", "name": "out", "handle": 1, "type": "filter", "hook": "output", "prio": 0, "policy": "accept"}},
  {"rule": {"family": "inet", "table": "fw", "chain": "out", "handle": 2,
    "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 1194}}, {"drop": null}]}}
]}"#;

fn firewall_scenarios(lab: &Lab) -> Vec<Scenario> {
    use ProbeSpec::{OpenvpnTcp, OpenvpnUdp};
    use ReachStatus::{Open, OpenOrFiltered};
    let mut vpn_target = vpn("fw1");
    vpn_target.probes = vec![OpenvpnUdp(1194), OpenvpnTcp(443)];
    let other = target("site");
    let other_tls = tls_ok(lab, &other, &lab.chain(&site(&other)));
    let stopped = scenario(lab, "this machine's own rule drops OpenVPN UDP 1194")
        .root()
        .programs(&["nft"])
        .firewall_saw(NFT_DROP_1194)
        .vpn(
            vpn_target.clone(),
            vec![
                probe(OpenvpnUdp(1194), OpenOrFiltered, false),
                probe(OpenvpnTcp(443), Open, true),
            ],
        )
        .tls(other, other_tls)
        .expect(vec![
            err("local-firewall", "fw1")
                .says(&["this machine's own firewall drops openvpn-udp 1194 to 192.0.2.7: udp dport 1194 drop"])
                .shows(&[
                    "the rule: table inet fw chain out: udp dport 1194 drop (handle 2)",
                    "openvpn-udp 1194 to 192.0.2.7: open-or-filtered",
                ])
                .fixes(&[
                    cmd('d', &["nft", "delete", "rule", "inet", "fw", "out", "handle", "2"]),
                    key('r'),
                ]),
            err("openvpn-udp-blocked", "fw1").fixes(&[key('o'), key('r')]),
        ])
        .not(&["single-target-failing"]);
    let not_ours = scenario(lab, "a rule for another port stops nothing here")
        .firewall_saw(NFT_DROP_1194)
        .vpn(
            vpn("fw2"),
            vec![probe(OpenvpnUdp(1195), OpenOrFiltered, false)],
        )
        .expect(vec![])
        .not(&["local-firewall"]);
    let ufw_target = vpn("fw3");
    let ufws = scenario(lab, "ufw's rule (iptables-legacy) drops OpenVPN UDP 1194")
        .root()
        .programs(&["nft", "iptables-legacy", "ufw"])
        .firewall_is(ufw_legacy())
        .vpn(
            ufw_target,
            vec![probe(OpenvpnUdp(1194), OpenOrFiltered, false)],
        )
        .expect(vec![
            err("local-firewall", "fw3")
                .says(&["this machine's own firewall drops openvpn-udp 1194 to 192.0.2.7: -p udp -m udp --dport 1194 -j DROP"])
                .shows(&[
                    "the rule: iptables-legacy filter chain ufw-user-output rule 1: -p udp -m udp --dport 1194 -j DROP",
                    "it is ufw's rule [ 1] 1194/udp DENY OUT Anywhere (out) (ufw status numbered)",
                ])
                .fixes(&[cmd('d', &["ufw", "--force", "delete", "1"]), key('r')]),
        ]);
    vec![stopped, not_ours, ufws]
}

/// ufw over iptables-legacy after `ufw deny out 1194/udp`: iptables-legacy-save's filter table
/// (ufw's chains trimmed to the path) and `ufw status numbered`.
fn ufw_legacy() -> tlsdoctor_tui::probe::firewall::Firewall {
    use tlsdoctor_tui::probe::firewall::{Firewall, Reading, Ruleset, Save, Ufw};
    let save = "*filter\n:OUTPUT ACCEPT [0:0]\n:ufw-before-output - [0:0]\n:ufw-user-output - [0:0]\n\
        -A OUTPUT -j ufw-before-output\n\
        -A ufw-before-output -o lo -j ACCEPT\n\
        -A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
        -A ufw-before-output -j ufw-user-output\n\
        -A ufw-user-output -p udp -m udp --dport 1194 -j DROP\n\
        COMMIT\n";
    Firewall {
        iptables: Reading::Read(Save::parse(save, "iptables-legacy", false).expect("a table")),
        ufw: Ufw::parse(
            "Status: active\n\n     To                         Action      From\n\
             [ 1] 1194/udp                   DENY OUT    Anywhere                   (out)\n\
             [ 2] 1194/udp (v6)              DENY OUT    Anywhere (v6)              (out)\n",
        )
        .expect("ufw's status"),
        ..Firewall::nft_only(Ruleset::parse(r#"{"nftables": []}"#).expect("an empty ruleset"))
    }
}

fn app_suspect_scenarios(lab: &Lab) -> Vec<Scenario> {
    use ProbeSpec::Wireguard;
    use ReachStatus::{Open, OpenOrFiltered};
    let keys = tlsdoctor_tui::config::WgKeys {
        private: [1; 32],
        peer_public: [2; 32],
        preshared: None,
    };
    let mut wg = vpn("nl-wg");
    wg.probes = vec![Wireguard(51_820)];
    wg.wg_keys = Some(keys);
    let mut done = probe(Wireguard(51_820), Open, false);
    done.signed = Some("wireguard key");
    done.detail = "WireGuard handshake completed in 2.1 ms: the server knows this key".to_string();
    let left = scenario(
        lab,
        "every check passes and the VPN handshake works: the app is left",
    )
    .machine_saw(Vec::new(), current(), DEBIAN)
    .vpn(wg.clone(), vec![done.clone()])
    .expect(vec![
        info("app-suspect", "*")
            .says(&[
                "the VPN's own handshake works from here",
                "update or reinstall it",
            ])
            .shows(&["nl-wg: WireGuard handshake completed"])
            .fixes(&[
                cmd(
                    'u',
                    &[
                        "sudo",
                        "apt-get",
                        "install",
                        "--only-upgrade",
                        "openvpn",
                        "wireguard-tools",
                    ],
                ),
                cmd(
                    'i',
                    &[
                        "sudo",
                        "apt-get",
                        "install",
                        "--reinstall",
                        "openvpn",
                        "wireguard-tools",
                    ],
                ),
            ]),
    ]);
    let mut silent = probe(Wireguard(51_820), OpenOrFiltered, false);
    silent.signed = Some("wireguard key");
    let not_while_failing = scenario(lab, "never ahead of a real finding")
        .machine_saw(Vec::new(), current(), DEBIAN)
        .vpn(wg.clone(), vec![done])
        .vpn(
            {
                let mut other = wg;
                other.name = "de-wg".to_string();
                other.host = "de-wg.example.com".to_string();
                other
            },
            vec![silent],
        )
        .expect(vec![
            err("wireguard-no-handshake", "de-wg").fixes(&[key('n'), key('o'), key('r')]),
            warn("single-target-failing", "de-wg").fixes(&[key('o'), key('r')]),
        ])
        .not(&["app-suspect"]);
    vec![left, not_while_failing]
}

fn machine_scenarios(lab: &Lab) -> Vec<Scenario> {
    let mut out = vec![
        scenario(lab, "nothing running, every client current")
            .machine_saw(vec![product("CrowdStrike", None)], current(), DEBIAN)
            .expect(vec![])
            .not(&["security-software", "client-outdated"]),
        scenario(lab, "Zscaler's client runs, CrowdStrike is only installed")
            .machine_saw(
                vec![product("CrowdStrike", None), product("Zscaler", Some("zsaservice"))],
                current(),
                DEBIAN,
            )
            .expect(vec![
                info("security-software", "*")
                    .says(&["Zscaler Client Connector (intercepts TLS)"])
                    .shows(&[
                        "Zscaler Client Connector (process zsaservice (pid 4242)): tunnels web traffic",
                        "Zscaler Client Connector: exclusions / HTTPS scanning: ZIA admin portal",
                        "CrowdStrike Falcon: installed, not running (installed at /opt/CrowdStrike)",
                    ])
                    .fixes(&[key('x')]),
            ]),
        scenario(lab, "OpenVPN 2.3 on Debian, not root")
            .programs(&["sudo", "apt-get"])
            .machine_saw(
                vec![],
                vec![
                    version("nordvpn", None),
                    version("openvpn", Some("2.3.10")),
                    version("wg", None),
                    version("openssl", Some("3.0.11")),
                ],
                DEBIAN,
            )
            .expect(vec![
                warn("client-outdated", "*")
                    .says(&["openvpn 2.3.10 (needs 2.4.0 or later)"])
                    .shows(&["openvpn 2.3.10 is older than 2.4.0: below 2.4 OpenVPN knows neither tls-crypt", "Debian GNU/Linux 12 (bookworm)"])
                    .fixes(&[cmd('u', APT_OPENVPN)]),
            ]),
        scenario(lab, "an old NordVPN app and OpenSSL 1.0.2 on Fedora, as root")
            .root()
            .programs(&["dnf"])
            .machine_saw(
                vec![],
                vec![
                    version("nordvpn", Some("3.14.2")),
                    version("openvpn", Some("2.6.3")),
                    version("wg", None),
                    version("openssl", Some("1.0.2u")),
                ],
                FEDORA,
            )
            .expect(vec![
                warn("client-outdated", "*")
                    .says(&["nordvpn 3.14.2 (needs 3.15.0 or later)", "openssl 1.0.2u (needs 1.1.1 or later)"])
                    .shows(&["no TLS 1.3", "login --token"])
                    .fixes(&[cmd('u', DNF_NORDVPN_OPENSSL)]),
            ]),
        scenario(lab, "an outdated client where no package manager is known")
            .machine_saw(
                vec![],
                vec![version("openvpn", Some("2.3.10"))],
                "ID=arch\n",
            )
            .expect(vec![
                warn("client-outdated", "*")
                    .says(&["openvpn 2.3.10"])
                    .fixes(&[key('u')]),
            ]),
    ];

    // Kaspersky's CA re-signs the site, and Kaspersky's endpoint product runs here: the
    // interception names it, with its setting.
    let bank = target("bank");
    let leaf = lab.kaspersky.issue(&site(&bank));
    let tls = tls_ok(lab, &bank, &[leaf.cert]);
    out.push(
        scenario(lab, "Kaspersky re-signs the site and runs here")
            .tls(bank, tls)
            .machine_saw(
                vec![product("Kaspersky", Some("kesl")), product("CrowdStrike", Some("falcon-sensor"))],
                current(),
                DEBIAN,
            )
            .expect(vec![
                err("tls-interception", "bank")
                    .says(&["Kaspersky intercepts TLS"])
                    .shows(&[
                        "running here: Kaspersky Endpoint Security for Linux (process kesl (pid 4242))",
                        "Kaspersky Endpoint Security for Linux: exclusions / HTTPS scanning: kesl-control",
                        "also running here, not known to decrypt TLS: CrowdStrike Falcon",
                    ])
                    .fixes(&[key('x'), key('o'), key('v'), key('r')]),
                info("security-software", "*")
                    .says(&["Kaspersky Endpoint Security for Linux (intercepts TLS)", "CrowdStrike Falcon"])
                    .fixes(&[key('x')]),
            ])
            .headline("tls-interception"),
    );

    // The same, with nothing of the table running: the interceptor is more likely elsewhere.
    let shop = target("shop");
    let leaf = lab.kaspersky.issue(&site(&shop));
    let tls = tls_ok(lab, &shop, &[leaf.cert]);
    out.push(
        scenario(lab, "a re-signed site, no security software running here")
            .tls(shop, tls)
            .machine_saw(vec![], current(), DEBIAN)
            .expect(vec![
                err("tls-interception", "shop")
                    .shows(&["no security software of the table runs on this machine"])
                    .fixes(&[key('x'), key('o'), key('v'), key('r')]),
            ])
            .not(&["security-software"]),
    );
    out
}

/// `r` on a machine finding re-runs the machine check.
#[test]
fn machine_findings_rerun_the_machine_check() {
    let lab = Lab::new();
    for s in machine_scenarios(&lab) {
        for f in diagnose(&s.observations()).findings {
            assert!(
                f.probes.contains(&ProbeId::Machine),
                "{}: {}",
                s.name,
                f.code
            );
        }
    }
}

// ---- the OpenVPN TLS handshake with the profile (issue 10) -----------------------------------

/// A target from an OpenVPN profile with a CA: OpenVPN over UDP 1194 (and TCP 443 with `tcp`).
fn ovpn_target(name: &str, tcp: bool) -> Target {
    let mut t = target(name);
    t.probes = vec![ProbeSpec::OpenvpnUdp(1194)];
    if tcp {
        t.probes.push(ProbeSpec::OpenvpnTcp(443));
    }
    t.ovpn_tls = Some(Box::default());
    t
}

/// An OpenVPN probe whose reset was answered (`answered`) with the handshake `edit` shapes.
fn with_handshake(
    spec: ProbeSpec,
    answered: bool,
    edit: impl FnOnce(&mut VpnHandshake),
) -> ReachResult {
    let status = if answered {
        ReachStatus::Open
    } else {
        ReachStatus::OpenOrFiltered
    };
    let mut r = probe(spec, status, answered);
    let transport = match spec {
        ProbeSpec::OpenvpnTcp(_) => Transport::Tcp,
        _ => Transport::Udp,
    };
    let mut h = VpnHandshake {
        report: HandshakeReport::new(r.addr, transport, None),
        uncapped: None,
        other_direction: None,
        unsigned: None,
        small_hello: None,
        legacy: None,
        name: None,
        server_purpose: None,
        server_subject: Some("CN=server".to_string()),
        verified_at: SystemTime::now(),
    };
    h.report.status = VpnStatus::Completed;
    h.report.ca = Some(CaVerdict::Verified);
    h.report.acked_through = Some(3);
    edit(&mut h);
    r.handshake = Some(Box::new(h));
    r
}

fn failed_at(step: VpnStep, failure: VpnFailure) -> VpnStatus {
    VpnStatus::Failed { step, failure }
}

fn timeout() -> VpnFailure {
    VpnFailure::Timeout { waited: ms(5000) }
}

fn vpn_handshake_scenarios(lab: &Lab) -> Vec<Scenario> {
    // Valid from 1 h from now by this clock, which is 3 h behind: valid at the true time.
    let (fresh_chain, _) = lab
        .pki
        .chain(&LeafSpec::localhost().valid(time::Duration::hours(1), time::Duration::days(30)));
    let mut clocked = ovpn_target("ovpn-clock", false);
    clocked.ovpn_tls = Some(Box::new(tlsdoctor_tui::config::ovpn::OvpnTls {
        ca_pem: lab.pki.root.pem.clone().into_bytes(),
        ..Default::default()
    }));
    vec![
        scenario(lab, "OpenVPN server certificate not yet valid only by this clock (3 h behind)")
            .ntp(vec![Ok(offset(3 * HOUR))])
            .sync(timedatectl(true))
            .vpn(
                clocked,
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    let why = "a certificate is valid only from (in an hour)";
                    h.report.chain = fresh_chain;
                    h.report.ca = Some(CaVerdict::NotVerified(why.into()));
                    h.report.status =
                        failed_at(VpnStep::Verify, VpnFailure::NotVerified(why.into()));
                })],
            )
            .expect(vec![
                err("clock-skew", "*")
                    .shows(&[
                        "ovpn-clock: the OpenVPN server certificate of ovpn-clock.example.com (OpenVPN UDP 1194) looks not yet valid only because this clock is wrong",
                        "at the true time the certificate verifies with the profile's CA",
                    ])
                    .fixes(&[cmd('t', SUDO_SET_NTP), key('r')]),
            ])
            .not(&["vpn-cert-not-yet-valid", "vpn-ca-mismatch"]),
        scenario(lab, "OpenVPN handshake completes with the profile's CA")
            .vpn(
                ovpn_target("ovpn-ok", true),
                vec![
                    with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |_| {}),
                    with_handshake(ProbeSpec::OpenvpnTcp(443), true, |_| {}),
                ],
            )
            .expect(vec![]),
        scenario(lab, "OpenVPN server signed by another CA than the profile's")
            .vpn(
                ovpn_target("ovpn-ca", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.ca = Some(CaVerdict::NotVerified("UnknownIssuer".into()));
                    h.report.status = failed_at(
                        VpnStep::Verify,
                        VpnFailure::NotVerified("UnknownIssuer".into()),
                    );
                })],
            )
            .expect(vec![
                err("vpn-ca-mismatch", "ovpn-ca")
                    .says(&["presents a certificate that the profile's CA did not sign"])
                    .shows(&["against the profile's <ca>: UnknownIssuer"])
                    .fixes(&[key('d'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server fails verify-x509-name")
            .vpn(
                ovpn_target("ovpn-name", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.name = Some(Err(
                        "verify-x509-name \"vpn.example.com\" name does not hold for the server's certificate: its common name is \"server\"".into(),
                    ));
                })],
            )
            .expect(vec![
                err("vpn-name-mismatch", "ovpn-name")
                    .says(&["is not the one the profile names", "verify-x509-name"])
                    .fixes(&[key('d'), key('n'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server certificate without serverAuth, remote-cert-tls server")
            .vpn(
                ovpn_target("ovpn-eku", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.server_purpose = Some(Err("remote-cert-tls server does not hold".into()));
                })],
            )
            .expect(vec![
                err("vpn-name-mismatch", "ovpn-eku")
                    .says(&["remote-cert-tls server"])
                    .fixes(&[key('d'), key('n'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server requires a client certificate the profile lacks")
            .vpn(
                ovpn_target("ovpn-cert", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.status = failed_at(VpnStep::FinalFlight, timeout());
                    h.report.client_cert_requested = Some(vec!["CN=profile-ca".into()]);
                    h.report.tls_finished = true;
                })],
            )
            .expect(vec![
                err("vpn-client-cert-required", "ovpn-cert")
                    .says(&["requires a client certificate"])
                    .shows(&["issued by: CN=profile-ca", "never acknowledged"])
                    .fixes(&[key('i'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server needs TLS 1.3, the profile caps at 1.2")
            .vpn(
                ovpn_target("ovpn-ver", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.status = failed_at(VpnStep::ClientHello, timeout());
                    h.report.acked_through = Some(0);
                    let mut u = h.report.clone();
                    u.status = VpnStatus::Completed;
                    h.uncapped = Some(u);
                })],
            )
            .expect(vec![
                err("vpn-tls-version", "ovpn-ver")
                    .says(&["share no TLS version", "tls-version-max"])
                    .shows(&["without tls-version-max: OpenVPN TLS handshake completed"])
                    .fixes(&[key('v'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server speaks only a CBC suite")
            .vpn(
                ovpn_target("ovpn-cbc", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.status = failed_at(VpnStep::ClientHello, timeout());
                    h.report.server_session = Some([7; 8]);
                    h.report.client_hello_msgs = vec![1, 2];
                    h.report.unacked = vec![2];
                    let mut old = h.report.clone();
                    old.status = failed_at(
                        VpnStep::ServerHandshake,
                        VpnFailure::Tls("the server chose a CBC suite".into()),
                    );
                    old.legacy_answer = Some((0x0303, 0xC024));
                    h.legacy = Some(old);
                })],
            )
            .expect(vec![
                info("vpn-inconclusive", "ovpn-cbc")
                    .says(&[
                        "speaks only TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 (TLS 1.2)",
                        "your OpenVPN may well connect",
                    ])
                    .shows(&["answered with a ServerHello choosing"])
                    .fixes(&[key('o'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server drops every hello")
            .vpn(
                ovpn_target("ovpn-none", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.status = failed_at(VpnStep::ClientHello, timeout());
                    h.report.server_session = Some([7; 8]);
                    h.report.client_hello_msgs = vec![1, 2];
                    h.report.unacked = vec![2];
                    h.legacy = Some(h.report.clone());
                })],
            )
            .expect(vec![
                err("vpn-tls-version", "ovpn-none")
                    .says(&["accepts no TLS version or cipher suite offered"])
                    .shows(&["a legacy TLS 1.2 hello"])
                    .fixes(&[key('v'), key('r')]),
            ]),
        scenario(lab, "OpenVPN over TCP closes the connection on the signed reset")
            .vpn(
                ovpn_target("ovpn-tcpkey", true),
                vec![
                    with_handshake(ProbeSpec::OpenvpnTcp(443), false, |h| {
                        h.report.status = failed_at(VpnStep::Reset, VpnFailure::Closed);
                        h.report.wrap = Some("tls-crypt");
                        h.report.acked_through = None;
                        h.unsigned = Some(h.report.clone());
                    }),
                ],
            )
            .expect(vec![
                err("vpn-key-mismatch", "ovpn-tcpkey")
                    .says(&["does not take the profile's tls-crypt key: it accepts the connection and closes it"])
                    .shows(&["the connection itself was accepted, so nothing on the way blocks it"])
                    .fixes(&[key('d'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server certificate expired, true time unknown")
            .vpn(
                ovpn_target("ovpn-old", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    let why = "a certificate expired at 2020-01-03T00:00:00Z (checked at 2026-11-30T17:00:00Z)";
                    h.report.ca = Some(CaVerdict::NotVerified(why.into()));
                    h.report.status =
                        failed_at(VpnStep::Verify, VpnFailure::NotVerified(why.into()));
                })],
            )
            .expect(vec![
                err("vpn-cert-expired", "ovpn-old")
                    .says(&["presents a certificate that is expired"])
                    .shows(&["expired at 2020-01-03", "the true time is unknown"])
                    .fixes(&[key('o'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server certificate not yet valid, true time unknown")
            .vpn(
                ovpn_target("ovpn-new", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    let why = "a certificate is valid only from 2030-01-01T00:00:00Z (checked at 2026-11-30T17:00:00Z)";
                    h.report.ca = Some(CaVerdict::NotVerified(why.into()));
                    h.report.status =
                        failed_at(VpnStep::Verify, VpnFailure::NotVerified(why.into()));
                })],
            )
            .expect(vec![
                err("vpn-cert-not-yet-valid", "ovpn-new")
                    .says(&["presents a certificate that is not yet valid"])
                    .shows(&["valid only from 2030-01-01"])
                    .fixes(&[key('o'), key('r')]),
            ]),
        scenario(lab, "OpenVPN tls-auth answered only with the other key direction")
            .vpn(
                ovpn_target("ovpn-dir", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), false, |h| {
                    h.report.status = failed_at(VpnStep::Reset, timeout());
                    h.report.acked_through = None;
                    let mut other = h.report.clone();
                    other.status = VpnStatus::Completed;
                    other.server_session = Some([7; 8]);
                    h.other_direction = Some((1, other));
                })],
            )
            .expect(vec![
                err("vpn-key-direction", "ovpn-dir")
                    .says(&["key-direction is wrong", "`key-direction 1`"])
                    .shows(&["with key-direction 1: OpenVPN TLS handshake completed"])
                    .fixes(&[key('x'), key('r')]),
            ]),
        scenario(lab, "OpenVPN over UDP: the large ClientHello is lost, a small one is not")
            .vpn(
                ovpn_target("ovpn-mtu", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), true, |h| {
                    h.report.status = failed_at(VpnStep::ClientHello, timeout());
                    h.report.acked_through = Some(0);
                    h.report.client_hello_msgs = vec![1, 2];
                    h.report.client_hello_len = 1500;
                    h.report.unacked = vec![1, 2];
                    let mut small = h.report.clone();
                    small.status = VpnStatus::Completed;
                    small.client_hello_msgs = vec![1];
                    small.client_hello_len = 300;
                    small.unacked.clear();
                    h.small_hello = Some(small);
                })],
            )
            .expect(vec![
                err("vpn-fragments-dropped", "ovpn-mtu")
                    .says(&["drops large UDP datagrams"])
                    .shows(&[
                        "our ClientHello of 1500 bytes",
                        "with a small ClientHello (300 bytes, no post-quantum key share): OpenVPN TLS handshake completed",
                    ])
                    .fixes(&[key('o'), key('m'), key('r')]),
            ]),
        scenario(lab, "OpenVPN server answers without the profile's tls-auth key")
            .vpn(
                ovpn_target("ovpn-key", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), false, |h| {
                    h.report.status = failed_at(VpnStep::Reset, timeout());
                    h.report.wrap = Some("tls-auth");
                    h.report.acked_through = None;
                    let mut other = h.report.clone();
                    other.wrap = None;
                    other.status = VpnStatus::Completed;
                    other.server_session = Some([7; 8]);
                    h.other_direction = Some((0, h.report.clone()));
                    h.unsigned = Some(other);
                })],
            )
            .expect(vec![
                err("vpn-key-mismatch", "ovpn-key")
                    .says(&["does not take the profile's tls-auth key"])
                    .shows(&["without a key: OpenVPN TLS handshake completed", "with key-direction 0"])
                    .fixes(&[key('d'), key('r')]),
            ]),
        scenario(lab, "OpenVPN over UDP never answered: filtered or a key the server does not take")
            .vpn(
                ovpn_target("ovpn-silent", false),
                vec![with_handshake(ProbeSpec::OpenvpnUdp(1194), false, |h| {
                    h.report.status = failed_at(VpnStep::Reset, timeout());
                    h.report.acked_through = None;
                })],
            )
            .expect(vec![
                err("vpn-no-answer", "ovpn-silent")
                    .says(&["never answers OpenVPN over UDP 1194", "filtered on the way"])
                    .shows(&[
                        "requires a tls-auth/tls-crypt key that the profile lacks",
                        "what tells them apart",
                    ])
                    .fixes(&[key('d'), key('o'), key('r')]),
            ]),
    ]
}
