//! Reachability: which protocols get through to a server. One probe per entry of a target's
//! `probes` list (TCP connect, OpenVPN over UDP and TCP, WireGuard), each finished within one
//! timeout; they run concurrently, so a target with many silent ports still takes about one.
//!
//! What each status can prove:
//! - `open`: the port answered as the probe expects (a TCP connect, an OpenVPN server reset).
//!   An `openvpn-tcp` port that accepts the connection but stays silent is `open` too, with
//!   `is_openvpn` false.
//! - `closed`: refused (TCP reset, or ICMP port unreachable on a connected UDP socket).
//! - `filtered`: no TCP answer, or an ICMP "unreachable" from a router or local firewall.
//! - `open-or-filtered`: UDP silence. It cannot be told apart: an OpenVPN server with
//!   tls-auth/tls-crypt drops unsigned packets, and WireGuard never answers a stranger.
//! - `other`: something answers, but not as the probe's protocol.
//! - `error`: the probe could not run here (no address, no socket).
//!
//! Beside the per-port probes: [`dns_compare`] (the system resolver against nameservers asked
//! directly) and [`captive_portal`] (a plain-HTTP check that a portal would intercept).

pub mod captive;
pub mod dns;
pub mod openvpn;
pub mod wireguard;

pub use captive::{CaptiveResult, CaptiveVerdict, captive_portal};
pub use dns::{DnsComparison, dns_compare, system_nameservers};

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use crate::config::ProbeSpec;
use crate::config::TlsWrap;
use crate::probe::connect::connect_port;
use crate::text::human_duration;

/// What a probe could establish about its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReachStatus {
    Open,
    Closed,
    Filtered,
    OpenOrFiltered,
    Other,
    Error,
    /// The probe did not run: its target's name has no address (the detail says why).
    NotRun,
}

impl ReachStatus {
    /// The word in the JSON report and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            ReachStatus::Open => "open",
            ReachStatus::Closed => "closed",
            ReachStatus::Filtered => "filtered",
            ReachStatus::OpenOrFiltered => "open-or-filtered",
            ReachStatus::Other => "other",
            ReachStatus::Error => "error",
            ReachStatus::NotRun => "not-run",
        }
    }

    /// Whether the port is known not to let this protocol through (closed or filtered), or
    /// may not (UDP silence).
    pub fn is_blocked_or_silent(self) -> bool {
        matches!(
            self,
            ReachStatus::Closed | ReachStatus::Filtered | ReachStatus::OpenOrFiltered
        )
    }
}

impl fmt::Display for ReachStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachResult {
    pub probe: ProbeSpec,
    /// Where the probe went.
    pub addr: SocketAddr,
    pub port: u16,
    pub status: ReachStatus,
    /// An OpenVPN server answered our reset.
    pub is_openvpn: bool,
    /// `tls-auth` or `tls-crypt` when the OpenVPN probe was signed with the user's key.
    pub signed: Option<&'static str>,
    /// What was seen, in words (network text already cleaned of control characters).
    pub detail: String,
    pub took: Duration,
    /// The proxy it went through (`host:port`); `None`: direct.
    pub via: Option<String>,
    /// The real OpenVPN TLS handshake, run beside the reset probe when the target's profile
    /// has a CA.
    pub handshake: Option<Box<crate::probe::vpn::check::VpnHandshake>>,
}

/// How a VPN's own handshake ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Failed,
    /// The server speaks only what this check cannot (OpenVPN: CBC, finite-field DHE).
    Inconclusive,
    Ok,
}

impl Outcome {
    /// The word of the reports: "ok", "inconclusive", "failed".
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Inconclusive => "inconclusive",
            Outcome::Failed => "failed",
        }
    }
}

