//! The support bundle: one `tar.gz` with the JSON and text reports, the history of the run,
//! the end of the log and the environment that matters (what a VPN provider's support asks
//! for), optionally with host names, addresses and certificate subjects replaced by stable
//! placeholders ([`Redactor`]). Gathering the environment runs a few fixed commands, each under
//! a short timeout; building the archive is pure, so it is tested without a terminal.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::app::Model;
use crate::config::Sni;
use crate::probe::sync::ToolAnswer;
use crate::report;

/// How much of the log's end goes into the bundle.
pub const LOG_MAX: u64 = 1024 * 1024;
/// How long each version command may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(2);
/// The proxy variables, as curl and most tools read them.
pub const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "NO_PROXY",
];
/// The members, in the archive's order.
pub const MEMBERS: [&str; 5] = [
    "report.json",
    "report.txt",
    "history.txt",
    "environment.txt",
    "tlsdoctor.log",
];

/// What was gathered about the machine, as `key: value` lines.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub lines: Vec<(String, String)>,
}

impl Environment {
    fn text(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.lines {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
            out.push('\n');
        }
        out
    }
}

/// Gathers the environment: tool version, OS, VPN clients, OpenSSL, the sync service (as the
/// model observed it), resolv.conf's nameservers and the proxy variables without credentials.
pub async fn gather(model: &Model) -> Environment {
    let mut lines = vec![
        (
            "tlsdoctor-tui".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("os".to_string(), os_name()),
        ("kernel".to_string(), kernel()),
    ];
    let (openvpn, nordvpn, wg, openssl) = tokio::join!(
        version("openvpn", &["--version"]),
        version("nordvpn", &["--version"]),
        version("wg", &["--version"]),
        version("openssl", &["version"]),
    );
    for (label, answer) in [
        ("openvpn", openvpn),
        ("nordvpn", nordvpn),
        ("wireguard-tools", wg),
        ("openssl", openssl),
    ] {
        lines.push((label.to_string(), answer));
    }
    let sync = model
        .obs
        .sync
        .last
        .as_ref()
        .map_or_else(|| "not checked".to_string(), |d| d.value.summary());
    lines.push(("sync service".to_string(), sync));
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let servers = nameservers(&resolv);
    lines.push((
        "nameservers".to_string(),
        if servers.is_empty() {
            "none in /etc/resolv.conf".to_string()
        } else {
            servers.join(" ")
        },
    ));
    for var in PROXY_VARS {
        let value =
            std::env::var(var).map_or_else(|_| "unset".to_string(), |v| strip_credentials(&v));
        lines.push((var.to_string(), value));
    }
    Environment { lines }
}

/// `PRETTY_NAME` from /etc/os-release.
fn os_name() -> String {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map_or_else(
            || "unknown (no PRETTY_NAME in /etc/os-release)".to_string(),
            |v| v.trim().trim_matches('"').to_string(),
        )
}

/// The running kernel's release.
fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |e| format!("unknown (/proc/sys/kernel/osrelease: {e})"),
        |r| r.trim().to_string(),
    )
}

/// The first line a program prints for `args`, or why there is none; "not installed" when it
/// is not on the PATH.
async fn version(program: &str, args: &[&str]) -> String {
    match crate::probe::sync::run_tool(program, args, TOOL_TIMEOUT).await {
        ToolAnswer::Absent => "not installed".to_string(),
        ToolAnswer::Failed(e) => format!("{program}: {e}"),
        ToolAnswer::Answered(out) => {
            // openvpn --version exits 1 after printing; wg prints to stdout, some to stderr.
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            stdout
                .lines()
                .chain(stderr.lines())
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map_or_else(
                    || format!("{program} printed nothing"),
                    |l| crate::text::clean(l).chars().take(200).collect(),
                )
        }
    }
}

/// The `nameserver` lines' addresses.
pub fn nameservers(resolv_conf: &str) -> Vec<String> {
    resolv_conf
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next().map(str::to_string))
                .flatten()
        })
        .collect()
}

/// A proxy URL without its credentials: `http://user:pass@host:port` → `http://***@host:port`.
/// A value that is a list (`NO_PROXY`) or has no credentials is kept as it is.
pub fn strip_credentials(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(i) => (&value[..i + 3], &value[i + 3..]),
        None => ("", value),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***{}", &rest[at..]),
        None => value.to_string(),
    }
}

