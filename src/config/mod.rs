//! The configuration: the embedded defaults, a TOML file laid over them key by key, then the
//! command line. Every bad value is refused here with a message that quotes it and says where
//! it came from, so nothing else ever sees a half-valid config.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use toml::Spanned;

pub mod file;
pub mod ovpn;
pub mod presets;
pub mod proxy;
pub mod static_key;
pub mod url;
pub mod wg;

pub use proxy::{NoProxy, Proxy, ProxyChoice};
pub use static_key::{Digest, Direction, KeyDirection, StaticKey, TlsWrap};
pub use url::HttpUrl;
pub use wg::WgKeys;

/// The defaults compiled into the binary: used when no config file exists, and the only place
/// a default value lives (a key a config file leaves out takes its value from here).
pub const EMBEDDED_DEFAULTS: &str = include_str!("defaults.toml");
/// Why loading panics if `defaults.toml` misses a key (a test proves it does not).
const DEFAULTS_SET_EVERY_KEY: &str = "defaults.toml sets every [clock] and [network] key";

/// The HTTPS port: a target's port when neither the config nor the command line gives one (the
/// CLI contract: `host[:port]`, port 443 by default).
pub const HTTPS_PORT: u16 = 443;
/// The NTP port.
pub const NTP_PORT: u16 = 123;

/// The whole, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub clock: ClockConfig,
    pub network: NetworkConfig,
    pub targets: Vec<Target>,
}

/// `[clock]`: where the true time comes from and how often it is sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockConfig {
    pub servers: Vec<HostPort>,
    pub interval: Duration,
    pub timeout: Duration,
}

/// `[network]`: settings shared by every target.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    pub timeout: Duration,
    pub ca_file: Option<PathBuf>,
    /// The plain-HTTP URL of the captive-portal check (`captive_url`; `""` turns it off).
    pub captive_url: Option<HttpUrl>,
    /// Nameservers asked directly, besides the system's, to compare DNS answers (`resolvers`).
    pub resolvers: Vec<SocketAddr>,
    /// How many network checks run at once (`concurrency`).
    pub concurrency: usize,
    /// The other server name a blocked handshake is retried with (`alt_sni`; `""` skips it).
    pub alt_sni: Option<String>,
    /// The HTTP proxy of the TLS checks (`proxy`; `""` goes direct); once the command line is
    /// laid over the config ([`Config::route`]), never [`ProxyChoice::FromEnv`].
    pub proxy: ProxyChoice,
    /// The hosts that go direct although a proxy is set (`no_proxy`, with the environment's
    /// `NO_PROXY` once routed).
    pub no_proxy: NoProxy,
}

/// One `[[targets]]` entry: a server and the checks to run against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub sni: Sni,
    /// An address to use instead of asking DNS; its IP is used for every probe of the target.
    pub connect: Option<SocketAddr>,
    pub probes: Vec<ProbeSpec>,
    pub tls_auth: Option<PathBuf>,
    pub key_direction: KeyDirection,
    /// The OpenVPN key that signs this target's OpenVPN probes: read from `tls_auth` with
    /// `key_direction`, or imported from an `.ovpn` profile (which may also give tls-crypt, a
    /// digest, or no direction). It is what the probes use; `key_direction` only says how
    /// `tls_auth` was read.
    pub tls_wrap: Option<TlsWrap>,
    /// Other servers for the same service, for "try another server".
    pub alternatives: Vec<String>,
    /// Set on the targets made from another's `alternatives`: the index of that target. They
    /// run only when the user tries them.
    pub alternative_of: Option<usize>,
    /// The HTTP proxy its TLS checks tunnel through (set by [`Config::route`]); `None`: direct.
    pub proxy: Option<Proxy>,
    /// The keys of a WireGuard client config (`--wg`): its WireGuard probes make a real
    /// handshake instead of an initiation-shaped packet.
    pub wg_keys: Option<WgKeys>,
    /// The TLS side of an OpenVPN profile (`--ovpn` with a CA): its OpenVPN probes also run
    /// the real control-channel TLS handshake.
    pub ovpn_tls: Option<Box<ovpn::OvpnTls>>,
}

