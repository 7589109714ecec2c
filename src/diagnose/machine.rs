//! This machine: each client judged against its minimum version ([`MachineState`], what the
//! reports and the details window read), and the findings: the security software that runs
//! here (`security-software`), and a VPN client or TLS stack below its minimum
//! (`client-outdated`). A running product is also named in the evidence of
//! `tls-interception`, where it is the likely interceptor.

use std::cmp::Ordering;

use crate::machine::clients::{self, PackageManager};
use crate::probe::ProbeId;
use crate::probe::machine::{ClientVersion, Detected, MachineReport, VersionAnswer};

use super::{Code, Finding, Fix, Observations, Severity};

/// How a program stands against its minimum version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    Ok,
    Outdated,
    NotInstalled,
    Unknown,
}

impl ClientStatus {
    /// The word of the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientStatus::Ok => "ok",
            ClientStatus::Outdated => "outdated",
            ClientStatus::NotInstalled => "not-installed",
            ClientStatus::Unknown => "unknown",
        }
    }

    /// How `c` stands against its minimum.
    pub fn of(c: &ClientVersion) -> Self {
        match &c.answer {
            VersionAnswer::NotInstalled => ClientStatus::NotInstalled,
            VersionAnswer::Unknown(_) => ClientStatus::Unknown,
            VersionAnswer::Found(f) if f.other_product.is_some() => ClientStatus::Unknown,
            VersionAnswer::Found(f) => match clients::compare(&f.version, c.client.minimum) {
                Some(Ordering::Less) => ClientStatus::Outdated,
                Some(_) => ClientStatus::Ok,
                None => ClientStatus::Unknown,
            },
        }
    }
}

/// A part of the machine check: a row of the Machine pane each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Firewall,
    Security,
    Clients,
    Services,
    TrustStore,
    Os,
}

impl Part {
    /// Its label in the pane and the reports.
    pub fn label(self) -> &'static str {
        match self {
            Part::Firewall => "firewall",
            Part::Security => "security software",
            Part::Clients => "VPN clients, TLS",
            Part::Services => "VPN services",
            Part::TrustStore => "trust store",
            Part::Os => "OS",
        }
    }

    /// Its label in one word or two, for the pane's one-line summary.
    pub fn short(self) -> &'static str {
        match self {
            Part::Firewall => "firewall",
            Part::Security => "security",
            Part::Clients => "clients",
            Part::Services => "services",
            Part::TrustStore => "trust store",
            Part::Os => "OS",
        }
    }

    /// The findings that speak about this part.
    pub fn codes(self) -> &'static [Code] {
        match self {
            Part::Firewall => &[Code::LocalFirewall],
            Part::Security => &[Code::SecuritySoftware],
            // What is left when all else passes is the app: its update or reinstall.
            Part::Clients => &[Code::ClientOutdated, Code::AppSuspect],
            Part::Services => &[],
            Part::TrustStore => &[Code::CaBundleOutdated],
            Part::Os => &[],
        }
    }
}

/// One part's state: a line for the pane, every detail for its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartState {
    pub part: Part,
    /// The check could not tell (not root, a tool absent, a timeout): `summary` says why.
    pub unknown: bool,
    pub summary: String,
    /// Everything seen, a line each.
    pub lines: Vec<String>,
}

/// What is derived about this machine from its check: each client's status, and the state
/// of every part in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineState {
    /// Per client of the report, in its order.
    pub clients: Vec<ClientStatus>,
    /// A row each, in the pane's order.
    pub parts: Vec<PartState>,
}

