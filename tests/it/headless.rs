//! The whole product end to end: lab peers run in this process, one config file per scenario
//! points the real binary at them, and `tlsdoctor-tui --once --json -c FILE` must name exactly
//! the expected finding codes per target (a table, one row per peer), report what it saw, and
//! exit with the right code.
//!
//! The scenarios are separate runs because some rules look at everything at once: the clock
//! consensus re-judges every certificate, and `single-target-failing` / `all-targets-failing`
//! compare the targets of one run. `single-target-failing` (written `S` below) is given for a
//! lone failing target or while the failing ones are fewer than the working ones, as in the
//! concurrency run; in the TLS and reach runs most targets fail, and each failure speaks for
//! itself.

use crate::lab;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rcgen::ExtendedKeyUsagePurpose;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use tempfile::TempDir;

use lab::http::{HttpAnswer, HttpServer};
use lab::ntp::{Behaviour, FakeNtp, closed_udp_port};
use lab::openvpn::{OpenvpnResponder, key_file_text, test_key};
use lab::tls::{
    Ca, Gate, Leaf, LeafSpec, Peer, Pki, ServerSpec, Versions, alert, close_after_hello,
    garbage_tls, gated, http_400, reset_after_hello, silent, tls_server, tls_server_dated, trickle,
    weak_rsa1024, weak_sha1,
};
use lab::udp::{FilteredTcp, SilentUdp, closed_tcp_port};

/// The per-step timeout of every run: network and clock.
const TIMEOUT: &str = "2s";
/// No run may take longer than this: every check has its own, much shorter, timeout.
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// `single-target-failing`: one target fails where others work.
const S: &str = "single-target-failing";
/// The key of machine-wide findings (no target) in [`Run::codes`].
const MACHINE: &str = "*";
const THREE_HOURS_MS: f64 = 3.0 * 3600.0 * 1000.0;

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

/// The lab's trust: the roots a `ca_file` holds (the lab PKI's and the weak fixtures'), and a
/// "system store" (given to the binary as `SSL_CERT_FILE`) holding two interception roots.
pub(crate) struct Lab {
    pub(crate) pki: Pki,
    kaspersky: Ca,
    corp_proxy: Ca,
    dir: TempDir,
}

impl Lab {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir(dir.path().join("bin")).expect("a bin dir");
        let lab = Lab {
            pki: Pki::new(),
            kaspersky: Ca::root("Kaspersky Anti-Virus Personal Root Certificate"),
            corp_proxy: Ca::root("Corp Proxy Root"),
            dir,
        };
        lab.write(
            "ca.pem",
            &format!("{}{}", lab.pki.root.pem, weak_sha1().root_pem),
        );
        lab.write(
            "system.pem",
            &format!("{}{}", lab.kaspersky.pem, lab.corp_proxy.pem),
        );
        lab
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }

    /// A config: `[clock]` asks `ntp`, `[network]` trusts the lab's ca_file and has no
    /// captive-portal check unless `captive_url` is given; then `targets`.
    pub(crate) fn config(&self, ntp: &str, captive_url: &str, targets: &[String]) -> String {
        format!(
            "[clock]\nservers = [{ntp:?}]\ntimeout = {TIMEOUT:?}\n\n\
             [network]\ntimeout = {TIMEOUT:?}\nca_file = {ca:?}\ncaptive_url = {captive_url:?}\n\n{}",
            targets.concat(),
            ca = path_str(&self.path("ca.pem")),
        )
    }

    /// Runs the binary on `config` (written as `NAME.toml`) with `args`, with a PATH that holds
    /// nothing (so the host's timedatectl/chronyc/nordvpn do not shape the verdict) and the
    /// lab's system store.
    async fn run(&self, name: &str, config: &str, args: &[&str]) -> Run {
        self.run_env(name, config, args, &[]).await
    }

    /// [`Lab::run`] with these environment variables set besides.
    async fn run_env(&self, name: &str, config: &str, args: &[&str], env: &[(&str, &Path)]) -> Run {
        let mut cmd = self.command(name, config);
        cmd.arg("--json").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let start = Instant::now();
        let out = output(cmd).await;
        let took = start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: stdout is not JSON ({e}): {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        Run {
            name: name.to_string(),
            code: out.status.code().expect("the binary exited"),
            json,
            took,
        }
    }
}

impl Lab {
    /// `tlsdoctor-tui --once -c NAME.toml` (the config written first), in the lab's
    /// environment: see [`Lab::run`].
    pub(crate) fn command(&self, name: &str, config: &str) -> Command {
        let file = self.write(&format!("{name}.toml"), config);
        let mut cmd = Command::cargo_bin("tlsdoctor-tui").expect("the binary is built");
        cmd.args(["--once", "-c", path_str(&file)])
            .env("PATH", self.path("bin"))
            .env("XDG_STATE_HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env("SSL_CERT_FILE", self.path("system.pem"))
            .env_remove("SSL_CERT_DIR")
            .env_remove("RUST_LOG")
            .timeout(RUN_LIMIT);
        cmd
    }

    /// The text report (`--once` without `--json`) of the same config.
    async fn run_text(&self, name: &str, config: &str) -> String {
        let out = output(self.command(name, config)).await;
        String::from_utf8(out.stdout).expect("the text report is UTF-8")
    }
}

/// Runs `cmd` to its end (bounded by [`RUN_LIMIT`]) off the runtime's workers, which serve
/// the lab's peers meanwhile.
pub(crate) async fn output(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the runner thread")
        .expect("the binary runs")
}

pub(crate) fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// A TLS target known as `localhost`, reached at 127.0.0.1:`port`.
pub(crate) fn tls_target(name: &str, port: u16) -> String {
    format!(
        "[[targets]]\nname = {name:?}\nhost = \"localhost\"\nconnect = \"127.0.0.1:{port}\"\n\n"
    )
}

/// What one `--once --json` run gave.
struct Run {
    name: String,
    code: i32,
    json: Value,
    /// How long the binary ran.
    took: Duration,
}

impl Run {
    fn findings(&self) -> &[Value] {
        self.json["findings"]
            .as_array()
            .expect("findings is a list")
    }

