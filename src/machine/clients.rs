//! The VPN clients and the TLS stack: how each program says its version, the oldest version
//! that works, and why (what breaks below it). The table is data: to add a program, add a row.
//! Also `/etc/os-release`, which names the distribution and so its update command.

use std::cmp::Ordering;
use std::fmt;

/// One program whose version matters.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// The program as run, and as reports name it.
    pub program: &'static str,
    /// The fixed arguments that make it print its version.
    pub args: &'static [&'static str],
    /// The oldest version that works, as `major.minor.patch`.
    pub minimum: &'static str,
    /// What breaks below the minimum.
    pub why: &'static str,
    /// The package that carries it on Debian/Ubuntu and on Fedora/RHEL.
    pub package: &'static str,
    /// Its version, from what it prints.
    pub parse: fn(&str) -> Option<Found>,
}

/// A row is known by its program.
impl PartialEq for Client {
    fn eq(&self, other: &Self) -> bool {
        self.program == other.program
    }
}

impl Eq for Client {}

/// A version as a program printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The version's words as printed: `2.6.3`, `1.1.1w`, `1.0.20210914`.
    pub version: String,
    /// Set when the program is another product than the table's (LibreSSL for `openssl`): its
    /// versions are not comparable with the minimum.
    pub other_product: Option<String>,
}

/// The programs, in the order reports list them.
pub const CLIENTS: &[Client] = &[
    // source: the NordVPN Linux app's per-version notes as kept in the nordlist project's
    // nord_update.sh ("nordvpn=3.15.0  17 Oct 2022 Added login token, routing, fwmark"):
    // `nordvpn login --token` arrived in 3.15.0. Output format: `nordvpn --version` prints
    // "NordVPN Version 3.17.0".
    Client {
        program: "nordvpn",
        args: &["--version"],
        minimum: "3.15.0",
        why: "below 3.15.0 there is no `nordvpn login --token`, the way to log in without a browser (over SSH), and releases that old no longer get the fixes for connecting",
        package: "nordvpn",
        parse: parse_nordvpn,
    },
    // source: OpenVPN 2.4.0 Changes.rst (tls-crypt, AES-GCM and cipher negotiation NCP are
    // new in 2.4); lomiri-indicator-network issue 90 "OpenVPN < 2.4 incompatible with default
    // config of OpenVPN servers >= 2.4" ("Unrecognized option ... tls-crypt"). Output format:
    // "OpenVPN 2.6.3 x86_64-pc-linux-gnu [SSL (OpenSSL)] ..." (it exits 1 on 2.4 and older).
    Client {
        program: "openvpn",
        args: &["--version"],
        minimum: "2.4.0",
        why: "below 2.4 OpenVPN knows neither tls-crypt (\"Unrecognized option ... tls-crypt\" on current profiles) nor AES-GCM cipher negotiation, which servers since 2.5 expect (they refuse BF-CBC)",
        package: "openvpn",
        parse: parse_openvpn,
    },
    // source: wireguard-tools' tags (git.zx2c4.com/wireguard-tools): v1.0.20200206 is the first
    // 1.0 release, made for the in-kernel WireGuard of Linux 5.6; the 0.0.YYYYMMDD snapshots
    // before it came with the out-of-tree module and predate the stable netlink interface.
    // Output format: "wireguard-tools v1.0.20210914 - https://git.zx2c4.com/wireguard-tools/".
    Client {
        program: "wg",
        args: &["--version"],
        minimum: "1.0.20200206",
        why: "snapshots before 1.0 (0.0.YYYYMMDD) were made for the out-of-tree module and predate the kernel's WireGuard (Linux 5.6): they may not configure it",
        package: "wireguard-tools",
        parse: parse_wg,
    },
    // source: OpenSSL 1.1.1 release notes (openssl.org/news/openssl-1.1.1-notes.html):
    // "Support for TLSv1.3 added". Output format: "OpenSSL 3.0.11 19 Sep 2023 (Library: ...)".
    Client {
        program: "openssl",
        args: &["version"],
        minimum: "1.1.1",
        why: "below 1.1.1 there is no TLS 1.3: servers that accept only TLS 1.3 fail the handshake (\"unsupported protocol\")",
        package: "openssl",
        parse: parse_openssl,
    },
];

