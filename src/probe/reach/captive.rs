//! The captive-portal check: a plain-HTTP GET of a URL that answers `204 No Content` (or a
//! known short body) on an open network. A redirect, a `511`, or a page instead means a
//! portal answers in the server's place. Hand-written HTTP/1.1 with a bounded read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::text::clean;
use crate::text::human_duration;

/// The URL checked when the config names none: Google's, which answers 204.
pub const DEFAULT_URL: &str = "http://connectivitycheck.gstatic.com/generate_204";
/// The most of an answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

/// A parsed `http://host[:port]/path` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    /// The path and query, starting with `/`.
    pub path: String,
}

/// Parses a plain-HTTP URL; the error quotes it and says what is accepted.
pub fn parse_url(url: &str) -> Result<HttpUrl, String> {
    let bad = |why: &str| {
        format!(
            "bad captive-portal URL {url:?}: {why}; use a plain http:// URL that answers 204, e.g. {DEFAULT_URL:?}"
        )
    };
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        if url.starts_with("https://") {
            bad("it must be plain http (a portal cannot redirect https)")
        } else {
            bad("it must start with http://")
        }
    })?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    if authority.contains('@') {
        return Err(bad("user names in the URL are not supported"));
    }
    let hp: crate::config::HostPort = authority.parse().map_err(|e: String| bad(&e))?;
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("the path has a space or control character"));
    }
    Ok(HttpUrl {
        host: hp.host,
        port: hp.port.unwrap_or(80),
        path,
    })
}

/// What the check concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptiveVerdict {
    /// The expected answer: no portal.
    Open,
    /// A portal answers instead, and why we think so.
    Captive(String),
    /// The check could not tell (no network, DNS failure, an unexpected status).
    Unknown(String),
}

/// The check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptiveResult {
    pub url: String,
    pub verdict: CaptiveVerdict,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Where a redirect points (cleaned of control characters).
    pub location: Option<String>,
    pub took: Duration,
}

/// GETs `url` over plain HTTP within `timeout` and judges the answer.
pub async fn captive_portal(url: &str, timeout: Duration) -> CaptiveResult {
    let start = Instant::now();
    let (verdict, status, location) =
        match tokio::time::timeout(timeout, fetch_and_judge(url)).await {
            Ok(r) => r,
            Err(_) => (
                CaptiveVerdict::Unknown(format!(
                    "no complete answer within {}",
                    human_duration(timeout)
                )),
                None,
                None,
            ),
        };
    CaptiveResult {
        url: url.to_string(),
        verdict,
        status,
        location,
        took: start.elapsed(),
    }
}

async fn fetch_and_judge(url: &str) -> (CaptiveVerdict, Option<u16>, Option<String>) {
    let parsed = match parse_url(url) {
        Ok(u) => u,
        Err(e) => return (CaptiveVerdict::Unknown(e), None, None),
    };
    let raw = match fetch(&parsed).await {
        Ok(raw) => raw,
        Err(e) => return (CaptiveVerdict::Unknown(e), None, None),
    };
    match parse_response(&raw) {
        Some(resp) => {
            let verdict = judge(&resp);
            (verdict, Some(resp.status), resp.location.map(|l| clean(&l)))
        }
        None => (
            CaptiveVerdict::Captive(format!(
                "the answer is not HTTP: {}",
                super::describe_bytes(&raw)
            )),
            None,
            None,
        ),
    }
}

async fn fetch(url: &HttpUrl) -> Result<Vec<u8>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((url.host.as_str(), url.port))
        .await
        .map_err(|e| format!("{} does not resolve: {e}", url.host))?
        .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| format!("{} has no address", url.host))?;
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let host = if url.port == 80 {
        host
    } else {
        format!("{host}:{}", url.port)
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tlsdoctor-tui\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("sending the request to {addr}: {e}"))?;
    let mut raw = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(resp) = parse_response(&raw)
            && resp.complete
        {
            break;
        }
        if raw.len() >= MAX_ANSWER {
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n.min(MAX_ANSWER - raw.len())]),
            Err(e) if raw.is_empty() => return Err(format!("reading the answer from {addr}: {e}")),
            Err(_) => break,
        }
    }
    if raw.is_empty() {
        return Err(format!("{addr} closed the connection without an answer"));
    }
    Ok(raw)
}

/// The parts of an HTTP response the verdict needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Response {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
    /// The whole body (by Content-Length, or no body expected) has arrived.
    complete: bool,
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let mut location = None;
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if name == "location" {
                location = Some(value.trim().to_string());
            } else if name == "content-length" {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let body = raw[end + 4..].to_vec();
    let complete = status == 204 || status == 304 || length.is_some_and(|n| body.len() >= n);
    Some(Response {
        status,
        location,
        body,
        complete,
    })
}

/// Bodies that connectivity checks answer on an open network (Firefox's, Apple's).
fn known_body(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let t = text.trim();
    t.eq_ignore_ascii_case("success") || t.contains("<TITLE>Success</TITLE>")
}

fn judge(resp: &Response) -> CaptiveVerdict {
    match resp.status {
        204 => CaptiveVerdict::Open,
        200 if known_body(&resp.body) => CaptiveVerdict::Open,
        200 => CaptiveVerdict::Captive(format!(
            "200 with a page ({}) where an empty 204 was expected: a login page",
            super::describe_bytes(&resp.body)
        )),
        301 | 302 | 303 | 307 | 308 => CaptiveVerdict::Captive(match &resp.location {
            Some(l) => format!("{} redirect to {}", resp.status, clean(l)),
            None => format!("{} redirect", resp.status),
        }),
        511 => CaptiveVerdict::Captive(
            "511 Network Authentication Required: the network wants a login".to_string(),
        ),
        s => CaptiveVerdict::Unknown(format!(
            "status {s} where 204 was expected: neither the check's answer nor a portal's"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://connectivitycheck.gstatic.com/generate_204").unwrap(),
            HttpUrl {
                host: "connectivitycheck.gstatic.com".to_string(),
                port: 80,
                path: "/generate_204".to_string()
            }
        );
        let u = parse_url("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.port, u.path.as_str()), (8080, "/"));
        let u = parse_url("http://[::1]:81?x=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 81, "/?x=1")
        );
        assert!(parse_url("https://a/").unwrap_err().contains("plain http"));
        assert!(parse_url("ftp://a/").unwrap_err().contains("http://"));
        assert!(parse_url("http://a:0/").is_err());
        assert!(parse_url("http://a/b c").is_err());
    }

    fn verdict(raw: &str) -> CaptiveVerdict {
        judge(&parse_response(raw.as_bytes()).unwrap())
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            verdict("HTTP/1.1 204 No Content\r\n\r\n"),
            CaptiveVerdict::Open
        );
        assert_eq!(
            verdict("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsuccess\n"),
            CaptiveVerdict::Open
        );
        assert!(matches!(
            verdict("HTTP/1.1 302 Found\r\nLocation: http://portal.example/login\r\n\r\n"),
            CaptiveVerdict::Captive(w) if w.contains("302 redirect to http://portal.example/login")
        ));
        assert!(matches!(
            verdict("HTTP/1.1 200 OK\r\n\r\n<html>Log in</html>"),
            CaptiveVerdict::Captive(w) if w.contains("login page")
        ));
        assert!(matches!(
            verdict("HTTP/1.1 511 Network Authentication Required\r\n\r\n"),
            CaptiveVerdict::Captive(_)
        ));
        assert!(matches!(
            verdict("HTTP/1.1 503 Busy\r\n\r\n"),
            CaptiveVerdict::Unknown(_)
        ));
        assert_eq!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\n"), None);
    }
}
