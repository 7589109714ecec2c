//! OpenVPN client profiles (`.ovpn`): what `--ovpn FILE` imports (the remotes, the proto, the
//! tls-auth / tls-crypt key and its direction) as a target with its OpenVPN probes.

use std::fmt;
use std::path::{Path, PathBuf};

use super::static_key::{Digest, Direction, KeyDirection, StaticKey, TlsWrap};
use super::{ProbeSpec, Sni, Target};

/// The transport of an OpenVPN `remote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Udp,
    Tcp,
}

impl Proto {
    fn parse(word: &str) -> Result<Self, String> {
        match word.to_ascii_lowercase().as_str() {
            "udp" | "udp4" | "udp6" => Ok(Proto::Udp),
            "tcp" | "tcp4" | "tcp6" | "tcp-client" | "tcp4-client" | "tcp6-client" => {
                Ok(Proto::Tcp)
            }
            "tcp-server" | "tcp4-server" | "tcp6-server" => Err(format!(
                "proto {} is a server's setting: give a client profile",
                quote(word)
            )),
            _ => Err(format!("unknown proto {}: use udp or tcp", quote(word))),
        }
    }

    /// The probe for a server reached over this transport on `port`.
    pub fn probe(self, port: u16) -> ProbeSpec {
        match self {
            Proto::Udp => ProbeSpec::OpenvpnUdp(port),
            Proto::Tcp => ProbeSpec::OpenvpnTcp(port),
        }
    }
}

/// A TLS version as `tls-version-min` / `tls-version-max` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    /// `"1.0"` … `"1.3"`, as in a profile.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "1.0" => TlsVersion::Tls10,
            "1.1" => TlsVersion::Tls11,
            "1.2" => TlsVersion::Tls12,
            "1.3" => TlsVersion::Tls13,
            _ => return None,
        })
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls10 => "1.0",
            TlsVersion::Tls11 => "1.1",
            TlsVersion::Tls12 => "1.2",
            TlsVersion::Tls13 => "1.3",
        })
    }
}

/// A client certificate and its key, PEM, as a profile's `<cert>` and `<key>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity(certificate and key, not shown)")
    }
}

/// How `verify-x509-name` compares its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X509NameKind {
    /// The whole subject, as OpenVPN prints it (`C=KG, ST=NA, CN=Server-1`): the default.
    Subject,
    /// The common name, exactly.
    Name,
    /// The common name starts with it.
    NamePrefix,
}

impl X509NameKind {
    /// The word in a profile.
    pub fn word(self) -> &'static str {
        match self {
            X509NameKind::Subject => "subject",
            X509NameKind::Name => "name",
            X509NameKind::NamePrefix => "name-prefix",
        }
    }
}

/// A profile's `verify-x509-name NAME [TYPE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X509NameCheck {
    pub name: String,
    pub kind: X509NameKind,
}

/// The TLS side of a client profile: what the real control-channel handshake needs, and what
/// OpenVPN checks on the server's certificate. `auth-user-pass` is only recognised: the
/// check ends with the TLS handshake, before any credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OvpnTls {
    /// `<ca>` or `ca FILE`, PEM: the only roots the server's chain is verified against.
    pub ca_pem: Vec<u8>,
    /// `<cert>` and `<key>` (inline or files).
    pub client: Option<ClientIdentity>,
    pub tls_version_min: Option<TlsVersion>,
    pub tls_version_max: Option<TlsVersion>,
    pub verify_x509_name: Option<X509NameCheck>,
    /// `remote-cert-tls server`: the leaf must carry the serverAuth extended key usage.
    pub remote_cert_tls_server: bool,
    /// `auth-user-pass`: the server wants a username and password (never sent).
    pub auth_user_pass: bool,
}

/// One `remote` of a profile, with the profile's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub host: String,
    pub port: u16,
    pub proto: Proto,
    /// The line of the profile it came from.
    pub line: usize,
}

/// What `--ovpn` takes from a client profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub path: PathBuf,
    /// Every `remote`, in order (those inside `<connection>` blocks included).
    pub remotes: Vec<Remote>,
    pub wrap: Option<TlsWrap>,
    /// The key file, when the key is not inline.
    pub key_file: Option<PathBuf>,
    /// `key-direction`, or the direction argument of `tls-auth`.
    pub key_direction: Option<u8>,
    /// The CA, client certificate, TLS versions and server-certificate checks.
    pub tls: OvpnTls,
}

