//! The transport under every check: the system resolver (skipped when the target has a
//! `connect` address or is an address), and a TCP connect to each of the target's TCP ports.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::config::Target;

/// How many of a name's addresses a connect tries before it gives up.
const MAX_ADDRS_TRIED: usize = 2;

/// What the resolver said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dns {
    /// The target has a `connect` address; DNS was not asked.
    Skipped(IpAddr),
    Resolved {
        addrs: Vec<IpAddr>,
        took: Duration,
    },
    Failed {
        error: String,
        took: Duration,
    },
    Timeout(Duration),
}

impl Dns {
    /// The addresses to connect to, in the resolver's order.
    pub fn addrs(&self) -> &[IpAddr] {
        match self {
            Dns::Skipped(ip) => std::slice::from_ref(ip),
            Dns::Resolved { addrs, .. } => addrs,
            Dns::Failed { .. } | Dns::Timeout(_) => &[],
        }
    }

    pub fn is_ok(&self) -> bool {
        !self.addrs().is_empty()
    }
}

/// Why a TCP connect failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpError {
    /// RST: the host is up, nothing listens (or a firewall rejects).
    Refused,
    /// No answer at all: filtered, or the host is down.
    Timeout(Duration),
    /// No route, network down, host unreachable.
    Unreachable(String),
    /// DNS gave no address to connect to.
    NoAddress,
    Other(String),
}

impl std::fmt::Display for TcpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TcpError::Refused => f.write_str("connection refused"),
            TcpError::Timeout(d) => {
                write!(f, "no answer within {}", crate::text::human_duration(*d))
            }
            TcpError::Unreachable(e) => write!(f, "unreachable: {e}"),
            TcpError::NoAddress => f.write_str("no address to connect to"),
            TcpError::Other(e) => f.write_str(e),
        }
    }
}

/// One TCP port's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpAttempt {
    pub port: u16,
    /// The address last tried.
    pub addr: Option<SocketAddr>,
    /// The connect time, or why it failed.
    pub result: Result<Duration, TcpError>,
}

/// Every TCP port of one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectReport {
    pub tcp: Vec<TcpAttempt>,
}

impl ConnectReport {
    /// The attempt on `port`, if the target checks it.
    pub fn port(&self, port: u16) -> Option<&TcpAttempt> {
        self.tcp.iter().find(|a| a.port == port)
    }
}

/// Connects to each TCP port of `target` at `addrs` (its DNS answer), concurrently, each under
/// `timeout`.
pub async fn check(target: &Target, addrs: &[IpAddr], timeout: Duration) -> ConnectReport {
    let attempts = target
        .tcp_ports()
        .into_iter()
        .map(|port| connect_port(addrs, port, timeout));
    ConnectReport {
        tcp: futures::future::join_all(attempts).await,
    }
}

/// The system resolver's answer for the target's host, under `timeout`.
pub async fn resolve(target: &Target, timeout: Duration) -> Dns {
    if let Some(addr) = target.connect {
        return Dns::Skipped(addr.ip());
    }
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return Dns::Skipped(ip);
    }
    lookup(&target.host, timeout).await
}

/// Asks the system resolver (getaddrinfo) for `host`, under `timeout`: every address once, in
/// its order.
pub async fn lookup(host: &str, timeout: Duration) -> Dns {
    let start = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, 0))).await {
        Err(_) => Dns::Timeout(timeout),
        Ok(Err(e)) => Dns::Failed {
            error: dns_error_text(&e),
            took: start.elapsed(),
        },
        Ok(Ok(addrs)) => {
            let mut ips: Vec<IpAddr> = Vec::new();
            for a in addrs {
                if !ips.contains(&a.ip()) {
                    ips.push(a.ip());
                }
            }
            if ips.is_empty() {
                Dns::Failed {
                    error: "the name has no address".to_string(),
                    took: start.elapsed(),
                }
            } else {
                Dns::Resolved {
                    addrs: ips,
                    took: start.elapsed(),
                }
            }
        }
    }
}

fn dns_error_text(e: &io::Error) -> String {
    let s = e.to_string();
    s.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&s)
        .to_string()
}

/// Connects to `port` on the first addresses of `addrs` until one answers.
pub async fn connect_port(addrs: &[IpAddr], port: u16, timeout: Duration) -> TcpAttempt {
    let mut last = TcpAttempt {
        port,
        addr: None,
        result: Err(TcpError::NoAddress),
    };
    for ip in addrs.iter().take(MAX_ADDRS_TRIED) {
        let addr = SocketAddr::new(*ip, port);
        let start = Instant::now();
        let result = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Err(_) => Err(TcpError::Timeout(timeout)),
            Ok(Ok(_stream)) => Ok(start.elapsed()),
            Ok(Err(e)) => Err(classify(&e)),
        };
        let ok = result.is_ok();
        last = TcpAttempt {
            port,
            addr: Some(addr),
            result,
        };
        if ok {
            break;
        }
    }
    last
}

/// Sorts a connect error into what it means for the user.
pub fn classify(e: &io::Error) -> TcpError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => TcpError::Refused,
        io::ErrorKind::TimedOut => TcpError::Timeout(Duration::ZERO),
        io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown => TcpError::Unreachable(e.to_string()),
        io::ErrorKind::PermissionDenied => {
            TcpError::Unreachable(format!("{e} (a firewall on this machine rejects it)"))
        }
        _ => TcpError::Other(e.to_string()),
    }
}