impl MachineState {
    /// Derives the state from what the machine check saw at `at` (by the local clock: the
    /// bundle's age is counted to it).
    pub fn of(m: &MachineReport, at: std::time::SystemTime) -> Self {
        let clients: Vec<ClientStatus> = m.clients.iter().map(ClientStatus::of).collect();
        let mut security_lines = Vec::new();
        if m.security.found.is_empty() {
            security_lines.push("security software: none of the table found".to_string());
        }
        for d in &m.security.found {
            let state = if d.is_running() {
                "running"
            } else {
                "installed, not running"
            };
            let tls = if d.product.intercepts_tls {
                "intercepts TLS"
            } else if d.product.filters_traffic {
                "filters traffic"
            } else {
                "scans files"
            };
            security_lines.push(format!(
                "security software: {} ({}): {state}, {tls}: {}",
                d.product.name,
                d.product.vendor,
                d.evidence().join(", ")
            ));
        }
        if let Some(why) = &m.security.limited {
            security_lines.push(format!("security software: cannot tell all: {why}"));
        }
        let mut service_lines = Vec::new();
        if m.services.is_empty() {
            service_lines.push("VPN services: none known to systemd (or no systemd)".to_string());
        }
        for svc in &m.services {
            service_lines.push(format!("service {}: {}", svc.unit, svc.state));
        }
        if let Some(status) = &m.nordvpn_status {
            service_lines.push(format!("nordvpn status: {status}"));
        }

        let running: Vec<&str> = m.running().map(|d| d.product.name).collect();
        let installed = m.security.found.len() - running.len();
        let security = PartState {
            part: Part::Security,
            unknown: m.security.limited.is_some() && m.security.found.is_empty(),
            summary: match (&running[..], installed, &m.security.limited) {
                ([], 0, Some(why)) => format!("cannot tell: {why}"),
                ([], 0, None) => "none of the table runs or is installed".to_string(),
                ([], n, _) => format!("none runs; {n} installed, not running"),
                (r, _, _) => format!("running: {}", r.join(", ")),
            },
            lines: security_lines,
        };
        let outdated: Vec<String> = m
            .clients
            .iter()
            .zip(&clients)
            .filter(|(_, s)| **s == ClientStatus::Outdated)
            .map(|(c, _)| {
                format!(
                    "{} {} below {}",
                    c.client.program,
                    c.version().unwrap_or_default(),
                    c.client.minimum
                )
            })
            .collect();
        let found: Vec<String> = m
            .clients
            .iter()
            .zip(&clients)
            .filter(|(_, s)| matches!(s, ClientStatus::Ok))
            .map(|(c, _)| format!("{} {}", c.client.program, c.version().unwrap_or_default()))
            .collect();
        let clients_part = PartState {
            part: Part::Clients,
            unknown: false,
            summary: if outdated.is_empty() {
                if found.is_empty() {
                    "none of the VPN clients is installed".to_string()
                } else {
                    format!("up to date: {}", found.join(", "))
                }
            } else {
                format!("outdated: {}", outdated.join(", "))
            },
            lines: m
                .clients
                .iter()
                .zip(&clients)
                .map(|(c, s)| format!("version: {}", describe(c, *s)))
                .collect(),
        };
        let os = PartState {
            part: Part::Os,
            unknown: m.os.is_err(),
            summary: match &m.os {
                Ok(os) => os.name(),
                Err(e) => format!("unknown: {e}"),
            },
            lines: vec![match &m.os {
                Ok(os) => format!("OS: {}", os.name()),
                Err(e) => format!("OS: unknown ({e})"),
            }],
        };
        let firewall = PartState {
            part: Part::Firewall,
            unknown: m.firewall.is_unknown(),
            summary: m.firewall.describe(),
            lines: vec![format!("firewall: {}", m.firewall.describe())],
        };
        let services = PartState {
            part: Part::Services,
            unknown: false,
            summary: {
                let mut words: Vec<String> = m
                    .services
                    .iter()
                    .map(|svc| format!("{} {}", svc.unit, svc.state))
                    .collect();
                if words.is_empty() {
                    words.push("none known to systemd".to_string());
                }
                if let Some(status) = &m.nordvpn_status {
                    words.push(format!("nordvpn: {status}"));
                }
                words.join(" · ")
            },
            lines: service_lines,
        };
        let trust = PartState {
            part: Part::TrustStore,
            unknown: m.trust_store.is_err(),
            summary: match &m.trust_store {
                Ok(t) => t.describe(at),
                Err(why) => format!("cannot tell: {why}"),
            },
            lines: trust_store_lines(m, at),
        };
        MachineState {
            clients,
            parts: vec![firewall, security, clients_part, services, trust, os],
        }
    }

    /// Every part's lines, a line each, in the reports' order (what is found, the versions,
    /// the OS, the firewall, the services, the trust store).
    pub fn lines(&self) -> Vec<String> {
        const ORDER: [Part; 6] = [
            Part::Security,
            Part::Clients,
            Part::Os,
            Part::Firewall,
            Part::Services,
            Part::TrustStore,
        ];
        ORDER
            .iter()
            .filter_map(|part| self.part(*part))
            .flat_map(|p| {
                // The trust store's lines say what they are about only in its own window.
                let lead = if p.part == Part::TrustStore {
                    "trust store: "
                } else {
                    ""
                };
                p.lines.iter().map(move |l| format!("{lead}{l}"))
            })
            .collect()
    }

    /// The state of `part`.
    pub fn part(&self, part: Part) -> Option<&PartState> {
        self.parts.iter().find(|p| p.part == part)
    }
}