impl Target {
    /// A target for `host[:port]` as given on the command line: a TLS check on its port.
    pub fn from_host_port(hp: &HostPort) -> Self {
        let port = hp.port.unwrap_or(HTTPS_PORT);
        Target {
            name: hp.to_string(),
            host: hp.host.clone(),
            port,
            sni: Sni::Host,
            connect: None,
            probes: vec![ProbeSpec::Tls],
            tls_auth: None,
            key_direction: KeyDirection::default(),
            tls_wrap: None,
            alternatives: Vec::new(),
            alternative_of: None,
            proxy: None,
            wg_keys: None,
            ovpn_tls: None,
        }
    }

    /// What a proxy is asked to `CONNECT` to: the `connect` address when one is set (the
    /// user said where this target is), else `host:port`.
    pub fn tunnel_authority(&self) -> String {
        self.connect.map_or_else(
            || {
                HostPort {
                    host: self.host.clone(),
                    port: Some(self.port),
                }
                .to_string()
            },
            |a| a.to_string(),
        )
    }

    /// The path its TLS checks take, as the reports say it: "direct" or "proxy host:port".
    pub fn via(&self) -> String {
        self.proxy.as_ref().map_or_else(
            || "direct".to_string(),
            |p| format!("proxy {}", p.authority()),
        )
    }

    /// The port the TLS handshake dials: the `connect` address's port when it has one (as
    /// curl's `--connect-to` does: `port` stays the port the server is known by), else `port`.
    pub fn tls_port(&self) -> u16 {
        self.connect.map_or(self.port, |c| c.port())
    }

    /// The TCP ports this target's checks connect to, in order, without repeats: the TLS port
    /// first, then every `tcp:N`.
    pub fn tcp_ports(&self) -> Vec<u16> {
        let mut ports = Vec::new();
        for probe in &self.probes {
            let port = match probe {
                ProbeSpec::Tls => self.tls_port(),
                ProbeSpec::Tcp(p) => *p,
                _ => continue,
            };
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        ports
    }

    /// The OpenVPN and WireGuard probes, in the order of `probes` (TLS and TCP ports belong to
    /// the connect and handshake checks).
    pub fn reach_probes(&self) -> Vec<ProbeSpec> {
        self.probes
            .iter()
            .copied()
            .filter(|s| s.is_reach())
            .collect()
    }

    /// The name sent in the TLS SNI extension, if any.
    pub fn sni_name(&self) -> Option<&str> {
        match &self.sni {
            Sni::Host => Some(&self.host),
            Sni::Name(name) => Some(name),
            Sni::None => None,
        }
    }
}

/// What to send as the TLS server name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sni {
    /// The target's host (the default).
    #[default]
    Host,
    /// Another name.
    Name(String),
    /// No SNI extension at all (`sni = ""`).
    None,
}

/// One check of a target, as named in its `probes` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeSpec {
    /// The TLS handshake on the target's port.
    Tls,
    /// A TCP connect to a port.
    Tcp(u16),
    /// The OpenVPN hard-reset probe over UDP.
    OpenvpnUdp(u16),
    /// The OpenVPN hard-reset probe over TCP.
    OpenvpnTcp(u16),
    /// A WireGuard initiation-shaped packet over UDP.
    Wireguard(u16),
}

impl ProbeSpec {
    /// The probe names a config may use, for error messages and the README.
    pub const NAMES: &'static str =
        "tls, tcp:PORT, openvpn-udp[:PORT], openvpn-tcp[:PORT], wireguard[:PORT]";