/// The table's row for `program`.
pub fn client(program: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|c| c.program == program)
}

/// The word after `marker` in the first line that holds it.
fn word_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (_, rest) = l.split_once(marker)?;
        rest.split_whitespace().next()
    })
}

/// Whether `word` starts like a version: a digit.
fn versionish(word: &str) -> Option<String> {
    word.starts_with(|c: char| c.is_ascii_digit())
        .then(|| crate::text::clean(word).chars().take(40).collect())
}

fn found(version: String) -> Found {
    Found {
        version,
        other_product: None,
    }
}

/// "NordVPN Version 3.17.0".
pub fn parse_nordvpn(text: &str) -> Option<Found> {
    word_after(text, "Version ").and_then(versionish).map(found)
}

/// "OpenVPN 2.6.3 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] ...".
pub fn parse_openvpn(text: &str) -> Option<Found> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("OpenVPN "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(versionish)
        .map(found)
}

/// "wireguard-tools v1.0.20210914 - https://git.zx2c4.com/wireguard-tools/".
pub fn parse_wg(text: &str) -> Option<Found> {
    word_after(text, "wireguard-tools ")
        .map(|w| w.strip_prefix('v').unwrap_or(w))
        .and_then(versionish)
        .map(found)
}

/// "OpenSSL 3.0.11 19 Sep 2023 (Library: OpenSSL 3.0.11 19 Sep 2023)", or LibreSSL's
/// "LibreSSL 3.3.6", whose versions are its own.
pub fn parse_openssl(text: &str) -> Option<Found> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut words = line.split_whitespace();
    let product = words.next()?;
    let version = versionish(words.next()?)?;
    match product {
        "OpenSSL" => Some(found(version)),
        "LibreSSL" => Some(Found {
            version,
            other_product: Some("LibreSSL".to_string()),
        }),
        _ => None,
    }
}

/// The numbers of a version, for comparing: `1.1.1w` is 1, 1, 1; `2.6_git` is 2, 6;
/// `1.0.20210914` is 1, 0, 20210914. Letters and suffixes do not count.
pub fn numbers(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map_while(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// `version` against `minimum`, number by number (missing numbers count as 0).
pub fn compare(version: &str, minimum: &str) -> Option<Ordering> {
    let (a, b) = (numbers(version), numbers(minimum));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    Some(
        (0..len)
            .map(|i| at(&a, i).cmp(&at(&b, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
    )
}

/// What `/etc/os-release` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub id_like: Vec<String>,
    pub pretty_name: String,
    pub version_id: String,
}

/// How the distribution updates a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Dnf,
}

impl PackageManager {
    /// The program that runs the update.
    pub fn program(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt-get",
            PackageManager::Dnf => "dnf",
        }
    }

    /// The fixed argv that installs `packages` again, as they are.
    pub fn reinstall<'a>(self, packages: &[&'a str]) -> Vec<&'a str> {
        let mut argv = match self {
            PackageManager::Apt => vec!["apt-get", "install", "--reinstall"],
            PackageManager::Dnf => vec!["dnf", "reinstall"],
        };
        argv.extend(packages);
        argv
    }

    /// The fixed argv that updates `packages`.
    pub fn upgrade<'a>(self, packages: &[&'a str]) -> Vec<&'a str> {
        let mut argv = match self {
            PackageManager::Apt => vec!["apt-get", "install", "--only-upgrade"],
            PackageManager::Dnf => vec!["dnf", "upgrade"],
        };
        argv.extend(packages);
        argv
    }
}

impl fmt::Display for PackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program())
    }
}

