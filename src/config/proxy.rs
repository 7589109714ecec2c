//! The HTTP proxy the TLS checks go through, found as curl finds it: `--no-proxy`, else
//! `--proxy`, else `[network] proxy`, else `https_proxy` / `HTTPS_PROXY` / `all_proxy` /
//! `ALL_PROXY`; and the hosts that go direct all the same: `no_proxy` / `NO_PROXY` and
//! `[network] no_proxy`, and (as Go's and browsers' proxy rules do) loopback hosts.
//!
//! Only HTTP proxies that tunnel with `CONNECT` are spoken to; a URL of another kind is
//! refused at start with what to do, never ignored.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;

use super::HostPort;

/// The port of a proxy URL that gives none (curl's default).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// The environment variables that name a proxy for HTTPS, in the order they are read.
pub const PROXY_VARS: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// The environment variables that list the hosts that go direct.
pub const NO_PROXY_VARS: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// An HTTP proxy: where it listens, its credentials, and where it was set.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// The `Proxy-Authorization` value (`Basic …`) when the URL has a user name.
    authorization: Option<String>,
    /// Where the setting came from: "--proxy", "[network] proxy", "HTTPS_PROXY".
    pub source: String,
}

// The credentials stay out of logs and debug dumps.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.authorization.is_some())
            .field("source", &self.source)
            .finish()
    }
}

impl Proxy {
    /// Parses `url` (`http://[user[:password]@]host[:port][/]`, or a bare `host[:port]`), set
    /// by `source`. The error quotes the URL without its password and says what is accepted.
    pub fn parse(url: &str, source: &str) -> Result<Self, String> {
        let shown = without_password(url);
        let bad = |why: &str| {
            format!(
                "bad proxy URL {shown:?} (from {source}): {why}; use http://[user:password@]host[:port], or --no-proxy to go direct"
            )
        };
        let url = url.trim();
        let rest = match url.split_once("://") {
            None => url,
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => rest,
                "https" => {
                    return Err(bad(
                        "a proxy spoken to over TLS (https://) is not supported, only an HTTP proxy that tunnels with CONNECT",
                    ));
                }
                s if s.starts_with("socks") => {
                    return Err(bad(
                        "SOCKS proxies are not supported, only an HTTP proxy that tunnels with CONNECT",
                    ));
                }
                _ => return Err(bad("the scheme must be http://")),
            },
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if !rest[authority.len()..].trim_matches('/').is_empty() {
            return Err(bad("a proxy URL has no path"));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        // HostPort's own advice ("use host or host:port") gives way to the URL's.
        let hp: HostPort = hostport
            .parse()
            .map_err(|e: String| bad(e.split("; use").next().unwrap_or(&e)))?;
        let authorization = match userinfo {
            None => None,
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                let user = percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?;
                let pass =
                    percent_decode(pass).ok_or_else(|| bad("bad %-escape in the password"))?;
                let pair = format!("{user}:{pass}");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
        };
        Ok(Proxy {
            port: hp.port_or(DEFAULT_PROXY_PORT),
            host: hp.host,
            authorization,
            source: source.to_string(),
        })
    }

    /// `host:port`, as the reports name the proxy (never its credentials).
    pub fn authority(&self) -> String {
        HostPort {
            host: self.host.clone(),
            port: Some(self.port),
        }
        .to_string()
    }

    /// The `Proxy-Authorization` header's value, when the URL had credentials.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }
}

/// The URL with any password replaced by `***`, for messages.
fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let sep = if scheme.is_empty() { "" } else { "://" };
    format!("{scheme}{sep}{authority}{path}")
}

/// `%XX` escapes decoded (a URL's user name and password); `None` for a bad escape.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One `no_proxy` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bypass {
    /// `*`: every host goes direct.
    All,
    /// A domain and everything under it (`example.com` and `.example.com` alike).
    Domain(String),
    Addr(IpAddr),
    /// An address block, `10.0.0.0/8`.
    Net(IpAddr, u8),
}

