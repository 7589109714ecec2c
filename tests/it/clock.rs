//! The clock checks end to end: the real binary, `--once --json`, against the lab's fake NTP
//! servers (and fake `timedatectl`/`chronyc` on a private PATH), asserted by finding code,
//! server status and exit code. Also the config errors of the command line.

use crate::lab;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

use lab::ntp::{Behaviour, FakeNtp, REFERENCE, SHORT_LEN, STRATUM, closed_udp_port};

/// No run may take longer than this: every probe has its own, much shorter, timeout.
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// How far from the truth an offset over loopback may be.
const TOLERANCE_MS: f64 = 50.0;
const THREE_HOURS: Duration = Duration::from_secs(3 * 3600);

/// A scratch place for one run: the config file, an empty PATH (so the host's time-sync
/// tools do not leak into the verdict), and the log directory.
struct Scratch {
    dir: TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir(dir.path().join("bin")).expect("a bin dir");
        Scratch { dir }
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// Writes a config with no targets and these NTP servers.
    fn config(&self, servers: &[String], timeout: &str) -> PathBuf {
        let list = servers
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.write(
            "config.toml",
            &format!("targets = []\n\n[clock]\nservers = [{list}]\ntimeout = {timeout:?}\n"),
        )
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }

    /// Puts a fake tool on the private PATH: a shell script that prints `stdout` with the
    /// shell's own `printf` (the PATH has nothing else on it).
    fn tool(&self, name: &str, stdout: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin().join(name);
        let lines: Vec<String> = stdout
            .lines()
            .map(|l| format!("'{}'", l.replace('\'', r"'\''")))
            .collect();
        let script = format!("#!/bin/sh\nprintf '%s\\n' {}\n", lines.join(" "));
        std::fs::write(&path, script).expect("write a fake tool");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make the fake tool executable");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("tlsdoctor-tui").expect("the binary is built");
        cmd.args(args)
            .env("PATH", self.bin())
            .env("XDG_STATE_HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env_remove("RUST_LOG")
            .timeout(RUN_LIMIT);
        cmd
    }
}

/// What one `--once --json` run gave.
struct Run {
    code: i32,
    json: Value,
}

impl Run {
    fn codes(&self) -> Vec<&str> {
        self.json["findings"]
            .as_array()
            .expect("findings is a list")
            .iter()
            .map(|f| f["code"].as_str().expect("a finding has a code"))
            .collect()
    }

    /// The findings with `code`.
    fn findings(&self, code: &str) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .expect("findings is a list")
            .iter()
            .filter(|f| f["code"] == code)
            .collect()
    }

    fn server(&self, i: usize) -> &Value {
        &self.json["clock"]["servers"][i]
    }

    fn consensus_ms(&self) -> Option<f64> {
        self.json["clock"]["consensus_offset_ms"].as_f64()
    }
}

fn run_in(scratch: &Scratch, servers: &[String], timeout: &str) -> Run {
    let config = scratch.config(servers, timeout);
    let out = scratch
        .command(&["-c", path_str(&config), "--once", "--json"])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().expect("the binary exited"),
        json,
    }
}