/// Reads an OpenVPN client profile. Errors name the file and line and say what to do.
pub fn load_profile(path: &Path) -> Result<Profile, String> {
    let text = super::file::read_text(path, super::file::FileKind::Profile)
        .map_err(|e| format!("--ovpn: {e}; give the path of an OpenVPN client profile (.ovpn)"))?;
    parse_profile(&text, path)
}

const SERVER_CONFIG: &str = "this is a server's configuration: give a client profile";

/// The default OpenVPN port.
pub const OPENVPN_PORT: u16 = 1194;

#[derive(Default)]
struct Scope {
    /// (host, port, proto, line) as written.
    remotes: Vec<(String, Option<u16>, Option<Proto>, usize)>,
    port: Option<u16>,
    proto: Option<Proto>,
}

enum KeySource {
    Inline(usize),
    File(PathBuf, usize),
}

/// Parses the text of a client profile read from `path` (for messages and relative key
/// files, which are taken relative to the profile's directory).
pub fn parse_profile(text: &str, path: &Path) -> Result<Profile, String> {
    let err = |line: usize, msg: &str| format!("--ovpn {}, line {line}: {msg}", path.display());
    let mut global = Scope::default();
    let mut connection: Option<Scope> = None;
    let mut connections: Vec<Scope> = Vec::new();
    let mut inline: Vec<(String, usize, String)> = Vec::new();
    let mut block: Option<(String, usize, String)> = None;
    let mut tls_auth: Option<(KeySource, Option<u8>)> = None;
    let mut tls_crypt: Option<KeySource> = None;
    let mut key_direction: Option<(u8, usize)> = None;
    let mut digest = Digest::default();
    let mut pem_files: Vec<(&'static str, PathBuf, usize)> = Vec::new();
    let mut tls = OvpnTls::default();

    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if let Some((tag, _, body)) = &mut block {
            if line == format!("</{tag}>") {
                let (tag, start, body) = block.take().expect("inside a block");
                inline.push((tag, start, body));
            } else {
                body.push_str(raw);
                body.push('\n');
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(tag) = line.strip_prefix("</").and_then(|l| l.strip_suffix('>')) {
            if tag == "connection" {
                match connection.take() {
                    Some(c) => connections.push(c),
                    None => return Err(err(n, "</connection> without <connection>")),
                }
                continue;
            }
            return Err(err(n, &format!("</{}> closes nothing", quote_tag(tag))));
        }
        if let Some(tag) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) {
            if tag == "connection" {
                if connection.is_some() {
                    return Err(err(n, "<connection> inside <connection>"));
                }
                connection = Some(Scope::default());
            } else {
                block = Some((tag.to_string(), n, String::new()));
            }
            continue;
        }
        let words = split_words(line).map_err(|e| err(n, &e))?;
        let Some((first, args)) = words.split_first() else {
            continue;
        };
        let directive = first.strip_prefix("--").unwrap_or(first);
        let scope = connection.as_mut().unwrap_or(&mut global);
        match directive {
            "remote" => {
                let Some(host) = args.first() else {
                    return Err(err(
                        n,
                        "`remote` needs a host, as in `remote vpn.example.com 1194 udp`",
                    ));
                };
                check_host(host).map_err(|e| err(n, &e))?;
                let port = args
                    .get(1)
                    .map(|p| parse_port(p))
                    .transpose()
                    .map_err(|e| err(n, &e))?;
                let proto = args
                    .get(2)
                    .map(|p| Proto::parse(p))
                    .transpose()
                    .map_err(|e| err(n, &e))?;
                scope.remotes.push((host.clone(), port, proto, n));
            }
            "port" | "rport" => {
                let p = args
                    .first()
                    .ok_or_else(|| err(n, &format!("`{directive}` needs a port number")))?;
                scope.port = Some(parse_port(p).map_err(|e| err(n, &e))?);
            }
            "proto" => {
                let p = args
                    .first()
                    .ok_or_else(|| err(n, "`proto` needs udp or tcp"))?;
                scope.proto = Some(Proto::parse(p).map_err(|e| err(n, &e))?);
            }
            "tls-auth" => {
                let file = args.first().ok_or_else(|| {
                    err(
                        n,
                        "`tls-auth` needs a key file (or an inline <tls-auth> block)",
                    )
                })?;
                let dir = args
                    .get(1)
                    .map(|d| parse_direction(d))
                    .transpose()
                    .map_err(|e| err(n, &e))?;
                let source = if file == "[inline]" {
                    KeySource::Inline(n)
                } else {
                    KeySource::File(PathBuf::from(file), n)
                };
                tls_auth = Some((source, dir));
            }
            "tls-crypt" => {
                let file = args.first().ok_or_else(|| {
                    err(
                        n,
                        "`tls-crypt` needs a key file (or an inline <tls-crypt> block)",
                    )
                })?;
                tls_crypt = Some(if file == "[inline]" {
                    KeySource::Inline(n)
                } else {
                    KeySource::File(PathBuf::from(file), n)
                });
            }
            "tls-crypt-v2" => {
                return Err(err(
                    n,
                    "tls-crypt-v2 is not supported: the probe cannot sign for it; add the server as a [[targets]] entry (its probe will be unsigned)",
                ));
            }
            "key-direction" => {
                let d = args
                    .first()
                    .ok_or_else(|| err(n, "`key-direction` needs 0 or 1"))?;
                key_direction = Some((parse_direction(d).map_err(|e| err(n, &e))?, n));
            }
            "auth" => {
                let name = args
                    .first()
                    .ok_or_else(|| err(n, "`auth` needs a digest name"))?;
                digest = Digest::from_name(name).ok_or_else(|| {
                    err(
                        n,
                        &format!(
                            "auth {} is not supported by the probe: use SHA1, SHA224, SHA256, SHA384 or SHA512",
                            quote(name)
                        ),
                    )
                })?;
            }
            "ca" | "cert" | "key" => {
                let file = args.first().ok_or_else(|| {
                    err(
                        n,
                        &format!("`{directive}` needs a file (or an inline <{directive}> block)"),
                    )
                })?;
                if file != "[inline]" {
                    let tag = match directive {
                        "ca" => "ca",
                        "cert" => "cert",
                        _ => "key",
                    };
                    pem_files.retain(|(t, _, _)| *t != tag);
                    pem_files.push((tag, PathBuf::from(file), n));
                }
            }
            "tls-version-min" | "tls-version-max" => {
                let v = args.first().ok_or_else(|| {
                    err(
                        n,
                        &format!("`{directive}` needs a version: 1.0, 1.1, 1.2 or 1.3"),
                    )
                })?;
                let version = TlsVersion::parse(v).ok_or_else(|| {
                    err(
                        n,
                        &format!("bad TLS version {}: use 1.0, 1.1, 1.2 or 1.3", quote(v)),
                    )
                })?;
                if directive == "tls-version-min" {
                    tls.tls_version_min = Some(version);
                } else {
                    tls.tls_version_max = Some(version);
                }
            }
            "verify-x509-name" => {
                let name = args.first().ok_or_else(|| {
                    err(
                        n,
                        "`verify-x509-name` needs the server's name, as in `verify-x509-name vpn.example.com name`",
                    )
                })?;
                let kind = match args.get(1).map(String::as_str) {
                    None | Some("subject") => X509NameKind::Subject,
                    Some("name") => X509NameKind::Name,
                    Some("name-prefix") => X509NameKind::NamePrefix,
                    Some(other) => {
                        return Err(err(
                            n,
                            &format!(
                                "bad verify-x509-name type {}: use subject, name or name-prefix",
                                quote(other)
                            ),
                        ));
                    }
                };
                tls.verify_x509_name = Some(X509NameCheck {
                    name: clean(name),
                    kind,
                });
            }
            "remote-cert-tls" => match args.first().map(String::as_str) {
                Some("server") => tls.remote_cert_tls_server = true,
                Some("client") => return Err(err(n, SERVER_CONFIG)),
                other => {
                    return Err(err(
                        n,
                        &format!(
                            "bad remote-cert-tls {}: a client profile says `remote-cert-tls server`",
                            quote(other.unwrap_or(""))
                        ),
                    ));
                }
            },
            "auth-user-pass" => tls.auth_user_pass = true,
            "secret" => {
                return Err(err(
                    n,
                    "this is a static-key profile (`secret`), without TLS: the OpenVPN probe needs a TLS client profile",
                ));
            }
            "mode" if args.first().is_some_and(|m| m == "server") => {
                return Err(err(n, SERVER_CONFIG));
            }
            "tls-server" | "server" => return Err(err(n, SERVER_CONFIG)),
            _ => {}
        }
    }
    if let Some((tag, start, _)) = block {
        return Err(err(
            start,
            &format!(
                "<{}> is never closed by </{}>",
                quote_tag(&tag),
                quote_tag(&tag)
            ),
        ));
    }
    if connection.is_some() {
        return Err(err(
            text.lines().count(),
            "a <connection> block is never closed",
        ));
    }

    let mut remotes = Vec::new();
    for c in connections.iter().chain(std::iter::once(&global)) {
        for (host, port, proto, line) in &c.remotes {
            remotes.push(Remote {
                host: host.clone(),
                port: port.or(c.port).or(global.port).unwrap_or(OPENVPN_PORT),
                proto: proto.or(c.proto).or(global.proto).unwrap_or(Proto::Udp),
                line: *line,
            });
        }
    }
    // Remotes in <connection> blocks come first in the file order of their blocks; keep the
    // file order overall.
    remotes.sort_by_key(|r| r.line);
    if remotes.is_empty() {
        return Err(format!(
            "--ovpn {}: no `remote` line: the profile does not say which server to reach",
            path.display()
        ));
    }

    let dir_of = |d: Option<u8>| match d.or(key_direction.map(|k| k.0)) {
        Some(0) => Direction::Normal,
        Some(_) => Direction::Inverse,
        None => Direction::Bidirectional,
    };
    let read_key = |source: &KeySource,
                    tag: &str|
     -> Result<(StaticKey, Option<PathBuf>), String> {
        match source {
            KeySource::Inline(n) => {
                let (_, start, body) = inline
                    .iter()
                    .find(|(t, _, _)| t == tag)
                    .ok_or_else(|| err(*n, &format!("`{tag} [inline]` but no <{tag}> block")))?;
                let key = StaticKey::parse(body).map_err(|e| err(start + e.line, &e.message))?;
                Ok((key, None))
            }
            KeySource::File(file, n) => {
                let full = if file.is_relative() {
                    path.parent().unwrap_or(Path::new(".")).join(file)
                } else {
                    file.clone()
                };
                let key = StaticKey::load(&full).map_err(|e| err(*n, &e))?;
                Ok((key, Some(full)))
            }
        }
    };
    let inline_of = |tag: &str| inline.iter().find(|(t, _, _)| t == tag).map(|(_, s, _)| *s);
    if inline_of("tls-crypt-v2").is_some() {
        return Err(err(
            inline_of("tls-crypt-v2").unwrap_or(1),
            "tls-crypt-v2 is not supported: the probe cannot sign for it; add the server as a [[targets]] entry (its probe will be unsigned)",
        ));
    }
    let tls_crypt = tls_crypt.or_else(|| inline_of("tls-crypt").map(KeySource::Inline));
    let tls_auth = tls_auth.or_else(|| inline_of("tls-auth").map(|n| (KeySource::Inline(n), None)));
    let (wrap, key_file, direction) = if let Some(source) = &tls_crypt {
        let (key, file) = read_key(source, "tls-crypt")?;
        (Some(TlsWrap::Crypt { key }), file, None)
    } else if let Some((source, dir)) = &tls_auth {
        let (key, file) = read_key(source, "tls-auth")?;
        let direction = dir_of(*dir);
        (
            Some(TlsWrap::Auth {
                key,
                direction,
                digest,
            }),
            file,
            dir.or(key_direction.map(|k| k.0)),
        )
    } else {
        (None, None, key_direction.map(|k| k.0))
    };
    let pem_of = |tag: &str| -> Result<Option<(Vec<u8>, usize)>, String> {
        if let Some((_, file, n)) = pem_files.iter().find(|(t, _, _)| *t == tag) {
            let full = if file.is_relative() {
                path.parent().unwrap_or(Path::new(".")).join(file)
            } else {
                file.clone()
            };
            let kind = if tag == "ca" {
                super::file::FileKind::CaBundle
            } else {
                super::file::FileKind::Profile
            };
            let text = super::file::read_text(&full, kind)
                .map_err(|e| err(*n, &format!("`{tag}`: {e}")))?;
            return Ok(Some((text.into_bytes(), *n)));
        }
        Ok(inline
            .iter()
            .find(|(t, _, _)| t == tag)
            .map(|(_, start, body)| (body.clone().into_bytes(), *start)))
    };
    if let Some((pem, n)) = pem_of("ca")? {
        let certs = pem_certs(&pem).map_err(|e| err(n, &format!("the CA (<ca>) {e}")))?;
        if certs == 0 {
            return Err(err(
                n,
                "the CA (<ca>) holds no certificate: give the CA certificate of your VPN provider (-----BEGIN CERTIFICATE-----)",
            ));
        }
        tls.ca_pem = pem;
    }
    match (pem_of("cert")?, pem_of("key")?) {
        (Some((cert_pem, cn)), Some((key_pem, kn))) => {
            let certs = pem_certs(&cert_pem)
                .map_err(|e| err(cn, &format!("the client certificate (<cert>) {e}")))?;
            if certs == 0 {
                return Err(err(
                    cn,
                    "the client certificate (<cert>) holds no certificate",
                ));
            }
            {
                use rustls::pki_types::PrivateKeyDer;
                use rustls::pki_types::pem::PemObject;
                PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
                    err(
                        kn,
                        "the client key (<key>) holds no private key that parses (PEM: -----BEGIN PRIVATE KEY-----)",
                    )
                })?;
            }
            tls.client = Some(ClientIdentity { cert_pem, key_pem });
        }
        (Some((_, n)), None) => {
            return Err(err(
                n,
                "a client certificate (<cert>) without its key (<key>)",
            ));
        }
        (None, Some((_, n))) => {
            return Err(err(
                n,
                "a client key (<key>) without its certificate (<cert>)",
            ));
        }
        (None, None) => {}
    }
    if let (Some(min), Some(max)) = (tls.tls_version_min, tls.tls_version_max)
        && min > max
    {
        return Err(format!(
            "--ovpn {}: tls-version-min {min} is above tls-version-max {max}: no TLS version is left",
            path.display()
        ));
    }
    Ok(Profile {
        path: path.to_path_buf(),
        remotes,
        wrap,
        key_file,
        key_direction: direction,
        tls,
    })
}

