//! TLS lab peers: a small PKI made with rcgen, TLS servers built from it (good, expired,
//! wrong host, client certificate required, ...), and hostile TCP peers that hang, reset,
//! close, trickle, answer in plaintext or block by hello size or SNI. Every peer listens on
//! 127.0.0.1 port 0, and stops when dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// How long a peer waits for a client's bytes before it gives up on the connection.
const PEER_WAIT: Duration = Duration::from_secs(10);

/// A running peer. Dropping it stops the listener and every connection it serves.
pub struct Peer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a peer that runs `serve` for every accepted connection.
async fn spawn_peer<F, Fut>(serve: F) -> Peer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = super::ports::tcp().await;
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => { conns.spawn(serve(stream)); }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
    Peer { addr, task }
}

// ---- the PKI -------------------------------------------------------------------------------

/// A certificate authority of the lab.
pub struct Ca {
    pub cert: CertificateDer<'static>,
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(365);
    params.not_after = now + time::Duration::days(3650);
    params
}

impl Ca {
    /// A self-signed root named `cn`.
    pub fn root(cn: &str) -> Ca {
        let key = KeyPair::generate().expect("generate a key");
        let params = ca_params(cn);
        let cert = params.self_signed(&key).expect("self-sign the root");
        Ca {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA named `cn`, signed by this CA.
    pub fn intermediate(&self, cn: &str) -> Ca {
        let key = KeyPair::generate().expect("generate a key");
        let params = ca_params(cn);
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign the intermediate");
        Ca {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// This CA's certificate again (its name and key), cross-signed by `other` and valid from
    /// `from` to `to` relative to now: what servers sent for old clients, the AddTrust way.
    pub fn cross_signed_by(
        &self,
        other: &Ca,
        from: time::Duration,
        to: time::Duration,
    ) -> CertificateDer<'static> {
        let cn = self.cert_cn().expect("the lab's CAs carry a common name");
        let mut params = ca_params(&cn);
        let now = OffsetDateTime::now_utc();
        params.not_before = now + from;
        params.not_after = now + to;
        params
            .signed_by(self.issuer.key(), &other.issuer)
            .expect("cross-sign")
            .der()
            .clone()
    }

    fn cert_cn(&self) -> Option<String> {
        let (_, cert) = x509_parser::parse_x509_certificate(&self.cert).ok()?;
        let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
        Some(cn.to_string())
    }

    /// A server certificate as `spec` describes, signed by this CA.
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let key = KeyPair::generate().expect("generate a key");
        let cert = spec
            .params()
            .signed_by(&key, &self.issuer)
            .expect("sign the leaf");
        Leaf {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

/// What a server certificate says.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub cn: String,
    pub sans: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// basicConstraints CA:TRUE (what `openssl req -x509` makes).
    pub ca: bool,
    pub eku: Vec<ExtendedKeyUsagePurpose>,
}

impl LeafSpec {
    /// A valid certificate for localhost and 127.0.0.1, for a year around now.
    pub fn localhost() -> Self {
        let now = OffsetDateTime::now_utc();
        LeafSpec {
            cn: "localhost".to_string(),
            sans: vec!["localhost".to_string(), "127.0.0.1".to_string()],
            not_before: now - time::Duration::days(30),
            not_after: now + time::Duration::days(335),
            ca: false,
            eku: vec![ExtendedKeyUsagePurpose::ServerAuth],
        }
    }

    /// Valid from `from` to `to`, relative to now.
    pub fn valid(mut self, from: time::Duration, to: time::Duration) -> Self {
        let now = OffsetDateTime::now_utc();
        self.not_before = now + from;
        self.not_after = now + to;
        self
    }

    fn params(&self) -> CertificateParams {
        let mut params = CertificateParams::new(self.sans.clone()).expect("valid SANs");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, self.cn.as_str());
        params.not_before = self.not_before;
        params.not_after = self.not_after;
        params.extended_key_usages.clone_from(&self.eku);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if self.ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages.push(KeyUsagePurpose::KeyCertSign);
        } else {
            params.is_ca = IsCa::ExplicitNoCa;
        }
        params
    }

    /// A certificate that issued itself.
    pub fn self_signed(&self) -> Leaf {
        let key = KeyPair::generate().expect("generate a key");
        let cert = self.params().self_signed(&key).expect("self-sign");
        Leaf {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

/// A server certificate and its key.
pub struct Leaf {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

/// The lab's public-looking PKI: a root, an intermediate, and the root's PEM for a ca_file.
pub struct Pki {
    pub root: Ca,
    pub intermediate: Ca,
}

impl Pki {
    pub fn new() -> Self {
        let root = Ca::root("Lab Root CA");
        let intermediate = root.intermediate("Lab Intermediate CA");
        Pki { root, intermediate }
    }

    /// A leaf from the intermediate, and the chain a good server sends (leaf, intermediate).
    pub fn chain(&self, spec: &LeafSpec) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let leaf = self.intermediate.issue(spec);
        (vec![leaf.cert, self.intermediate.cert.clone()], leaf.key)
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

/// The weak certificates made by tests/it/fixtures/weak/make.sh (rcgen cannot sign with SHA-1 or
/// an RSA-1024 key): the root to trust, and the chain and key of a server.
pub struct WeakFixture {
    pub root_pem: &'static str,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn pem_certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.expect("fixture PEM parses"))
        .collect()
}

fn fixture_key() -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(include_str!("../fixtures/weak/leaf.key").as_bytes())
        .expect("fixture key parses")
}

/// A leaf signed with ecdsa-with-SHA1.
pub fn weak_sha1() -> WeakFixture {
    WeakFixture {
        root_pem: include_str!("../fixtures/weak/root.pem"),
        chain: pem_certs(include_str!("../fixtures/weak/sha1-leaf.pem")),
        key: fixture_key(),
    }
}

/// A leaf signed by an intermediate whose key is RSA 1024 bits.
pub fn weak_rsa1024() -> WeakFixture {
    let mut chain = pem_certs(include_str!("../fixtures/weak/rsa1024-leaf.pem"));
    chain.extend(pem_certs(include_str!(
        "../fixtures/weak/rsa1024-intermediate.pem"
    )));
    WeakFixture {
        root_pem: include_str!("../fixtures/weak/root.pem"),
        chain,
        key: fixture_key(),
    }
}

// ---- TLS servers ---------------------------------------------------------------------------

/// Which protocol versions a lab server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    Both,
    Tls12,
    Tls13,
}

/// How a lab TLS server is set up.
pub struct ServerSpec {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub versions: Versions,
    /// Require a client certificate from this CA.
    pub client_ca: Option<CertificateDer<'static>>,
    /// ALPN protocols the server accepts, in its order of preference.
    pub alpn: Vec<Vec<u8>>,
}

impl ServerSpec {
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        ServerSpec {
            chain,
            key,
            versions: Versions::Both,
            client_ca: None,
            alpn: Vec::new(),
        }
    }

    /// Accept ALPN h2 and http/1.1, preferring h2 (as most web servers do).
    pub fn h2(mut self) -> Self {
        self.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        self
    }

    pub fn versions(mut self, v: Versions) -> Self {
        self.versions = v;
        self
    }

    pub fn require_client_cert(mut self, ca: CertificateDer<'static>) -> Self {
        self.client_ca = Some(ca);
        self
    }

    /// The rustls server config.
    pub fn config(self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = match self.versions {
            Versions::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
            Versions::Tls12 => &[&rustls::version::TLS12],
            Versions::Tls13 => &[&rustls::version::TLS13],
        };
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .expect("protocol versions");
        let builder = match self.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca).expect("client CA");
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .expect("client verifier");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(self.chain, self.key)
            .expect("server certificate and key");
        config.alpn_protocols = self.alpn;
        Arc::new(config)
    }
}

/// `t` as an HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT".
pub fn http_date(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Serves TLS on an accepted stream: the handshake, then a minimal HTTP answer to any request,
/// whose `Date` header is `date_skew` away from the local clock.
async fn serve_tls(acceptor: TlsAcceptor, stream: TcpStream, date_skew: time::Duration) {
    let Ok(Ok(mut tls)) = tokio::time::timeout(PEER_WAIT, acceptor.accept(stream)).await else {
        return;
    };
    if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
        // An h2 server speaks first: an empty SETTINGS frame. The lab goes no further in h2.
        let _ = tls.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
        let _ = tls.flush().await;
        let mut buf = [0u8; 1024];
        let _ = tokio::time::timeout(PEER_WAIT, tls.read(&mut buf)).await;
        return;
    }
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    let deadline = Instant::now() + PEER_WAIT;
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(deadline.into(), tls.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => request.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let answer = format!(
        "HTTP/1.1 200 OK\r\nDate: {}\r\nServer: tlsdoctor-lab\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        http_date(OffsetDateTime::now_utc() + date_skew)
    );
    let _ = tls.write_all(answer.as_bytes()).await;
    let _ = tls.shutdown().await;
}

/// A TLS server (HTTP/1.1 behind it) with `config`.
pub async fn tls_server(config: Arc<ServerConfig>) -> Peer {
    tls_server_dated(config, time::Duration::ZERO).await
}

/// A TLS server whose HTTP `Date` header is `skew` away from the local clock (a server with
/// the true time, seen from a machine whose clock is wrong by `-skew`).
pub async fn tls_server_dated(config: Arc<ServerConfig>, skew: time::Duration) -> Peer {
    let acceptor = TlsAcceptor::from(config);
    spawn_peer(move |stream| serve_tls(acceptor.clone(), stream, skew)).await
}

// ---- hostile peers -------------------------------------------------------------------------

/// Reads what the client sends first (its ClientHello), or gives up after [`PEER_WAIT`].
async fn read_hello(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = vec![0u8; 16 * 1024];
    match tokio::time::timeout(PEER_WAIT, stream.read(&mut buf)).await {
        Ok(Ok(n)) => buf[..n].to_vec(),
        _ => Vec::new(),
    }
}

/// Reads until the client closes (or the peer is dropped), answering nothing.
async fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

/// Accepts and never answers.
pub async fn silent() -> Peer {
    spawn_peer(|mut s| async move { drain(&mut s).await }).await
}

/// Reads the ClientHello, then resets the connection (SO_LINGER 0).
pub async fn reset_after_hello() -> Peer {
    spawn_peer(|mut s| async move {
        read_hello(&mut s).await;
        reset(&s);
    })
    .await
}

/// Reads the ClientHello, then closes the connection cleanly.
pub async fn close_after_hello() -> Peer {
    spawn_peer(|mut s| async move {
        read_hello(&mut s).await;
        let _ = s.shutdown().await;
    })
    .await
}

/// Answers whatever comes with `HTTP/1.1 400 Bad Request`, like a plain HTTP server.
pub async fn http_400() -> Peer {
    spawn_peer(|mut s| async move {
        read_hello(&mut s).await;
        let _ = s
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        let _ = s.shutdown().await;
    })
    .await
}

/// A plain HTTP server that lost the race on its first connection: it reset that one before
/// its `HTTP/1.1 400` was read (as nginx can when it answers and closes with the hello unread),
/// and answers every later one as [`http_400`] does.
pub async fn http_400_reset_first() -> Peer {
    let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    spawn_peer(move |mut s| {
        let first = first.swap(false, std::sync::atomic::Ordering::SeqCst);
        async move {
            read_hello(&mut s).await;
            if first {
                reset(&s);
                return;
            }
            let _ = s
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            let _ = s.shutdown().await;
        }
    })
    .await
}

/// After the ClientHello, trickles the start of a TLS handshake record, one byte a second.
pub async fn trickle() -> Peer {
    spawn_peer(|mut s| async move {
        read_hello(&mut s).await;
        let record = [
            0x16u8, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03,
        ];
        for byte in record.iter().cycle().take(600) {
            if s.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await
}

/// Answers the ClientHello with the fatal alert `code`, then closes.
pub async fn alert(code: u8) -> Peer {
    spawn_peer(move |mut s| async move {
        read_hello(&mut s).await;
        let _ = s
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, code])
            .await;
        let _ = s.shutdown().await;
    })
    .await
}

/// Answers the ClientHello with one alert record at `level` (1 warning, 2 fatal), then holds
/// the connection open without another byte, as the server in issue 12 did.
pub async fn alert_then_hold(level: u8, code: u8) -> Peer {
    spawn_peer(move |mut s| async move {
        read_hello(&mut s).await;
        let _ = s
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, level, code])
            .await;
        drain(&mut s).await;
    })
    .await
}

/// Answers the ClientHello with a TLS handshake record that holds no valid message.
pub async fn garbage_tls() -> Peer {
    spawn_peer(|mut s| async move {
        read_hello(&mut s).await;
        let _ = s
            .write_all(&[0x16, 0x03, 0x03, 0x00, 0x05, 0xfe, 0x00, 0x00, 0x01, 0x00])
            .await;
        drain(&mut s).await;
    })
    .await
}

/// What a ClientHello says, as far as a middlebox looks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelloInfo {
    /// The TLS record's length.
    pub record_len: usize,
    pub sni: Option<String>,
    /// The supported_versions extension lists TLS 1.3.
    pub offers_tls13: bool,
}

/// Parses the first record of a ClientHello (enough for a middlebox's decisions).
pub fn parse_hello(bytes: &[u8]) -> Option<HelloInfo> {
    fn u16_at(b: &[u8], i: usize) -> Option<usize> {
        Some(usize::from(*b.get(i)?) << 8 | usize::from(*b.get(i + 1)?))
    }
    if bytes.first() != Some(&0x16) {
        return None;
    }
    let record_len = u16_at(bytes, 3)?;
    let body = bytes.get(5..5 + record_len)?;
    if body.first() != Some(&1) {
        return None;
    }
    let mut i = 4 + 2 + 32;
    i += 1 + usize::from(*body.get(i)?);
    i += 2 + u16_at(body, i)?;
    i += 1 + usize::from(*body.get(i)?);
    let ext_end = i + 2 + u16_at(body, i)?;
    i += 2;
    let mut info = HelloInfo {
        record_len,
        ..HelloInfo::default()
    };
    while i + 4 <= ext_end.min(body.len()) {
        let kind = u16_at(body, i)?;
        let len = u16_at(body, i + 2)?;
        let data = body.get(i + 4..i + 4 + len)?;
        match kind {
            0 if data.len() > 5 => {
                let name_len = u16_at(data, 3)?;
                let name = data.get(5..5 + name_len)?;
                info.sni = Some(String::from_utf8_lossy(name).into_owned());
            }
            43 => {
                let list = data.get(1..)?;
                info.offers_tls13 = list.chunks(2).any(|v| v == [0x03, 0x04]);
            }
            _ => {}
        }
        i += 4 + len;
    }
    Some(info)
}

/// Waits until the whole first TLS record of the client is readable, without consuming it.
async fn peek_hello(stream: &TcpStream) -> Option<HelloInfo> {
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = Instant::now() + PEER_WAIT;
    while Instant::now() < deadline {
        let n = tokio::time::timeout_at(deadline.into(), stream.peek(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        if n >= 5 {
            let want = 5 + (usize::from(buf[3]) << 8 | usize::from(buf[4]));
            if n >= want {
                return parse_hello(&buf[..n]);
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

/// A middlebox rule in front of a real TLS server.
#[derive(Debug, Clone)]
pub enum Gate {
    /// Reset any ClientHello record larger than this many bytes.
    ResetLargerThan(usize),
    /// Swallow any ClientHello record larger than this many bytes, answering nothing.
    DropLargerThan(usize),
    /// Reset when the SNI is this name.
    ResetSni(String),
    /// Answer `protocol_version` to a hello that offers TLS 1.3 (a version-intolerant server).
    RefuseTls13,
}

/// A TLS server behind a middlebox `gate`: hellos the gate lets through reach `config`.
pub async fn gated(gate: Gate, config: Arc<ServerConfig>) -> Peer {
    let acceptor = TlsAcceptor::from(config);
    spawn_peer(move |mut s| {
        let acceptor = acceptor.clone();
        let gate = gate.clone();
        async move {
            let Some(hello) = peek_hello(&s).await else {
                return;
            };
            let block = match &gate {
                Gate::ResetLargerThan(n) => hello.record_len > *n,
                Gate::DropLargerThan(n) => {
                    if hello.record_len > *n {
                        drain(&mut s).await;
                        return;
                    }
                    false
                }
                Gate::ResetSni(name) => hello.sni.as_deref() == Some(name.as_str()),
                Gate::RefuseTls13 => {
                    if hello.offers_tls13 {
                        let _ = s.read(&mut vec![0u8; 16 * 1024]).await;
                        let _ = s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70]).await;
                        let _ = s.shutdown().await;
                        return;
                    }
                    false
                }
            };
            if block {
                let _ = s.read(&mut vec![0u8; 16 * 1024]).await;
                reset(&s);
                return;
            }
            serve_tls(acceptor, s, time::Duration::ZERO).await;
        }
    })
    .await
}