/// The hosts that go direct although a proxy is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy(Vec<Bypass>);

impl NoProxy {
    /// Adds the entries of a `NO_PROXY` value: names, addresses and blocks separated by commas
    /// (or spaces). Entries that mean nothing (a port, junk) are skipped, as curl skips them.
    pub fn add_list(&mut self, list: &str) {
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            self.add(entry);
        }
    }

    /// Adds one entry.
    pub fn add(&mut self, entry: &str) {
        let entry = entry.trim().to_ascii_lowercase();
        let bypass = if entry == "*" {
            Bypass::All
        } else if let Some((net, bits)) = entry.split_once('/') {
            match (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                (Ok(ip @ IpAddr::V4(_)), Ok(b)) if b <= 32 => Bypass::Net(ip, b),
                (Ok(ip @ IpAddr::V6(_)), Ok(b)) if b <= 128 => Bypass::Net(ip, b),
                _ => return,
            }
        } else if let Ok(ip) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
            Bypass::Addr(ip)
        } else {
            let domain = entry.trim_start_matches('.').trim_end_matches('.');
            if domain.is_empty() || domain.contains(':') {
                return;
            }
            Bypass::Domain(domain.to_string())
        };
        self.0.push(bypass);
    }

    /// Adds every entry of `other`.
    pub fn extend(&mut self, other: &NoProxy) {
        self.0.extend(other.0.iter().cloned());
    }

    /// Whether `host` (a name or an address) goes direct.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = host.trim_matches(['[', ']']).parse::<IpAddr>().ok();
        self.0.iter().any(|b| match (b, ip) {
            (Bypass::All, _) => true,
            (Bypass::Addr(a), Some(ip)) => *a == ip,
            (Bypass::Net(net, bits), Some(ip)) => in_block(ip, *net, *bits),
            (Bypass::Domain(d), None) => {
                host == *d
                    || host
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }
            _ => false,
        })
    }
}

/// Whether `ip` is in `net/bits`.
fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, len) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(n)) << 96,
            bits,
        ),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), bits),
        _ => return false,
    };
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    ip & mask == net & mask
}

/// Whether `host` is this machine itself: `localhost` or a loopback address. Loopback never
/// goes through a proxy (a proxy elsewhere would reach its own loopback, not ours).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The `[network] proxy` setting before the command line and the environment are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxyChoice {
    /// Not set in the config: the environment decides.
    #[default]
    FromEnv,
    /// `proxy = ""` (or `--no-proxy`): every check goes direct.
    Off,
    Use(Proxy),
}