/// The history of the run, readable: each fix or re-run, when, its exit status, what changed.
pub fn history(model: &Model) -> String {
    let mut out = String::new();
    let time = |t| humantime::format_rfc3339_seconds(t).to_string();
    let _ = writeln!(out, "history of the run, written {}", time(model.wall));
    if model.runs.is_empty() {
        out.push_str("no fix or re-run was made: the checks ran once\n");
    }
    for (i, r) in model.runs.iter().enumerate() {
        let status = match &r.exit {
            Some(Ok(code)) => format!("exit status {code}"),
            Some(Err(e)) => format!("could not run: {e}"),
            None => "a re-run (no command)".to_string(),
        };
        let _ = writeln!(
            out,
            "\n{}. {} — began {}, ended {}, took {}\n   command: {}\n   {status}\n   {}",
            i + 1,
            r.what.label,
            time(r.began_at),
            time(r.ended_at),
            crate::text::human_duration(r.took),
            r.what
                .command
                .as_deref()
                .map_or_else(|| "(none)".to_string(), crate::text::shell_join),
            r.summary,
        );
        for c in &r.changes {
            let _ = writeln!(
                out,
                "   {} {}{}",
                c.kind.word(),
                c.key.code,
                c.key
                    .target
                    .as_ref()
                    .map_or_else(String::new, |t| format!(" ({t})"))
            );
        }
    }
    out
}

/// Replaces host names, addresses and certificate subjects with stable placeholders: the same
/// value gets the same placeholder in every member (`host-1`, `addr-1`, `subject-1`).
#[derive(Debug, Default)]
pub struct Redactor {
    /// Names and subjects, longest first when applied.
    names: Vec<(String, String)>,
    addrs: HashMap<IpAddr, String>,
    hosts: usize,
    subjects: usize,
}

impl Redactor {
    /// The table of everything `model` names: the targets' names, hosts, SNIs and addresses,
    /// the NTP servers, the captive-portal host, and what the JSON report says it saw
    /// (resolved addresses, certificate subjects, issuers and SANs).
    pub fn from_model(model: &Model, json: &Value) -> Self {
        let mut r = Redactor::default();
        let config = model.config();
        for t in &config.targets {
            r.host(&t.host);
            if let Sni::Name(n) = &t.sni {
                r.host(n);
            }
            if let Some(a) = t.connect {
                r.addr(a.ip());
            }
        }
        for s in &config.clock.servers {
            r.host(&s.host);
        }
        if let Some(u) = &config.network.captive_url {
            r.host(&u.host);
        }
        if let Some(targets) = json["targets"].as_array() {
            for t in targets {
                for chain in t["tls"]["chain"].as_array().into_iter().flatten() {
                    for key in ["subject", "issuer"] {
                        if let Some(s) = chain[key].as_str() {
                            r.subject(s);
                        }
                    }
                    for san in chain["sans"].as_array().into_iter().flatten() {
                        if let Some(s) = san.as_str() {
                            r.host(s);
                        }
                    }
                }
            }
        }
        // Target names last: often a host, sometimes a word that a host already covers.
        for t in &config.targets {
            r.host(&t.name);
        }
        r.walk_addrs(json);
        r
    }

    /// Adds a host name (or an address written as one).
    pub fn host(&mut self, name: &str) {
        let name = name.trim().trim_start_matches("DNS:");
        if name.is_empty() {
            return;
        }
        if let Ok(ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
            self.addr(ip);
            return;
        }
        // An address with a port (a target named `127.0.0.1:8443`) is the address's, so the
        // same address reads the same everywhere.
        if let Ok(sa) = name.parse::<std::net::SocketAddr>() {
            self.addr(sa.ip());
            return;
        }
        if self.names.iter().any(|(n, _)| n == name) {
            return;
        }
        self.hosts += 1;
        let placeholder = format!("host-{}", self.hosts);
        self.push(name, placeholder);
    }