impl ReachResult {
    /// The VPN's own handshake this probe made, if it made one — OpenVPN's with the profile's
    /// CA, WireGuard's with the user's keys — as how it ended and its outcome in words.
    /// `None` for a reset or an initiation-shaped packet, which prove only the port.
    pub fn own_handshake(&self) -> Option<(Outcome, String)> {
        match (&self.handshake, self.probe) {
            (Some(h), _) => Some((h.outcome(), h.summary())),
            (None, ProbeSpec::Wireguard(_)) if self.signed.is_some() => {
                let outcome = if self.status == ReachStatus::Open {
                    Outcome::Ok
                } else {
                    Outcome::Failed
                };
                Some((outcome, self.detail.clone()))
            }
            _ => None,
        }
    }
}

/// Runs one reachability probe against `ip`, finishing within about `timeout`. `key` signs
/// the OpenVPN probes. A `tls` spec is not a reachability probe and comes back as `error`.
pub async fn run(spec: ProbeSpec, ip: IpAddr, keys: Keys<'_>, timeout: Duration) -> ReachResult {
    let key = keys.openvpn;
    let start = Instant::now();
    let port = spec.port().unwrap_or(0);
    let addr = SocketAddr::new(ip, port);
    let openvpn_key = match spec {
        ProbeSpec::OpenvpnUdp(_) | ProbeSpec::OpenvpnTcp(_) => key,
        _ => None,
    };
    let handshake = async {
        let transport = match spec {
            ProbeSpec::OpenvpnUdp(_) => crate::probe::vpn::openvpn::Transport::Udp,
            ProbeSpec::OpenvpnTcp(_) => crate::probe::vpn::openvpn::Transport::Tcp,
            _ => return None,
        };
        let tls = keys.openvpn_tls?;
        let h = crate::probe::vpn::check::run(addr, transport, tls, key, timeout).await;
        Some(Box::new(h))
    };
    let probe = async {
        match spec {
            ProbeSpec::Tls => Verdict {
                status: ReachStatus::Error,
                is_openvpn: false,
                detail: "the TLS handshake is not a reachability probe".to_string(),
            },
            ProbeSpec::Tcp(_) => tcp(ip, port, timeout).await,
            ProbeSpec::OpenvpnUdp(_) => openvpn::udp(addr, openvpn_key, timeout).await,
            ProbeSpec::OpenvpnTcp(_) => openvpn::tcp(addr, openvpn_key, timeout).await,
            ProbeSpec::Wireguard(_) => match keys.wireguard {
                Some(k) => wireguard::handshake(addr, k, timeout).await,
                None => wireguard::probe(addr, timeout).await,
            },
        }
    };
    // Concurrently: the reset probe says whether the port answers at all, the handshake
    // why the TLS inside fails; together they take about as long as the handshake.
    let (v, handshake) = Box::pin(futures::future::join(probe, handshake)).await;
    let signed = match spec {
        ProbeSpec::Wireguard(_) => keys.wireguard.map(|_| "wireguard key"),
        _ => openvpn_key.map(TlsWrap::kind),
    };
    ReachResult {
        probe: spec,
        addr,
        port,
        status: v.status,
        is_openvpn: v.is_openvpn,
        signed,
        detail: v.detail,
        took: start.elapsed(),
        via: None,
        handshake,
    }
}

/// The probes `specs` (the `tls` entries skipped) as not run: `host` has no address.
fn not_run(specs: &[ProbeSpec], host: &str, dns: &crate::probe::connect::Dns) -> Vec<ReachResult> {
    use crate::probe::connect::Dns;
    let why = match dns {
        Dns::Failed { error, .. } => format!("DNS failed for {host}: {error}"),
        Dns::Timeout(d) => format!(
            "DNS did not answer for {host} within {}",
            human_duration(*d)
        ),
        Dns::Resolved { .. } | Dns::Skipped(_) => format!("{host} has no address"),
    };
    specs
        .iter()
        .filter(|s| **s != ProbeSpec::Tls)
        .map(|spec| {
            let port = spec.port().unwrap_or(0);
            ReachResult {
                probe: *spec,
                addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)),
                port,
                status: ReachStatus::NotRun,
                is_openvpn: false,
                signed: None,
                detail: crate::text::clean(&why),
                took: Duration::ZERO,
                via: None,
                handshake: None,
            }
        })
        .collect()
}