    /// The finding codes per target name ([`MACHINE`] for the machine-wide ones), sorted.
    fn codes(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in self.findings() {
            let target = f["target"].as_str().unwrap_or(MACHINE).to_string();
            let code = f["code"]
                .as_str()
                .expect("a finding has a code")
                .to_string();
            out.entry(target).or_default().push(code);
        }
        for codes in out.values_mut() {
            codes.sort();
        }
        out
    }

    /// The finding with `code`, for `target` (`None`: machine-wide).
    fn finding(&self, code: &str, target: Option<&str>) -> &Value {
        self.findings()
            .iter()
            .find(|f| f["code"] == code && f["target"].as_str() == target)
            .unwrap_or_else(|| panic!("{}: no {code} for {target:?}: {:#}", self.name, self.json))
    }

    fn target(&self, name: &str) -> &Value {
        self.json["targets"]
            .as_array()
            .expect("targets is a list")
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{}: no target {name}", self.name))
    }

    /// `("kind:port", status)` of each reachability entry of target `name`.
    fn reach(&self, name: &str) -> Vec<(String, String)> {
        self.target(name)["reach"]
            .as_array()
            .expect("reach is a list")
            .iter()
            .map(|r| {
                let kind = r["probe"].as_str().unwrap_or_default();
                let status = r["status"].as_str().unwrap_or_default();
                (format!("{kind}:{}", r["port"]), status.to_string())
            })
            .collect()
    }

    /// Asserts that the findings are exactly `want` (rows of target name and codes; targets
    /// not listed must have none), printing each target's codes and, for a wrong one, its
    /// findings in full.
    fn assert_codes(&self, want: &[(&str, Vec<&str>)]) {
        let got = self.codes();
        let mut want_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, codes) in want {
            let mut codes: Vec<String> = codes.iter().map(ToString::to_string).collect();
            codes.sort();
            if !codes.is_empty() {
                want_map.insert((*name).to_string(), codes);
            }
        }
        let mut wrong = Vec::new();
        let names: std::collections::BTreeSet<&String> =
            got.keys().chain(want_map.keys()).collect();
        for name in names {
            let (g, w) = (got.get(name), want_map.get(name));
            println!(
                "{:<10} {name:<20} {:?}",
                self.name,
                g.cloned().unwrap_or_default()
            );
            for f in self
                .findings()
                .iter()
                .filter(|f| f["target"].as_str().unwrap_or(MACHINE) == name)
            {
                println!(
                    "{:33}{}: {}",
                    "",
                    f["code"].as_str().unwrap_or_default(),
                    f["summary"].as_str().unwrap_or_default()
                );
            }
            if g != w {
                let detail: Vec<&Value> = self
                    .findings()
                    .iter()
                    .filter(|f| f["target"].as_str().unwrap_or(MACHINE) == name)
                    .collect();
                wrong.push(format!(
                    "{name}: expected {:?}, got {:?}\n  findings: {detail:#?}\n  tls: {:#}",
                    w.cloned().unwrap_or_default(),
                    g.cloned().unwrap_or_default(),
                    if name == MACHINE {
                        &Value::Null
                    } else {
                        &self.target(name)["tls"]
                    }
                ));
            }
        }
        assert!(wrong.is_empty(), "{}: {}", self.name, wrong.join("\n"));
    }
}

/// Something listening (or not) on a loopback port, kept alive while the run lasts.
trait Listening {
    fn port(&self) -> u16;
}