impl Profile {
    /// The profile as a target: its first remote's host, one OpenVPN probe per distinct
    /// transport and port listed for that host, the key, and the other hosts as alternatives.
    pub fn target(&self) -> Target {
        let first = &self.remotes[0];
        let mut probes = Vec::new();
        for r in self.remotes.iter().filter(|r| r.host == first.host) {
            let p = r.proto.probe(r.port);
            if !probes.contains(&p) {
                probes.push(p);
            }
        }
        let mut alternatives: Vec<String> = Vec::new();
        for r in &self.remotes {
            if r.host != first.host && !alternatives.contains(&r.host) {
                alternatives.push(r.host.clone());
            }
        }
        let name = self
            .path
            .file_stem()
            .map_or_else(|| first.host.clone(), |s| s.to_string_lossy().into_owned());
        Target {
            name: clean(&name),
            host: first.host.clone(),
            port: first.port,
            sni: Sni::Host,
            connect: None,
            probes,
            tls_auth: self.key_file.clone(),
            key_direction: KeyDirection(self.key_direction.unwrap_or(KeyDirection::default().0)),
            tls_wrap: self.wrap.clone(),
            alternatives,
            alternative_of: None,
            proxy: None,
            wg_keys: None,
            ovpn_tls: Some(Box::new(self.tls.clone())).filter(|t| !t.ca_pem.is_empty()),
        }
    }
}