    /// Adds a certificate subject or issuer, and each of its attribute values (`CN=x, O=y`:
    /// `x` and `y`), since a report may show only the common name.
    pub fn subject(&mut self, subject: &str) {
        let values = subject
            .split(',')
            .filter_map(|rdn| rdn.split_once('=').map(|(_, v)| v.trim()));
        for name in std::iter::once(subject.trim()).chain(values) {
            if name.is_empty() || self.names.iter().any(|(n, _)| n == name) {
                continue;
            }
            if let Ok(ip) = name.parse::<IpAddr>() {
                self.addr(ip);
                continue;
            }
            self.subjects += 1;
            let placeholder = format!("subject-{}", self.subjects);
            self.push(name, placeholder);
        }
    }

    /// Adds the hosts a proxy variable names (`http://***@host:port`, or `NO_PROXY`'s list).
    pub fn proxy(&mut self, value: &str) {
        for item in value.split(',') {
            let rest = item.split_once("://").map_or(item, |(_, r)| r);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = match authority.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                _ => authority,
            };
            let host = host.trim().trim_start_matches(['.', '*']);
            if !host.is_empty() && host != "***" {
                self.host(host);
            }
        }
    }

    /// Maps `name`, and its JSON-escaped form when that differs (a subject with a quote or a
    /// backslash), to `placeholder`.
    fn push(&mut self, name: &str, placeholder: String) {
        let escaped = serde_json::to_string(name).unwrap_or_default();
        let escaped = &escaped[1..escaped.len().saturating_sub(1).max(1)];
        if escaped != name {
            self.names.push((escaped.to_string(), placeholder.clone()));
        }
        self.names.push((name.to_string(), placeholder));
    }

    /// Adds an address.
    pub fn addr(&mut self, ip: IpAddr) -> String {
        let next = self.addrs.len() + 1;
        self.addrs
            .entry(ip)
            .or_insert_with(|| format!("addr-{next}"))
            .clone()
    }

    /// Numbers the addresses in the report's strings in the order they appear.
    fn walk_addrs(&mut self, v: &Value) {
        match v {
            Value::String(s) => {
                let _ = self.apply_addrs(s);
            }
            Value::Array(a) => a.iter().for_each(|v| self.walk_addrs(v)),
            Value::Object(o) => o.values().for_each(|v| self.walk_addrs(v)),
            _ => {}
        }
    }

    /// `text` with every known name and subject and every IPv4/IPv6 address replaced.
    pub fn apply(&mut self, text: &str) -> String {
        let mut names: Vec<(String, String)> = self.names.clone();
        names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut out = text.to_string();
        for (name, placeholder) in &names {
            if out.contains(name.as_str()) {
                out = replace_whole(&out, name, placeholder);
            }
        }
        self.apply_addrs(&out)
    }

    /// Replaces each run of address characters that parses as an IP address (alone, with a
    /// port, or in brackets).
    fn apply_addrs(&mut self, text: &str) -> String {
        let is_addr_char = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(is_addr_char) {
            out.push_str(&rest[..start]);
            let run_len = rest[start..]
                .find(|c: char| !is_addr_char(c))
                .unwrap_or(rest.len() - start);
            let run = &rest[start..start + run_len];
            out.push_str(&self.redact_run(run));
            rest = &rest[start + run_len..];
        }
        out.push_str(rest);
        out
    }

    /// One run of address characters: an address, `v4:port`, or left as it is.
    fn redact_run(&mut self, run: &str) -> String {
        if !run.contains(|c: char| c.is_ascii_digit()) {
            return run.to_string();
        }
        let trimmed = run.trim_end_matches(['.', ':']);
        let tail = &run[trimmed.len()..];
        if let Ok(ip) = trimmed.parse::<IpAddr>() {
            return format!("{}{tail}", self.addr(ip));
        }
        if let Some((host, port)) = trimmed.rsplit_once(':')
            && let Ok(ip) = host.parse::<std::net::Ipv4Addr>()
            && port.chars().all(|c| c.is_ascii_digit())
        {
            return format!("{}:{port}{tail}", self.addr(IpAddr::V4(ip)));
        }
        run.to_string()
    }
}