    /// The name of the probe's kind, as in the config and the JSON report.
    pub fn kind(self) -> &'static str {
        match self {
            ProbeSpec::Tls => "tls",
            ProbeSpec::Tcp(_) => "tcp",
            ProbeSpec::OpenvpnUdp(_) => "openvpn-udp",
            ProbeSpec::OpenvpnTcp(_) => "openvpn-tcp",
            ProbeSpec::Wireguard(_) => "wireguard",
        }
    }

    /// Whether the reachability check runs it (OpenVPN, WireGuard); TLS and TCP ports belong
    /// to the handshake and connect checks.
    pub fn is_reach(self) -> bool {
        matches!(
            self,
            ProbeSpec::OpenvpnUdp(_) | ProbeSpec::OpenvpnTcp(_) | ProbeSpec::Wireguard(_)
        )
    }

    /// The port the probe uses, when it names one.
    pub fn port(self) -> Option<u16> {
        match self {
            ProbeSpec::Tls => None,
            ProbeSpec::Tcp(p)
            | ProbeSpec::OpenvpnUdp(p)
            | ProbeSpec::OpenvpnTcp(p)
            | ProbeSpec::Wireguard(p) => Some(p),
        }
    }
}

impl fmt::Display for ProbeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port() {
            Some(port) => write!(f, "{}:{port}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

impl FromStr for ProbeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, port) = match s.split_once(':') {
            Some((kind, port)) => {
                let port = port
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| {
                        format!(
                            "bad port {} in probe {}: use a number from 1 to 65535",
                            q(port),
                            q(s)
                        )
                    })?;
                (kind, Some(port))
            }
            None => (s, None),
        };
        let spec = match (kind, port) {
            ("tls", None) => ProbeSpec::Tls,
            ("tcp", Some(p)) => ProbeSpec::Tcp(p),
            ("openvpn-udp", p) => ProbeSpec::OpenvpnUdp(p.unwrap_or(1194)),
            ("openvpn-tcp", p) => ProbeSpec::OpenvpnTcp(p.unwrap_or(443)),
            ("wireguard", p) => ProbeSpec::Wireguard(p.unwrap_or(51820)),
            ("tls", Some(_)) => {
                return Err(format!(
                    "bad probe {}: \"tls\" takes no port (it uses the target's `port`)",
                    q(s)
                ));
            }
            ("tcp", None) => {
                return Err(format!(
                    "bad probe {}: tcp needs a port, as in \"tcp:80\"",
                    q(s)
                ));
            }
            _ => {
                return Err(format!(
                    "unknown probe {}: use one of {}",
                    q(s),
                    ProbeSpec::NAMES
                ));
            }
        };
        Ok(spec)
    }
}

/// `host[:port]`, with IPv6 literals in brackets when a port follows (`[::1]:123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: String,
    pub port: Option<u16>,
}

impl HostPort {
    /// The port, or `default` when none was given.
    pub fn port_or(&self, default: u16) -> u16 {
        self.port.unwrap_or(default)
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bracket = self.host.contains(':');
        match (self.port, bracket) {
            (Some(p), true) => write!(f, "[{}]:{p}", self.host),
            (Some(p), false) => write!(f, "{}:{p}", self.host),
            (None, _) => f.write_str(&self.host),
        }
    }
}

impl FromStr for HostPort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| format!("bad address {}: {why}; use host or host:port", q(s));
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| bad("missing ']' after the IPv6 address"))?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or_else(|| bad("junk after ']'"))?,
                    ),
                ),
            }
        } else if s.parse::<IpAddr>().is_ok() {
            (s, None)
        } else {
            match s.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (s, None),
            }
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(bad("the host has a space, slash or control character"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                bad(&format!(
                    "the port {} is not a number from 1 to 65535",
                    q(p)
                ))
            })?),
        };
        Ok(HostPort {
            host: host.to_string(),
            port,
        })
    }
}

/// The longest duration a config or the command line may give (a timeout, an interval): a
/// day. Past it nothing is useful, and the run's arithmetic on durations (a deadline of four
/// timeouts, an instant a timeout ahead) stays far from overflowing.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// A duration as written in the config and on the command line: `30s`, `500ms`, `2m`; more
/// than zero and at most [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let shown = crate::text::quote(s);
    if s.trim().starts_with('-') {
        return Err(format!(
            "bad duration {shown}: a duration cannot be negative; write it like \"5s\", \"500ms\" or \"2m\""
        ));
    }
    let d = humantime::parse_duration(s.trim()).map_err(|e| {
        format!("bad duration {shown} ({e}): write it like \"5s\", \"500ms\" or \"2m\"")
    })?;
    if d.is_zero() {
        return Err(format!("bad duration {shown}: it must be more than zero"));
    }
    if d > MAX_DURATION {
        return Err(format!(
            "bad duration {shown}: it is more than a day (24h), the longest allowed; give a timeout in seconds or minutes, like \"5s\""
        ));
    }
    Ok(d)
}