impl Listening for Peer {
    fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Listening for FilteredTcp {
    fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// A port where nothing listens.
impl Listening for SocketAddr {
    fn port(&self) -> u16 {
        SocketAddr::port(self)
    }
}

/// A row of a table: a target named `name` in front of `peer`, and the codes it must yield.
struct Row {
    name: &'static str,
    peer: Box<dyn Listening>,
    expect: Vec<&'static str>,
}

fn row(name: &'static str, peer: impl Listening + 'static, expect: &[&'static str]) -> Row {
    Row {
        name,
        peer: Box::new(peer),
        expect: expect.to_vec(),
    }
}

type Chain = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// A server certificate sent alone, with no intermediate.
fn alone(leaf: Leaf) -> Chain {
    (vec![leaf.cert], leaf.key)
}

fn spec((chain, key): Chain) -> ServerSpec {
    ServerSpec::new(chain, key)
}

async fn serve(spec: ServerSpec) -> Peer {
    tls_server(spec.config()).await
}

/// The TLS table: every peer of the lab and the codes it yields with a truthful clock. The
/// ca_file trusts the lab PKI and the weak fixtures' root; the system store holds a
/// Kaspersky root and a "Corp Proxy Root". webpki refuses SHA-1 signatures and RSA-1024 keys,
/// so `cert-weak` is an error here (a warning only when the chain still verifies).
#[rustfmt::skip]
async fn tls_rows(lab: &Lab) -> Vec<Row> {
    let pki = &lab.pki;
    let localhost = LeafSpec::localhost;
    let good = || pki.chain(&localhost());
    let mut other_host = localhost();
    other_host.sans = vec!["other.example".to_string(), "www.other.example".to_string()];
    let mut ca_leaf = localhost();
    ca_leaf.ca = true;
    let mut client_purpose = localhost();
    client_purpose.eku = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_ca = Ca::root("Lab Client CA");
    let weak_sha1 = weak_sha1();
    let weak_rsa = weak_rsa1024();
    vec![
        row("good", serve(spec(good())).await, &[]),
        row("expired", serve(spec(pki.chain(&localhost().valid(days(-400), days(-10))))).await, &["cert-expired"]),
        row("not-yet-valid", serve(spec(pki.chain(&localhost().valid(days(10), days(400))))).await, &["cert-not-yet-valid"]),
        row("wrong-host", serve(spec(pki.chain(&other_host))).await, &["cert-wrong-host"]),
        row("self-signed", serve(spec(alone(localhost().self_signed()))).await, &["cert-self-signed"]),
        row("self-signed-ca", serve(spec(alone(ca_leaf.self_signed()))).await, &["cert-self-signed"]),
        row("unknown-issuer", serve(spec(Pki::new().chain(&localhost()))).await, &["cert-unknown-issuer"]),
        row("no-intermediate", serve(spec(alone(pki.intermediate.issue(&localhost())))).await, &["cert-incomplete-chain"]),
        row("bad-purpose", serve(spec(pki.chain(&client_purpose))).await, &["cert-bad-purpose"]),
        row("expiring-soon", serve(spec(pki.chain(&localhost().valid(days(-60), days(3))))).await, &["cert-expiring-soon"]),
        row("weak-sha1", serve(spec((weak_sha1.chain, weak_sha1.key))).await, &["cert-weak"]),
        row("weak-rsa1024", serve(spec((weak_rsa.chain, weak_rsa.key))).await, &["cert-weak"]),
        row("kaspersky", serve(spec(alone(lab.kaspersky.issue(&localhost())))).await, &["tls-interception"]),
        row("system-only-root", serve(spec(alone(lab.corp_proxy.issue(&localhost())))).await, &["private-ca"]),
        row("tls12-only", serve(spec(good()).versions(Versions::Tls12)).await, &[]),
        row("tls13-only", serve(spec(good()).versions(Versions::Tls13)).await, &[]),
        row("client-cert-tls12", serve(spec(good()).versions(Versions::Tls12).require_client_cert(client_ca.cert.clone())).await, &["client-cert-required"]),
        row("client-cert-tls13", serve(spec(good()).versions(Versions::Tls13).require_client_cert(client_ca.cert.clone())).await, &["client-cert-required"]),
        row("alert", alert(40).await, &["tls-alert"]),
        row("old-server", alert(70).await, &["tls-version"]),
        row("tls13-intolerant", gated(Gate::RefuseTls13, spec(good()).versions(Versions::Tls12).config()).await, &["tls-version"]),
        row("silent", silent().await, &["tls-timeout"]),
        row("reset", reset_after_hello().await, &["tls-reset"]),
        row("closed", close_after_hello().await, &["tls-closed"]),
        row("http", http_400().await, &["not-tls"]),
        row("trickle", trickle().await, &["tls-timeout"]),
        row("large-hello-reset", gated(Gate::ResetLargerThan(600), spec(good()).config()).await, &["middlebox-large-hello"]),
        row("large-hello-dropped", gated(Gate::DropLargerThan(600), spec(good()).config()).await, &["middlebox-large-hello"]),
        row("sni-blocked", gated(Gate::ResetSni("localhost".to_string()), spec(good()).config()).await, &["sni-blocked"]),
        row("garbage", garbage_tls().await, &["tls-error"]),
        row("refused", closed_tcp_port().await, &["tcp-refused"]),
        row("filtered", FilteredTcp::start().await, &["tcp-timeout"]),
    ]
}

/// Every TLS peer of the lab, one target each, with a truthful clock: exactly its code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tls_peer_yields_exactly_its_code() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let rows = tls_rows(&lab).await;
    let targets: Vec<String> = rows
        .iter()
        .map(|r| tls_target(r.name, r.peer.port()))
        .collect();
    let table: Vec<(&str, Vec<&str>)> = rows.iter().map(|r| (r.name, r.expect.clone())).collect();
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let run = lab.run("tls", &config, &[]).await;
    run.assert_codes(&table);
    assert_eq!(run.code, 2, "error findings: exit code 2");
    assert_eq!(run.json["verdict"], "error");
    assert_eq!(run.json["clock"]["source"], "ntp");

    // The good peer: a modern handshake, the chain as sent, verified by the ca_file.
    let tls = &run.target("good")["tls"];
    assert_eq!(tls["status"], "ok", "{tls:#}");
    assert_eq!(tls["version"], "TLSv1.3", "{tls:#}");
    let group = tls["group"].as_str().unwrap_or_default();
    assert!(group.contains("MLKEM"), "the post-quantum hybrid: {group}");
    assert_eq!(tls["post_quantum"], true);
    assert_eq!(tls["sni"], "localhost");
    assert!(
        tls["address"]
            .as_str()
            .unwrap_or_default()
            .starts_with("127.0.0.1:"),
        "{tls:#}"
    );
    assert_eq!(
        tls["chain"][0]["sans"],
        serde_json::json!(["localhost", "127.0.0.1"])
    );
    assert_eq!(
        tls["chain"][0]["issuer"]
            .as_str()
            .map(|s| s.contains("Lab Intermediate CA")),
        Some(true),
        "{tls:#}"
    );
    assert_eq!(tls["chain"].as_array().map(Vec::len), Some(2));
    assert_eq!(tls["http"]["status_line"], "HTTP/1.1 200 OK");
    let trusted: Vec<(&str, bool)> = tls["trust"]
        .as_array()
        .expect("trust is a list")
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap_or_default(),
                s["trusted"] == true,
            )
        })
        .collect();
    assert!(trusted.contains(&("ca_file", true)), "{trusted:?}");
    assert!(trusted.contains(&("mozilla", false)), "{trusted:?}");
    assert_eq!(run.target("tls12-only")["tls"]["version"], "TLSv1.2");
    // The findings say what they saw.
    let wrong = run.finding("cert-wrong-host", Some("wrong-host"));
    assert!(
        wrong.to_string().contains("www.other.example"),
        "the SANs presented: {wrong:#}"
    );
    let kaspersky = run.finding("tls-interception", Some("kaspersky"));
    assert!(
        kaspersky["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("Kaspersky"),
        "{kaspersky:#}"
    );
    let local_root = run.finding("private-ca", Some("system-only-root"));
    assert!(
        local_root.to_string().contains("Corp Proxy Root"),
        "which root: {local_root:#}"
    );
    let alert = run.finding("tls-alert", Some("alert"));
    assert!(
        alert["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("alert handshake_failure"),
        "names the alert: {alert:#}"
    );
    let intolerant = run.finding("tls-version", Some("tls13-intolerant"));
    assert!(
        intolerant["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("TLS 1.2 only works"),
        "names what works: {intolerant:#}"
    );
}

/// A row of the reachability table: a target on 127.0.0.1 with its probes (`kind:port`) and
/// the status each must get, extra config keys, and the codes it must yield.
struct ReachRow {
    name: &'static str,
    probes: Vec<(String, &'static str)>,
    extra: String,
    expect: Vec<&'static str>,
}

impl ReachRow {
    fn target(&self) -> String {
        let probes: Vec<&str> = self.probes.iter().map(|(p, _)| p.as_str()).collect();
        format!(
            "[[targets]]\nname = {:?}\nhost = \"127.0.0.1\"\nprobes = {probes:?}\n{}\n",
            self.name, self.extra
        )
    }
}

/// The reachability peers: OpenVPN with and without tls-auth (the key from the config and
/// from `--ovpn`), silent and closed UDP ports, a filtered TCP port, and a captive portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reach_peers_give_their_status_and_code() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let vpn = OpenvpnResponder::start(None).await;
    let keyed = OpenvpnResponder::start(Some(&test_key())).await;
    let quiet = SilentUdp::start().await;
    let closed_udp = lab::udp::closed_udp_port().await;
    let closed_tcp = closed_tcp_port().await;
    let filtered = FilteredTcp::start().await;
    let portal = HttpServer::start(HttpAnswer::RedirectToLogin).await;
    let key = lab.write("ta.key", &key_file_text(&test_key()));
    let with_key = format!("tls_auth = {:?}\nkey_direction = 1\n", path_str(&key));
    lab.write(
        "keyed.ovpn",
        &format!(
            "client\nremote 127.0.0.1 {} udp\nkey-direction 1\n<tls-auth>\n{}</tls-auth>\n",
            keyed.udp.port(),
            key_file_text(&test_key())
        ),
    );
    let udp = |a: SocketAddr| format!("openvpn-udp:{}", a.port());
    let tcp = |a: SocketAddr| format!("openvpn-tcp:{}", a.port());
    let wg = |a: SocketAddr| format!("wireguard:{}", a.port());
    let r = |name, probes, extra: &str, expect| ReachRow {
        name,
        probes,
        extra: extra.to_string(),
        expect,
    };

    #[rustfmt::skip]
    let rows = vec![
        r("vpn", vec![(udp(vpn.udp), "open"), (tcp(vpn.tcp), "open")], "", vec![]),
        r("tls-auth-no-key", vec![(udp(keyed.udp), "open-or-filtered")], "", vec![]),
        r("tls-auth-key", vec![(udp(keyed.udp), "open"), (tcp(keyed.tcp), "open")], &with_key, vec![]),
        r("udp-blocked", vec![(udp(quiet.addr), "open-or-filtered"), (tcp(vpn.tcp), "open")], "", vec!["openvpn-udp-blocked"]),
        r("udp-closed", vec![(udp(closed_udp), "closed")], "", vec!["port-closed"]),
        r("tcp-filtered", vec![(tcp(filtered.addr), "filtered")], "", vec!["port-filtered"]),
        r("wg-closed", vec![(wg(closed_udp), "closed")], "", vec!["wireguard-udp-closed"]),
        r("wg-silent", vec![(wg(quiet.addr), "open-or-filtered")], "", vec![]),
        r("nordlynx-silent", vec![(udp(vpn.udp), "open"), (wg(quiet.addr), "open-or-filtered")], "", vec!["nordlynx-unproven"]),
        r("tcp-closed", vec![(format!("tcp:{}", closed_tcp.port()), "closed")], "", vec!["port-closed"]),
    ];
    let targets: Vec<String> = rows.iter().map(ReachRow::target).collect();
    let config = lab.config(&ntp.addr().to_string(), &portal.url(), &targets);
    let ovpn = lab.path("keyed.ovpn");
    let run = lab
        .run("reach", &config, &["--ovpn", path_str(&ovpn)])
        .await;

    let mut table: Vec<(&str, Vec<&str>)> =
        rows.iter().map(|r| (r.name, r.expect.clone())).collect();
    table.push(("keyed", vec![]));
    table.push((MACHINE, vec!["captive-portal"]));
    run.assert_codes(&table);
    assert_eq!(run.code, 2);

    for row in &rows {
        let want: Vec<(String, String)> = row
            .probes
            .iter()
            .map(|(probe, status)| (probe.clone(), (*status).to_string()))
            .collect();
        assert_eq!(run.reach(row.name), want, "{}", row.name);
    }
    let signed = &run.target("tls-auth-key")["reach"];
    assert_eq!(signed[0]["openvpn"], true, "{signed:#}");
    assert_eq!(signed[0]["signed"], "tls-auth", "{signed:#}");
    assert_eq!(run.target("vpn")["reach"][0]["openvpn"], true);
    assert_eq!(
        run.reach("keyed"),
        [(udp(keyed.udp), "open".to_string())],
        "the key of an --ovpn profile signs its probe"
    );
    let blocked = run.finding("openvpn-udp-blocked", Some("udp-blocked"));
    assert!(
        blocked["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("switch to OpenVPN TCP"),
        "{blocked:#}"
    );
    let captive = &run.json["captive_portal"];
    assert_eq!(captive["status"], "captive", "{captive:#}");
    assert_eq!(captive["http_status"], 302);
    let finding = run.finding("captive-portal", None);
    assert!(
        finding["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("http://portal.lab.invalid/login"),
        "{finding:#}"
    );
    assert!(
        keyed.ignored() >= 1,
        "the unsigned probe reached the tls-auth responder"
    );
}

/// Every target fails: the cause is on this side, `all-targets-failing`, and no target is
/// told to switch server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_target_failing_is_a_local_cause() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let refused = closed_tcp_port().await;
    let targets = [
        "[[targets]]\nname = \"unresolvable\"\nhost = \"tlsdoctor-lab.invalid\"\n\n".to_string(),
        tls_target("refused", refused.port()),
    ];
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let run = lab.run("failing", &config, &[]).await;
    run.assert_codes(&[
        ("unresolvable", vec!["dns-failure"]),
        ("refused", vec!["tcp-refused"]),
        (MACHINE, vec!["all-targets-failing"]),
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.target("unresolvable")["dns"]["status"], "failed");
    let all = run.finding("all-targets-failing", None);
    assert_eq!(all["evidence"].as_array().map(Vec::len), Some(2), "{all:#}");
}

/// A profile as NordVPN ships them (UDP and TCP remotes, inline CA and tls-auth with
/// `auth SHA512`, `auth-user-pass`) against the lab's OpenVPN server: the VPN's own handshake
/// completes over both, with the profile's CA; the same profile with another CA is one
/// `vpn-ca-mismatch` for both transports, and no advice to try another server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nordvpn_style_profile_end_to_end() {
    use lab::openvpn_tls::{OpenvpnTlsServer, nordvpn_style};
    let lab = Lab::new();
    let key = test_key();
    let (chain, chain_key) = lab.pki.chain(&LeafSpec::localhost());
    let server = OpenvpnTlsServer::nordvpn(chain, chain_key, key).await;
    let config = format!(
        "targets = []\n\n[clock]\nservers = []\n\n[network]\ntimeout = {TIMEOUT:?}\ncaptive_url = \"\"\n"
    );
    let good = lab.write(
        "nordvpn.ovpn",
        &nordvpn_style(server.udp, server.tcp, &lab.pki.root.pem, &key),
    );
    let run = lab
        .run("nordvpn", &config, &["--ovpn", path_str(&good)])
        .await;
    let vpn = &run.json["targets"][0]["vpn"];
    assert_eq!(vpn["status"], "ok", "{vpn:#}");
    assert_eq!(vpn["protocol"], "openvpn-udp", "{vpn:#}");
    assert_eq!(vpn["all"][1]["status"], "ok", "over TCP: {vpn:#}");
    assert_eq!(vpn["all"][1]["protocol"], "openvpn-tcp", "{vpn:#}");
    assert!(
        vpn["summary"]
            .as_str()
            .is_some_and(|s| s.contains("verified with the profile's CA")),
        "{vpn:#}"
    );
    assert!(
        !run.codes()
            .values()
            .flatten()
            .any(|c| c.starts_with("vpn-")),
        "{:?}",
        run.codes()
    );
    assert_eq!(run.code, 0);

    let other = Ca::root("Old VPN Root CA");
    let stale = lab.write(
        "stale.ovpn",
        &nordvpn_style(server.udp, server.tcp, &other.pem, &key),
    );
    let run = lab
        .run("stale", &config, &["--ovpn", path_str(&stale)])
        .await;
    let name = run.json["targets"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    run.assert_codes(&[(name.as_str(), vec!["vpn-ca-mismatch"])]);
    let f = run.finding("vpn-ca-mismatch", Some(&name));
    assert!(f.to_string().contains("the same over OpenVPN TCP"), "{f:#}");
    assert_eq!(run.code, 2);
}

/// A public root (the lab's, given as Mozilla's roots through `TLSDOCTOR_MOZILLA_ROOTS`) that
/// the system store (`SSL_CERT_FILE`) lacks, and no ca_file: `ca-bundle-outdated` names the
/// root and the bundle, and `machine.trust_store` lists the system store's own roots. With the
/// root added to the bundle the same run is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outdated_ca_bundle_is_named() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let news = serve(spec(lab.pki.chain(&LeafSpec::localhost()))).await;
    let config = format!(
        "[clock]\nservers = [{:?}]\ntimeout = {TIMEOUT:?}\n\n[network]\ntimeout = {TIMEOUT:?}\ncaptive_url = \"\"\n\n{}",
        ntp.addr().to_string(),
        tls_target("news", news.port())
    );
    let mozilla = lab.write("mozilla.pem", &lab.pki.root.pem);
    let env = [("TLSDOCTOR_MOZILLA_ROOTS", mozilla.as_path())];
    let run = lab.run_env("bundle", &config, &[], &env).await;
    run.assert_codes(&[("news", vec!["ca-bundle-outdated"])]);
    assert_eq!(run.code, 2, "an error finding: exit 2");
    let f = run.finding("ca-bundle-outdated", Some("news"));
    let text = f.to_string();
    assert!(text.contains("lacks CN=Lab Root CA"), "{f:#}");
    assert!(
        text.contains(&format!(
            "the system store's bundle {} (named by SSL_CERT_FILE)",
            lab.path("system.pem").display()
        )),
        "{f:#}"
    );
    let store = &run.json["machine"]["trust_store"];
    assert_eq!(store["status"], "read", "{store:#}");
    assert_eq!(
        store["bundle"],
        path_str(&lab.path("system.pem")),
        "{store:#}"
    );
    assert_eq!(store["system_roots"], 2, "{store:#}");
    assert_eq!(store["mozilla_roots"], 1, "{store:#}");
    assert_eq!(store["mozilla_source"], path_str(&mozilla), "{store:#}");
    assert_eq!(store["missing_from_system"], 1, "{store:#}");
    let only = store["system_only"].to_string();
    assert!(
        only.contains("Kaspersky") && only.contains("Corp Proxy Root"),
        "{store:#}"
    );

    // The bundle updated: the root is in it.
    let updated = lab.write(
        "updated.pem",
        &format!(
            "{}{}",
            std::fs::read_to_string(lab.path("system.pem")).expect("the bundle"),
            lab.pki.root.pem
        ),
    );
    let env = [
        ("TLSDOCTOR_MOZILLA_ROOTS", mozilla.as_path()),
        ("SSL_CERT_FILE", updated.as_path()),
    ];
    let run = lab.run_env("bundle-updated", &config, &[], &env).await;
    run.assert_codes(&[]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json["machine"]["trust_store"]["missing_from_system"], 0);
}

/// A certificate that is not yet valid by this clock but valid at the true time (NTP says
/// the clock is 3 h behind): `clock-skew` with the certificate as evidence, no cert finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_explains_the_certificate() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::ahead(Duration::from_secs(3 * 3600)));
    // Issued for "in 2 h 55 min": not yet valid here, valid at the true time.
    let soon = time::Duration::minutes(175);
    let (chain, key) = lab.pki.chain(&LeafSpec::localhost().valid(soon, days(300)));
    let early = tls_server(ServerSpec::new(chain, key).config()).await;
    let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
    let good = tls_server(ServerSpec::new(chain, key).config()).await;
    let targets = [
        tls_target("early", early.addr.port()),
        tls_target("good", good.addr.port()),
    ];
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let run = lab.run("clock", &config, &[]).await;
    run.assert_codes(&[(MACHINE, vec!["clock-skew"])]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json["clock"]["source"], "ntp");
    let offset = run.json["clock"]["consensus_offset_ms"]
        .as_f64()
        .expect("an offset");
    assert!((offset - THREE_HOURS_MS).abs() < 1000.0, "{offset}");
    let skew = run.finding("clock-skew", None);
    let evidence: Vec<&str> = skew["evidence"]
        .as_array()
        .expect("evidence is a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("early:") && e.contains("not before")),
        "the certificate's dates are the evidence: {evidence:#?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("early:") && e.contains("valid")),
        "{evidence:#?}"
    );
    assert_eq!(run.target("early")["tls"]["status"], "ok");
}

/// The clock is 3 minutes behind (a drift by itself) and a certificate issued 2 minutes ago
/// by the true time is not yet valid by this clock: one `clock-skew` with the certificate as
/// evidence, no `clock-drift` claiming that TLS still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_offset_that_breaks_a_certificate_is_one_skew() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::ahead(Duration::from_secs(180)));
    let (chain, key) = lab
        .pki
        .chain(&LeafSpec::localhost().valid(time::Duration::minutes(2), days(300)));
    let fresh = tls_server(ServerSpec::new(chain, key).config()).await;
    let targets = [tls_target("fresh", fresh.addr.port())];
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let run = lab.run("drift", &config, &[]).await;
    run.assert_codes(&[(MACHINE, vec!["clock-skew"])]);
    assert_eq!(run.code, 2);
    let skew = run.finding("clock-skew", None);
    assert_eq!(skew["severity"], "error");
    let summary = skew["summary"].as_str().unwrap_or_default();
    assert!(
        summary.starts_with("Local clock is 3 m")
            && summary.contains("enough to make a certificate look"),
        "{skew:#}"
    );
    assert!(!summary.contains("TLS still works"), "{skew:#}");
    assert!(
        skew.to_string().contains("fresh: the certificate of"),
        "the certificate is the evidence: {skew:#}"
    );
}

/// No NTP server answers (a closed UDP port), but three HTTPS servers' `Date` headers say 3 h
/// ahead: the consensus comes from them (`https-date`) and the clock is skewed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_date_is_the_fallback_clock() {
    let lab = Lab::new();
    let closed = closed_udp_port();
    let mut peers = Vec::new();
    let mut targets = Vec::new();
    for name in ["dated", "dated-2", "dated-3"] {
        let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
        let peer = tls_server_dated(
            ServerSpec::new(chain, key).config(),
            time::Duration::hours(3),
        )
        .await;
        targets.push(tls_target(name, peer.addr.port()));
        peers.push(peer);
    }
    let config = lab.config(&closed.to_string(), "", &targets);
    let run = lab.run("https-date", &config, &[]).await;
    run.assert_codes(&[(MACHINE, vec!["clock-skew", "ntp-unreachable"])]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json["clock"]["source"], "https-date");
    let offset = run.json["clock"]["consensus_offset_ms"]
        .as_f64()
        .expect("an offset");
    assert!(
        (offset - THREE_HOURS_MS).abs() < 2000.0,
        "one-second resolution: {offset}"
    );
    assert_eq!(run.json["clock"]["servers"][0]["reason"], "refused");
    let skew = run.finding("clock-skew", None);
    assert!(skew.to_string().contains("dated: Date:"), "{skew:#}");
    assert!(
        skew.to_string()
            .contains("the Date headers of 3 HTTPS servers agree"),
        "{skew:#}"
    );
}