impl OsRelease {
    /// `KEY=value` lines, values optionally quoted (os-release(5)).
    pub fn parse(text: &str) -> Self {
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = crate::text::clean(value.trim().trim_matches(|c| c == '"' || c == '\''));
            match key {
                "ID" => os.id = value.to_ascii_lowercase(),
                "ID_LIKE" => {
                    os.id_like = value
                        .split_whitespace()
                        .map(str::to_ascii_lowercase)
                        .collect();
                }
                "PRETTY_NAME" => os.pretty_name = value,
                "VERSION_ID" => os.version_id = value,
                _ => {}
            }
        }
        os
    }

    /// The package manager of this family of distributions, when it is one we know.
    pub fn package_manager(&self) -> Option<PackageManager> {
        let ids = std::iter::once(&self.id).chain(&self.id_like);
        for id in ids {
            match id.as_str() {
                "debian" | "ubuntu" | "linuxmint" | "raspbian" | "kali" | "pop" => {
                    return Some(PackageManager::Apt);
                }
                "fedora" | "rhel" | "centos" | "rocky" | "almalinux" => {
                    return Some(PackageManager::Dnf);
                }
                _ => {}
            }
        }
        None
    }

    /// The name to show: `PRETTY_NAME`, else `ID VERSION_ID`.
    pub fn name(&self) -> String {
        if self.pretty_name.is_empty() {
            format!("{} {}", self.id, self.version_id)
                .trim()
                .to_string()
        } else {
            self.pretty_name.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_programs_output() {
        let v = |f: fn(&str) -> Option<Found>, t: &str| f(t).map(|x| x.version);
        assert_eq!(
            v(parse_nordvpn, "NordVPN Version 3.17.0\n").as_deref(),
            Some("3.17.0")
        );
        assert_eq!(
            v(
                parse_openvpn,
                "OpenVPN 2.6.3 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]\nlibrary versions: OpenSSL 3.0.11 19 Sep 2023, LZO 2.10\nOriginally developed by James Yonan\n"
            )
            .as_deref(),
            Some("2.6.3")
        );
        assert_eq!(
            v(
                parse_openvpn,
                "OpenVPN 2.3.10 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [EPOLL] [PKCS11] [MH] [IPv6] built on Feb  2 2016\n"
            )
            .as_deref(),
            Some("2.3.10")
        );
        assert_eq!(
            v(
                parse_wg,
                "wireguard-tools v1.0.20210914 - https://git.zx2c4.com/wireguard-tools/\n"
            )
            .as_deref(),
            Some("1.0.20210914")
        );
        assert_eq!(
            v(
                parse_openssl,
                "OpenSSL 3.0.11 19 Sep 2023 (Library: OpenSSL 3.0.11 19 Sep 2023)\n"
            )
            .as_deref(),
            Some("3.0.11")
        );
        assert_eq!(
            v(parse_openssl, "OpenSSL 1.0.2u  20 Dec 2019\n").as_deref(),
            Some("1.0.2u")
        );
        let libre = parse_openssl("LibreSSL 3.3.6\n").unwrap();
        assert_eq!(libre.other_product.as_deref(), Some("LibreSSL"));
        assert_eq!(parse_openssl("command not found"), None);
        assert_eq!(parse_nordvpn("Version: unknown"), None);
        assert_eq!(parse_openvpn(""), None);
    }

    #[test]
    fn versions_compare_number_by_number() {
        assert_eq!(compare("2.6.3", "2.4.0"), Some(Ordering::Greater));
        assert_eq!(compare("2.3.10", "2.4.0"), Some(Ordering::Less));
        assert_eq!(compare("1.1.1w", "1.1.1"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.2u", "1.1.1"), Some(Ordering::Less));
        assert_eq!(compare("2.6_git", "2.4.0"), Some(Ordering::Greater));
        assert_eq!(
            compare("1.0.20210914", "1.0.20200206"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare("0.0.20191219", "1.0.20200206"),
            Some(Ordering::Less)
        );
        assert_eq!(compare("3.15", "3.15.0"), Some(Ordering::Equal));
        assert_eq!(compare("x", "1"), None);
    }

    #[test]
    fn os_release_picks_the_package_manager() {
        let debian = OsRelease::parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        );
        assert_eq!(debian.name(), "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(debian.package_manager(), Some(PackageManager::Apt));
        let mint = OsRelease::parse("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n");
        assert_eq!(mint.package_manager(), Some(PackageManager::Apt));
        let alma = OsRelease::parse("ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n");
        assert_eq!(alma.package_manager(), Some(PackageManager::Dnf));
        let arch = OsRelease::parse("ID=arch\n");
        assert_eq!(arch.package_manager(), None);
        assert_eq!(arch.name(), "arch");
        assert_eq!(
            PackageManager::Apt.upgrade(&["openvpn"]),
            ["apt-get", "install", "--only-upgrade", "openvpn"]
        );
        assert_eq!(
            PackageManager::Dnf.upgrade(&["openvpn"]),
            ["dnf", "upgrade", "openvpn"]
        );
    }
}