/// `HOST:PORT:ADDR` as given to `--resolve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl FromStr for Resolve {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            format!(
                "bad --resolve {}: {why}; write it as HOST:PORT:ADDR, e.g. example.com:443:127.0.0.1",
                q(s)
            )
        };
        let mut parts = s.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("it needs three parts"));
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                bad(&format!(
                    "the port {} is not a number from 1 to 65535",
                    q(port)
                ))
            })?;
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        let addr = addr
            .parse::<IpAddr>()
            .map_err(|_| bad(&format!("{} is not an IP address", q(addr))))?;
        Ok(Resolve {
            host: host.to_string(),
            port,
            addr,
        })
    }
}

/// A config that could not be used: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The default config path: `$XDG_CONFIG_HOME/tlsdoctor/config.toml`, else
/// `~/.config/tlsdoctor/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("tlsdoctor").join("config.toml"))
}

impl Config {
    /// The embedded defaults alone.
    pub fn defaults() -> Self {
        let raw = parse_raw(EMBEDDED_DEFAULTS, Path::new("<embedded defaults>"))
            .expect("the embedded defaults parse");
        Self::from_raw(
            RawConfig::default(),
            raw,
            Path::new("<embedded defaults>"),
            "",
        )
        .expect("the embedded defaults are valid")
    }

    /// The embedded defaults with the TOML text `src` (read from `path`) laid over them.
    pub fn from_toml(src: &str, path: &Path) -> Result<Self, ConfigError> {
        let defaults = parse_raw(EMBEDDED_DEFAULTS, Path::new("<embedded defaults>"))
            .expect("the embedded defaults parse");
        let file = parse_raw(src, path)?;
        Self::from_raw(file, defaults, path, src)
    }