/// The trust store in lines: where it is read from and how old it is, how it compares with
/// Mozilla's roots, and each root of its own.
fn trust_store_lines(m: &MachineReport, at: std::time::SystemTime) -> Vec<String> {
    let t = match &m.trust_store {
        Ok(t) => t,
        Err(why) => return vec![format!("not read: {why}")],
    };
    let mut out = vec![t.describe(at)];
    if !t.dirs.is_empty() {
        let dirs: Vec<String> = t.dirs.iter().map(|d| d.display().to_string()).collect();
        out.push(format!("directories: {}", dirs.join(", ")));
    }
    out.push(match &t.mozilla_file {
        Some(p) => format!("Mozilla's roots: {} from {}", t.mozilla_roots, p.display()),
        None => format!("Mozilla's roots: {} compiled in", t.mozilla_roots),
    });
    out.extend(
        t.installed_here
            .iter()
            .map(|n| format!("installed here (by a product or an admin): {n}")),
    );
    // Roots Mozilla dropped that the distribution still ships: many on an older release, and
    // none of them a sign of anything on this machine; their common names on one line.
    let dropped: Vec<&str> = t
        .system_only
        .iter()
        .filter(|n| !t.installed_here.contains(n))
        .map(|n| n.rsplit_once("CN=").map_or(n.as_str(), |(_, cn)| cn))
        .collect();
    if !dropped.is_empty() {
        out.push(format!(
            "shipped by the distribution, no longer in Mozilla's list ({}): {}",
            dropped.len(),
            dropped.join("; ")
        ));
    }
    out.extend(t.problems.iter().map(|p| format!("problem: {p}")));
    out
}

/// One client in words: `openvpn 2.6.3 (minimum 2.4.0): ok`.
fn describe(c: &ClientVersion, status: ClientStatus) -> String {
    let program = c.client.program;
    match &c.answer {
        VersionAnswer::NotInstalled => format!("{program}: not installed"),
        VersionAnswer::Unknown(why) => format!("{program}: version unknown ({why})"),
        VersionAnswer::Found(f) => match &f.other_product {
            Some(other) => format!(
                "{program} {} is {other}, not the program the minimum {} is for: not compared",
                f.version, c.client.minimum
            ),
            None => format!(
                "{program} {} (minimum {}): {}",
                f.version,
                c.client.minimum,
                status.as_str()
            ),
        },
    }
}

/// The machine's findings, once its check has a result.
pub(super) fn rules(obs: &Observations, out: &mut Vec<Finding>) {
    let Some(m) = obs.local.value() else {
        return;
    };
    out.extend(security_software(m));
    out.extend(client_outdated(obs, m));
}

/// What one running product is and does, in a line.
fn product_line(d: &Detected) -> String {
    let p = d.product;
    format!(
        "{} ({}): {}; {}",
        p.name,
        d.running.join(", "),
        p.does,
        if p.intercepts_tls {
            "it intercepts TLS"
        } else {
            "it does not decrypt TLS"
        }
    )
}

/// Where a product's exclusion or HTTPS-scanning setting is, in a line.
fn setting_line(d: &Detected) -> String {
    format!(
        "{}: exclusions / HTTPS scanning: {}",
        d.product.name, d.product.setting
    )
}

/// `security-software`: products of the table run here. Info: that they run proves nothing
/// by itself; `tls-interception` names them where a chain shows their work.
fn security_software(m: &MachineReport) -> Option<Finding> {
    let running: Vec<&Detected> = m.running().collect();
    if running.is_empty() {
        return None;
    }
    let names: Vec<String> = running
        .iter()
        .map(|d| {
            if d.product.intercepts_tls {
                format!("{} (intercepts TLS)", d.product.name)
            } else {
                d.product.name.to_string()
            }
        })
        .collect();
    let mut evidence = Vec::new();
    for d in &running {
        evidence.push(product_line(d));
        evidence.push(setting_line(d));
    }
    for d in m.security.found.iter().filter(|d| !d.is_running()) {
        evidence.push(format!(
            "{}: installed, not running ({})",
            d.product.name,
            d.installed.join(", ")
        ));
    }
    evidence.extend(m.security.limited.iter().cloned());
    let first = running
        .iter()
        .find(|d| d.product.intercepts_tls)
        .or_else(|| running.iter().find(|d| d.product.filters_traffic))
        .unwrap_or(&running[0]);
    Some(Finding {
        code: Code::SecuritySoftware,
        severity: Severity::Info,
        target: None,
        summary: format!("security software runs here: {}", names.join(", ")),
        evidence,
        fixes: vec![Fix {
            key: 'x',
            label: format!(
                "when it blocks the VPN or a site: add an exclusion in {}: {}",
                first.product.name, first.product.setting
            ),
            command: None,
            rerun: vec![ProbeId::Machine],
        }],
        probes: vec![ProbeId::Machine],
    })
}