fn run(servers: &[String]) -> Run {
    run_in(&Scratch::new(), servers, "2s")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn addr(ntp: &FakeNtp) -> String {
    ntp.addr().to_string()
}

/// Runs one misbehaving server and checks what every such server must give: an error row
/// with `reason`, one `ntp-bad-server` finding naming it, no consensus, exit code 1.
fn bad_server(behaviour: Behaviour, reason: &str) -> Run {
    let ntp = FakeNtp::start(behaviour);
    let r = run(&[addr(&ntp)]);
    let s = r.server(0);
    assert_eq!(s["status"], "error", "{s}");
    assert_eq!(s["reason"], reason, "{s}");
    assert_eq!(s["offset_ms"], Value::Null);
    assert_eq!(r.codes(), vec!["ntp-bad-server"], "{}", r.json);
    let f = r.findings("ntp-bad-server")[0];
    assert_eq!(f["severity"], "warning");
    assert!(f["summary"].as_str().unwrap().contains(&addr(&ntp)), "{f}");
    assert_eq!(r.consensus_ms(), None);
    assert_eq!(r.json["clock"]["source"], "none");
    assert_eq!(r.json["verdict"], "warning");
    assert_eq!(r.code, 1);
    assert!(ntp.requests() >= 1);
    r
}

fn evidence(f: &Value) -> String {
    f["evidence"]
        .as_array()
        .expect("evidence is a list")
        .iter()
        .map(|e| e.as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_truthful_server_gives_a_clean_report() {
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let r = run(&[addr(&ntp)]);
    let s = r.server(0);
    assert_eq!(s["status"], "ok", "{s}");
    assert_eq!(s["error"], Value::Null);
    assert_eq!(s["server"], addr(&ntp));
    assert_eq!(s["stratum"], STRATUM);
    assert_eq!(
        s["reference_id"],
        std::net::Ipv4Addr::from(REFERENCE).to_string()
    );
    assert_eq!(s["leap"], 0);
    assert!(s["offset_ms"].as_f64().unwrap().abs() < TOLERANCE_MS, "{s}");
    assert!(s["rtt_ms"].as_f64().unwrap() >= 0.0, "{s}");
    assert!(r.consensus_ms().unwrap().abs() < TOLERANCE_MS);
    assert_eq!(r.json["clock"]["source"], "ntp");
    assert!(r.codes().is_empty(), "{}", r.json);
    assert_eq!(r.json["verdict"], "ok");
    assert_eq!(r.code, 0);
}

#[test]
fn two_servers_three_hours_ahead_mean_clock_skew() {
    let first = FakeNtp::start(Behaviour::ahead(THREE_HOURS));
    let second = FakeNtp::start(Behaviour::ahead(THREE_HOURS));
    let r = run(&[addr(&first), addr(&second)]);
    for i in 0..2 {
        let off = r.server(i)["offset_ms"].as_f64().unwrap();
        assert!((off - 10_800_000.0).abs() < TOLERANCE_MS, "{}", r.server(i));
    }
    let c = r.consensus_ms().unwrap();
    assert!((c - 10_800_000.0).abs() < TOLERANCE_MS, "consensus {c}");
    assert_eq!(r.codes(), vec!["clock-skew"], "{}", r.json);
    let f = r.findings("clock-skew")[0];
    assert_eq!(f["severity"], "error");
    assert!(f["summary"].as_str().unwrap().contains("3 h 0 m"), "{f}");
    assert!(evidence(f).contains(&addr(&first)) && evidence(f).contains(&addr(&second)));
    // `timedatectl set-ntp true` is offered where timedatectl answers on this machine;
    // elsewhere another way (chronyc, or setting the time by hand).
    let fixes = f["fixes"].as_array().unwrap();
    let offers_timedatectl = fixes.iter().any(|x| {
        x["command"] == serde_json::json!(["sudo", "timedatectl", "set-ntp", "true"])
            || x["command"] == serde_json::json!(["timedatectl", "set-ntp", "true"])
    });
    let sync = r.json["clock"]["sync"]["summary"].as_str().unwrap_or("");
    assert_eq!(
        offers_timedatectl,
        sync.contains("timedatectl: NTP"),
        "sync: {sync}; {f}"
    );
    assert!(
        offers_timedatectl || fixes.iter().any(|x| x["key"] == "h" || x["key"] == "m"),
        "{f}"
    );
    assert_eq!(r.json["verdict"], "error");
    assert_eq!(r.code, 2);
}

#[test]
fn a_server_ninety_seconds_behind_means_clock_drift() {
    let ntp = FakeNtp::start(Behaviour::behind(Duration::from_secs(90)));
    let r = run(&[addr(&ntp)]);
    let c = r.consensus_ms().unwrap();
    assert!((c + 90_000.0).abs() < TOLERANCE_MS, "consensus {c}");
    assert_eq!(r.codes(), vec!["clock-drift"], "{}", r.json);
    let f = r.findings("clock-drift")[0];
    assert_eq!(f["severity"], "warning");
    assert!(f["summary"].as_str().unwrap().contains("ahead"), "{f}");
    assert_eq!(r.code, 1);
}

#[test]
fn kiss_of_death_deny() {
    let r = bad_server(Behaviour::KissOfDeath(*b"DENY"), "kod");
    let f = r.findings("ntp-bad-server")[0];
    assert!(evidence(f).contains("kiss-o'-death DENY"), "{f}");
    assert!(evidence(f).contains("access denied"), "{f}");
}

#[test]
fn kiss_of_death_rate() {
    let r = bad_server(Behaviour::KissOfDeath(*b"RATE"), "kod");
    let f = r.findings("ntp-bad-server")[0];
    assert!(evidence(f).contains("kiss-o'-death RATE"), "{f}");
    assert!(evidence(f).contains("rate limited"), "{f}");
}

#[test]
fn an_unsynchronised_server() {
    let r = bad_server(Behaviour::Unsynchronised, "unsynced");
    assert!(
        evidence(r.findings("ntp-bad-server")[0]).contains("leap indicator 3"),
        "{}",
        r.json
    );
}

#[test]
fn stratum_zero_without_a_kiss_code() {
    let r = bad_server(Behaviour::Stratum(0), "stratum");
    assert_eq!(r.server(0)["stratum"], 0);
    assert!(evidence(r.findings("ntp-bad-server")[0]).contains("unusable stratum 0"));
}

#[test]
fn stratum_sixteen() {
    let r = bad_server(Behaviour::Stratum(16), "stratum");
    assert_eq!(r.server(0)["stratum"], 16);
    assert!(evidence(r.findings("ntp-bad-server")[0]).contains("unusable stratum 16"));
}

#[test]
fn a_reply_with_the_wrong_origin_timestamp() {
    let r = bad_server(Behaviour::WrongOrigin, "spoofed");
    assert!(evidence(r.findings("ntp-bad-server")[0]).contains("origin timestamp"));
}

#[test]
fn a_short_packet() {
    let r = bad_server(Behaviour::Short, "garbage");
    let e = evidence(r.findings("ntp-bad-server")[0]);
    assert!(e.contains(&format!("a {SHORT_LEN}-byte reply")), "{e}");
}

#[test]
fn a_silent_server_times_out() {
    let scratch = Scratch::new();
    let ntp = FakeNtp::start(Behaviour::Silent);
    let r = run_in(&scratch, &[addr(&ntp)], "500ms");
    let s = r.server(0);
    assert_eq!(
        (&s["status"], &s["reason"]),
        (&"error".into(), &"timeout".into()),
        "{s}"
    );
    assert!(s["error"].as_str().unwrap().contains("500.0 ms"), "{s}");
    assert!(ntp.requests() >= 1, "the server never saw the request");
    assert_eq!(r.codes(), vec!["ntp-unreachable"], "{}", r.json);
    assert_eq!(r.json["clock"]["source"], "none");
    assert_eq!(r.code, 1);
}

#[test]
fn a_closed_port_is_refused() {
    let closed = closed_udp_port();
    let r = run_in(&Scratch::new(), &[closed.to_string()], "500ms");
    let s = r.server(0);
    assert_eq!(s["reason"], "refused", "{s}");
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("ICMP port unreachable"),
        "{s}"
    );
    assert_eq!(r.codes(), vec!["ntp-unreachable"], "{}", r.json);
    assert_eq!(r.code, 1);
}

#[test]
fn an_unresolvable_name_is_a_dns_failure() {
    let r = run_in(
        &Scratch::new(),
        &["nonexistent.invalid".to_string()],
        "500ms",
    );
    let s = r.server(0);
    assert_eq!(s["reason"], "dns", "{s}");
    assert!(
        s["error"].as_str().unwrap().contains("nonexistent.invalid"),
        "{s}"
    );
    assert_eq!(r.codes(), vec!["ntp-unreachable"], "{}", r.json);
    assert_eq!(r.code, 1);
}

#[test]
fn a_falseticker_is_voted_out() {
    let good = FakeNtp::start(Behaviour::TRUTHFUL);
    let also_good = FakeNtp::start(Behaviour::TRUTHFUL);
    let liar = FakeNtp::start(Behaviour::ahead(Duration::from_secs(10)));
    let r = run(&[addr(&good), addr(&also_good), addr(&liar)]);
    for i in 0..3 {
        assert_eq!(r.server(i)["status"], "ok", "{}", r.server(i));
    }
    let c = r.consensus_ms().unwrap();
    assert!(c.abs() < TOLERANCE_MS, "consensus {c}");
    assert_eq!(r.codes(), vec!["ntp-bad-server"], "{}", r.json);
    let f = r.findings("ntp-bad-server")[0];
    assert!(f["summary"].as_str().unwrap().contains(&addr(&liar)), "{f}");
    assert!(evidence(f).contains("falseticker"), "{f}");
    assert_eq!(r.code, 1);
}

#[test]
fn a_good_and_a_silent_server_is_no_finding() {
    let good = FakeNtp::start(Behaviour::TRUTHFUL);
    let silent = FakeNtp::start(Behaviour::Silent);
    let r = run_in(&Scratch::new(), &[addr(&good), addr(&silent)], "500ms");
    assert_eq!(r.server(0)["status"], "ok");
    assert_eq!(r.server(1)["reason"], "timeout");
    assert!(r.codes().is_empty(), "{}", r.json);
    assert_eq!(r.code, 0);
}

const TRACKING_UNSYNCED: &str = "\
Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
System time     : 0.000000000 seconds fast of NTP time
Leap status     : Not synchronised
";

#[test]
fn an_unsynchronised_sync_service_is_clock_unsynced() {
    let scratch = Scratch::new();
    scratch.tool("timedatectl", "NTP=no\nNTPSynchronized=no\n");
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let r = run_in(&scratch, &[addr(&ntp)], "2s");
    assert_eq!(r.json["clock"]["sync"]["active"], false, "{}", r.json);
    assert_eq!(r.codes(), vec!["clock-unsynced"], "{}", r.json);
    let f = r.findings("clock-unsynced")[0];
    assert!(evidence(f).contains("NTP no, synchronized no"), "{f}");
    assert!(
        f["fixes"].as_array().unwrap().iter().any(|x| x["command"]
            .as_array()
            .is_some_and(|c| c.iter().any(|w| w == "set-ntp"))),
        "{f}"
    );
    assert_eq!(r.code, 1);

    let scratch = Scratch::new();
    scratch.tool("chronyc", TRACKING_UNSYNCED);
    let r = run_in(&scratch, &[addr(&ntp)], "2s");
    assert_eq!(r.codes(), vec!["clock-unsynced"], "{}", r.json);
    assert!(evidence(r.findings("clock-unsynced")[0]).contains("Not synchronised"));
}

#[test]
fn a_skewed_clock_with_chrony_running_offers_makestep() {
    let scratch = Scratch::new();
    scratch.tool(
        "chronyc",
        "Reference ID    : 7F7F0101 ()\nStratum         : 8\nLeap status     : Normal\n",
    );
    let ntp = FakeNtp::start(Behaviour::ahead(THREE_HOURS));
    let r = run_in(&scratch, &[addr(&ntp)], "2s");
    assert_eq!(r.json["clock"]["sync"]["active"], true);
    assert_eq!(r.codes(), vec!["clock-skew"], "{}", r.json);
    let fixes = &r.findings("clock-skew")[0]["fixes"];
    assert!(
        fixes.as_array().unwrap().iter().any(|x| x["command"]
            .as_array()
            .is_some_and(|c| c.iter().any(|w| w == "makestep"))),
        "{fixes}"
    );
}

#[test]
fn the_json_report_has_the_contract_keys() {
    let ntp = FakeNtp::start(Behaviour::ahead(THREE_HOURS));
    let r = run(&[addr(&ntp)]);
    let j = &r.json;
    for key in ["schema", "verdict", "clock", "targets", "findings"] {
        assert!(j.get(key).is_some(), "no {key:?} in {j}");
    }
    assert_eq!(j["schema"], "tlsdoctor/report/v1");
    assert!(["ok", "warning", "error"].contains(&j["verdict"].as_str().unwrap()));
    for key in ["consensus_offset_ms", "source", "servers"] {
        assert!(j["clock"].get(key).is_some(), "no clock.{key:?} in {j}");
    }
    for key in [
        "server",
        "status",
        "offset_ms",
        "rtt_ms",
        "stratum",
        "error",
    ] {
        assert!(r.server(0).get(key).is_some(), "no server {key:?} in {j}");
    }
    assert_eq!(j["targets"], serde_json::json!([]));
    let f = &j["findings"][0];
    for key in ["code", "severity", "target", "summary", "evidence", "fixes"] {
        assert!(f.get(key).is_some(), "no finding {key:?} in {f}");
    }
    for key in ["key", "label", "command"] {
        assert!(f["fixes"][0].get(key).is_some(), "no fix {key:?} in {f}");
    }
}

/// Runs the binary on a bad config: it must refuse with exit code 3, print nothing on stdout,
/// and say on stderr which file, which line and which value.
fn refused_config(text: &str, line: usize, value: &str) {
    let scratch = Scratch::new();
    let path = scratch.write("bad.toml", text);
    let out = scratch
        .command(&["-c", path_str(&path), "--once", "--json"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains(path_str(&path)),
        "no file name in: {stderr}"
    );
    assert!(
        stderr.contains(&format!("line {line}")),
        "no line {line} in: {stderr}"
    );
    assert!(stderr.contains(value), "no {value:?} in: {stderr}");
}

#[test]
fn an_unknown_key_is_refused() {
    refused_config(
        "targets = []\n\n[clock]\nservers = []\nserverz = []\n",
        5,
        "serverz",
    );
}

#[test]
fn a_bad_duration_is_refused() {
    refused_config("[clock]\ntimeout = \"3 fortnights\"\n", 2, "3 fortnights");
}

#[test]
fn a_bad_probe_name_is_refused() {
    refused_config(
        "[[targets]]\nhost = \"example.com\"\nprobes = [\"tls\", \"smtp:25\"]\n",
        3,
        "smtp:25",
    );
}

#[test]
fn a_bad_port_is_refused() {
    refused_config("[clock]\nservers = [\"127.0.0.1:99999\"]\n", 2, "99999");
    refused_config(
        "[[targets]]\nhost = \"example.com\"\nport = 70000\n",
        3,
        "70000",
    );
}

#[test]
fn a_bad_ntp_option_is_refused() {
    let scratch = Scratch::new();
    let out = scratch
        .command(&["--once", "--ntp", "127.0.0.1:0"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("127.0.0.1:0"), "{stderr}");
}