    /// Reads and applies the config file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let src = file::read_text(path, file::FileKind::Config)
            .map_err(|e| ConfigError(format!("{e}; check the path given to --config")))?;
        Self::from_toml(&src, path)
    }

    fn from_raw(
        file: RawConfig,
        defaults: RawConfig,
        path: &Path,
        src: &str,
    ) -> Result<Self, ConfigError> {
        let fc = file.clock.unwrap_or_default();
        let dc = defaults.clock.unwrap_or_default();
        let fnw = file.network.unwrap_or_default();
        let dnw = defaults.network.unwrap_or_default();
        let clock = ClockConfig {
            servers: fc
                .servers
                .or(dc.servers)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.0)
                .collect(),
            interval: fc.interval.or(dc.interval).expect(DEFAULTS_SET_EVERY_KEY).0,
            timeout: fc.timeout.or(dc.timeout).expect(DEFAULTS_SET_EVERY_KEY).0,
        };
        let ca_file = match fnw.ca_file {
            Some(p) => Some(check_file(
                &p,
                path,
                src,
                "ca_file",
                file::FileKind::CaBundle,
            )?),
            None => dnw.ca_file.map(Spanned::into_inner),
        };
        let captive_url = match fnw.captive_url.or(dnw.captive_url) {
            Some(u) if u.get_ref().is_empty() => None,
            Some(u) => Some(
                u.get_ref()
                    .parse::<HttpUrl>()
                    .map_err(|e| at(path, src, u.span().start, &format!("captive_url: {e}")))?,
            ),
            None => panic!("{DEFAULTS_SET_EVERY_KEY}"),
        };
        let network = NetworkConfig {
            timeout: fnw.timeout.or(dnw.timeout).expect(DEFAULTS_SET_EVERY_KEY).0,
            ca_file,
            captive_url,
            resolvers: fnw
                .resolvers
                .or(dnw.resolvers)
                .expect(DEFAULTS_SET_EVERY_KEY)
                .into_iter()
                .map(|n| n.0)
                .collect(),
            concurrency: fnw
                .concurrency
                .or(dnw.concurrency)
                .expect(DEFAULTS_SET_EVERY_KEY)
                .0,
            alt_sni: Some(fnw.alt_sni.or(dnw.alt_sni).expect(DEFAULTS_SET_EVERY_KEY).0)
                .filter(|s| !s.is_empty()),
            proxy: match fnw.proxy.or(dnw.proxy) {
                None => ProxyChoice::FromEnv,
                Some(u) if u.get_ref().trim().is_empty() => ProxyChoice::Off,
                Some(u) => ProxyChoice::Use(
                    Proxy::parse(u.get_ref(), "[network] proxy")
                        .map_err(|e| at(path, src, u.span().start, &e))?,
                ),
            },
            no_proxy: {
                let mut list = NoProxy::default();
                for entry in fnw.no_proxy.or(dnw.no_proxy).unwrap_or_default() {
                    list.add(&entry);
                }
                list
            },
        };
        let raw_targets = file.targets.or(defaults.targets).unwrap_or_default();
        let mut targets = Vec::with_capacity(raw_targets.len());
        for t in raw_targets {
            let span = t.span();
            let t = t.into_inner();
            let port = t.port.map_or(HTTPS_PORT, |p| p.0);
            let host = t.host.0;
            let key_direction = t.key_direction.unwrap_or_default();
            let (tls_auth, tls_wrap) = match t.tls_auth {
                Some(p) => {
                    // Opened once, by the read itself (file::read_text checks it is a regular
                    // file within a key's size).
                    let file = p.get_ref().clone();
                    let key = StaticKey::load(&file).map_err(|e| {
                        at(
                            path,
                            src,
                            p.span().start,
                            &format!(
                                "tls_auth: {e}; give the tls-auth key of your OpenVPN profile"
                            ),
                        )
                    })?;
                    let wrap = TlsWrap::Auth {
                        key,
                        direction: key_direction.into(),
                        digest: Digest::default(),
                    };
                    (Some(file), Some(wrap))
                }
                None => (None, None),
            };
            // Free text that reaches the screen and the reports: cleaned here, once.
            let name = t.name.map_or_else(
                || {
                    HostPort {
                        host: host.clone(),
                        port: Some(port),
                    }
                    .to_string()
                },
                |n| crate::text::clean(&n),
            );
            if let Some(dup) = targets.iter().find(|o: &&Target| o.name == name) {
                return Err(at(
                    path,
                    src,
                    span.start,
                    &format!(
                        "two targets are named {}: give each a different `name`",
                        q(&dup.name)
                    ),
                ));
            }
            targets.push(Target {
                name,
                host,
                port,
                sni: match t.sni {
                    None => Sni::Host,
                    Some(s) if s.is_empty() => Sni::None,
                    Some(s) => Sni::Name(crate::text::clean(&s)),
                },
                connect: t.connect.map(|c| c.into_addr(port)),
                probes: t.probes.map_or_else(
                    || vec![ProbeSpec::Tls],
                    |p| p.into_iter().map(|p| p.0).collect(),
                ),
                tls_auth,
                key_direction,
                tls_wrap,
                alternatives: t
                    .alternatives
                    .unwrap_or_default()
                    .into_iter()
                    .map(|h| h.0)
                    .collect(),
                alternative_of: None,
                proxy: None,
                wg_keys: None,
                ovpn_tls: None,
            });
        }
        Ok(Config {
            clock,
            network,
            targets,
        })
    }

    /// Adds a target for each alternative server of each target, right after it and marked
    /// `alternative_of`, so "try another server" can run the same checks against it and show
    /// them beside the failing one. Call once, after every source of targets has been applied.
    pub fn expand_alternatives(&mut self) {
        let mut out = Vec::with_capacity(self.targets.len());
        for t in std::mem::take(&mut self.targets) {
            let parent = out.len();
            let alts = if t.alternative_of.is_none() {
                t.alternatives.clone()
            } else {
                Vec::new()
            };
            out.push(t);
            for alt in alts {
                let mut a = out[parent].clone();
                a.name = format!("{} → {alt}", out[parent].name);
                a.host = alt;
                if a.sni != Sni::None {
                    a.sni = Sni::Host;
                }
                a.connect = None;
                a.alternatives = Vec::new();
                a.alternative_of = Some(parent);
                out.push(a);
            }
        }
        self.targets = out;
    }

    /// Settles the proxy: `proxy` for every target but those `no_proxy` (the config's and the
    /// environment's `env_no_proxy`) or loopback send direct. Call once, after every source of
    /// targets has been applied.
    pub fn route(&mut self, proxy: Option<Proxy>, env_no_proxy: &NoProxy) {
        self.network.no_proxy.extend(env_no_proxy);
        for t in &mut self.targets {
            t.proxy = proxy
                .as_ref()
                .filter(|_| !proxy::is_loopback(&t.host) && !self.network.no_proxy.matches(&t.host))
                .cloned();
        }
        self.network.proxy = proxy.map_or(ProxyChoice::Off, ProxyChoice::Use);
    }

    /// Points every target named `host` on `port` at `addr`, as curl's `--resolve` does.
    /// Returns false when no target matches.
    pub fn apply_resolve(&mut self, r: &Resolve) -> bool {
        let mut hit = false;
        for t in &mut self.targets {
            if t.host.eq_ignore_ascii_case(&r.host) && t.port == r.port {
                t.connect = Some(SocketAddr::new(r.addr, r.port));
                hit = true;
            }
        }
        hit
    }
}

