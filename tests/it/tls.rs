//! The TLS probe and its diagnosis against lab peers: every peer yields exactly its code.

use crate::lab;
use crate::support::lab_trust;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lab::tls::{
    Ca, Gate, LeafSpec, Peer, Pki, ServerSpec, Versions, alert, alert_then_hold, close_after_hello,
    garbage_tls, gated, http_400, http_400_reset_first, reset_after_hello, silent, tls_server,
    trickle, weak_rsa1024, weak_sha1,
};
use rcgen::ExtendedKeyUsagePurpose;
use tlsdoctor_tui::config::{HostPort, Sni, Target};
use tlsdoctor_tui::diagnose::{Finding, Machine, Severity};
use tlsdoctor_tui::probe::clock::Offset;
use tlsdoctor_tui::probe::tls::{
    Attempt, FirstRead, TlsFailure, TlsOptions, TlsReport, Variant, check,
};
use tlsdoctor_tui::probe::trust::Trust;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Every check at once, the reports in the order of `jobs`.
async fn check_all(jobs: &[(Target, Vec<IpAddr>)], opts: &TlsOptions) -> Vec<TlsReport> {
    futures::future::join_all(jobs.iter().map(|(t, addrs)| check(t, addrs, opts))).await
}

/// A target "localhost:port" that connects to 127.0.0.1.
fn target(name: &str, port: u16) -> Target {
    let mut t = Target::from_host_port(&HostPort {
        host: "localhost".to_string(),
        port: Some(port),
    });
    t.name = name.to_string();
    t.connect = Some(SocketAddr::new(LOCALHOST, port));
    t
}

/// Every finding the diagnosis makes of `target`'s TLS `report` alone, with the clock off by
/// `consensus` (none: the true time is unknown).
fn findings(
    target: &Target,
    report: &TlsReport,
    trust: &Arc<Trust>,
    consensus: Option<Offset>,
    is_root: bool,
) -> Vec<Finding> {
    let mut config = crate::support::bare_config();
    config.targets = vec![target.clone()];
    let machine = Machine {
        trust: Arc::clone(trust),
        is_root,
        ..Machine::default()
    };
    crate::support::diagnose_tls(config, report.clone(), machine, consensus)
}

fn codes(
    target: &Target,
    report: &TlsReport,
    trust: &Arc<Trust>,
    consensus: Option<Offset>,
) -> Vec<String> {
    let mut c: Vec<String> = findings(target, report, trust, consensus, false)
        .iter()
        .map(|f| f.code.to_string())
        .collect();
    c.sort();
    c
}

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

/// One row of the table: a peer, the target pointing at it, and the codes it must yield.
struct Row {
    name: &'static str,
    _peer: Option<Peer>,
    target: Target,
    expect: &'static [&'static str],
}

