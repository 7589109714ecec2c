//! Hostile files, values and processes, end to end: an export never goes through a planted
//! link nor over another file; a FIFO, a device or a huge file named as a key or a profile is
//! refused at once; huge or negative durations and bad ports are config errors, not panics; a
//! closed stdout ends the run quietly with 141; a probe that panics is an internal error on its
//! row and a non-zero exit with the panic report's path.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tlsdoctor_tui::app::{Env, Model};
use tlsdoctor_tui::diagnose::{Machine, Observations};

use crate::support::bare_config;

/// Every run here is bounded: a regression that blocks (a FIFO read) fails instead of hanging.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// A temp dir with a config that checks nothing on the network (no NTP server, no target,
/// no captive-portal check), for runs that are about files and values.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn quiet_config(&self) -> PathBuf {
        self.write(
            "quiet.toml",
            "targets = []\n[clock]\nservers = []\n[network]\ncaptive_url = \"\"\n",
        )
    }

    fn bin(&self) -> Command {
        let mut cmd = Command::cargo_bin("tlsdoctor-tui").unwrap();
        cmd.env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env_remove("TLSDOCTOR_TEST_PANIC_PROBE")
            .env_remove("RUST_LOG")
            .timeout(RUN_LIMIT);
        cmd
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// --- exports ----------------------------------------------------------------------------------

/// A finished model of no checks, at a fixed wall-clock time (so the export's name is known).
fn model_at(wall: SystemTime) -> Model {
    let obs = Observations::new(Arc::new(bare_config()), Machine::default());
    Model::from_observations(obs, Env::default(), Instant::now(), wall)
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// `e`'s export, as the dashboard runs it.
fn export(model: &Model, dir: &Path) -> Result<PathBuf, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(tlsdoctor_tui::runtime::export(model, dir))
}

#[test]
fn an_export_never_follows_a_planted_link_and_takes_a_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    let stem = "tlsdoctor-report-2026-09-21T141320Z";
    // A file of the user's, and links planted under the export's name: one to that file,
    // then one dangling (it would make a file wherever it points).
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "precious\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join(format!("{stem}.tar.gz"));
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let dangling = dir.path().join(format!("{stem}-2.tar.gz"));
    let elsewhere = dir.path().join("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, &dangling).unwrap();

    let model = model_at(wall);
    let bundle = export(&model, dir.path()).unwrap();
    assert_eq!(bundle, dir.path().join(format!("{stem}-3.tar.gz")));
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "precious\n");
    assert!(!elsewhere.exists(), "the dangling link made a file");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(mode(&bundle), 0o600);
    assert!(std::fs::symlink_metadata(&bundle).unwrap().is_file());
    let members = crate::bundle::unpack(&std::fs::read(&bundle).unwrap());
    let report: Value = serde_json::from_slice(&members["report.json"]).unwrap();
    assert_eq!(report["schema"], "tlsdoctor/report/v1");
    assert!(!members["report.txt"].is_empty());

    // A second export in the same second keeps the first.
    let first = std::fs::read(&bundle).unwrap();
    let again = export(&model, dir.path()).unwrap();
    assert_eq!(again, dir.path().join(format!("{stem}-4.tar.gz")));
    assert_eq!(std::fs::read(&bundle).unwrap(), first);
}

#[test]
fn an_export_that_cannot_be_written_names_the_directory() {
    let model = model_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    let e = export(&model, Path::new("/nonexistent/reports")).unwrap_err();
    assert!(e.contains("/nonexistent/reports"), "{e}");
}

// --- files the user names ---------------------------------------------------------------------

fn mkfifo(p: &Path) {
    let ok = StdCommand::new("mkfifo").arg(p).status().unwrap().success();
    assert!(ok, "mkfifo {}", p.display());
}

/// A profile whose tls-auth key is `key`.
fn profile(scratch: &Scratch, key: &Path) -> PathBuf {
    scratch.write(
        "vpn.ovpn",
        &format!("client\nremote 127.0.0.1 1194 udp\ntls-auth {} 1\n", s(key)),
    )
}

