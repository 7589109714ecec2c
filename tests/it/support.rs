//! Building observations for the tests: from hand-made results, or by running a target's real
//! checks (its DNS lookup, then the checks that use its answer) without the clock probes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tlsdoctor_tui::config::Config;
use tlsdoctor_tui::diagnose::{Finding, Machine, Observations};
use tlsdoctor_tui::probe::clock::{NtpReply, Offset};
use tlsdoctor_tui::probe::trust::{SourceKind, Trust, TrustSource};
use tlsdoctor_tui::probe::{self, ProbeContext, ProbeEvent, ProbeId, ProbeOutcome};

use crate::lab::tls::{Ca, Pki, weak_sha1};

/// A config with no NTP server, no captive-portal check and no targets: tests add theirs.
pub fn bare_config() -> Config {
    Config::from_toml(
        "targets = []\n[clock]\nservers = []\n[network]\ncaptive_url = \"\"\n",
        Path::new("test.toml"),
    )
    .expect("a valid test config")
}

/// Records `outcome` as the result of probe `id`, requesting the run first as the runtime
/// does (a target's DNS answer requests the checks that use it, as in the real flow).
pub fn record(obs: &mut Observations, id: ProbeId, outcome: ProbeOutcome) {
    if !obs.is_running(id) {
        obs.request(id, Instant::now());
    }
    obs.record(
        id,
        outcome,
        SystemTime::now(),
        Duration::from_millis(1),
        Instant::now(),
    );
}

/// A good NTP reply with this offset.
pub fn ntp_reply(offset: Offset) -> NtpReply {
    NtpReply {
        addr: SocketAddr::from(([127, 0, 0, 1], 123)),
        offset,
        rtt: Duration::from_micros(300),
        stratum: 2,
        reference_id: "192.0.2.1".to_string(),
        leap: 0,
        precision: -20,
        poll: 6,
        root_delay: Duration::from_millis(1),
        root_dispersion: Duration::from_millis(2),
        reference_time: None,
        server_time: SystemTime::now(),
    }
}

/// The findings of `config`'s single target's TLS report, with one NTP server that says the
/// clock is off by `consensus` (none: no NTP server).
pub fn diagnose_tls(
    mut config: Config,
    report: tlsdoctor_tui::probe::tls::TlsReport,
    machine: Machine,
    consensus: Option<Offset>,
) -> Vec<Finding> {
    if consensus.is_some() {
        config.clock.servers = vec!["127.0.0.1:123".parse().unwrap()];
    }
    let mut obs = Observations::new(Arc::new(config), machine);
    if let Some(o) = consensus {
        record(
            &mut obs,
            ProbeId::Ntp(0),
            ProbeOutcome::Ntp(Ok(ntp_reply(o))),
        );
    }
    record(
        &mut obs,
        ProbeId::Tls(0),
        ProbeOutcome::Tls(Box::new(report)),
    );
    tlsdoctor_tui::diagnose::diagnose(&obs).findings
}

/// Runs every target's real checks (concurrently; no clock probes) and returns what they
/// saw.
pub async fn observe_targets(config: Arc<Config>, machine: Machine) -> Observations {
    let ctx = ProbeContext::new(Arc::clone(&config), None);
    let runs = (0..config.targets.len()).map(|i| {
        let (ctx, config) = (&ctx, &config);
        async move {
            let dns = probe::run(ProbeId::Dns(i), ctx, None).await;
            let ProbeOutcome::Dns(answer) = &dns.outcome else {
                unreachable!("a DNS probe answers with DNS")
            };
            let rest = futures::future::join_all(
                probe::after_dns(&config.targets, i)
                    .into_iter()
                    .map(|id| probe::run(id, ctx, Some(answer))),
            )
            .await;
            (dns, rest)
        }
    });
    let results: Vec<(ProbeEvent, Vec<ProbeEvent>)> = futures::future::join_all(runs).await;
    let mut obs = Observations::new(config, machine);
    for (dns, rest) in results {
        for event in std::iter::once(dns).chain(rest) {
            record(&mut obs, event.id, event.outcome);
        }
    }
    obs
}

/// The findings as `code@target` (`*` for the machine), sorted.
pub fn code_at(findings: &[Finding]) -> Vec<String> {
    let mut codes: Vec<String> = findings
        .iter()
        .map(|f| format!("{}@{}", f.code, f.target.as_deref().unwrap_or("*")))
        .collect();
    codes.sort();
    codes
}

/// The roots of the lab: Mozilla's (which sign nothing here), a "system store" holding the
/// interception roots, and a ca_file with the lab's own roots.
pub struct LabTrust {
    pub pki: Pki,
    pub kaspersky: Ca,
    pub corp_proxy: Ca,
    pub trust: Arc<Trust>,
}

pub fn lab_trust() -> LabTrust {
    let pki = Pki::new();
    let kaspersky = Ca::root("Kaspersky Anti-Virus Personal Root Certificate");
    let corp_proxy = Ca::root("Corp Proxy Root");
    let system = format!("{}{}", kaspersky.pem, corp_proxy.pem);
    let ca_file = format!("{}{}", pki.root.pem, weak_sha1().root_pem);
    let trust = Trust::new(vec![
        TrustSource::mozilla(),
        TrustSource::from_pem(SourceKind::System, system.as_bytes()),
        TrustSource::from_pem(
            SourceKind::CaFile(PathBuf::from("lab-ca.pem")),
            ca_file.as_bytes(),
        ),
    ]);
    LabTrust {
        pki,
        kaspersky,
        corp_proxy,
        trust: Arc::new(trust),
    }
}
