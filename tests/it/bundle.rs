//! The support bundle end to end: `--bundle FILE` against the lab's peers writes one tar.gz
//! whose members parse and say what the run saw; with `--redact`, none of the lab's names,
//! addresses or certificate subjects is left in any member.

use std::collections::BTreeMap;
use std::io::Read as _;

use serde_json::Value;

use crate::headless::{Lab, output, path_str, tls_target};
use crate::lab::ntp::{Behaviour, FakeNtp};
use crate::lab::tls::{LeafSpec, ServerSpec, tls_server};

/// The members in the archive's order.
const MEMBERS: [&str; 5] = [
    "report.json",
    "report.txt",
    "history.txt",
    "environment.txt",
    "tlsdoctor.log",
];

/// The members of a bundle, by name without the `tlsdoctor-bundle/` folder; asserts the order,
/// that each is a regular 0600 file, and that they all carry the same mtime.
pub fn unpack(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = BTreeMap::new();
    let mut names = Vec::new();
    let mut mtimes = Vec::new();
    for entry in archive.entries().expect("a tar.gz") {
        let mut entry = entry.expect("a tar entry");
        let header = entry.header();
        assert_eq!(header.entry_type(), tar::EntryType::Regular);
        assert_eq!(header.mode().expect("a mode"), 0o600);
        mtimes.push(header.mtime().expect("an mtime"));
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let name = path
            .strip_prefix("tlsdoctor-bundle/")
            .unwrap_or_else(|| panic!("{path} is outside tlsdoctor-bundle/"))
            .to_string();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).expect("a member's bytes");
        names.push(name.clone());
        out.insert(name, body);
    }
    assert_eq!(names, MEMBERS, "the members and their order");
    assert!(mtimes.windows(2).all(|w| w[0] == w[1]), "{mtimes:?}");
    out
}

fn text(members: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(members[name].clone()).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_holds_the_run_and_redacts_every_name_and_address() {
    let lab = Lab::new();
    let ntp = FakeNtp::start(Behaviour::TRUTHFUL);
    let (chain, key) = lab.pki.chain(&LeafSpec::localhost());
    let good = tls_server(ServerSpec::new(chain, key).config()).await;
    let targets = [tls_target("lab-endpoint", good.addr.port())];
    let config = lab.config(&ntp.addr().to_string(), "", &targets);

    let plain = lab.path("plain.tar.gz");
    let mut cmd = lab.command("bundle", &config);
    cmd.args(["--bundle", path_str(&plain)])
        .env("HTTPS_PROXY", "http://alice:s3cret@proxy.lab.test:3128");
    let out = output(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&plain).expect("the bundle was written");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&plain)
            .expect("its metadata")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let members = unpack(&bytes);
    let report: Value = serde_json::from_slice(&members["report.json"]).expect("report.json");
    assert_eq!(report["schema"], "tlsdoctor/report/v1");
    assert_eq!(report["verdict"], "ok");
    assert_eq!(report["targets"][0]["name"], "lab-endpoint");
    assert_eq!(report["targets"][0]["tls"]["status"], "ok");
    assert!(report["runs"].is_array(), "{report:#}");
    assert!(text(&members, "report.txt").contains("lab-endpoint"));
    assert!(text(&members, "history.txt").contains("the checks ran once"));
    let env = text(&members, "environment.txt");
    for line in [
        concat!("tlsdoctor-tui: ", env!("CARGO_PKG_VERSION")),
        // The lab's PATH holds nothing.
        "openvpn: not installed",
        "openssl: not installed",
        "HTTPS_PROXY: http://***@proxy.lab.test:3128",
        "sync service: ",
        "os: ",
        "kernel: ",
        "nameservers: ",
    ] {
        assert!(env.contains(line), "{line:?} is missing from\n{env}");
    }
    assert!(!env.contains("s3cret") && !env.contains("alice"), "{env}");
    assert!(
        text(&members, "tlsdoctor.log").contains("started (--once)"),
        "the log is in it"
    );

    // The same FILE again: refused, named, left as it was.
    let mut cmd = lab.command("bundle", &config);
    cmd.args(["--bundle", path_str(&plain)]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(path_str(&plain)), "{stderr}");
    assert_eq!(std::fs::read(&plain).expect("still there"), bytes);

    // What must not survive --redact: what the lab is called and where it is.
    let mut secrets: Vec<String> = vec![
        "127.0.0.1".into(),
        "localhost".into(),
        "lab-endpoint".into(),
        ntp.addr().ip().to_string(),
        "proxy.lab.test".into(),
    ];
    for cert in report["targets"][0]["tls"]["chain"]
        .as_array()
        .expect("a chain")
    {
        for key in ["subject", "issuer"] {
            let name = cert[key].as_str().expect("a name").to_string();
            secrets.extend(
                name.split(',')
                    .filter_map(|rdn| rdn.split_once('=').map(|(_, v)| v.trim().to_string())),
            );
            secrets.push(name);
        }
    }
    let redacted = lab.path("redacted.tar.gz");
    let mut cmd = lab.command("bundle", &config);
    cmd.args(["--bundle", path_str(&redacted), "--redact"])
        .env("HTTPS_PROXY", "http://alice:s3cret@proxy.lab.test:3128");
    let out = output(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let members = unpack(&std::fs::read(&redacted).expect("the redacted bundle"));
    for name in MEMBERS {
        let body = text(&members, name);
        for secret in &secrets {
            assert!(
                !body.contains(secret.as_str()),
                "{secret:?} is left in {name}:\n{body}"
            );
        }
    }
    let log = text(&members, "tlsdoctor.log");
    assert!(
        log.contains("started (--once)"),
        "this session's log: {log}"
    );
    let report: Value = serde_json::from_slice(&members["report.json"]).expect("report.json");
    let host = report["targets"][0]["host"].as_str().expect("a host");
    assert!(host.starts_with("host-"), "{host}");
    let env = text(&members, "environment.txt");
    assert!(
        env.contains(&format!("HTTPS_PROXY: http://***@{}", "host-")),
        "{env}"
    );
}

#[test]
fn redact_without_a_bundle_is_refused_headless() {
    let out = assert_cmd::Command::cargo_bin("tlsdoctor-tui")
        .expect("the binary")
        .args(["--once", "--redact"])
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("it runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bundle FILE"));
}
