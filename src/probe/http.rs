//! The one HTTP/1.1 client: a request written by the program, a bounded read of the answer,
//! and a parser for the parts the checks need. Used over TLS (the handshake check's `HEAD /`,
//! for the status and the `Date` header) and over plain TCP (the captive-portal check's `GET`).
//! Header values are cleaned of control characters as they are parsed: they come from the
//! network.

use std::io;
use std::time::SystemTime;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::cert::{days_from_civil, system_time};
use crate::text::clean;

/// The request line and headers of a `method` request for `path` on `host:port` (`default_port`
/// is left out of the `Host` header, as browsers do).
pub fn request(method: &str, host: &str, port: u16, default_port: u16, path: &str) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let host = if port == default_port {
        host
    } else {
        format!("{host}:{port}")
    };
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tlsdoctor-tui/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Sends `request` and reads the answer until its head has arrived (`body: false`) or its
/// whole body has (by `Content-Length`, or a status without one), the peer closes, or `max`
/// bytes have arrived. An error after some bytes arrived ends the read with what came.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &str,
    body: bool,
    max: usize,
) -> io::Result<Vec<u8>> {
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;
    let mut raw = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let done = match parse(&raw) {
            Some(r) => !body || r.complete,
            None => false,
        };
        if done || raw.len() >= max {
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n.min(max - raw.len())]),
            Err(e) if raw.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(raw)
}

/// The parts of an HTTP/1.x response the checks use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// "HTTP/1.1 200 OK", cleaned.
    pub status_line: String,
    pub status: u16,
    /// Header names in lower case, values cleaned, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The whole body has arrived: by `Content-Length`, or the status has none (204, 304).
    pub complete: bool,
}

impl Response {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The response in `raw`, once its head is complete; `None` before that or when it is not
/// HTTP/1.x.
pub fn parse(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?.trim();
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), clean(v.trim())))
        .collect();
    let body = raw[end + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let complete = status == 204 || status == 304 || length.is_some_and(|n| body.len() >= n);
    Some(Response {
        status_line: clean(status_line),
        status,
        headers,
        body,
        complete,
    })
}

/// An HTTP date in the IMF-fixdate form every server must send:
/// "Sun, 06 Nov 1994 08:49:37 GMT".
pub fn parse_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [wkday, day, month, year, clock, "GMT"] = parts.as_slice() else {
        return None;
    };
    if !wkday.ends_with(',') {
        return None;
    }
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as u32
        + 1;
    let year: i64 = year.parse().ok().filter(|y| *y >= 1970)?;
    let hms: Vec<i64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    if !(0..24).contains(h) || !(0..60).contains(m) || !(0..=60).contains(sec) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(system_time(days * 86_400 + h * 3600 + m * 60 + sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_imf_fixdate() {
        let t = parse_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(super::super::cert::unix(t), 784_111_777);
        assert!(parse_date("Sunday, 06-Nov-94 08:49:37 GMT").is_none());
        assert!(parse_date("Sun, 06 Nov 1994 25:49:37 GMT").is_none());
        assert!(parse_date("").is_none());
    }

    #[test]
    fn responses_parse_with_clean_headers() {
        let r = parse(b"HTTP/1.1 301 Moved\r\nServer: x\x1b[2J\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\nab").unwrap();
        assert_eq!(
            (r.status, r.status_line.as_str()),
            (301, "HTTP/1.1 301 Moved")
        );
        assert_eq!(r.header("server"), Some("x[2J"));
        assert!(r.header("date").is_some());
        assert!(r.complete);
        assert!(parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_none());
        assert!(
            parse(b"HTTP/1.1 200 OK\r\n").is_none(),
            "the head is not complete"
        );
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab").unwrap();
        assert!(!r.complete);
    }

    #[test]
    fn host_headers() {
        let r = request("HEAD", "::1", 8443, 443, "/");
        assert!(
            r.starts_with("HEAD / HTTP/1.1\r\nHost: [::1]:8443\r\n"),
            "{r}"
        );
        let r = request("GET", "example.com", 80, 80, "/generate_204");
        assert!(r.contains("Host: example.com\r\n"), "{r}");
    }
}