/// Issue 12: NTP silent and one HTTPS server, whose own clock is a month behind and whose
/// certificate expired ten days ago. One `Date` header never decides the time: the certificate
/// is expired on this machine's clock (not "this clock is wrong"), and the text report says
/// why there is no consensus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_https_date_does_not_decide_the_time() {
    let lab = Lab::new();
    let closed = closed_udp_port();
    let (chain, key) = lab
        .pki
        .chain(&LeafSpec::localhost().valid(time::Duration::days(-300), time::Duration::days(-10)));
    let peer = tls_server_dated(
        ServerSpec::new(chain, key).config(),
        time::Duration::days(-30),
    )
    .await;
    let targets = [tls_target("late", peer.addr.port())];
    let config = lab.config(&closed.to_string(), "", &targets);
    let run = lab.run("one-date", &config, &[]).await;
    run.assert_codes(&[
        (MACHINE, vec!["ntp-unreachable"]),
        ("late", vec!["cert-expired"]),
    ]);
    assert_eq!(run.json["clock"]["source"], "none");
    assert!(run.json["clock"]["consensus_offset_ms"].is_null());
    let text = lab.run_text("one-date-text", &config).await;
    assert!(
        text.contains("no consensus: no NTP server answered, and the Date headers of 1 HTTPS server(s) do not settle the time (at least 3 agreeing within 3.0 s are needed): certificates are judged on this machine's clock"),
        "{text}"
    );
}