/// `text` with each occurrence of `name` that is not part of a longer word replaced (a target
/// named `vpn` leaves `openvpn` alone; `C=US` leaves `STATUS`).
fn replace_whole(text: &str, name: &str, placeholder: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices(name) {
        if i < last {
            continue;
        }
        let end = i + name.len();
        let starts_word = name.starts_with(is_word);
        let ends_word = name.ends_with(is_word);
        let free_before = !starts_word || !text[..i].ends_with(is_word);
        let free_after = !ends_word || !text[end..].starts_with(is_word);
        if free_before && free_after {
            out.push_str(&text[last..i]);
            out.push_str(placeholder);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// What the log says from this process's start line on (all of it when that line is not there:
/// a log cut to its last megabyte in the middle of a long session).
pub fn this_session(log: &str) -> &str {
    let marker = format!("tlsdoctor-tui {} started (", env!("CARGO_PKG_VERSION"));
    match log.rfind(&marker) {
        Some(i) => {
            let line_start = log[..i].rfind('\n').map_or(0, |n| n + 1);
            &log[line_start..]
        }
        None => log,
    }
}

/// The bundle's members, in order, each as (name, bytes); redacted when `redactor` is given.
pub fn members(
    model: &Model,
    env: &Environment,
    log: &str,
    redact: bool,
) -> Vec<(&'static str, Vec<u8>)> {
    let json = report::json::report(model);
    let json_text = serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{e}")) + "\n";
    // Redacted, the log is this session's part only: earlier sessions name targets this
    // model does not know, so no table could replace them.
    let log = if redact { this_session(log) } else { log };
    let texts = [
        json_text,
        report::text::report(model),
        history(model),
        env.text(),
        log.to_string(),
    ];
    let mut redactor = redact.then(|| {
        let mut r = Redactor::from_model(model, &json);
        for (key, value) in &env.lines {
            if PROXY_VARS.contains(&key.as_str()) && value != "unset" {
                r.proxy(value);
            }
        }
        r
    });
    MEMBERS
        .iter()
        .zip(texts)
        .map(|(name, text)| {
            let text = match &mut redactor {
                Some(r) => r.apply(&text),
                None => text,
            };
            (*name, text.into_bytes())
        })
        .collect()
}

/// The archive: a gzipped tar of `members` under `tlsdoctor-bundle/`, each 0600 with the
/// model's wall time as its mtime.
pub fn archive(model: &Model, members: &[(&str, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mtime = model
        .wall
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(
            &mut header,
            format!("tlsdoctor-bundle/{name}"),
            bytes.as_slice(),
        )?;
    }
    tar.into_inner()?.finish()
}

/// The last [`LOG_MAX`] bytes of the log at `path` (from the first whole line), or a line
/// saying why there is none. Never follows a link.
pub fn read_log(path: Option<&Path>) -> String {
    let Some(path) = path else {
        return "no log file: logging could not start\n".to_string();
    };
    let read = || -> std::io::Result<String> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            )
            .open(path)?;
        let len = f.metadata()?.len();
        let cut = len > LOG_MAX;
        if cut {
            f.seek(SeekFrom::Start(len - LOG_MAX))?;
        }
        let mut bytes = Vec::new();
        f.take(LOG_MAX).read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(match (cut, text.find('\n')) {
            (true, Some(i)) => format!(
                "[the log's first {} bytes are left out]\n{}",
                len - LOG_MAX,
                &text[i + 1..]
            ),
            _ => text,
        })
    };
    read().unwrap_or_else(|e| format!("cannot read the log {}: {e}\n", path.display()))
}

/// Gathers everything and returns the archive's bytes.
pub async fn build(model: &Model, log: Option<&Path>, redact: bool) -> std::io::Result<Vec<u8>> {
    let env = gather(model).await;
    let log = read_log(log);
    archive(model, &members(model, &env, &log, redact))
}

/// Creates the bundle's file `path` new (0600, never through a link, never over a file); the
/// error names the path.
pub fn create(path: &Path) -> Result<std::fs::File, String> {
    crate::config::file::create_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "cannot write the bundle {}: it exists; give a new file name",
                crate::text::quote(&path.display().to_string())
            )
        } else {
            format!(
                "cannot write the bundle {}: {e}",
                crate::text::quote(&path.display().to_string())
            )
        }
    })
}

