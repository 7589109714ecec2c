//! The plain-HTTP URL of the captive-portal check (`[network] captive_url`), parsed once when
//! the config is read.

use std::fmt;

use super::HostPort;

/// A parsed `http://host[:port]/path` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    /// The path and query, starting with `/`.
    pub path: String,
    /// The URL as written, for messages.
    raw: String,
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for HttpUrl {
    type Err = String;

    /// Parses a plain-HTTP URL; the error quotes it and says what is accepted.
    fn from_str(url: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "bad captive-portal URL {url:?}: {why}; use a plain http:// URL that answers 204 No Content, or \"\" to turn the check off"
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
        let hp: HostPort = authority.parse().map_err(|e: String| bad(&e))?;
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("the path has a space or control character"));
        }
        Ok(HttpUrl {
            host: hp.host,
            port: hp.port.unwrap_or(80),
            path,
            raw: url.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<HttpUrl, String> {
        s.parse()
    }

    #[test]
    fn urls() {
        let u = parse("http://connectivitycheck.gstatic.com/generate_204").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("connectivitycheck.gstatic.com", 80, "/generate_204")
        );
        assert_eq!(
            u.to_string(),
            "http://connectivitycheck.gstatic.com/generate_204"
        );
        let u = parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.port, u.path.as_str()), (8080, "/"));
        let u = parse("http://[::1]:81?x=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 81, "/?x=1")
        );
        assert!(parse("https://a/").unwrap_err().contains("plain http"));
        assert!(parse("ftp://a/").unwrap_err().contains("http://"));
        assert!(parse("http://a:0/").is_err());
        assert!(parse("http://a/b c").is_err());
    }
}
