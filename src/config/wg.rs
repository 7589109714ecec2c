//! A WireGuard client config as `wg-quick` reads it (`--wg FILE`): the interface's private key
//! and the peer's public key, preshared key and endpoint — what a real handshake needs. The
//! other keys (`Address`, `DNS`, `AllowedIPs`, …) are read past. Keys never reach the screen,
//! the reports or the log.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::{HostPort, ProbeSpec, Target};

/// WireGuard's default port, for an `Endpoint` without one.
pub const WIREGUARD_PORT: u16 = 51_820;

/// The keys of a WireGuard handshake with one peer.
#[derive(Clone, PartialEq, Eq)]
pub struct WgKeys {
    /// The interface's `PrivateKey`.
    pub private: [u8; 32],
    /// The peer's `PublicKey`.
    pub peer_public: [u8; 32],
    /// The peer's `PresharedKey`, if any.
    pub preshared: Option<[u8; 32]>,
}

// The keys stay out of logs and debug dumps.
impl fmt::Debug for WgKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WgKeys")
            .field("preshared", &self.preshared.is_some())
            .finish_non_exhaustive()
    }
}

/// A parsed client config: its keys and the peer's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgConfig {
    pub path: PathBuf,
    pub keys: WgKeys,
    pub endpoint: HostPort,
}

impl WgConfig {
    /// The target it describes: the peer's endpoint, with the WireGuard probe on its port,
    /// named after the file.
    pub fn target(&self) -> Target {
        let port = self.endpoint.port_or(WIREGUARD_PORT);
        let mut t = Target::from_host_port(&HostPort {
            host: self.endpoint.host.clone(),
            port: Some(port),
        });
        t.name = self.path.file_stem().map_or_else(
            || self.endpoint.to_string(),
            |s| crate::text::clean(&s.to_string_lossy()),
        );
        t.probes = vec![ProbeSpec::Wireguard(port)];
        t.wg_keys = Some(self.keys.clone());
        t
    }
}

/// Reads a wg-quick config. Errors name the file and line and say what to do; a key's value
/// is never quoted.
pub fn load(path: &Path) -> Result<WgConfig, String> {
    let text = super::file::read_text(path, super::file::FileKind::Profile).map_err(|e| {
        format!("--wg: {e}; give the path of a WireGuard client config (wg-quick's wg0.conf)")
    })?;
    parse(&text, path)
}

/// Parses a wg-quick config's text (`path` names it in errors).
pub fn parse(text: &str, path: &Path) -> Result<WgConfig, String> {
    let at = |line: usize, why: &str| format!("--wg {} line {line}: {why}", path.display());
    let mut section = String::new();
    let mut private = None;
    let mut peers: Vec<Peer> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            if section == "peer" {
                peers.push(Peer {
                    line: line_no,
                    ..Peer::default()
                });
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(line_no, "expected `Key = value` or a [Section]"));
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        let decode = |what: &str| {
            key_bytes(value).ok_or_else(|| {
                at(
                    line_no,
                    &format!("{what} is not a WireGuard key (44 characters of base64, as `wg genkey` prints)"),
                )
            })
        };
        match (section.as_str(), key.as_str()) {
            ("interface", "privatekey") => private = Some(decode("PrivateKey")?),
            ("peer", "publickey") => {
                let k = decode("PublicKey")?;
                if let Some(p) = peers.last_mut() {
                    p.public = Some(k);
                }
            }
            ("peer", "presharedkey") => {
                let k = decode("PresharedKey")?;
                if let Some(p) = peers.last_mut() {
                    p.preshared = Some(k);
                }
            }
            ("peer", "endpoint") => {
                let hp: HostPort = value
                    .parse()
                    .map_err(|e: String| at(line_no, &format!("Endpoint: {e}")))?;
                if let Some(p) = peers.last_mut() {
                    p.endpoint = Some(hp);
                }
            }
            ("", _) => return Err(at(line_no, "a key before any [Interface] or [Peer]")),
            _ => {}
        }
    }
    let private = private.ok_or_else(|| {
        format!(
            "--wg {}: no [Interface] PrivateKey: the handshake needs this client's key (the VPN app's config export has it)",
            path.display()
        )
    })?;
    let (peer, endpoint) = peers
        .into_iter()
        .find_map(|p| p.endpoint.clone().map(|e| (p, e)))
        .ok_or_else(|| {
            format!(
                "--wg {}: no [Peer] with an Endpoint: give the server's host:port",
                path.display()
            )
        })?;
    let peer_public = peer
        .public
        .ok_or_else(|| at(peer.line, "this [Peer] has no PublicKey"))?;
    Ok(WgConfig {
        path: path.to_path_buf(),
        keys: WgKeys {
            private,
            peer_public,
            preshared: peer.preshared,
        },
        endpoint,
    })
}

/// A `[Peer]` section as read so far.
#[derive(Default)]
struct Peer {
    public: Option<[u8; 32]>,
    preshared: Option<[u8; 32]>,
    endpoint: Option<HostPort>,
    /// Where the section starts, for messages.
    line: usize,
}

/// A base64 WireGuard key's 32 bytes.
fn key_bytes(value: &str) -> Option<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIV: &str = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    const PUB: &str = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    fn parse_str(s: &str) -> Result<WgConfig, String> {
        parse(s, Path::new("/etc/wireguard/nl.conf"))
    }

    #[test]
    fn a_wg_quick_config() {
        let c = parse_str(&format!(
            "[Interface]\nPrivateKey = {PRIV}\nAddress = 10.5.0.2/32\nDNS = 103.86.96.100\n\n\
             [Peer] # the server\nPublicKey = {PUB}\nAllowedIPs = 0.0.0.0/0\nEndpoint = nl900.nordvpn.com:51820\n"
        ))
        .unwrap();
        assert_eq!(c.endpoint.to_string(), "nl900.nordvpn.com:51820");
        assert_eq!(c.keys.preshared, None);
        let t = c.target();
        assert_eq!((t.name.as_str(), t.port), ("nl", 51_820));
        assert_eq!(t.probes, [ProbeSpec::Wireguard(51_820)]);
        assert!(!format!("{t:?}").contains(PRIV.trim_end_matches('=')));
    }

    #[test]
    fn mistakes_name_the_line_and_never_the_key() {
        let e = parse_str("[Interface]\nPrivateKey = hunter2\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("44 characters"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse_str(&format!("[Interface]\nPrivateKey = {PRIV}\n")).unwrap_err();
        assert!(e.contains("no [Peer] with an Endpoint"), "{e}");
        let e = parse_str(&format!("[Peer]\nPublicKey = {PUB}\nEndpoint = h:1\n")).unwrap_err();
        assert!(e.contains("PrivateKey"), "{e}");
        let e = parse_str(&format!(
            "[Interface]\nPrivateKey = {PRIV}\n[Peer]\nEndpoint = h:99999\n"
        ))
        .unwrap_err();
        assert!(e.contains("line 4") && e.contains("99999"), "{e}");
        let e = parse_str(&format!(
            "[Interface]\nPrivateKey = {PRIV}\n[Peer]\nEndpoint = h:1\n"
        ))
        .unwrap_err();
        assert!(e.contains("line 3") && e.contains("no PublicKey"), "{e}");
    }
}