/// 20 TLS targets of which 5 never answer: they run concurrently, so the run takes about
/// one or two timeouts, not five. The bound is loose (a loaded two-core machine builds and
/// runs other tests meanwhile): in waves, the five silent ones alone would cost ten timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_targets_five_silent() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let mut peers = Vec::new();
    let mut targets = Vec::new();
    let mut table: Vec<(String, Vec<&str>)> = Vec::new();
    for i in 0..20 {
        let (peer, expect) = if i % 4 == 0 {
            (silent().await, vec!["tls-timeout", S])
        } else {
            let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
            (
                tls_server(ServerSpec::new(chain, key).config()).await,
                vec![],
            )
        };
        let name = format!("t{i:02}");
        targets.push(tls_target(&name, peer.addr.port()));
        table.push((name, expect));
        peers.push(peer);
    }
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let run = lab.run("twenty", &config, &[]).await;
    let timeout = tlsdoctor_tui::config::parse_duration(TIMEOUT).unwrap();
    assert!(
        run.took < timeout * 5,
        "20 targets (5 silent), timeout {TIMEOUT}: {:?}; about one or two timeouts expected",
        run.took
    );
    let table: Vec<(&str, Vec<&str>)> =
        table.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
    run.assert_codes(&table);
    assert_eq!(run.code, 2);
}

