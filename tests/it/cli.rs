//! The command line contract: usage errors exit 3 with a message naming the bad value; help and
//! version exit 0; a non-terminal stdout gets the report instead of the TUI.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("tlsdoctor-tui").unwrap();
    // Keep the user's config and state out of the tests.
    let home = std::env::temp_dir().join("tlsdoctor-cli-test-home");
    cmd.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("NO_COLOR")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

#[test]
fn help_and_version_exit_zero() {
    bin()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--once"));
    bin()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("tlsdoctor-tui"));
}

#[test]
fn usage_errors_exit_three_and_name_the_value() {
    bin()
        .arg("--bogus")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--bogus"));
    bin()
        .args(["--timeout", "5 parsecs"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("5 parsecs"));
    bin()
        .args(["--ntp", "time.example:99999"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("99999"));
    bin()
        .arg("bad host:443")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("bad host"));
    bin()
        .args(["--resolve", "example.com:443"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("HOST:PORT:ADDR"));
    bin()
        .args([
            "--once",
            "--resolve",
            "other.example:443:127.0.0.1",
            "example.com",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("other.example:443"));
    bin()
        .args(["--once", "--ca-file", "/nonexistent/roots.pem"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/roots.pem"));
    bin()
        .args(["--once", "-c", "/nonexistent/config.toml"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/config.toml"));
}

#[test]
fn a_config_error_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[clock]\ninterval = \"soon\"\n").unwrap();
    bin()
        .current_dir(dir.path())
        .args(["-c", cfg.to_str().unwrap()])
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("line 2").and(predicate::str::contains("soon")));
    // No report and nothing else written next to the config.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn without_a_terminal_it_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    // A closed local port: the check ends at once, with a finding, whatever the network.
    std::fs::write(
        &cfg,
        "[clock]\nservers = []\n\n[network]\ncaptive_url = \"\"\n\n[[targets]]\nname = \"closed\"\nhost = \"127.0.0.1\"\nport = 1\n",
    )
    .unwrap();
    bin()
        .args(["-c", cfg.to_str().unwrap()])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("tcp-refused").and(predicate::str::contains("Findings")));
}

/// The `--help` text, whole: the options, their defaults (read from the embedded defaults), and
/// what the targets are.
#[test]
fn help_text() {
    let out = bin().arg("--help").env("COLUMNS", "100").output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("help", String::from_utf8(out.stdout).unwrap());
}

/// When the terminal cannot be set up (here: a pseudo-terminal for output, but no controlling
/// terminal to put in raw mode), it says so and exits 3, with no panic and no backtrace.
#[test]
fn a_terminal_that_cannot_be_set_up_is_an_error_not_a_panic() {
    let bin = assert_cmd::cargo::cargo_bin("tlsdoctor-tui");
    let home = std::env::temp_dir().join("tlsdoctor-cli-test-home");
    // util-linux's `script` gives the program a pty as stdout; `setsid` takes its controlling
    // terminal away. Both are in every Debian (bsdutils and util-linux are essential).
    let inner = format!(
        "setsid {} -c /dev/null < /dev/null; echo EXIT=$?",
        bin.display()
    );
    let out = std::process::Command::new("timeout")
        .args(["30", "script", "-qec", &inner, "/dev/null"])
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cannot set up the terminal"), "{text}");
    assert!(text.contains("EXIT=3"), "{text}");
    assert!(
        !text.contains("panicked") && !text.contains("BACKTRACE"),
        "{text}"
    );
}

/// `-h` and `--help` open with the same sentence; the completions and the man page come from
/// the binary; an unknown shell is a usage error naming it.
#[test]
fn short_help_completions_and_man_page() {
    let first_line = |arg: &str| {
        let out = bin().arg(arg).output().unwrap();
        assert!(out.status.success(), "{arg}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(first_line("-h"), first_line("--help"));
    for shell in ["bash", "zsh", "fish"] {
        bin()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("tlsdoctor-tui"));
    }
    bin()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH tlsdoctor-tui 1"));
    bin()
        .args(["completions", "tcsh"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("tcsh"));
}

#[test]
fn colorfgbg_names_the_background() {
    use tlsdoctor_tui::cli::light_background;
    assert_eq!(light_background("0;15"), Some(true));
    assert_eq!(light_background("0;default;7"), Some(true));
    assert_eq!(light_background("15;0"), Some(false));
    assert_eq!(light_background("7;8"), Some(false));
    assert_eq!(light_background("default;default"), None);
    assert_eq!(light_background(""), None);
    bin()
        .args(["--theme", "sepia"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("sepia"));
}