/// How many certificates a PEM text holds, or why it does not parse as PEM (a certificate
/// that is not X.509 shows later, as the handshake's `NoCa` or a parse error).
fn pem_certs(pem: &[u8]) -> Result<usize, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut n = 0;
    for c in CertificateDer::pem_slice_iter(pem) {
        c.map_err(|e| format!("does not parse as PEM: {e}"))?;
        n += 1;
    }
    Ok(n)
}

fn clean(s: &str) -> String {
    crate::text::clean(s)
}

/// A value from the profile, quoted as written (escaped, never stripped), for messages.
fn quote(s: &str) -> String {
    crate::text::quote(s)
}

/// A tag name inside `<...>`: escaped as [`quote`] does, without the quotes.
fn quote_tag(s: &str) -> String {
    let q = quote(s);
    q[1..q.len() - 1].to_string()
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("bad port {}: use a number from 1 to 65535", quote(p)))
}

fn parse_direction(d: &str) -> Result<u8, String> {
    match d {
        "0" => Ok(0),
        "1" => Ok(1),
        _ => Err(format!(
            "bad key direction {}: it is 0 or 1 (clients use 1)",
            quote(d)
        )),
    }
}

fn check_host(host: &str) -> Result<(), String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad remote host {}: use a host name or an IP address",
            quote(host)
        ))
    }
}