/// The lines of the text report about target `name`: its head line and those indented under it.
fn text_block(text: &str, name: &str) -> String {
    let head = format!("  {name} (");
    let mut lines = text.lines().skip_while(|l| !l.starts_with(&head));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no block for {name} in:\n{text}"));
    let mut block = format!("{first}\n");
    for l in lines.take_while(|l| l.starts_with("    ")) {
        block.push_str(l);
        block.push('\n');
    }
    block
}

/// The text report says what the JSON report says, in words that can be read: the clock's
/// source by its JSON name, a port apart from the word after it, each retry's label once, and
/// for a failed handshake which retried hello the chain and the HTTP answer came from. No NTP
/// server answers, so the clock comes from the `Date` headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_report_matches_the_json() {
    let lab = Lab::new();
    let closed_ntp = closed_udp_port();
    let good = || lab.pki.chain(&LeafSpec::localhost());
    let peers = [
        ("good", serve(spec(good())).await),
        (
            "big hello",
            gated(Gate::ResetLargerThan(600), spec(good()).config()).await,
        ),
        (
            "sni filter",
            gated(
                Gate::ResetSni("localhost".to_string()),
                spec(good()).config(),
            )
            .await,
        ),
        ("old server", alert(70).await),
    ];
    let refused = closed_tcp_port().await;
    let mut targets: Vec<String> = peers
        .iter()
        .map(|(name, p)| tls_target(name, p.addr.port()))
        .collect();
    targets.push(tls_target("refused", refused.port()));
    let config = lab.config(&closed_ntp.to_string(), "", &targets);
    let run = lab.run("text-json", &config, &[]).await;
    let text = lab.run_text("text", &config).await;
    println!("{text}");

    // The clock's source, named as in the JSON.
    let source = run.json["clock"]["source"].as_str().expect("a source");
    assert_eq!(source, "https-date", "{:#}", run.json["clock"]);
    assert!(
        text.contains("(source https-date: no NTP server answered; the Date headers of"),
        "{text}"
    );
    assert!(!text.contains("NTP server(s) agree"), "{text}");

    // Ports stand apart from the words after them.
    for line in text.lines() {
        for word in ["open", "closed", "filtered", "connection", "no reply"] {
            assert!(
                !(0..=9).any(|d| line.contains(&format!("{d}{word}"))),
                "a port runs into {word:?}: {line:?}"
            );
        }
    }
    assert!(
        text.contains(&format!("TCP {} connection refused", refused.port())),
        "{text}"
    );

    // Each retry once, by the JSON's words, its label not doubled.
    let mut retries = 0;
    for (name, _) in &peers {
        let block = text_block(&text, name);
        for v in run.target(name)["tls"]["variants"]
            .as_array()
            .expect("variants is a list")
        {
            let (variant, result) = (
                v["variant"].as_str().expect("a variant"),
                v["result"].as_str().expect("a result"),
            );
            assert!(
                block.contains(&format!("    retry    {result}\n")),
                "{name}: {result:?} in\n{block}"
            );
            assert!(
                !block.contains(&format!("{variant}: {variant}")),
                "{name}: the label {variant:?} twice in\n{block}"
            );
            retries += 1;
        }
    }
    assert!(retries >= 8, "the failing peers are retried: {retries}");

    // A failed handshake says which retry got the chain and the HTTP answer.
    let big = &run.target("big hello")["tls"];
    assert_eq!(big["status"], "failed", "{big:#}");
    assert_eq!(
        big["chain_variant"], "without the post-quantum key share",
        "{big:#}"
    );
    assert_eq!(
        big["http"]["variant"], "without the post-quantum key share",
        "{big:#}"
    );
    let sni = &run.target("sni filter")["tls"];
    assert_eq!(sni["status"], "failed", "{sni:#}");
    assert_eq!(
        sni["chain_variant"],
        Value::Null,
        "another name's chain is not the target's: {sni:#}"
    );
    let sni_http = sni["http"]["variant"].as_str().expect("an HTTP answer");
    assert!(
        sni_http.starts_with("with SNI") || sni_http == "without SNI",
        "{sni:#}"
    );
    for (name, _) in &peers {
        let tls = &run.target(name)["tls"];
        let block = text_block(&text, name);
        let http_line = block.lines().find(|l| l.starts_with("    HTTP "));
        match tls["http"]["variant"].as_str() {
            Some(v) if v.starts_with("default hello") => {
                let line = http_line.expect("an HTTP line");
                assert!(!line.contains("from the retry"), "{name}: {line}");
            }
            Some(v) => {
                let line = http_line.expect("an HTTP line");
                assert!(
                    line.ends_with(&format!("(from the retry {v})")),
                    "{name}: {line}"
                );
            }
            None => assert!(http_line.is_none(), "{name}: {block}"),
        }
        match tls["chain_variant"].as_str() {
            Some(v) if !v.starts_with("default hello") => assert!(
                block.contains(&format!("    chain    captured by the retry {v}\n")),
                "{name}: {block}"
            ),
            _ => assert!(!block.contains("captured by"), "{name}: {block}"),
        }
    }
    assert!(
        text_block(&text, "big hello")
            .contains("(from the retry without the post-quantum key share)"),
        "{text}"
    );
}

