//! This machine, read-only: which security and inspection agents run or are installed
//! (`/proc/*/comm`, `/proc/*/cmdline`, systemd's control groups, install paths: no command
//! runs), the versions of the VPN clients and the TLS stack (each program's version command,
//! fixed argv, bounded), and `/etc/os-release`. Every part ends in a state: found, not found,
//! or why it cannot tell.

use std::path::Path;
use std::time::Duration;

use crate::machine::clients::{self, CLIENTS, Client, OsRelease};
use crate::machine::security::{PRODUCTS, Product};

use super::sync::{ToolAnswer, run_tool};

/// How long each version command may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the scan of `/proc` and the install paths may take.
const SCAN_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this many processes are looked at.
const MAX_PROCESSES: usize = 100_000;
/// At most this much of a command line is read.
const CMDLINE_MAX: u64 = 4096;

/// Everything the machine check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineReport {
    pub security: SecurityScan,
    /// One per row of [`CLIENTS`], in its order.
    pub clients: Vec<ClientVersion>,
    /// `/etc/os-release`, or why it could not be read.
    pub os: Result<OsRelease, String>,
    /// This machine's own firewall rules (nftables), or why they are not known.
    pub firewall: super::firewall::Firewall,
    /// The VPN services' state as systemd tells it (`systemctl is-active`), one per unit of
    /// [`VPN_SERVICES`] that systemd knows.
    pub services: Vec<ServiceState>,
    /// What `nordvpn status` printed (cleaned, a few lines), when the CLI is installed.
    pub nordvpn_status: Option<String>,
    /// The system's trust store beside Mozilla's roots, or why it was not read.
    pub trust_store: Result<super::trust::StoreSummary, String>,
}

/// The VPN services whose state is read.
pub const VPN_SERVICES: [&str; 2] = ["nordvpnd", "openvpn"];

/// A service and its state ("active", "inactive", "failed", …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    pub unit: &'static str,
    pub state: String,
}

/// `systemctl is-active UNIT` for each of [`VPN_SERVICES`]; units systemd does not know (or no
/// systemd) are left out.
async fn services() -> Vec<ServiceState> {
    let mut out = Vec::new();
    for unit in VPN_SERVICES {
        if let ToolAnswer::Answered(o) =
            run_tool("systemctl", &["is-active", unit], TOOL_TIMEOUT).await
        {
            let state = crate::text::clean(String::from_utf8_lossy(&o.stdout).trim());
            // "inactive" is also what systemd says of a unit it does not have: only a unit
            // that exists is shown, and `is-active` cannot tell; `unknown` is left out too.
            let known = matches!(
                state.as_str(),
                "active" | "activating" | "deactivating" | "failed" | "reloading"
            );
            if known {
                out.push(ServiceState { unit, state });
            }
        }
    }
    out
}

/// `nordvpn status`, read-only: its first lines, cleaned.
async fn nordvpn_status() -> Option<String> {
    match run_tool("nordvpn", &["status"], TOOL_TIMEOUT).await {
        ToolAnswer::Answered(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            let lines: Vec<String> = text
                .lines()
                .map(|l| {
                    // The CLI draws a spinner with carriage returns: what stays on screen is
                    // the text after the last one.
                    let shown = l.trim_end_matches('\r').rsplit('\r').next().unwrap_or(l);
                    crate::text::clean(
                        shown
                            .trim()
                            .trim_start_matches(['-', '\\', '|', '/'])
                            .trim(),
                    )
                })
                .filter(|l| !l.is_empty())
                .take(8)
                .collect();
            (!lines.is_empty()).then(|| lines.join("; "))
        }
        ToolAnswer::Absent | ToolAnswer::Failed(_) => None,
    }
}

impl MachineReport {
    /// The products running here, by name.
    pub fn running(&self) -> impl Iterator<Item = &Detected> {
        self.security.found.iter().filter(|d| d.is_running())
    }

    /// In one line, for the log: what runs, and each client's version as printed.
    pub fn summary(&self) -> String {
        let running: Vec<&str> = self.running().map(|d| d.product.name).collect();
        let security = if running.is_empty() {
            "no security software running".to_string()
        } else {
            format!("running: {}", running.join(", "))
        };
        let clients: Vec<String> = self
            .clients
            .iter()
            .map(|c| match &c.answer {
                VersionAnswer::Found(f) => format!("{} {}", c.client.program, f.version),
                VersionAnswer::NotInstalled => format!("{} not installed", c.client.program),
                VersionAnswer::Unknown(_) => format!("{} version unknown", c.client.program),
            })
            .collect();
        format!("{security}; {}", clients.join(", "))
    }
}

/// The security software found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScan {
    /// Each product found running or installed, in the table's order.
    pub found: Vec<Detected>,
    /// Why some of it cannot be told (processes not visible), or `None` when all could be.
    pub limited: Option<String>,
}

/// One product found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub product: &'static Product,
    /// Its processes found (`name (pid N)`) and its units with a control group.
    pub running: Vec<String>,
    /// Its install paths and unit files that exist.
    pub installed: Vec<String>,
}