/// Splits a config line into words as OpenVPN does: whitespace separates, `"..."` groups
/// (with `\` escapes), `'...'` groups literally, and an unquoted `#` or `;` starts a comment.
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        if (c == '#' || c == ';') && !words.is_empty() {
            break;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '"' => loop {
                    match chars.next() {
                        None => return Err("a quote (\") is not closed".to_string()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => word.push(e),
                            None => return Err("a line ends in a backslash".to_string()),
                        },
                        Some(o) => word.push(o),
                    }
                },
                '\'' => loop {
                    match chars.next() {
                        None => return Err("a quote (') is not closed".to_string()),
                        Some('\'') => break,
                        Some(o) => word.push(o),
                    }
                },
                '\\' => match chars.next() {
                    Some(e) => word.push(e),
                    None => return Err("a line ends in a backslash".to_string()),
                },
                o => word.push(o),
            }
        }
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::static_key::{KEY_BEGIN, KEY_END};

    fn key_text(fill: u8) -> String {
        use std::fmt::Write as _;
        let mut s = String::from("#\n# 2048 bit OpenVPN static key\n#\n");
        s.push_str(KEY_BEGIN);
        s.push('\n');
        for i in 0..16u8 {
            for j in 0..16u8 {
                write!(s, "{:02x}", fill ^ (i * 16 + j)).unwrap();
            }
            s.push('\n');
        }
        s.push_str(KEY_END);
        s.push('\n');
        s
    }

    #[test]
    fn static_keys_parse_into_their_four_slices() {
        let k = StaticKey::parse(&key_text(0)).unwrap();
        assert_eq!(k.cipher(0)[0], 0);
        assert_eq!(k.hmac(0)[0], 64);
        assert_eq!(k.cipher(1)[0], 128);
        assert_eq!(k.hmac(1)[..2], [192, 193]);
        assert_eq!(format!("{k:?}"), "StaticKey(2048 bits, not shown)");
    }

    #[test]
    fn bad_static_keys_say_which_line() {
        let text = key_text(0).replace("0405", "04zz");
        let e = StaticKey::parse(&text).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(
            e.message.contains("expected hexadecimal key data") && e.message.contains("column"),
            "{e:?}"
        );

        let short: String = key_text(0)
            .lines()
            .filter(|l| !l.starts_with("f0"))
            .flat_map(|l| [l, "\n"])
            .collect();
        let e = StaticKey::parse(&short).unwrap_err();
        assert!(e.message.contains("1920 bits"), "{e:?}");
        assert_eq!(e.line, 4);

        // Not a key: the line is named, its contents are not repeated (any file may be
        // given as a key, /etc/shadow under sudo included).
        let e = StaticKey::parse("\nroot:*:20228:0:99999:7:::\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("expected \"-----BEGIN"), "{e:?}");
        assert!(!e.message.contains("root"), "{e:?}");
        let e = StaticKey::parse(&key_text(0).replace(KEY_END, "")).unwrap_err();
        assert!(e.message.contains("no \"-----END"), "{e:?}");
        let e = StaticKey::parse("-----BEGIN OpenVPN tls-crypt-v2 client key-----\n").unwrap_err();
        assert!(e.message.contains("tls-crypt-v2"), "{e:?}");
    }

    fn parse(text: &str) -> Result<Profile, String> {
        parse_profile(text, Path::new("/profiles/nl42.udp.ovpn"))
    }

    #[test]
    fn a_nordvpn_like_profile_with_an_inline_key() {
        let text = format!(
            "client\ndev tun\nproto udp\nremote 203.0.113.7 1194\nremote-random\n\
             auth SHA512\nkey-direction 1\n<ca>\n-----BEGIN CERTIFICATE-----\nMIIB\n\
             -----END CERTIFICATE-----\n</ca>\n<tls-auth>\n{}</tls-auth>\n",
            key_text(7)
        );
        let p = parse(&text).unwrap();
        assert_eq!(
            p.remotes,
            vec![Remote {
                host: "203.0.113.7".to_string(),
                port: 1194,
                proto: Proto::Udp,
                line: 4
            }]
        );
        let Some(TlsWrap::Auth {
            direction, digest, ..
        }) = &p.wrap
        else {
            panic!("tls-auth expected: {:?}", p.wrap)
        };
        assert_eq!((*direction, *digest), (Direction::Inverse, Digest::Sha512));
        assert_eq!(p.key_file, None);
        let t = p.target();
        assert_eq!(t.name, "nl42.udp");
        assert_eq!(t.host, "203.0.113.7");
        assert_eq!(t.probes, vec![ProbeSpec::OpenvpnUdp(1194)]);
        assert!(t.tls_wrap.is_some());
    }

    #[test]
    fn remotes_take_the_profile_defaults_and_others_become_alternatives() {
        let p = parse(
            "remote a.example.com\nremote a.example.com 443 tcp\nremote \"b.example.com\" 1195\n\
             port 1196\nproto tcp-client\n<connection>\nremote c.example.com\nproto udp\n</connection>\n",
        )
        .unwrap();
        let r: Vec<(&str, u16, Proto)> = p
            .remotes
            .iter()
            .map(|r| (r.host.as_str(), r.port, r.proto))
            .collect();
        assert_eq!(
            r,
            vec![
                ("a.example.com", 1196, Proto::Tcp),
                ("a.example.com", 443, Proto::Tcp),
                ("b.example.com", 1195, Proto::Tcp),
                ("c.example.com", 1196, Proto::Udp),
            ]
        );
        let t = p.target();
        assert_eq!(
            t.probes,
            vec![ProbeSpec::OpenvpnTcp(1196), ProbeSpec::OpenvpnTcp(443)]
        );
        assert_eq!(t.alternatives, vec!["b.example.com", "c.example.com"]);
        assert_eq!(t.tls_wrap, None);
    }

    #[test]
    fn a_key_file_is_read_relative_to_the_profile_with_its_direction() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ta.key"), key_text(1)).unwrap();
        let path = dir.path().join("x.ovpn");
        std::fs::write(
            &path,
            "remote vpn.example.com 1194 udp\ntls-auth ta.key 0\n",
        )
        .unwrap();
        let p = load_profile(&path).unwrap();
        assert_eq!(p.key_file, Some(dir.path().join("ta.key")));
        assert_eq!(p.key_direction, Some(0));
        assert!(matches!(
            p.wrap,
            Some(TlsWrap::Auth {
                direction: Direction::Normal,
                digest: Digest::Sha1,
                ..
            })
        ));
        // Without a direction anywhere, both sides use key 0.
        std::fs::write(&path, "remote vpn.example.com\ntls-auth ta.key\n").unwrap();
        let p = load_profile(&path).unwrap();
        assert!(matches!(
            p.wrap,
            Some(TlsWrap::Auth {
                direction: Direction::Bidirectional,
                ..
            })
        ));
        std::fs::write(
            &path,
            "remote vpn.example.com\n<tls-crypt>\n".to_string() + &key_text(2) + "</tls-crypt>\n",
        )
        .unwrap();
        assert!(matches!(
            load_profile(&path).unwrap().wrap,
            Some(TlsWrap::Crypt { .. })
        ));
    }

    #[test]
    fn bad_profiles_name_the_file_and_line() {
        let cases: &[(&str, &str)] = &[
            ("client\nremote\n", "line 2: `remote` needs a host"),
            ("remote a.example.com 99999\n", "line 1: bad port \"99999\""),
            (
                "remote a.example.com\nproto sctp\n",
                "line 2: unknown proto \"sctp\"",
            ),
            (
                "remote a.example.com\ntls-auth /nonexistent/ta.key 1\n",
                "line 2: cannot open the OpenVPN key file \"/nonexistent/ta.key\": No such file",
            ),
            (
                "remote a.example.com\nkey-direction 2\n",
                "line 2: bad key direction \"2\"",
            ),
            (
                "remote a.example.com\n<tls-auth>\nabc\n",
                "line 2: <tls-auth> is never closed",
            ),
            (
                "remote a.example.com\n<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\nxyz\n</tls-auth>\n",
                "line 4: expected hexadecimal key data, found another character at column 1",
            ),
            (
                "remote a.example.com\ntls-auth [inline] 1\n",
                "line 2: `tls-auth [inline]` but no <tls-auth> block",
            ),
            (
                "remote a.example.com\nauth MD5\n",
                "line 2: auth \"MD5\" is not supported",
            ),
            (
                "remote a.example.com\nsecret static.key\n",
                "line 2: this is a static-key profile",
            ),
            ("mode server\n", "line 1: this is a server's configuration"),
            (
                "remote a.example.com\ntls-crypt-v2 c.key\n",
                "line 2: tls-crypt-v2 is not supported",
            ),
            ("remote \"a b\n", "line 1: a quote (\") is not closed"),
            ("remote a/b\n", "line 1: bad remote host \"a/b\""),
            // Quoted as written, escaped: the quote matches the file, nothing acts on a
            // terminal.
            ("remote \x1b[2J\n", "line 1: bad remote host \"\\x1b[2J\""),
            ("remote a\nport 7\x07\n", "line 2: bad port \"7\\x07\""),
            ("client\ndev tun\n", "no `remote` line"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with("--ovpn /profiles/nl42.udp.ovpn"), "{e}");
            assert!(e.contains(want), "{text:?}: {e:?} lacks {want:?}");
        }
    }

    #[test]
    fn words_split_like_openvpn() {
        assert_eq!(
            split_words(r#"remote "a b" 'c\d' e\ f # comment"#).unwrap(),
            vec!["remote", "a b", r"c\d", "e f"]
        );
    }

    #[test]
    fn the_tls_side_of_a_profile_is_kept_and_bad_values_name_the_line() {
        let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let text = format!(
            "client\nremote 203.0.113.7 1194\nauth-user-pass\ntls-version-min 1.2\n\
             tls-version-max 1.3\nverify-x509-name vpn-server name-prefix\n\
             remote-cert-tls server\n<ca>\n{ca}</ca>\n"
        );
        let p = parse(&text).unwrap();
        assert_eq!(p.tls.ca_pem, ca.as_bytes());
        assert!(p.tls.auth_user_pass && p.tls.remote_cert_tls_server);
        assert_eq!(p.tls.tls_version_min, Some(TlsVersion::Tls12));
        assert_eq!(p.tls.tls_version_max, Some(TlsVersion::Tls13));
        assert_eq!(
            p.tls.verify_x509_name,
            Some(X509NameCheck {
                name: "vpn-server".into(),
                kind: X509NameKind::NamePrefix
            })
        );
        assert_eq!(p.tls.client, None);
        assert!(p.target().ovpn_tls.is_some(), "a CA: the handshake runs");
        assert!(
            parse("client\nremote 203.0.113.7\n")
                .unwrap()
                .target()
                .ovpn_tls
                .is_none(),
            "no CA: only the reset probe"
        );

        let bad = |extra: &str| parse(&format!("remote 203.0.113.7\n{extra}\n")).unwrap_err();
        let e = bad("tls-version-max 1.4");
        assert!(
            e.contains("line 2") && e.contains("bad TLS version \"1.4\""),
            "{e}"
        );
        let e = bad("verify-x509-name x cn");
        assert!(
            e.contains("line 2") && e.contains("subject, name or name-prefix"),
            "{e}"
        );
        let e = bad("remote-cert-tls client");
        assert!(e.contains("server's configuration"), "{e}");
        let e =
            bad("<cert>\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n</cert>");
        assert!(e.contains("line 2") && e.contains("without its key"), "{e}");
        let e = bad("<ca>\nnot a certificate\n</ca>");
        assert!(
            e.contains("line 2") && e.contains("holds no certificate"),
            "{e}"
        );
        let e = bad("ca /nonexistent/ca.crt");
        assert!(e.contains("line 2") && e.contains("`ca`"), "{e}");
        let e = bad("tls-version-min 1.3\ntls-version-max 1.2");
        assert!(e.contains("no TLS version is left"), "{e}");
    }

    #[test]
    fn a_client_key_never_reaches_debug() {
        let id = ClientIdentity {
            cert_pem: b"CERT".to_vec(),
            key_pem: b"SECRET KEY".to_vec(),
        };
        let tls = OvpnTls {
            client: Some(id),
            ..OvpnTls::default()
        };
        assert!(!format!("{tls:?}").contains("SECRET"));
    }
}