/// The OpenVPN TCP probe `spec` of `target` through its proxy, beside the direct one: what
/// OpenVPN's `http-proxy` would get.
async fn openvpn_via_proxy(
    target: &crate::config::Target,
    spec: ProbeSpec,
    timeout: Duration,
) -> Option<ReachResult> {
    let proxy = target.proxy.as_ref()?;
    let ProbeSpec::OpenvpnTcp(port) = spec else {
        return None;
    };
    let start = Instant::now();
    let host = target
        .connect
        .map_or_else(|| target.host.clone(), |a| a.ip().to_string());
    let authority = crate::config::HostPort {
        host,
        port: Some(port),
    }
    .to_string();
    let key = target.tls_wrap.as_ref();
    let v = openvpn::tcp_via(proxy, &authority, key, timeout).await;
    // The address is the proxy's (when it is one; its name is in `via`).
    let ip = proxy
        .host
        .parse()
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = SocketAddr::new(ip, proxy.port);
    Some(ReachResult {
        probe: spec,
        addr,
        port,
        status: v.status,
        is_openvpn: v.is_openvpn,
        signed: key.map(TlsWrap::kind),
        detail: format!("through the proxy {}: {}", proxy.authority(), v.detail),
        took: start.elapsed(),
        via: Some(proxy.authority()),
        handshake: None,
    })
}

/// The user's keys the probes sign or handshake with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'a> {
    /// The tls-auth / tls-crypt key of the OpenVPN probes.
    pub openvpn: Option<&'a TlsWrap>,
    /// A WireGuard client config's keys: the WireGuard probes make a real handshake.
    pub wireguard: Option<&'a crate::config::WgKeys>,
    /// An OpenVPN profile's CA and certificates: the OpenVPN probes also run the real TLS
    /// handshake.
    pub openvpn_tls: Option<&'a crate::config::ovpn::OvpnTls>,
}

impl<'a> Keys<'a> {
    /// The keys of `target`.
    pub fn of(target: &'a crate::config::Target) -> Self {
        Keys {
            openvpn: target.tls_wrap.as_ref(),
            wireguard: target.wg_keys.as_ref(),
            openvpn_tls: target.ovpn_tls.as_deref(),
        }
    }

    /// Only an OpenVPN key.
    pub fn openvpn(key: Option<&'a TlsWrap>) -> Self {
        Keys {
            openvpn: key,
            wireguard: None,
            openvpn_tls: None,
        }
    }
}

/// Every reachability probe in `specs` (the `tls` entries skipped), concurrently, in order.
pub async fn run_all(
    specs: &[ProbeSpec],
    ip: IpAddr,
    keys: Keys<'_>,
    timeout: Duration,
) -> Vec<ReachResult> {
    let runs = specs
        .iter()
        .filter(|s| **s != ProbeSpec::Tls)
        .map(|s| run(*s, ip, keys, timeout));
    futures::future::join_all(runs).await
}

async fn tcp(ip: IpAddr, port: u16, timeout: Duration) -> Verdict {
    let attempt = connect_port(&[ip], port, timeout).await;
    match attempt.result {
        Ok(took) => Verdict {
            status: ReachStatus::Open,
            is_openvpn: false,
            detail: format!("connected in {}", human_duration(took)),
        },
        Err(e) => openvpn::tcp_connect_failed(&e, SocketAddr::new(ip, port)),
    }
}

/// The verdict of one probe, before it is wrapped into a [`ReachResult`].
pub(crate) struct Verdict {
    pub status: ReachStatus,
    pub is_openvpn: bool,
    pub detail: String,
}

/// When the UDP probes resend, as fractions of the timeout: UDP loses packets.
const RESEND_AT: [f64; 3] = [0.0, 0.25, 0.5];