/// A value as the user wrote it, quoted and escaped (never stripped), for messages.
fn q(s: &str) -> String {
    crate::text::quote(s)
}

/// The 1-based line of byte `offset` in `src`.
fn line_of(src: &str, offset: usize) -> usize {
    src.get(..offset).map_or(1, |s| s.matches('\n').count() + 1)
}

fn at(path: &Path, src: &str, offset: usize, msg: &str) -> ConfigError {
    ConfigError(format!(
        "config file {}, line {}: {msg}",
        path.display(),
        line_of(src, offset)
    ))
}

fn check_file(
    p: &Spanned<PathBuf>,
    path: &Path,
    src: &str,
    key: &str,
    kind: file::FileKind,
) -> Result<PathBuf, ConfigError> {
    let file = p.get_ref();
    file::check(file, kind).map_err(|e| {
        at(
            path,
            src,
            p.span().start,
            &format!("{key}: {e}; fix the path or remove the key"),
        )
    })?;
    Ok(file.clone())
}

fn parse_raw(src: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    toml::from_str::<RawConfig>(src).map_err(|e| {
        let line = e
            .span()
            .map(|s| format!(", line {}", line_of(src, s.start)))
            .unwrap_or_default();
        let mut msg = e.message().trim_end().to_string();
        // toml says "duplicate key" and points at it: name it.
        if msg == "duplicate key"
            && let Some(key) = e.span().and_then(|s| src.get(s))
        {
            msg = format!(
                "duplicate key {}: it is set twice in the same table; keep one",
                q(key.trim())
            );
        }
        ConfigError(format!("config file {}{line}: {msg}", path.display()))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    clock: Option<RawClock>,
    network: Option<RawNetwork>,
    targets: Option<Vec<Spanned<RawTarget>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    servers: Option<Vec<Parsed<HostPort>>>,
    interval: Option<Dur>,
    timeout: Option<Dur>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    timeout: Option<Dur>,
    ca_file: Option<Spanned<PathBuf>>,
    captive_url: Option<Spanned<String>>,
    resolvers: Option<Vec<Nameserver>>,
    concurrency: Option<Concurrency>,
    alt_sni: Option<AltSni>,
    proxy: Option<Spanned<String>>,
    no_proxy: Option<Vec<String>>,
}

/// `concurrency = N`: 1 to 4096.
#[derive(Debug)]
struct Concurrency(usize);

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        match usize::try_from(n) {
            Ok(n @ 1..=4096) => Ok(Concurrency(n)),
            _ => Err(de::Error::custom(format!(
                "bad concurrency {n}: how many checks run at once, from 1 to 4096"
            ))),
        }
    }
}