async fn server(spec: ServerSpec) -> Peer {
    tls_server(spec.config()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_peer_yields_exactly_its_code() {
    let lab = lab_trust();
    let pki = &lab.pki;
    let good = || pki.chain(&LeafSpec::localhost());
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |name: &'static str, peer: Peer, expect: &'static [&'static str]| {
        let t = target(name, peer.addr.port());
        rows.push(Row {
            name,
            _peer: Some(peer),
            target: t,
            expect,
        });
    };

    let (chain, key) = good();
    add("good", server(ServerSpec::new(chain, key)).await, &[]);
    let (chain, key) = pki.chain(&LeafSpec::localhost().valid(days(-400), days(-10)));
    add(
        "expired",
        server(ServerSpec::new(chain, key)).await,
        &["cert-expired"],
    );
    let (chain, key) = pki.chain(&LeafSpec::localhost().valid(days(10), days(400)));
    add(
        "not-yet-valid",
        server(ServerSpec::new(chain, key)).await,
        &["cert-not-yet-valid"],
    );
    let mut spec = LeafSpec::localhost();
    spec.sans = vec!["other.example".to_string(), "www.other.example".to_string()];
    let (chain, key) = pki.chain(&spec);
    add(
        "wrong-host",
        server(ServerSpec::new(chain, key)).await,
        &["cert-wrong-host"],
    );
    let leaf = LeafSpec::localhost().self_signed();
    add(
        "self-signed",
        server(ServerSpec::new(vec![leaf.cert], leaf.key)).await,
        &["cert-self-signed"],
    );
    let mut spec = LeafSpec::localhost();
    spec.ca = true;
    let leaf = spec.self_signed();
    add(
        "self-signed-ca",
        server(ServerSpec::new(vec![leaf.cert], leaf.key)).await,
        &["cert-self-signed"],
    );
    let stranger = Pki::new();
    let (chain, key) = stranger.chain(&LeafSpec::localhost());
    add(
        "unknown-issuer",
        server(ServerSpec::new(chain, key)).await,
        &["cert-unknown-issuer"],
    );
    let leaf = pki.intermediate.issue(&LeafSpec::localhost());
    add(
        "missing-intermediate",
        server(ServerSpec::new(vec![leaf.cert], leaf.key)).await,
        &["cert-incomplete-chain"],
    );
    let mut spec = LeafSpec::localhost();
    spec.eku = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let (chain, key) = pki.chain(&spec);
    add(
        "bad-purpose",
        server(ServerSpec::new(chain, key)).await,
        &["cert-bad-purpose"],
    );
    let (chain, key) = pki.chain(&LeafSpec::localhost().valid(days(-60), days(3)));
    add(
        "expiring-soon",
        server(ServerSpec::new(chain, key)).await,
        &["cert-expiring-soon"],
    );
    let weak = weak_sha1();
    add(
        "weak-sha1",
        server(ServerSpec::new(weak.chain, weak.key)).await,
        &["cert-weak"],
    );
    let weak = weak_rsa1024();
    add(
        "weak-rsa1024",
        server(ServerSpec::new(weak.chain, weak.key)).await,
        &["cert-weak"],
    );
    // Leaf, intermediate, and the root cross-signed by an older root: expired (the AddTrust
    // case) it is extra, never cert-expired, as the valid path does not use it; valid, nothing.
    let old_root = Ca::root("Lab Old Root");
    for (name, to, expect) in [
        ("expired-cross", days(-30), &["cert-chain-extra"][..]),
        ("valid-cross", days(300), &[][..]),
    ] {
        let (mut chain, key) = good();
        chain.push(pki.root.cross_signed_by(&old_root, days(-2000), to));
        add(name, server(ServerSpec::new(chain, key)).await, expect);
    }
    let leaf = lab.kaspersky.issue(&LeafSpec::localhost());
    add(
        "kaspersky",
        server(ServerSpec::new(vec![leaf.cert], leaf.key)).await,
        &["tls-interception"],
    );
    // A root only the system store has: for localhost (an internal name) a private CA.
    let leaf = lab.corp_proxy.issue(&LeafSpec::localhost());
    add(
        "system-only-root",
        server(ServerSpec::new(vec![leaf.cert], leaf.key)).await,
        &["private-ca"],
    );
    let (chain, key) = good();
    add(
        "tls12-only",
        server(ServerSpec::new(chain, key).versions(Versions::Tls12)).await,
        &[],
    );
    let (chain, key) = good();
    add(
        "tls13-only",
        server(ServerSpec::new(chain, key).versions(Versions::Tls13)).await,
        &[],
    );
    let client_ca = Ca::root("Lab Client CA");
    let (chain, key) = good();
    add(
        "client-cert-tls12",
        server(
            ServerSpec::new(chain, key)
                .versions(Versions::Tls12)
                .require_client_cert(client_ca.cert.clone()),
        )
        .await,
        &["client-cert-required"],
    );
    let (chain, key) = good();
    add(
        "client-cert-tls13",
        server(
            ServerSpec::new(chain, key)
                .versions(Versions::Tls13)
                .require_client_cert(client_ca.cert.clone()),
        )
        .await,
        &["client-cert-required"],
    );
    add("alert", alert(40).await, &["tls-alert"]);
    add("old-server", alert(70).await, &["tls-version"]);
    let (chain, key) = good();
    add(
        "tls13-intolerant",
        gated(
            Gate::RefuseTls13,
            ServerSpec::new(chain, key)
                .versions(Versions::Tls12)
                .config(),
        )
        .await,
        &["tls-version"],
    );
    // Before any ServerHello, alerts rustls lets pass: an answer all the same, not a timeout.
    add(
        "close-notify-held",
        alert_then_hold(1, 0).await,
        &["tls-closed"],
    );
    add(
        "warning-alert-held",
        alert_then_hold(1, 112).await,
        &["tls-alert"],
    );
    add("silent", silent().await, &["tls-timeout"]);
    add("reset", reset_after_hello().await, &["tls-reset"]);
    add("closed", close_after_hello().await, &["tls-closed"]);
    add("http", http_400().await, &["not-tls"]);
    add("http-raced", http_400_reset_first().await, &["not-tls"]);
    add("trickle", trickle().await, &["tls-timeout"]);
    let (chain, key) = good();
    add(
        "large-hello",
        gated(
            Gate::ResetLargerThan(600),
            ServerSpec::new(chain, key).config(),
        )
        .await,
        &["middlebox-large-hello"],
    );
    let (chain, key) = good();
    add(
        "large-hello-dropped",
        gated(
            Gate::DropLargerThan(600),
            ServerSpec::new(chain, key).config(),
        )
        .await,
        &["middlebox-large-hello"],
    );
    let (chain, key) = good();
    add(
        "sni-blocked",
        gated(
            Gate::ResetSni("localhost".to_string()),
            ServerSpec::new(chain, key).config(),
        )
        .await,
        &["sni-blocked"],
    );
    add("garbage", garbage_tls().await, &["tls-error"]);
    // The same root for public names, reached on loopback by their SNI: a name any company may
    // own (either possibility, a warning) and a host public everywhere (interception).
    for (name, host, expect) in [
        (
            "system-root-public-name",
            "intranet.example.com",
            &["tls-interception"][..],
        ),
        (
            "system-root-witness",
            "www.mozilla.org",
            &["tls-interception"][..],
        ),
    ] {
        let mut spec = LeafSpec::localhost();
        spec.cn = host.to_string();
        spec.sans = vec![host.to_string()];
        let leaf = lab.corp_proxy.issue(&spec);
        let peer = server(ServerSpec::new(vec![leaf.cert], leaf.key)).await;
        let mut t = target(name, peer.addr.port());
        t.host = host.to_string();
        rows.push(Row {
            name,
            _peer: Some(peer),
            target: t,
            expect,
        });
    }
    let refused_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    rows.push(Row {
        name: "refused",
        _peer: None,
        target: target("refused", refused_port),
        expect: &["tcp-refused"],
    });

    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let jobs: Vec<(Target, Vec<IpAddr>)> = rows
        .iter()
        .map(|r| (r.target.clone(), vec![LOCALHOST]))
        .collect();
    let start = Instant::now();
    let reports = check_all(&jobs, &opts).await;
    println!("{} targets checked in {:?}", rows.len(), start.elapsed());

    let mut wrong = Vec::new();
    for (row, report) in rows.iter().zip(&reports) {
        let got = codes(&row.target, report, &lab.trust, None);
        let want: Vec<String> = row.expect.iter().map(|s| (*s).to_string()).collect();
        println!("{:22} {:?}", row.name, got);
        if got != want {
            let all = findings(&row.target, report, &lab.trust, None, false);
            wrong.push(format!(
                "{}: expected {want:?}, got {got:?}\n  attempt: {}\n  variants: {:?}\n  findings: {all:#?}",
                row.name,
                report.attempt.summary(),
                report.variants.iter().map(Attempt::summary).collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    let by_name = |n: &str| &reports[rows.iter().position(|r| r.name == n).unwrap()];
    // The good peer: a modern handshake, the chain as sent, the HTTP Date.
    let good = by_name("good");
    let negotiated = good.attempt.negotiated.as_ref().unwrap();
    assert_eq!(negotiated.version, "TLSv1.3");
    assert_eq!(negotiated.group.as_deref(), Some("X25519MLKEM768"));
    assert!(negotiated.post_quantum);
    assert_eq!(good.chain.len(), 2);
    let leaf = good.chain[0].info.as_ref().unwrap();
    assert_eq!(leaf.sans, ["localhost", "127.0.0.1"]);
    assert_eq!(leaf.issuer_cn.as_deref(), Some("Lab Intermediate CA"));
    let judged =
        tlsdoctor_tui::diagnose::chain::judge(good, None, false, &lab.trust, None).unwrap();
    assert!(judged.local.source("ca_file").unwrap().path.is_ok());
    assert!(judged.local.source("mozilla").unwrap().path.is_err());
    // At the true time, the verdicts are what judging the chain afresh at that time gives:
    // moved a minute (no validity ends in between) and ten years (the chain has expired).
    let seen = good.verified_at.unwrap_or(good.started_at);
    for secs in [60.0, 3650.0 * 86_400.0] {
        let o = Offset::from_secs_f64(secs);
        let j = tlsdoctor_tui::diagnose::chain::judge(good, Some(o), true, &lab.trust, None);
        let (_, truth) = j.unwrap().truth.unwrap();
        let at = tlsdoctor_tui::diagnose::chain::shifted(seen, o);
        let fresh =
            tlsdoctor_tui::probe::trust::judge(&good.chain, Some(&good.name), at, &lab.trust);
        assert_eq!(truth, fresh, "moved {secs} s");
        assert_eq!(truth.time.is_empty(), secs < 86_400.0, "moved {secs} s");
    }
    let http = good.http().unwrap();
    assert_eq!(http.status, Some(200));
    let offset = http.date_offset().unwrap();
    assert!(offset.magnitude() < Duration::from_secs(2), "{offset}");
    assert_eq!(
        by_name("tls12-only")
            .attempt
            .negotiated
            .as_ref()
            .unwrap()
            .version,
        "TLSv1.2"
    );
    // Interception is said as a fact only for the host that is public everywhere.
    let severity = |n: &str| {
        let r = by_name(n);
        let t = &rows[rows.iter().position(|r| r.name == n).unwrap()].target;
        findings(t, r, &lab.trust, None, false)
            .iter()
            .find(|f| f.code.to_string() == "tls-interception")
            .map(|f| (f.severity, f.summary.ends_with(": TLS is intercepted")))
    };
    assert_eq!(
        severity("system-root-public-name"),
        Some((Severity::Warning, false))
    );
    assert_eq!(
        severity("system-root-witness"),
        Some((Severity::Error, true))
    );
    // The race's loser: the default hello was reset, a retry saw the plaintext.
    let raced = by_name("http-raced");
    assert!(
        matches!(raced.attempt.failure, Some(TlsFailure::Reset { .. })),
        "{}",
        raced.attempt.summary()
    );
    // An early alert ends the attempt well before its timeout, named as the alert.
    for (name, alert) in [
        ("close-notify-held", "close_notify"),
        ("warning-alert-held", "unrecognized_name"),
    ] {
        let a = &by_name(name).attempt;
        assert!(a.took < opts.timeout, "{name}: {:?}", a.took);
        let failure = a.failure.as_ref().unwrap().to_string();
        assert!(failure.contains(alert), "{name}: {failure}");
    }
    // The large-hello middlebox: the default hello is large, the variant small.
    let large = by_name("large-hello");
    let small = large.variant(|v| *v == Variant::NoPostQuantum).unwrap();
    assert!(large.attempt.hello_len > 600, "{}", large.attempt.hello_len);
    assert!(small.hello_len < 600, "{}", small.hello_len);
    assert!(small.failure.is_none());
    // TLS 1.3 refuses a missing client certificate after the handshake, TLS 1.2 during it.
    let tls13 = by_name("client-cert-tls13");
    assert!(tls13.attempt.negotiated.is_some());
    assert!(by_name("client-cert-tls12").attempt.negotiated.is_none());
    // The CA names the CertificateRequest carried, readable (rustls hands them over whole).
    assert_eq!(
        by_name("client-cert-tls12").attempt.capture.client_auth,
        Some(vec!["CN=Lab Client CA, O=Lab Client CA".to_string()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_explains_the_certificate() {
    let lab = lab_trust();
    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let three_hours = time::Duration::hours(3);
    // Issued "in three hours": this clock is 3 h 5 m behind the true time.
    let (chain, key) = lab
        .pki
        .chain(&LeafSpec::localhost().valid(three_hours, days(300)));
    let early = server(ServerSpec::new(chain, key)).await;
    // Expired ten days ago: this clock is thirty days ahead.
    let (chain, key) = lab
        .pki
        .chain(&LeafSpec::localhost().valid(days(-300), days(-10)));
    let late = server(ServerSpec::new(chain, key)).await;

    let t = target("early", early.addr.port());
    let report = check(&t, &[LOCALHOST], &opts).await;
    let behind = Offset::from_micros((3 * 3600 + 300) * 1_000_000);
    assert_eq!(codes(&t, &report, &lab.trust, Some(behind)), ["clock-skew"]);
    assert_eq!(codes(&t, &report, &lab.trust, None), ["cert-not-yet-valid"]);
    assert_eq!(
        codes(&t, &report, &lab.trust, Some(Offset::ZERO)),
        ["cert-not-yet-valid"]
    );
    let skew = &findings(&t, &report, &lab.trust, Some(behind), true)[0];
    assert!(
        skew.evidence.iter().any(|e| e.contains("not before")),
        "{skew:#?}"
    );
    assert_eq!(
        skew.fixes[0].command.as_deref(),
        Some(
            &[
                "timedatectl".to_string(),
                "set-ntp".to_string(),
                "true".to_string()
            ][..]
        )
    );

    let t = target("late", late.addr.port());
    let report = check(&t, &[LOCALHOST], &opts).await;
    let ahead = Offset::from_micros(-30 * 86_400 * 1_000_000);
    assert_eq!(codes(&t, &report, &lab.trust, Some(ahead)), ["clock-skew"]);
    assert_eq!(codes(&t, &report, &lab.trust, None), ["cert-expired"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strings_from_certificates_are_cleaned() {
    let lab = lab_trust();
    let mut spec = LeafSpec::localhost();
    spec.cn = "evil\u{1b}[2J\u{7}name".to_string();
    spec.sans = vec!["bad\u{1b}[31m.example".to_string()];
    let (chain, key) = lab.pki.chain(&spec);
    let peer = server(ServerSpec::new(chain, key)).await;
    let t = target("evil", peer.addr.port());
    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let report = check(&t, &[LOCALHOST], &opts).await;
    let leaf = report.chain[0].info.as_ref().unwrap();
    assert_eq!(leaf.subject_cn.as_deref(), Some("evil[2Jname"));
    assert_eq!(leaf.sans, ["bad[31m.example"]);
    let all = findings(&t, &report, &lab.trust, None, false);
    assert_eq!(all[0].code.as_str(), "cert-wrong-host");
    for f in &all {
        for s in std::iter::once(&f.summary).chain(&f.evidence) {
            assert!(!s.chars().any(char::is_control), "{s:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_targets_run_concurrently() {
    let lab = lab_trust();
    let mut peers = Vec::new();
    let mut jobs = Vec::new();
    for i in 0..20 {
        let peer = if i % 4 == 0 {
            silent().await
        } else {
            let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
            server(ServerSpec::new(chain, key)).await
        };
        jobs.push((target(&format!("t{i}"), peer.addr.port()), vec![LOCALHOST]));
        peers.push(peer);
    }
    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let start = Instant::now();
    let reports = check_all(&jobs, &opts).await;
    // Each check ends within two timeouts by design; one after another the five silent ones
    // would cost at least five. The bound is loose for a loaded machine.
    let took = start.elapsed();
    assert!(
        took < opts.timeout * 4,
        "20 targets (5 silent), timeout 2 s: {took:?}; about one timeout expected"
    );
    for (i, ((t, _), report)) in jobs.iter().zip(&reports).enumerate() {
        let want: &[&str] = if i % 4 == 0 { &["tls-timeout"] } else { &[] };
        assert_eq!(codes(t, report, &lab.trust, None), want, "{}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sni_sends_none() {
    // A server that resets any hello naming "localhost" still answers one without SNI.
    let lab = lab_trust();
    let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
    let peer = gated(
        Gate::ResetSni("localhost".to_string()),
        ServerSpec::new(chain, key).config(),
    )
    .await;
    let mut t = target("no-sni", peer.addr.port());
    t.sni = Sni::None;
    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let report = check(&t, &[LOCALHOST], &opts).await;
    assert!(
        report.attempt.failure.is_none(),
        "{}",
        report.attempt.summary()
    );
    assert_eq!(report.attempt.sni, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_h2_server_gives_its_date_over_http11() {
    let lab = lab_trust();
    let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
    let peer = server(ServerSpec::new(chain, key).h2()).await;
    let t = target("h2", peer.addr.port());
    let opts = TlsOptions::new(Duration::from_secs(2), Some("example.com".to_string()));
    let report = check(&t, &[LOCALHOST], &opts).await;
    let negotiated = report.attempt.negotiated.as_ref().unwrap();
    assert_eq!(negotiated.alpn.as_deref(), Some("h2"));
    assert!(
        matches!(
            report.attempt.first_read,
            Some(FirstRead::Data { bytes: 9, .. })
        ),
        "{:?}",
        report.attempt.first_read
    );
    let h1 = report.variant(|v| *v == Variant::Http11).unwrap();
    assert_eq!(
        h1.negotiated.as_ref().unwrap().alpn.as_deref(),
        Some("http/1.1")
    );
    let http = report.http().unwrap();
    assert_eq!(http.status, Some(200));
    assert!(http.date.is_some());
    assert!(codes(&t, &report, &lab.trust, None).is_empty());
}