impl Detected {
    pub fn is_running(&self) -> bool {
        !self.running.is_empty()
    }

    /// Everything that shows it, running first.
    pub fn evidence(&self) -> Vec<String> {
        self.running
            .iter()
            .chain(&self.installed)
            .cloned()
            .collect()
    }
}

/// One program's version, against its minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientVersion {
    pub client: &'static Client,
    pub answer: VersionAnswer,
}

/// What a version command told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionAnswer {
    NotInstalled,
    /// It ran and printed a version.
    Found(clients::Found),
    /// It could not be run, did not answer in time, or printed no version we read: why.
    Unknown(String),
}

impl ClientVersion {
    /// The version found, if any.
    pub fn version(&self) -> Option<&str> {
        match &self.answer {
            VersionAnswer::Found(f) => Some(&f.version),
            _ => None,
        }
    }
}

/// Runs every part of the check.
pub async fn check() -> MachineReport {
    // Reading a process's cmdline can block while that process holds its memory map lock
    // (one stuck in the kernel): the scan gets a bound of its own.
    let scan = tokio::time::timeout(
        SCAN_TIMEOUT,
        tokio::task::spawn_blocking(|| scan_security(Path::new("/"))),
    );
    let versions = futures::future::join_all(CLIENTS.iter().map(version_of));
    let firewall = super::firewall::read(TOOL_TIMEOUT);
    let store = tokio::time::timeout(
        SCAN_TIMEOUT,
        tokio::task::spawn_blocking(super::trust::StoreSummary::read),
    );
    let (scan, clients, firewall, services, nordvpn_status, store) = tokio::join!(
        scan,
        versions,
        firewall,
        services(),
        nordvpn_status(),
        store
    );
    let trust_store = match store {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(format!("reading the stores did not finish: {e}")),
        Err(_) => Err(format!(
            "reading the stores took longer than {}",
            crate::text::human_duration(SCAN_TIMEOUT)
        )),
    };
    let security = match scan {
        Ok(Ok(scan)) => scan,
        Ok(Err(e)) => SecurityScan {
            found: Vec::new(),
            limited: Some(format!("the scan did not finish: {e}")),
        },
        Err(_) => SecurityScan {
            found: Vec::new(),
            limited: Some(format!(
                "the scan of /proc did not finish within {}: security software is not known",
                crate::text::human_duration(SCAN_TIMEOUT)
            )),
        },
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .map(|t| OsRelease::parse(&t))
        .map_err(|e| format!("/etc/os-release: {e}"));
    MachineReport {
        security,
        clients,
        os,
        firewall,
        services,
        nordvpn_status,
        trust_store,
    }
}

/// Runs `client`'s version command and reads what it printed.
async fn version_of(client: &'static Client) -> ClientVersion {
    let answer = match run_tool(client.program, client.args, TOOL_TIMEOUT).await {
        ToolAnswer::Absent => VersionAnswer::NotInstalled,
        ToolAnswer::Failed(e) => VersionAnswer::Unknown(e),
        ToolAnswer::Answered(out) => {
            // `openvpn --version` exits 1 on 2.4 and older after printing; some print to
            // stderr: whatever it printed is read.
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            match (client.parse)(&text) {
                Some(found) => VersionAnswer::Found(found),
                None => {
                    let first = text
                        .lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                        .map(|l| crate::text::clean(l).chars().take(80).collect::<String>());
                    VersionAnswer::Unknown(match first {
                        Some(l) => format!("printed no version we know: {l:?}"),
                        None => "printed nothing".to_string(),
                    })
                }
            }
        }
    };
    ClientVersion { client, answer }
}

/// The products of the table found under `root` (`/` on a real machine): processes in
/// `root/proc`, units in `root/sys/fs/cgroup`, paths and unit files under `root`.
pub fn scan_security(root: &Path) -> SecurityScan {
    let (processes, limited) = processes(&root.join("proc"));
    let found = PRODUCTS
        .iter()
        .filter_map(|product| {
            let mut running: Vec<String> = processes
                .iter()
                .filter_map(|(pid, comm, argv0)| {
                    product
                        .process_named(comm, argv0)
                        .map(|name| format!("process {name} (pid {pid})"))
                })
                .collect();
            running.extend(
                product
                    .units
                    .iter()
                    .filter(|u| unit_running(root, u))
                    .map(|u| format!("unit {u} active")),
            );
            let mut installed: Vec<String> = product
                .paths
                .iter()
                .filter(|p| exists(root, p))
                .map(|p| format!("installed at {p}"))
                .collect();
            installed.extend(
                product
                    .units
                    .iter()
                    .filter(|u| unit_file(root, u))
                    .map(|u| format!("unit file {u}")),
            );
            (!running.is_empty() || !installed.is_empty()).then_some(Detected {
                product,
                running,
                installed,
            })
        })
        .collect();
    SecurityScan { found, limited }
}

/// `path` (absolute) under `root`.
fn under(root: &Path, path: &str) -> std::path::PathBuf {
    root.join(path.trim_start_matches('/'))
}

fn exists(root: &Path, path: &str) -> bool {
    std::fs::symlink_metadata(under(root, path)).is_ok()
}

/// A unit runs when systemd made a control group for it (cgroup v2, or v1's name=systemd).
fn unit_running(root: &Path, unit: &str) -> bool {
    [
        "sys/fs/cgroup/system.slice",
        "sys/fs/cgroup/systemd/system.slice",
    ]
    .iter()
    .any(|dir| root.join(dir).join(unit).is_dir())
}

fn unit_file(root: &Path, unit: &str) -> bool {
    [
        "etc/systemd/system",
        "lib/systemd/system",
        "usr/lib/systemd/system",
    ]
    .iter()
    .any(|dir| root.join(dir).join(unit).exists())
}

/// Each visible process as (pid, comm, base name of argv[0]), and why some may be hidden.
fn processes(proc: &Path) -> (Vec<(u32, String, String)>, Option<String>) {
    let entries = match std::fs::read_dir(proc) {
        Ok(e) => e,
        Err(e) => {
            return (
                Vec::new(),
                Some(format!(
                    "cannot list {}: {e}: running processes are not known",
                    proc.display()
                )),
            );
        }
    };
    let mut out = Vec::new();
    for entry in entries.flatten().take(MAX_PROCESSES) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let comm = std::fs::read_to_string(dir.join("comm"))
            .map(|c| c.trim_end_matches('\n').to_string())
            .unwrap_or_default();
        let argv0 = read_head(&dir.join("cmdline"))
            .map(|c| {
                let first = c.split(|b| *b == 0).next().unwrap_or_default();
                let first = String::from_utf8_lossy(first);
                first.rsplit('/').next().unwrap_or_default().to_string()
            })
            .unwrap_or_default();
        if comm.is_empty() && argv0.is_empty() {
            continue;
        }
        out.push((pid, comm, argv0));
    }
    // With hidepid, another user's process (init, pid 1) is not there to read.
    let limited = (!out.is_empty() && !out.iter().any(|(pid, ..)| *pid == 1)).then(|| {
        "only some processes are visible (/proc is mounted with hidepid, or this is a container): another user's agent may be missed".to_string()
    });
    (out, limited)
}