/// The log file records what ran: the config loaded, each check's start and its result in one
/// line at the default level, the verdict; `RUST_LOG=debug` adds each check's detail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_records_what_ran() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let good = serve(spec(lab.pki.chain(&LeafSpec::localhost()))).await;
    let refused = closed_tcp_port().await;
    let targets = [
        tls_target("good", good.addr.port()),
        tls_target("refused", refused.port()),
    ];
    let config = lab.config(&ntp.addr().to_string(), "", &targets);
    let out = output(lab.command("log", &config)).await;
    assert_eq!(out.status.code(), Some(2), "tcp-refused is an error");
    let log_file = lab.path("tlsdoctor/tlsdoctor.log");
    let log = std::fs::read_to_string(&log_file).expect("the log file");
    println!("{log}");
    let lines: Vec<&str> = log.lines().collect();
    let has = |level: &str, text: &str| {
        lines
            .iter()
            .any(|l| l.contains(&format!(" {level} ")) && l.contains(text))
    };
    let config_path = format!("config {:?}", path_str(&lab.path("log.toml")));
    assert!(has("INFO", &config_path), "{config_path}:\n{log}");
    let ntp_probe = format!("probe Ntp(0) {}", ntp.addr());
    for (probe, result) in [
        (ntp_probe.as_str(), "ok: offset"),
        (
            "probe SyncService timedatectl, chronyc",
            "timedatectl: not installed",
        ),
        (
            r#"probe Dns(0) "good" localhost:443"#,
            "skipped: the config connects to 127.0.0.1",
        ),
        (r#"probe Tls(0) "good" localhost:443"#, "ok: TLSv1.3"),
        (
            r#"probe Tls(1) "refused" localhost:443"#,
            "failed: TCP: connection refused",
        ),
    ] {
        assert!(
            !has("INFO", &format!("{probe}: started")),
            "a check's start is at debug:\n{log}"
        );
        assert!(
            lines.iter().any(|l| l.contains(" INFO ")
                && l.contains(&format!("{probe}: finished in "))
                && l.contains(result)),
            "{probe} finished with {result:?}:\n{log}"
        );
    }
    assert!(
        has(
            "INFO",
            "--once report written (text): 2 finding(s): tcp-refused, single-target-failing"
        ),
        "{log}"
    );
    assert!(
        !log.contains(" DEBUG "),
        "info is the default level:\n{log}"
    );

    // RUST_LOG=debug: each hello tried, where it went.
    let debug_home = lab.path("debug-state");
    let mut cmd = lab.command("log", &config);
    cmd.env("RUST_LOG", "debug")
        .env("XDG_STATE_HOME", &debug_home);
    output(cmd).await;
    let log = std::fs::read_to_string(debug_home.join("tlsdoctor/tlsdoctor.log"))
        .expect("the debug log file");
    let started = r#"DEBUG tlsdoctor_tui::probe: probe Tls(0) "good" localhost:443: started"#;
    assert!(log.contains(started), "{started}:\n{log}");
    let hello = r#"DEBUG tlsdoctor_tui::probe: probe Tls(0) "good" localhost:443: default hello (TLS 1.3+1.2, post-quantum share): TLSv1.3"#;
    assert!(log.contains(hello), "{hello}:\n{log}");
    assert!(
        log.contains(&format!("at 127.0.0.1:{} [hello", good.addr.port())),
        "{log}"
    );
}