/// Which proxy, if any, the checks use: `--no-proxy` (`no_proxy_flag`), else `--proxy`
/// (`flag`), else the config's `choice`, else the environment as `env` reads it. `None`: go
/// direct. An unusable URL from any of them is an error that names it.
pub fn choose(
    no_proxy_flag: bool,
    flag: Option<&str>,
    choice: &ProxyChoice,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, String> {
    if no_proxy_flag {
        return Ok(None);
    }
    if let Some(url) = flag {
        return Proxy::parse(url, "--proxy").map(Some);
    }
    match choice {
        ProxyChoice::Off => Ok(None),
        ProxyChoice::Use(p) => Ok(Some(p.clone())),
        ProxyChoice::FromEnv => PROXY_VARS
            .iter()
            .find_map(|var| env(var).filter(|v| !v.trim().is_empty()).map(|v| (var, v)))
            .map(|(var, url)| Proxy::parse(&url, var))
            .transpose(),
    }
}

/// The environment's `no_proxy` list (the first of [`NO_PROXY_VARS`] that is set).
pub fn env_no_proxy(env: &dyn Fn(&str) -> Option<String>) -> NoProxy {
    let mut list = NoProxy::default();
    if let Some(v) = NO_PROXY_VARS.iter().find_map(|var| env(var)) {
        list.add_list(&v);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let p = Proxy::parse("http://proxy.corp:3128", "t").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.authorization()),
            ("proxy.corp", 3128, None)
        );
        let p = Proxy::parse("proxy.corp", "t").unwrap();
        assert_eq!((p.port, p.authority()), (1080, "proxy.corp:1080".into()));
        let p = Proxy::parse("HTTP://u%40x:p%3Ass@[::1]:8080/", "t").unwrap();
        assert_eq!(p.authority(), "[::1]:8080");
        // "u@x:p:ss"
        assert_eq!(p.authorization(), Some("Basic dUB4OnA6c3M="));
        assert!(!format!("{p:?}").contains("dUB4"));
    }

    #[test]
    fn bad_urls_say_what_to_do_and_hide_the_password() {
        for (url, words) in [
            ("socks5://h:1080", "SOCKS"),
            ("https://h:443", "over TLS"),
            ("ftp://h", "scheme"),
            ("http://h:99999", "port"),
            ("http://h/path", "no path"),
            ("http://user:hunter2@h:0", "port"),
            ("http://u:%zz@h", "%-escape"),
        ] {
            let e = Proxy::parse(url, "HTTPS_PROXY").unwrap_err();
            assert!(e.contains(words), "{url}: {e}");
            assert!(e.contains("HTTPS_PROXY") && e.contains("--no-proxy"), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn no_proxy_entries() {
        let mut n = NoProxy::default();
        n.add_list(".corp.example, intranet 10.0.0.0/8,192.168.1.5, fd00::/8, :junk, host:80");
        for host in [
            "corp.example",
            "a.corp.example",
            "INTRANET",
            "x.intranet.",
            "10.1.2.3",
            "192.168.1.5",
            "fd00::1",
            "[fd00::1]",
        ] {
            assert!(n.matches(host), "{host}");
        }
        for host in [
            "notcorp.example",
            "example",
            "11.0.0.1",
            "192.168.1.6",
            "fe80::1",
        ] {
            assert!(!n.matches(host), "{host}");
        }
        let mut all = NoProxy::default();
        all.add_list("*");
        assert!(all.matches("anything.example"));
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST.",
            "a.localhost",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["10.0.0.1", "localhost.example", "example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn precedence() {
        let env = |v: &str| match v {
            "HTTPS_PROXY" => Some("http://env:1".to_string()),
            "ALL_PROXY" => Some("http://all:2".to_string()),
            _ => None,
        };
        let configured = ProxyChoice::Use(Proxy::parse("http://cfg:3", "[network] proxy").unwrap());
        let host = |r: Result<Option<Proxy>, String>| r.unwrap().map(|p| p.host);
        assert_eq!(
            host(choose(false, None, &ProxyChoice::FromEnv, &env)),
            Some("env".into())
        );
        assert_eq!(
            host(choose(false, None, &configured, &env)),
            Some("cfg".into())
        );
        assert_eq!(host(choose(false, None, &ProxyChoice::Off, &env)), None);
        assert_eq!(
            host(choose(false, Some("flag:4"), &configured, &env)),
            Some("flag".into())
        );
        assert_eq!(host(choose(true, Some("flag:4"), &configured, &env)), None);
        let lower_first = |v: &str| match v {
            "https_proxy" => Some("low:1".to_string()),
            "HTTPS_PROXY" => Some("up:1".to_string()),
            _ => None,
        };
        assert_eq!(
            host(choose(false, None, &ProxyChoice::FromEnv, &lower_first)),
            Some("low".into())
        );
        let blank = |v: &str| (v == "https_proxy").then(|| " ".to_string());
        assert_eq!(
            host(choose(false, None, &ProxyChoice::FromEnv, &blank)),
            None
        );
        let bad = |v: &str| (v == "ALL_PROXY").then(|| "socks5://s:1".to_string());
        let e = choose(false, None, &ProxyChoice::FromEnv, &bad).unwrap_err();
        assert!(e.contains("ALL_PROXY"), "{e}");
    }
}