/// How a UDP exchange ended.
#[derive(Debug)]
pub(crate) enum UdpOutcome {
    /// The first datagram back, and the time since the last send.
    Reply { data: Vec<u8>, rtt: Duration },
    /// Nothing came back after `sent` packets.
    Silent { sent: u32 },
    /// ICMP port unreachable.
    Refused,
    /// ICMP host/network unreachable or administratively prohibited, or a local firewall.
    Unreachable(String),
    /// The probe could not run (no socket).
    Failed(String),
}

impl UdpOutcome {
    fn from_error(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => UdpOutcome::Refused,
            io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown => UdpOutcome::Unreachable(e.to_string()),
            io::ErrorKind::PermissionDenied => {
                UdpOutcome::Unreachable(format!("{e} (a firewall on this machine blocks it)"))
            }
            _ => UdpOutcome::Failed(e.to_string()),
        }
    }

    /// The verdict for the outcomes every UDP probe words the same way.
    pub(crate) fn into_verdict(self, addr: SocketAddr) -> Verdict {
        let (status, detail) = match self {
            UdpOutcome::Refused => (
                ReachStatus::Closed,
                format!(
                    "ICMP port unreachable: nothing listens on UDP {} (or a firewall rejects)",
                    addr.port()
                ),
            ),
            UdpOutcome::Unreachable(why) => (
                ReachStatus::Filtered,
                format!("unreachable ({why}): no route, or a router or firewall rejects UDP"),
            ),
            UdpOutcome::Failed(why) => (ReachStatus::Error, format!("could not probe: {why}")),
            UdpOutcome::Reply { data, .. } => (
                ReachStatus::Other,
                format!("something answers: {}", describe_bytes(&data)),
            ),
            UdpOutcome::Silent { sent } => (
                ReachStatus::OpenOrFiltered,
                format!("no reply to {sent} packets"),
            ),
        };
        Verdict {
            status,
            is_openvpn: false,
            detail,
        }
    }
}

/// Sends `packet(n)` to `addr` over a connected UDP socket at each of [`RESEND_AT`] until a
/// datagram or an ICMP error comes back, or `timeout` passes.
pub(crate) async fn udp_exchange(
    addr: SocketAddr,
    timeout: Duration,
    mut packet: impl FnMut(u32) -> Vec<u8>,
) -> UdpOutcome {
    let local: SocketAddr = if addr.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = match UdpSocket::bind(local).await {
        Ok(s) => s,
        Err(e) => return UdpOutcome::Failed(format!("cannot open a UDP socket: {e}")),
    };
    if let Err(e) = sock.connect(addr).await {
        return UdpOutcome::from_error(&e);
    }
    let start = tokio::time::Instant::now();
    let deadline = start + timeout;
    let at = |i: usize| start + timeout.mul_f64(RESEND_AT[i]);
    let mut sent = 0usize;
    let mut last_send = Instant::now();
    let mut buf = vec![0u8; 2048];
    loop {
        if sent < RESEND_AT.len() && tokio::time::Instant::now() >= at(sent) {
            let p = packet(sent as u32);
            last_send = Instant::now();
            if let Err(e) = sock.send(&p).await {
                return UdpOutcome::from_error(&e);
            }
            sent += 1;
        }
        let wake = if sent < RESEND_AT.len() {
            at(sent)
        } else {
            deadline
        };
        match tokio::time::timeout_at(wake, sock.recv(&mut buf)).await {
            Err(_) if wake >= deadline => return UdpOutcome::Silent { sent: sent as u32 },
            Err(_) => {}
            Ok(Ok(n)) => {
                return UdpOutcome::Reply {
                    data: buf[..n].to_vec(),
                    rtt: last_send.elapsed(),
                };
            }
            Ok(Err(e)) => return UdpOutcome::from_error(&e),
        }
    }
}