/// Builds the bundle and writes it into `file` (made by [`create`] at `path`); on failure the
/// half-written file is removed and the error names the path.
pub async fn write(
    mut file: std::fs::File,
    path: &Path,
    model: &Model,
    log: Option<&Path>,
    redact: bool,
) -> color_eyre::Result<()> {
    let written = match build(model, log, redact).await {
        Ok(bytes) => file.write_all(&bytes).and_then(|()| file.flush()),
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(color_eyre::eyre::eyre!(
            "cannot write the bundle {}: {e}",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped() {
        assert_eq!(
            strip_credentials("http://user:pass@proxy.corp:3128"),
            "http://***@proxy.corp:3128"
        );
        assert_eq!(
            strip_credentials("socks5://u@10.0.0.1:1080/x@y"),
            "socks5://***@10.0.0.1:1080/x@y"
        );
        assert_eq!(strip_credentials("user:p%40ss@host:8080"), "***@host:8080");
        assert_eq!(strip_credentials("http://host:8080"), "http://host:8080");
        assert_eq!(
            strip_credentials("localhost,.corp,10.0.0.0/8"),
            "localhost,.corp,10.0.0.0/8"
        );
    }

    #[test]
    fn placeholders_are_stable() {
        let mut r = Redactor::default();
        r.host("vpn.example.com");
        r.subject("CN=vpn.example.com, O=Example");
        r.host("vpn.example.com");
        let a = r.apply("CN=vpn.example.com, O=Example at vpn.example.com via 10.1.2.3:443");
        let b = r.apply("10.1.2.3 then ::1 and 10.1.2.3, vpn.example.com.");
        assert_eq!(a, "subject-1 at host-1 via addr-1:443");
        assert_eq!(b, "addr-1 then addr-2 and addr-1, host-1.");
        assert_eq!(
            r.apply("version 1.2.3 at 12:30:05"),
            "version 1.2.3 at 12:30:05"
        );
        assert_eq!(r.apply("[fe80::1]:51820"), "[addr-3]:51820");
        assert_eq!(
            r.apply("tlsdoctor_tui::probe: ok"),
            "tlsdoctor_tui::probe: ok"
        );
        r.host("10.1.2.3:8443");
        assert_eq!(r.apply("target 10.1.2.3:8443"), "target addr-1:8443");
    }

    #[test]
    fn proxy_hosts_and_subject_values_are_redacted() {
        let mut r = Redactor::default();
        r.proxy("http://***@proxy.corp:3128");
        r.proxy("localhost,.internal.corp,10.0.0.1");
        r.subject("CN=Lab Intermediate, O=Lab");
        assert_eq!(
            r.apply("via proxy.corp:3128, not localhost or x.internal.corp; CN=Lab Intermediate, O=Lab; Lab Intermediate"),
            "via host-1:3128, not host-2 or x.host-3; subject-1; subject-2"
        );
    }

    #[test]
    fn escaped_subjects_and_earlier_sessions_go() {
        let mut r = Redactor::default();
        r.subject(r#"CN=say "hi", O=x"#);
        assert_eq!(r.apply(r#""CN=say \"hi\", O=x""#), r#""subject-1""#);
        let marker = format!("tlsdoctor-tui {} started (", env!("CARGO_PKG_VERSION"));
        let log = format!("old {marker}x)\nold.example.com\nnow {marker}--once)\nnew\n");
        assert_eq!(this_session(&log), format!("now {marker}--once)\nnew\n"));
        assert_eq!(this_session("no marker\n"), "no marker\n");
    }

    #[test]
    fn only_whole_names_are_replaced() {
        let mut r = Redactor::default();
        r.host("vpn");
        r.subject("CN=Lab Root, C=US");
        assert_eq!(
            r.apply("openvpn to vpn, vpn-2 and vpn.example; STATUS in US; Lab Root"),
            "openvpn to host-1, vpn-2 and host-1.example; STATUS in subject-3; subject-2"
        );
    }

    #[test]
    fn nameservers_are_read() {
        let conf = "# x\nnameserver 1.1.1.1\nsearch corp\nnameserver  ::1 \n";
        assert_eq!(nameservers(conf), ["1.1.1.1", "::1"]);
    }
}