/// `alt_sni = "name"`: a DNS name, or "" for none.
#[derive(Debug)]
struct AltSni(String);

impl<'de> Deserialize<'de> for AltSni {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.is_empty()
            || (s.len() <= 253
                && !s.starts_with('.')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
        if ok {
            Ok(AltSni(s))
        } else {
            Err(de::Error::custom(format!(
                "bad alt_sni {}: a DNS name such as \"example.com\", or \"\" to skip the SNI variant",
                q(&s)
            )))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Option<String>,
    host: Host,
    port: Option<Port>,
    sni: Option<String>,
    connect: Option<Connect>,
    probes: Option<Vec<Parsed<ProbeSpec>>>,
    tls_auth: Option<Spanned<PathBuf>>,
    key_direction: Option<KeyDirection>,
    alternatives: Option<Vec<Host>>,
}

/// A value parsed from a string with `FromStr`, so that toml points at it when it is bad.
#[derive(Debug)]
struct Parsed<T>(T);

impl<'de, T: FromStr<Err = String>> Deserialize<'de> for Parsed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Parsed).map_err(de::Error::custom)
    }
}

/// `port = N`: 1 to 65535, refused where it is written (70000 and 0 alike).
#[derive(Debug)]
struct Port(u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        match u16::try_from(n) {
            Ok(p) if p != 0 => Ok(Port(p)),
            _ => Err(de::Error::custom(format!(
                "bad port {n}: use a number from 1 to 65535"
            ))),
        }
    }
}

#[derive(Debug)]
struct Dur(Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map(Dur).map_err(de::Error::custom)
    }
}

#[derive(Debug)]
struct Host(String);

impl<'de> Deserialize<'de> for Host {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let hp: HostPort = s.parse().map_err(de::Error::custom)?;
        if hp.port.is_some() && !s.starts_with('[') {
            return Err(de::Error::custom(format!(
                "bad host {}: put the port in `port`, not in `host`",
                q(&s)
            )));
        }
        Ok(Host(hp.host))
    }
}

/// `connect = "ADDR:PORT"` or `connect = "ADDR"` (the target's port).
#[derive(Debug)]
struct Connect(IpAddr, Option<u16>);

impl Connect {
    fn into_addr(self, port: u16) -> SocketAddr {
        SocketAddr::new(self.0, self.1.unwrap_or(port))
    }
}

impl<'de> Deserialize<'de> for Connect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Ok(sa) = s.parse::<SocketAddr>() {
            return Ok(Connect(sa.ip(), Some(sa.port())));
        }
        if let Ok(ip) = s
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return Ok(Connect(ip, None));
        }
        Err(de::Error::custom(format!(
            "bad connect {}: it must be an IP address with an optional port, as in \"127.0.0.1:8443\"",
            q(&s)
        )))
    }
}

/// A nameserver: `"IP"` (port 53) or `"IP:PORT"` (`"[v6]:PORT"`).
#[derive(Debug)]
struct Nameserver(SocketAddr);

impl<'de> Deserialize<'de> for Nameserver {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Ok(sa) = s.parse::<SocketAddr>() {
            return Ok(Nameserver(sa));
        }
        if let Ok(ip) = s
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return Ok(Nameserver(SocketAddr::new(ip, 53)));
        }
        Err(de::Error::custom(format!(
            "bad resolver {}: give a nameserver's IP address with an optional port, as in \"9.9.9.9\" or \"[2620:fe::fe]:53\"",
            q(&s)
        )))
    }
}

impl<'de> Deserialize<'de> for KeyDirection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        match n {
            0 | 1 => Ok(KeyDirection(n as u8)),
            _ => Err(de::Error::custom(format!(
                "bad key_direction {n}: it is 0 or 1, as `key-direction` in the .ovpn (clients use 1)"
            ))),
        }
    }
}