/// The first [`CMDLINE_MAX`] bytes of a file.
fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(CMDLINE_MAX)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake root: processes, a running unit, an install path.
    #[test]
    fn a_fake_root_is_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let proc = |pid: &str, comm: &str, cmdline: &[u8]| {
            let p = root.join("proc").join(pid);
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("comm"), format!("{comm}\n")).unwrap();
            std::fs::write(p.join("cmdline"), cmdline).unwrap();
        };
        proc("1", "systemd", b"/sbin/init\0");
        proc("42", "sleep", b"zsaservice\x0060\0");
        proc(
            "43",
            "sophos_threat_d",
            b"/opt/sophos-spl/bin/sophos_threat_detector\0",
        );
        std::fs::create_dir_all(root.join("proc/self")).unwrap();
        std::fs::create_dir_all(root.join("sys/fs/cgroup/system.slice/mdatp.service")).unwrap();
        std::fs::create_dir_all(root.join("opt/CrowdStrike")).unwrap();
        let scan = scan_security(root);
        assert_eq!(scan.limited, None);
        let names: Vec<(&str, bool)> = scan
            .found
            .iter()
            .map(|d| (d.product.vendor, d.is_running()))
            .collect();
        assert_eq!(
            names,
            [
                ("Sophos", true),
                ("CrowdStrike", false),
                ("Microsoft", true),
                ("Zscaler", true)
            ]
        );
        let zscaler = scan
            .found
            .iter()
            .find(|d| d.product.vendor == "Zscaler")
            .unwrap();
        assert_eq!(zscaler.running, ["process zsaservice (pid 42)"]);
        let ms = scan
            .found
            .iter()
            .find(|d| d.product.vendor == "Microsoft")
            .unwrap();
        assert_eq!(ms.running, ["unit mdatp.service active"]);
    }

    #[test]
    fn nothing_found_and_what_cannot_be_told() {
        let dir = tempfile::tempdir().unwrap();
        let none = scan_security(dir.path());
        assert!(none.found.is_empty());
        assert!(none.limited.unwrap().contains("cannot list"));
        let p = dir.path().join("proc/77");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("comm"), "bash\n").unwrap();
        let hidden = scan_security(dir.path());
        assert!(hidden.found.is_empty());
        assert!(hidden.limited.unwrap().contains("hidepid"));
    }

    #[tokio::test]
    async fn a_missing_program_is_not_installed() {
        static ABSENT: Client = Client {
            program: "tlsdoctor-no-such-program",
            args: &["--version"],
            minimum: "1.0",
            why: "",
            package: "",
            parse: clients::parse_openvpn,
        };
        let v = version_of(&ABSENT).await;
        assert_eq!(v.answer, VersionAnswer::NotInstalled);
    }
}