#[test]
fn a_fifo_as_tls_auth_is_refused_at_once() {
    let scratch = Scratch::new();
    let fifo = scratch.path("ta.key");
    mkfifo(&fifo);
    let ovpn = profile(&scratch, &fifo);
    scratch
        .bin()
        .args([
            "--once",
            "-c",
            s(&scratch.quiet_config()),
            "--ovpn",
            s(&ovpn),
        ])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("line 3")
                .and(predicate::str::contains(s(&fifo)))
                .and(predicate::str::contains(
                    "named pipe (FIFO), not a regular file",
                )),
        );
    // The config's own tls_auth, the profile itself and --ca-file: the same.
    let cfg = scratch.write(
        "fifo.toml",
        &format!(
            "[clock]\nservers = []\n\n[[targets]]\nhost = \"127.0.0.1\"\ntls_auth = \"{}\"\n",
            s(&fifo)
        ),
    );
    scratch
        .bin()
        .args(["--once", "-c", s(&cfg)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("line 6").and(predicate::str::contains("FIFO")));
    let fifo_profile = scratch.path("fifo.ovpn");
    mkfifo(&fifo_profile);
    scratch
        .bin()
        .args(["--once", "-c", s(&scratch.quiet_config())])
        .args(["--ovpn", s(&fifo_profile)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("FIFO"));
    scratch
        .bin()
        .args(["--once", "-c", s(&scratch.quiet_config())])
        .args(["--ca-file", s(&fifo)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--ca-file").and(predicate::str::contains("FIFO")));
    let fifo_config = scratch.path("fifo-config.toml");
    mkfifo(&fifo_config);
    scratch
        .bin()
        .args(["--once", "-c", s(&fifo_config)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("config file").and(predicate::str::contains("FIFO")));
}

#[test]
fn dev_zero_and_huge_files_as_keys_are_refused_by_kind_and_size() {
    let scratch = Scratch::new();
    let ovpn = profile(&scratch, Path::new("/dev/zero"));
    scratch
        .bin()
        .args([
            "--once",
            "-c",
            s(&scratch.quiet_config()),
            "--ovpn",
            s(&ovpn),
        ])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("\"/dev/zero\"")
                .and(predicate::str::contains("character device")),
        );
    // A regular file of a gigabyte (sparse: nothing is written) is refused by its size, before
    // anything is read.
    let big = scratch.path("big.key");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let ovpn = profile(&scratch, &big);
    scratch
        .bin()
        .args([
            "--once",
            "-c",
            s(&scratch.quiet_config()),
            "--ovpn",
            s(&ovpn),
        ])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("too large")
                .and(predicate::str::contains("1024 MB"))
                .and(predicate::str::contains("at most 8 KB")),
        );
    let big_profile = scratch.path("big.ovpn");
    std::fs::File::create(&big_profile)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    scratch
        .bin()
        .args(["--once", "-c", s(&scratch.quiet_config())])
        .args(["--ovpn", s(&big_profile)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("too large"));
}

#[test]
fn a_file_that_is_not_a_key_is_named_not_printed() {
    let scratch = Scratch::new();
    let shadow = scratch.write(
        "shadow",
        "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n",
    );
    let ovpn = profile(&scratch, &shadow);
    let out = scratch
        .bin()
        .args([
            "--once",
            "-c",
            s(&scratch.quiet_config()),
            "--ovpn",
            s(&ovpn),
        ])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(s(&shadow)) && err.contains("line 1"), "{err}");
    assert!(
        err.contains("expected \"-----BEGIN OpenVPN Static key V1-----\""),
        "{err}"
    );
    assert!(!err.contains("root") && !err.contains("20228"), "{err}");
}

// --- values -----------------------------------------------------------------------------------

#[test]
fn huge_and_negative_durations_are_usage_errors_not_panics() {
    let scratch = Scratch::new();
    for (value, says) in [
        ("4611686018427387903s", "more than a day"),
        ("18446744073709551615s", "more than a day"),
        ("99999999999999999999999s", "99999999999999999999999s"),
        ("-5s", "cannot be negative"),
    ] {
        scratch
            .bin()
            .args([
                "--once",
                "-c",
                s(&scratch.quiet_config()),
                "--timeout",
                value,
            ])
            .assert()
            .code(3)
            .stderr(
                predicate::str::contains(format!("\"{value}\""))
                    .and(predicate::str::contains(says))
                    .and(predicate::str::contains("panicked").not()),
            );
    }
    let cfg = scratch.write(
        "huge.toml",
        "targets = []\n[network]\ncaptive_url = \"\"\ntimeout = \"1000000000000000000s\"\n",
    );
    scratch
        .bin()
        .args(["--once", "-c", s(&cfg)])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("line 4")
                .and(predicate::str::contains("\"1000000000000000000s\""))
                .and(predicate::str::contains("panicked").not()),
        );
}

// --- a closed stdout --------------------------------------------------------------------------

/// Runs the binary with its stdout a pipe whose reading end is already closed: every write
/// fails with EPIPE (Rust ignores SIGPIPE), as it does for `| head -c 10` once head is gone.
fn run_into_closed_pipe(scratch: &Scratch, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let bin = assert_cmd::cargo::cargo_bin("tlsdoctor-tui");
    let mut child = StdCommand::new(bin)
        .args(args)
        .env("XDG_STATE_HOME", scratch.path("state"))
        .env("XDG_CONFIG_HOME", scratch.path("config"))
        .env_remove("TLSDOCTOR_TEST_PANIC_PROBE")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + RUN_LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run into a closed pipe did not end within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_quietly_with_141() {
    let scratch = Scratch::new();
    let cfg = scratch.quiet_config();
    for args in [
        vec!["--once", "-c", s(&cfg)],
        vec!["--once", "--json", "-c", s(&cfg)],
    ] {
        let out = run_into_closed_pipe(&scratch, &args);
        assert_eq!(out.status.code(), Some(141), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_shell_pipe_into_head_gets_its_ten_bytes() {
    let scratch = Scratch::new();
    let bin = assert_cmd::cargo::cargo_bin("tlsdoctor-tui");
    for json in ["", "--json"] {
        let out = StdCommand::new("bash")
            .arg("-c")
            .arg(format!(
                "\"$0\" --once {json} -c \"$1\" 2>\"$2\" | head -c 10; echo \" status=${{PIPESTATUS[0]}}\""
            ))
            .arg(&bin)
            .arg(scratch.quiet_config())
            .arg(scratch.path("stderr"))
            .env("XDG_STATE_HOME", scratch.path("state"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.len(), 10 + " status=N".len() + 1, "{stdout:?}");
        // 0: the report fitted the pipe before head left; 141: it did not. Never 3, never a
        // panic message.
        assert!(
            stdout.ends_with(" status=0\n") || stdout.ends_with(" status=141\n"),
            "{stdout:?}"
        );
        assert_eq!(std::fs::read_to_string(scratch.path("stderr")).unwrap(), "");
    }
}

// --- a panicking probe ------------------------------------------------------------------------

#[test]
fn a_probe_that_panics_is_an_internal_error_on_its_row_and_exit_3() {
    if !cfg!(debug_assertions) {
        // The hook exists in debug builds only (never in a release).
        return;
    }
    let scratch = Scratch::new();
    let cfg = scratch.write(
        "panic.toml",
        "[clock]\nservers = [\"127.0.0.1:9\"]\n[network]\ncaptive_url = \"\"\n\n\
         [[targets]]\nname = \"local\"\nhost = \"127.0.0.1\"\nport = 9\nconnect = \"127.0.0.1:9\"\n",
    );
    for (kind, row) in [("ntp", "clock"), ("tls", "tls")] {
        let out = scratch
            .bin()
            .env("TLSDOCTOR_TEST_PANIC_PROBE", kind)
            .args(["--once", "--json", "-c", s(&cfg), "--timeout", "1s"])
            .assert()
            .code(3)
            .get_output()
            .clone();
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{kind}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        let error = if row == "clock" {
            assert_eq!(json["clock"]["servers"][0]["status"], "error");
            json["clock"]["servers"][0]["error"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            assert_eq!(json["targets"][0]["tls"]["status"], "failed");
            json["targets"][0]["tls"]["error"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(error.contains("internal error"), "{kind}: {error}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("internal error") && err.contains("test hook"),
            "{err}"
        );
        let report = err
            .lines()
            .find_map(|l| l.trim().strip_prefix("the panic report is "))
            .unwrap_or_else(|| panic!("no report path in {err}"));
        let report = Path::new(report);
        assert!(report.starts_with(scratch.path("state")), "{err}");
        assert_eq!(mode(report), 0o600);
        assert_eq!(
            std::fs::metadata(report).unwrap().uid(),
            std::fs::metadata(scratch.path("state")).unwrap().uid()
        );
        assert!(
            std::fs::read_to_string(report)
                .unwrap()
                .contains("test hook")
        );
        assert!(err.contains("the log is "), "{err}");
    }
}

// --- server bytes, escaped once ---------------------------------------------------------------

/// A port that answers the ClientHello with plain HTTP: the `not-tls` finding and the TLS
/// error quote the server's bytes escaped once (`\x0d\x0a`), in the JSON and the text report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_bytes_are_escaped_once_in_json_and_text() {
    let peer = crate::lab::tls::http_400().await;
    let scratch = Scratch::new();
    let port = peer.addr.port();
    let cfg = scratch.write(
        "http.toml",
        &format!(
            "[clock]\nservers = []\n[network]\ncaptive_url = \"\"\n\n[[targets]]\n\
             name = \"plain\"\nhost = \"127.0.0.1\"\nport = {port}\nconnect = \"127.0.0.1:{port}\"\n"
        ),
    );
    let run = |json: bool| {
        let mut cmd = scratch.bin();
        cmd.args(["--once", "-c", s(&cfg), "--timeout", "2s"]);
        if json {
            cmd.arg("--json");
        }
        async move {
            tokio::task::spawn_blocking(move || cmd.output().unwrap())
                .await
                .unwrap()
        }
    };
    let out = run(true).await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = report["targets"][0]["tls"]["error"].as_str().unwrap();
    assert!(
        error.contains(r#"not TLS: the server sent "HTTP/1.1 400 Bad Request\x0d\x0a"#),
        "{error}"
    );
    let not_tls = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "not-tls")
        .expect("a not-tls finding");
    let evidence = not_tls["evidence"].to_string();
    // In JSON one backslash is written "\\": escaped once is "\\x0d", twice "\\\\x0d".
    assert!(evidence.contains(r"Bad Request\\x0d\\x0a"), "{evidence}");
    assert!(!evidence.contains(r"\\\\x0d"), "{evidence}");

    let out = run(false).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r"Bad Request\x0d\x0a"), "{text}");
    assert!(!text.contains(r"\\x0d"), "{text}");
}

// --- the log ----------------------------------------------------------------------------------

/// The log is never opened through a link: a link planted as the log file, or as its
/// directory, leaves its target alone, and stderr says why there is no log, naming the
/// directory; the run itself goes on.
#[test]
fn the_log_is_never_opened_through_a_link() {
    let scratch = Scratch::new();
    let state = scratch.path("state");
    std::fs::create_dir_all(state.join("tlsdoctor")).unwrap();
    let victim = scratch.write("victim", "precious\n");
    std::os::unix::fs::symlink(&victim, state.join("tlsdoctor/tlsdoctor.log")).unwrap();
    scratch
        .bin()
        .args(["--once", "-c", s(&scratch.quiet_config())])
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains("no log file")
                .and(predicate::str::contains(s(&state.join("tlsdoctor")))),
        );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    let other = tempfile::tempdir().unwrap();
    let linked = Scratch::new();
    std::fs::create_dir_all(linked.path("state")).unwrap();
    std::os::unix::fs::symlink(other.path(), linked.path("state/tlsdoctor")).unwrap();
    linked
        .bin()
        .args(["--once", "-c", s(&linked.quiet_config())])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "is not a directory (a link or a file)",
        ));
    assert_eq!(std::fs::read_dir(other.path()).unwrap().count(), 0);

    // A fresh state directory: 0700, the log 0600.
    let fresh = Scratch::new();
    fresh
        .bin()
        .args(["--once", "-c", s(&fresh.quiet_config())])
        .assert()
        .code(0)
        .stderr("");
    assert_eq!(mode(&fresh.path("state/tlsdoctor")), 0o700);
    assert_eq!(mode(&fresh.path("state/tlsdoctor/tlsdoctor.log")), 0o600);
}
