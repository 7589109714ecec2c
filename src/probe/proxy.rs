//! A tunnel through an HTTP proxy: `CONNECT host:port`, with the URL's credentials, and the
//! proxy's answer read up to the end of its head (never into the tunnel). What the TLS check
//! and the OpenVPN TCP probe of a proxied target dial instead of the server.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::connect::TcpError;
use crate::config::Proxy;
use crate::text::{clean, human_duration};

/// The most of a proxy's answer head read before it is refused as garbage.
const MAX_HEAD: usize = 8 * 1024;

/// Why a tunnel was not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    /// The proxy's own name has no address.
    Resolve(String),
    /// TCP to the proxy failed.
    Connect {
        addr: Option<SocketAddr>,
        error: TcpError,
    },
    /// The proxy answered `CONNECT` with another status than 2xx: its status line, cleaned.
    Refused { status: u16, status_line: String },
    /// No whole answer to `CONNECT` in time.
    Timeout(Duration),
    /// The proxy closed, or answered something that is not HTTP: what it sent, cleaned.
    BadAnswer(String),
}

impl ProxyError {
    /// Whether the proxy itself is at fault for every target alike (it cannot be reached, or
    /// it wants credentials), rather than for this target's destination.
    pub fn is_the_proxys(&self) -> bool {
        match self {
            // Credentials (tinyproxy answers a wrong password with 401).
            ProxyError::Refused { status, .. } => matches!(status, 401 | 407),
            ProxyError::Resolve(_) | ProxyError::Connect { .. } | ProxyError::BadAnswer(_) => true,
            ProxyError::Timeout(_) => false,
        }
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Resolve(e) => write!(f, "the proxy's name does not resolve: {e}"),
            ProxyError::Connect { addr, error } => match addr {
                Some(a) => write!(f, "TCP connect to the proxy {a}: {error}"),
                None => write!(f, "TCP connect to the proxy: {error}"),
            },
            ProxyError::Refused { status_line, .. } => {
                write!(f, "the proxy answered CONNECT with {status_line:?}")
            }
            ProxyError::Timeout(d) => write!(
                f,
                "the proxy did not answer CONNECT within {}",
                human_duration(*d)
            ),
            ProxyError::BadAnswer(what) => write!(f, "the proxy's answer is not HTTP: {what}"),
        }
    }
}

/// The `CONNECT` request for `authority` (`host:port`).
fn request(proxy: &Proxy, authority: &str) -> String {
    let auth = proxy
        .authorization()
        .map(|a| format!("Proxy-Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{auth}User-Agent: tlsdoctor-tui/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Opens a tunnel through `proxy` to `authority`, each step by `until`. The stream is at the
/// tunnel's start: the next byte read is the destination's.
pub async fn tunnel(
    proxy: &Proxy,
    authority: &str,
    until: Instant,
) -> Result<TcpStream, ProxyError> {
    let start = Instant::now();
    let lookup = tokio::net::lookup_host((proxy.host.as_str(), proxy.port));
    let addrs: Vec<IpAddr> = match tokio::time::timeout_at(until.into(), lookup).await {
        Err(_) => {
            return Err(ProxyError::Connect {
                addr: None,
                error: TcpError::Timeout(start.elapsed()),
            });
        }
        Ok(Err(e)) => return Err(ProxyError::Resolve(e.to_string())),
        Ok(Ok(a)) => a.map(|a| a.ip()).collect(),
    };
    if addrs.is_empty() {
        return Err(ProxyError::Resolve("no address".to_string()));
    }
    let step = until.saturating_duration_since(Instant::now());
    let mut stream = match super::tls::connect(&addrs, proxy.port, step, until).await {
        (_, Ok((stream, _))) => stream,
        (addr, Err(error)) => return Err(ProxyError::Connect { addr, error }),
    };
    let exchange = async {
        stream
            .write_all(request(proxy, authority).as_bytes())
            .await
            .map_err(|e| ProxyError::BadAnswer(format!("the request could not be sent: {e}")))?;
        read_head(&mut stream).await
    };
    let head = match tokio::time::timeout_at(until.into(), exchange).await {
        Err(_) => return Err(ProxyError::Timeout(start.elapsed())),
        Ok(r) => r?,
    };
    judge(&head)?;
    Ok(stream)
}

/// Reads the answer head, a byte at a time so nothing of the tunnel is taken with it.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, ProxyError> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) if head.is_empty() => {
                return Err(ProxyError::BadAnswer(
                    "it closed the connection without an answer".to_string(),
                ));
            }
            Ok(0) => {
                return Err(ProxyError::BadAnswer(format!(
                    "it closed the connection in the middle of its answer {:?}",
                    first_line(&head)
                )));
            }
            Ok(_) => head.push(byte[0]),
            Err(e) => {
                return Err(ProxyError::BadAnswer(format!(
                    "the connection failed while reading its answer: {e}"
                )));
            }
        }
        if head.len() > MAX_HEAD {
            return Err(ProxyError::BadAnswer(format!(
                "an answer head over {MAX_HEAD} bytes, starting {:?}",
                first_line(&head)
            )));
        }
    }
    Ok(head)
}

/// The first line of `head`, cleaned and cut short, for messages.
fn first_line(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next().unwrap_or_default();
    clean(&line.chars().take(120).collect::<String>())
}

/// Whether the answer head opens the tunnel (a 2xx status).
fn judge(head: &[u8]) -> Result<(), ProxyError> {
    let Some(r) = super::http::parse(head) else {
        return Err(ProxyError::BadAnswer(format!("{:?}", first_line(head))));
    };
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(ProxyError::Refused {
            status: r.status,
            status_line: r.status_line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_the_credentials() {
        let p = Proxy::parse("http://alice:s3cret@proxy:3128", "t").unwrap();
        let r = request(&p, "www.example.net:443");
        assert!(
            r.starts_with("CONNECT www.example.net:443 HTTP/1.1\r\nHost: www.example.net:443\r\n")
        );
        assert!(
            r.contains("Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"),
            "{r}"
        );
        assert!(r.ends_with("\r\n\r\n"));
        let anon = Proxy::parse("proxy:3128", "t").unwrap();
        assert!(!request(&anon, "h:1").contains("Proxy-Authorization"));
    }

    #[test]
    fn answers() {
        assert_eq!(
            judge(b"HTTP/1.0 200 Connection established\r\n\r\n"),
            Ok(())
        );
        assert_eq!(
            judge(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"
            ),
            Err(ProxyError::Refused {
                status: 407,
                status_line: "HTTP/1.1 407 Proxy Authentication Required".to_string()
            })
        );
        assert!(matches!(
            judge(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(ProxyError::BadAnswer(w)) if w.contains("SSH-2.0")
        ));
        assert!(
            ProxyError::Refused {
                status: 407,
                status_line: String::new()
            }
            .is_the_proxys()
        );
        assert!(
            !ProxyError::Refused {
                status: 403,
                status_line: String::new()
            }
            .is_the_proxys()
        );
    }
}