/// The path of the executable `name` on `PATH`, as `which` finds it (for fixes that run a
/// program only where it is installed, such as `nordvpn`).
pub fn find_program(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Bytes from the network, in words: their count and a short, cleaned preview (as text when
/// they are mostly printable, else hex).
pub fn describe_bytes(data: &[u8]) -> String {
    let head = &data[..data.len().min(32)];
    let printable = head
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .count();
    let more = if data.len() > head.len() { "…" } else { "" };
    if !head.is_empty() && printable * 10 >= head.len() * 8 {
        let text = crate::text::quote_bytes(head.trim_ascii());
        format!("{} bytes {text}{more}", data.len())
    } else {
        let hex: Vec<String> = head.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let more = if data.len() > 16 { " …" } else { "" };
        format!("{} bytes {}{more}", data.len(), hex.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_words() {
        assert_eq!(
            describe_bytes(b"HTTP/1.1 400 Bad Request\r\n"),
            "26 bytes \"HTTP/1.1 400 Bad Request\""
        );
        assert_eq!(describe_bytes(&[0x40, 1, 2]), "3 bytes 40 01 02");
        assert_eq!(
            describe_bytes(b"\x1b[2Jhi there"),
            "12 bytes \"\\x1b[2Jhi there\""
        );
        assert!(describe_bytes(&[0u8; 40]).ends_with(" …"));
    }

    #[test]
    fn programs_on_the_path() {
        assert!(find_program("sh").is_some());
        assert_eq!(find_program("tlsdoctor-no-such-program"), None);
    }

    #[test]
    fn statuses_read_as_the_contract_says() {
        assert_eq!(ReachStatus::OpenOrFiltered.as_str(), "open-or-filtered");
        assert!(ReachStatus::OpenOrFiltered.is_blocked_or_silent());
        assert!(!ReachStatus::Open.is_blocked_or_silent());
    }
}

/// A target's reachability: its probes' results and the DNS comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachReport {
    /// One result per OpenVPN/WireGuard probe, in the order of the target's `probes`.
    pub results: Vec<ReachResult>,
    /// The system resolver against the nameservers asked directly (names only).
    pub dns_compare: Option<DnsComparison>,
}

/// Whether `spec` is run by [`check_target`] (TLS and TCP ports are the connect check's).
pub fn is_reach_probe(spec: ProbeSpec) -> bool {
    spec.is_reach()
}

/// Whether a target has anything for [`check_target`] to do: a UDP/OpenVPN probe, or a name
/// whose DNS answers can be compared.
pub fn wants_reach(target: &crate::config::Target) -> bool {
    !target.reach_probes().is_empty()
        || (target.connect.is_none() && target.host.parse::<IpAddr>().is_err())
}

/// Runs target `i`'s reachability probes at the first address of its DNS answer `dns`, and
/// compares that answer with the nameservers asked directly, concurrently, each within the
/// network timeout.
pub async fn check_target(
    config: &crate::config::Config,
    i: usize,
    dns: &crate::probe::connect::Dns,
) -> ReachReport {
    let target = &config.targets[i];
    let timeout = config.network.timeout;
    let specs = target.reach_probes();
    let results = async {
        match dns.addrs().first() {
            Some(ip) if !specs.is_empty() => run_all(&specs, *ip, Keys::of(target), timeout).await,
            // Each probe stays in sight, saying why it did not run.
            _ => not_run(&specs, &target.host, dns),
        }
    };
    let compare = async {
        // Only an answer can be contradicted; a failed lookup is the connect check's
        // dns-failure, and asking further nameservers about it proves nothing more.
        if target.connect.is_some() || target.host.parse::<IpAddr>().is_ok() || !dns.is_ok() {
            return None;
        }
        let mut servers = system_nameservers();
        for r in &config.network.resolvers {
            if !servers.contains(r) {
                servers.push(*r);
            }
        }
        if servers.is_empty() {
            return None;
        }
        Some(dns_compare(&target.host, dns, &servers, timeout).await)
    };
    let via_proxy =
        futures::future::join_all(specs.iter().map(|s| openvpn_via_proxy(target, *s, timeout)));
    let ((mut results, dns_compare), via_proxy) =
        futures::future::join(futures::future::join(results, compare), via_proxy).await;
    results.extend(via_proxy.into_iter().flatten());
    ReachReport {
        results,
        dns_compare,
    }
}
