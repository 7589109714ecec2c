//! The captive-portal check: a plain-HTTP GET of a URL that answers `204 No Content` (or a
//! known short body) on an open network. A redirect, a `511`, or a page instead means a
//! portal answers in the server's place. Over [`crate::probe::http`], with a bounded read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::config::HttpUrl;
use crate::probe::connect::{self, Dns};
use crate::probe::http::{self, Response};
use crate::text::{clean, human_duration};

/// The most of an answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

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
pub async fn captive_portal(url: &HttpUrl, timeout: Duration) -> CaptiveResult {
    let start = Instant::now();
    let (verdict, status, location) =
        match tokio::time::timeout(timeout, fetch_and_judge(url, timeout)).await {
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
        url: clean(&url.to_string()),
        verdict,
        status,
        location,
        took: start.elapsed(),
    }
}

async fn fetch_and_judge(
    url: &HttpUrl,
    timeout: Duration,
) -> (CaptiveVerdict, Option<u16>, Option<String>) {
    let raw = match fetch(url, timeout).await {
        Ok(raw) => raw,
        Err(e) => return (CaptiveVerdict::Unknown(e), None, None),
    };
    match http::parse(&raw) {
        Some(resp) => {
            let verdict = judge(&resp);
            let location = resp.header("location").map(str::to_string);
            (verdict, Some(resp.status), location)
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

async fn fetch(url: &HttpUrl, timeout: Duration) -> Result<Vec<u8>, String> {
    let ip = match connect::lookup(&url.host, timeout).await {
        Dns::Failed { error, .. } => Err(format!("{} does not resolve: {error}", url.host)),
        Dns::Timeout(_) => Err(format!("{} does not resolve in time", url.host)),
        dns => dns
            .addrs()
            .first()
            .copied()
            .ok_or_else(|| format!("{} has no address", url.host)),
    }?;
    let addr = SocketAddr::new(ip, url.port);
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let request = http::request("GET", &url.host, url.port, 80, &url.path);
    let raw = http::exchange(&mut stream, &request, true, MAX_ANSWER)
        .await
        .map_err(|e| format!("asking {addr}: {e}"))?;
    if raw.is_empty() {
        return Err(format!("{addr} closed the connection without an answer"));
    }
    Ok(raw)
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
        301 | 302 | 303 | 307 | 308 => CaptiveVerdict::Captive(match resp.header("location") {
            Some(l) => format!("{} redirect to {l}", resp.status),
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

    fn verdict(raw: &str) -> CaptiveVerdict {
        judge(&http::parse(raw.as_bytes()).unwrap())
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
    }
}