/// `client-outdated`: a VPN client or the TLS stack is older than the oldest version that
/// works; the fix updates them with the distribution's package manager.
fn client_outdated(obs: &Observations, m: &MachineReport) -> Option<Finding> {
    let old: Vec<_> = m
        .clients
        .iter()
        .filter(|c| ClientStatus::of(c) == ClientStatus::Outdated)
        .collect();
    if old.is_empty() {
        return None;
    }
    let summary = old
        .iter()
        .map(|c| {
            format!(
                "{} {} (needs {} or later)",
                c.client.program,
                c.version().unwrap_or_default(),
                c.client.minimum
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut evidence: Vec<String> = old
        .iter()
        .map(|c| {
            format!(
                "{} {} is older than {}: {}",
                c.client.program,
                c.version().unwrap_or_default(),
                c.client.minimum,
                c.client.why
            )
        })
        .collect();
    let os = m.os.as_ref().ok();
    match os {
        Some(os) => evidence.push(format!("this machine runs {}", os.name())),
        None => evidence.extend(m.os.as_ref().err().cloned()),
    }
    let packages: Vec<&str> = old.iter().map(|c| c.client.package).collect();
    let manager = os.and_then(crate::machine::clients::OsRelease::package_manager);
    let fix =
        match manager.and_then(|pm| obs.machine.command(&pm.upgrade(&packages)).map(|c| (pm, c))) {
            Some((pm, command)) => Fix {
                key: 'u',
                label: format!(
                    "update {} with {pm}{}",
                    packages.join(" "),
                    if pm == PackageManager::Apt {
                        " (from the package lists of the last `apt-get update`)"
                    } else {
                        ""
                    }
                ),
                command: Some(command),
                rerun: vec![ProbeId::Machine],
            },
            None => Fix {
                key: 'u',
                label: format!(
                    "update {} with this distribution's package manager, or from the vendor's site",
                    packages.join(" ")
                ),
                command: None,
                rerun: vec![ProbeId::Machine],
            },
        };
    Some(Finding {
        code: Code::ClientOutdated,
        severity: Severity::Warning,
        target: None,
        summary: format!("outdated here: {summary}"),
        evidence,
        fixes: vec![fix],
        probes: vec![ProbeId::Machine],
    })
}

/// The VPN clients (of the version table) installed here: `nordvpn`, `openvpn`, `wg`.
const VPN_CLIENTS: [&str; 3] = ["nordvpn", "openvpn", "wg"];

/// `app-suspect`: nothing is wrong that the checks can see — no warning, no error — and the
/// VPN's own handshake works from here. What the guides give last is what is left: update or
/// reinstall the app. Info, and so last in the guided order; never ahead of a real finding.
pub(super) fn app_suspect(obs: &Observations, out: &mut Vec<Finding>) {
    if out.iter().any(|f| f.severity >= Severity::Warning) {
        return;
    }
    let Some(m) = obs.local.value() else {
        return;
    };
    if (0..obs.targets.len()).any(|i| !obs.target_done(i)) {
        return;
    }
    // The VPN handshakes that worked: WireGuard's with the user's keys, OpenVPN's with the
    // profile.
    let proven: Vec<String> = obs
        .config
        .targets
        .iter()
        .zip(&obs.targets)
        .flat_map(|(t, c)| {
            c.reach.value().into_iter().flat_map(move |r| {
                r.results
                    .iter()
                    .filter_map(crate::probe::reach::ReachResult::own_handshake)
                    .filter(|(outcome, _)| *outcome == crate::probe::reach::Outcome::Ok)
                    .map(move |(_, words)| format!("{}: {words}", t.name))
            })
        })
        .collect();
    if proven.is_empty() {
        return;
    }
    let installed: Vec<&str> = m
        .clients
        .iter()
        .filter(|c| VPN_CLIENTS.contains(&c.client.program))
        .filter(|c| matches!(c.answer, VersionAnswer::Found(_)))
        .map(|c| c.client.package)
        .collect();
    let manager =
        m.os.as_ref()
            .ok()
            .and_then(crate::machine::clients::OsRelease::package_manager);
    let mut fixes = Vec::new();
    let command = |argv: Vec<&str>| obs.machine.command(&argv);
    match manager.filter(|_| !installed.is_empty()) {
        Some(pm) => {
            fixes.push(Fix {
                key: 'u',
                label: format!("update the VPN client: {} with {pm}", installed.join(" ")),
                command: command(pm.upgrade(&installed)),
                rerun: vec![ProbeId::Machine],
            });
            fixes.push(Fix {
                key: 'i',
                label: format!("reinstall it cleanly: {} with {pm}", installed.join(" ")),
                command: command(pm.reinstall(&installed)),
                rerun: vec![ProbeId::Machine],
            });
        }
        None => fixes.push(Fix {
            key: 'u',
            label: "update the VPN app from its vendor, or uninstall it and install it afresh"
                .to_string(),
            command: None,
            rerun: vec![ProbeId::Machine],
        }),
    }
    // The guides' first remedy, "restart the app": its service, where systemd runs it.
    if let Some(svc) = m.services.first() {
        fixes.insert(
            0,
            Fix {
                key: 's',
                label: format!("restart the VPN service {} (now {})", svc.unit, svc.state),
                command: command(vec!["systemctl", "restart", svc.unit]),
                rerun: vec![ProbeId::Machine],
            },
        );
    }
    let mut evidence = vec![
        "every check passed: the clock, the network, the certificates, this machine's firewall and software".to_string(),
    ];
    evidence.extend(proven);
    evidence.extend(
        m.nordvpn_status
            .as_ref()
            .map(|st| format!("nordvpn status: {st}")),
    );
    evidence
        .push("what is left is the app itself: its settings, its state or its version".to_string());
    out.push(Finding {
        code: Code::AppSuspect,
        severity: Severity::Info,
        target: None,
        summary: "the VPN's own handshake works from here and every check passes: if the app still fails, update or reinstall it"
            .to_string(),
        evidence,
        fixes,
        probes: vec![ProbeId::Machine],
    });
}

/// Names in each `tls-interception` finding the security software that runs here: the
/// product that intercepts TLS and where its setting is, or that none of the table runs.
pub(super) fn name_interceptors(obs: &Observations, out: &mut [Finding]) {
    let Some(m) = obs.local.value() else {
        return;
    };
    let running: Vec<&Detected> = m.running().collect();
    let lines: Vec<String> = if running.is_empty() {
        vec![
            "no security software of the table runs on this machine: the interception is more likely in the network (a proxy or firewall), or by software the table does not know"
                .to_string(),
        ]
    } else {
        let (intercepting, others): (Vec<&Detected>, Vec<&Detected>) =
            running.iter().partition(|d| d.product.intercepts_tls);
        let mut lines = Vec::new();
        for d in &intercepting {
            lines.push(format!("running here: {}", product_line(d)));
            lines.push(setting_line(d));
        }
        if !others.is_empty() {
            let names: Vec<&str> = others.iter().map(|d| d.product.name).collect();
            lines.push(format!(
                "also running here, not known to decrypt TLS: {}",
                names.join(", ")
            ));
        }
        lines
    };
    for f in out.iter_mut().filter(|f| f.code == Code::TlsInterception) {
        f.evidence.extend(lines.iter().cloned());
        if !f.probes.contains(&ProbeId::Machine) {
            f.probes.push(ProbeId::Machine);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(program: &str, version: &str) -> ClientVersion {
        ClientVersion {
            client: clients::client(program).unwrap(),
            answer: VersionAnswer::Found(clients::Found {
                version: version.to_string(),
                other_product: None,
            }),
        }
    }

    #[test]
    fn status_against_the_minimum() {
        let old = found("openvpn", "2.3.10");
        assert_eq!(ClientStatus::of(&old), ClientStatus::Outdated);
        assert_eq!(
            ClientStatus::of(&found("openvpn", "2.6.3")),
            ClientStatus::Ok
        );
        assert_eq!(
            describe(&old, ClientStatus::Outdated),
            "openvpn 2.3.10 (minimum 2.4.0): outdated"
        );
        let absent = ClientVersion {
            client: clients::client("wg").unwrap(),
            answer: VersionAnswer::NotInstalled,
        };
        assert_eq!(ClientStatus::of(&absent), ClientStatus::NotInstalled);
        assert_eq!(
            describe(&absent, ClientStatus::NotInstalled),
            "wg: not installed"
        );
        let libre = ClientVersion {
            client: clients::client("openssl").unwrap(),
            answer: VersionAnswer::Found(clients::Found {
                version: "3.3.6".to_string(),
                other_product: Some("LibreSSL".to_string()),
            }),
        };
        assert_eq!(ClientStatus::of(&libre), ClientStatus::Unknown);
    }
}
