//! The TLS probe: one target's handshake, seen in every phase, with the chain captured and
//! judged, and variants that split "blocked" into its causes.
//!
//! The default ClientHello looks like a modern client's: TLS 1.3 and 1.2, the post-quantum
//! hybrid X25519MLKEM768 key share (which makes it over a kilobyte), SNI and ALPN
//! h2/http/1.1. When the default hello is reset, closed or times out, the probe retries
//! without the post-quantum share and with another SNI and none; on a protocol alert it
//! retries TLS 1.2-only and 1.3-only. Everything runs under one deadline of two timeouts.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::cert::{ChainCert, parse_chain};
use super::clock::Offset;
use super::connect::{ConnectReport, TcpAttempt, TcpError, classify as classify_tcp};
use super::http;
pub use super::trust::Trust;
use super::verifier::{self, Capture, HelloConfig, Recorder};
use crate::config::{HTTPS_PORT, Target};
use crate::text::clean;
pub use failure::{Alert, FirstRead, TlsFailure, alert_name};
use failure::{EarlyAlerts, classify, http_refusal, read_failure};

mod failure;

/// How many of the server's first bytes are kept as evidence.
const FIRST_BYTES: usize = 64;
/// How long the read after the handshake waits (the `HEAD /` answer, an h2 server's
/// SETTINGS): the TLS verdict does not wait a whole timeout for a server that ignores it.
const FIRST_READ_BUDGET: Duration = Duration::from_millis(1500);
/// How long a server that sent a warning alert instead of its ServerHello has to go on with
/// the handshake (servers that warn unrecognized_name send their ServerHello right after it)
/// before the alert is taken as its answer.
const EARLY_ALERT_GRACE: Duration = Duration::from_secs(1);
/// How much of an HTTP response head is read at most.
const MAX_HEAD: usize = 16 * 1024;

/// How one check runs.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// The per-step timeout; the whole check ends within about twice this.
    pub timeout: Duration,
    /// The other SNI tried when the default hello is blocked; `None` skips that variant.
    pub alt_sni: Option<String>,
    /// Whether to retry variants at all.
    pub variants: bool,
}

impl TlsOptions {
    /// Every variant on; `alt_sni` as `[network] alt_sni` gives it.
    pub fn new(timeout: Duration, alt_sni: Option<String>) -> Self {
        TlsOptions {
            timeout,
            alt_sni,
            variants: true,
        }
    }
}

/// One kind of ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// TLS 1.3 + 1.2, post-quantum key share, the target's SNI, ALPN h2 and http/1.1.
    Default,
    /// The default without the post-quantum key share: a small ClientHello.
    NoPostQuantum,
    /// The default with another server name.
    OtherSni(String),
    /// The default without the SNI extension.
    NoSni,
    Tls12Only,
    Tls13Only,
    /// ALPN http/1.1 only, to read the `Date` header when the server chose h2.
    Http11,
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Variant::Default => f.write_str("default hello (TLS 1.3+1.2, post-quantum share)"),
            Variant::NoPostQuantum => f.write_str("without the post-quantum key share"),
            Variant::OtherSni(name) => write!(f, "with SNI {name:?}"),
            Variant::NoSni => f.write_str("without SNI"),
            Variant::Tls12Only => f.write_str("TLS 1.2 only"),
            Variant::Tls13Only => f.write_str("TLS 1.3 only"),
            Variant::Http11 => f.write_str("ALPN http/1.1 (for the Date header)"),
        }
    }
}

impl Variant {
    fn hello(&self) -> HelloConfig {
        let both = vec![&rustls::version::TLS13, &rustls::version::TLS12];
        let alpn = |list: &[&[u8]]| list.iter().map(|p| p.to_vec()).collect();
        let mut hello = HelloConfig {
            versions: both,
            post_quantum: true,
            alpn: alpn(&[b"h2", b"http/1.1"]),
            send_sni: true,
        };
        match self {
            Variant::Default | Variant::OtherSni(_) => {}
            Variant::NoPostQuantum => hello.post_quantum = false,
            Variant::NoSni => hello.send_sni = false,
            Variant::Tls12Only => hello.versions = vec![&rustls::version::TLS12],
            Variant::Tls13Only => hello.versions = vec![&rustls::version::TLS13],
            Variant::Http11 => hello.alpn = alpn(&[b"http/1.1"]),
        }
        hello
    }

    /// The SNI this variant sends for `target`.
    fn sni(&self, target: &Target) -> Option<String> {
        match self {
            Variant::OtherSni(name) => Some(name.clone()),
            Variant::NoSni => None,
            _ => target.sni_name().map(str::to_string),
        }
    }
}

/// What the handshake settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// "TLSv1.3", "TLSv1.2".
    pub version: String,
    /// IANA name, "TLS_AES_256_GCM_SHA384" (see [`iana_name`]).
    pub cipher: String,
    /// The key-exchange group, "X25519MLKEM768", "X25519".
    pub group: Option<String>,
    /// The post-quantum hybrid was used.
    pub post_quantum: bool,
    pub alpn: Option<String>,
}

/// The answer to `HEAD /`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHead {
    /// "HTTP/1.1 200 OK", cleaned.
    pub status_line: String,
    pub status: Option<u16>,
    /// The `Date` header as sent, cleaned.
    pub date_raw: Option<String>,
    /// The `Date` header, parsed (one-second resolution).
    pub date: Option<SystemTime>,
    /// The local clock when the response head arrived.
    pub received_at: SystemTime,
}

impl HttpHead {
    /// The status and `Date` of a response head (its values already cleaned by the parser).
    pub fn new(r: &http::Response, received_at: SystemTime) -> Self {
        let date_raw = r.header("date").map(str::to_string);
        HttpHead {
            status_line: r.status_line.clone(),
            status: Some(r.status),
            date: date_raw.as_deref().and_then(http::parse_date),
            date_raw,
            received_at,
        }
    }

    /// The server's clock minus ours, from the `Date` header: positive means the local clock
    /// is behind. `Date` is truncated to the second, so half a second is added; the result
    /// is good to about one second.
    pub fn date_offset(&self) -> Option<Offset> {
        let date = self.date? + Duration::from_millis(500);
        let micros = match date.duration_since(self.received_at) {
            Ok(d) => d.as_micros() as i64,
            Err(e) => -(e.duration().as_micros() as i64),
        };
        Some(Offset::from_micros(micros))
    }
}

/// One connection with one kind of hello.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub variant: Variant,
    /// The SNI sent, if any.
    pub sni: Option<String>,
    /// The address connected to (the last one tried on failure).
    pub addr: Option<SocketAddr>,
    /// TCP connect time, or why it failed; `None` when the deadline had passed.
    pub tcp: Option<Result<Duration, TcpError>>,
    /// Handshake time, when it completed.
    pub handshake: Option<Duration>,
    pub negotiated: Option<Negotiated>,
    pub first_read: Option<FirstRead>,
    pub http: Option<HttpHead>,
    pub failure: Option<TlsFailure>,
    /// Bytes sent before the server's first byte arrived (about the ClientHello's size).
    pub hello_len: usize,
    /// Bytes received in all.
    pub received: usize,
    /// The server's first bytes.
    pub first_bytes: Vec<u8>,
    /// What the diagnostic verifier saw.
    pub capture: Capture,
    pub took: Duration,
}

impl Attempt {
    /// A hello of `variant` with `sni` that has seen nothing yet.
    pub fn new(variant: Variant, sni: Option<String>) -> Self {
        Attempt {
            variant,
            sni,
            addr: None,
            tcp: None,
            handshake: None,
            negotiated: None,
            first_read: None,
            http: None,
            failure: None,
            hello_len: 0,
            received: 0,
            first_bytes: Vec::new(),
            capture: Capture::default(),
            took: Duration::ZERO,
        }
    }

    /// Whether the server answered in TLS: the handshake completed, or it refused in TLS.
    pub fn answered(&self) -> bool {
        self.failure
            .as_ref()
            .is_none_or(TlsFailure::server_spoke_tls)
    }

    /// The attempt in one line, for the details view.
    pub fn summary(&self) -> String {
        match (&self.failure, &self.negotiated) {
            (Some(f), _) => format!("{}: {f}", self.variant),
            (None, Some(n)) => format!(
                "{}: {} {}{}",
                self.variant,
                n.version,
                n.cipher,
                n.group
                    .as_ref()
                    .map_or_else(String::new, |g| format!(" {g}"))
            ),
            (None, None) => format!("{}: no result", self.variant),
        }
    }
}

/// Everything the probe saw for one target.
#[derive(Debug, Clone)]
pub struct TlsReport {
    pub host: String,
    pub port: u16,
    /// The SNI of the default hello.
    pub sni: Option<String>,
    /// The name the certificate must carry: the SNI, else the host.
    pub name: String,
    /// The local clock when the check started.
    pub started_at: SystemTime,
    pub took: Duration,
    /// The default hello.
    pub attempt: Attempt,
    /// The variants tried, in order.
    pub variants: Vec<Attempt>,
    /// The chain as sent, from the first attempt that got one.
    pub chain: Vec<ChainCert>,
    /// The local clock when the chain was verified.
    pub verified_at: Option<SystemTime>,
}

impl TlsReport {
    /// What the default hello's TCP connect to `port` found, as the connect check reports it
    /// (for a target whose TLS check stands for its connect check).
    pub fn as_connect(&self, port: u16) -> ConnectReport {
        let a = &self.attempt;
        ConnectReport {
            tcp: vec![TcpAttempt {
                port,
                addr: a.addr,
                result: a.tcp.clone().unwrap_or_else(|| match &a.failure {
                    Some(TlsFailure::Tcp(e)) => Err(e.clone()),
                    _ => Err(TcpError::Timeout(a.took)),
                }),
            }],
        }
    }

    /// The chain as DER, leaf first.
    pub fn ders(&self) -> Vec<CertificateDer<'static>> {
        self.chain.iter().map(|c| c.der.clone()).collect()
    }

    /// The first variant of the given kind.
    pub fn variant(&self, pred: impl Fn(&Variant) -> bool) -> Option<&Attempt> {
        self.variants.iter().find(|a| pred(&a.variant))
    }

    /// The `HEAD /` answer, from whichever attempt got one.
    pub fn http(&self) -> Option<&HttpHead> {
        self.http_attempt().and_then(|a| a.http.as_ref())
    }

    /// The attempt whose `HEAD /` answer [`TlsReport::http`] gives: the default hello's, else
    /// the first variant's that got one.
    pub fn http_attempt(&self) -> Option<&Attempt> {
        std::iter::once(&self.attempt)
            .chain(&self.variants)
            .find(|a| a.http.is_some())
    }

    /// The attempt [`TlsReport::chain`] was captured from (none when no chain was).
    pub fn chain_attempt(&self) -> Option<&Attempt> {
        captured(&self.attempt, &self.variants, self.sni.as_deref())
    }
}

/// The first attempt with the target's own SNI that captured a chain: only a hello with the
/// target's own SNI shows the target's certificate (another name may get the server's default
/// one).
fn captured<'a>(
    attempt: &'a Attempt,
    variants: &'a [Attempt],
    own_sni: Option<&str>,
) -> Option<&'a Attempt> {
    std::iter::once(attempt)
        .chain(variants)
        .filter(|a| a.sni.as_deref() == own_sni)
        .find(|a| !a.capture.chain.is_empty())
}

/// Checks `target` on `addrs` (from DNS, or its `connect` address). Never fails: every
/// failure is in the report. Ends within about two timeouts.
pub async fn check(target: &Target, addrs: &[IpAddr], opts: &TlsOptions) -> TlsReport {
    let start = Instant::now();
    let started_at = SystemTime::now();
    let deadline = start + opts.timeout * 2;
    let (mut attempt, mut variants) = if opts.variants {
        default_and_variants(target, addrs, opts, start).await
    } else {
        (
            run_attempt(Variant::Default, target, addrs, opts, deadline).await,
            Vec::new(),
        )
    };
    let chose_h2 = attempt
        .negotiated
        .as_ref()
        .is_some_and(|n| n.alpn.as_deref() == Some("h2"));
    if chose_h2 && attempt.failure.is_none() {
        let h1 = run_attempt(Variant::Http11, target, addrs, opts, deadline).await;
        if attempt.http.is_none() {
            attempt.http.clone_from(&h1.http);
        }
        // An h2 server's refusal of a missing client certificate is read over HTTP/1.1.
        if let Some(f @ TlsFailure::ClientCertRequired { .. }) = &h1.failure {
            attempt.failure = Some(f.clone());
        }
        variants.push(h1);
    }

    let captured = captured(&attempt, &variants, target.sni_name());
    let name = target.sni_name().unwrap_or(&target.host).to_string();
    // The chain's verdicts, per trust source and property, are the diagnosis's to make.
    let (chain, verified_at) = match captured {
        Some(a) => {
            let at = a.capture.verified_at.map_or(started_at, |t| {
                std::time::UNIX_EPOCH + Duration::from_secs(t.as_secs())
            });
            (parse_chain(&a.capture.chain), Some(at))
        }
        None => (Vec::new(), None),
    };
    TlsReport {
        host: target.host.clone(),
        port: target.port,
        sni: target.sni_name().map(str::to_string),
        name,
        started_at,
        took: start.elapsed(),
        attempt,
        variants,
        chain,
        verified_at,
    }
}

/// The default hello, and the variants that explain its failure.
///
/// A reset or close comes fast: the blocked-hello variants then run with a full timeout.
/// Silence does not: so when the default hello has no answer after half a timeout, those
/// variants start alongside it (and are dropped if it completes), and a silent target costs
/// about one timeout, not two. Alerts are retried TLS 1.2-only and 1.3-only. Everything ends
/// by two timeouts after `start`.
async fn default_and_variants(
    target: &Target,
    addrs: &[IpAddr],
    opts: &TlsOptions,
    start: Instant,
) -> (Attempt, Vec<Attempt>) {
    let deadline = start + opts.timeout * 2;
    let half = start + opts.timeout / 2;
    let default = run_attempt(Variant::Default, target, addrs, opts, deadline);
    let hedge = async {
        tokio::time::sleep_until(half.into()).await;
        let runs = blocked_variants(target, opts)
            .into_iter()
            .map(|v| run_attempt(v, target, addrs, opts, start + opts.timeout));
        futures::future::join_all(runs).await
    };
    tokio::pin!(default, hedge);
    let mut hedged = None;
    let attempt = loop {
        tokio::select! {
            a = &mut default => break a,
            v = &mut hedge, if hedged.is_none() => hedged = Some(v),
        }
    };
    let variants = match &attempt.failure {
        Some(f) if f.is_blocked() => match hedged {
            Some(v) => v,
            None if Instant::now() >= half => hedge.await,
            None => {
                let runs = blocked_variants(target, opts)
                    .into_iter()
                    .map(|v| run_attempt(v, target, addrs, opts, deadline));
                futures::future::join_all(runs).await
            }
        },
        Some(TlsFailure::Alert(_) | TlsFailure::Version(_)) => {
            let runs = [Variant::Tls12Only, Variant::Tls13Only]
                .into_iter()
                .map(|v| run_attempt(v, target, addrs, opts, deadline));
            futures::future::join_all(runs).await
        }
        _ => Vec::new(),
    };
    (attempt, variants)
}

/// The variants that split a blocked hello into its causes: size, and name.
fn blocked_variants(target: &Target, opts: &TlsOptions) -> Vec<Variant> {
    let mut v = vec![Variant::NoPostQuantum];
    let sni = target.sni_name();
    if let Some(alt) = &opts.alt_sni
        && sni != Some(alt.as_str())
    {
        v.push(Variant::OtherSni(alt.clone()));
    }
    if sni.is_some() {
        v.push(Variant::NoSni);
    }
    v
}

/// What the tap saw on the wire.
#[derive(Debug, Default)]
pub(crate) struct WireLog {
    pub(super) sent: usize,
    pub(super) received: usize,
    /// Bytes sent when the first byte arrived.
    pub(super) sent_before_reply: Option<usize>,
    pub(super) first: Vec<u8>,
    /// The alerts sent before any handshake record.
    pub(super) early: EarlyAlerts,
}

/// A stream that notes what passes through it, and ends the handshake when the server's answer
/// is an alert rustls would wait past: at once for close_notify, after [`EARLY_ALERT_GRACE`]
/// of silence for a warning.
struct Tap<S> {
    inner: S,
    log: Arc<Mutex<WireLog>>,
    grace: Option<Pin<Box<tokio::time::Sleep>>>,
    grace_len: Duration,
}

impl<S> Tap<S> {
    fn new(inner: S, log: Arc<Mutex<WireLog>>, grace_len: Duration) -> Self {
        Tap {
            inner,
            log,
            grace: None,
            grace_len,
        }
    }
}

/// The read error that ends a handshake the server answered with an alert; `classify` reads
/// the alert off the [`WireLog`].
fn early_alert_error() -> io::Error {
    io::Error::other("the server answered with an alert before its ServerHello")
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &poll {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                if !new.is_empty() {
                    let log = Arc::clone(&self.log);
                    let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                    if log.sent_before_reply.is_none() {
                        log.sent_before_reply = Some(log.sent);
                    }
                    log.received += new.len();
                    let room = FIRST_BYTES.saturating_sub(log.first.len());
                    log.first.extend_from_slice(&new[..new.len().min(room)]);
                    log.early.feed(new);
                    if log.early.closed() {
                        return Poll::Ready(Err(early_alert_error()));
                    }
                    if !log.early.warned() {
                        self.grace = None;
                    } else if self.grace.is_none() {
                        let len = self.grace_len;
                        self.grace = Some(Box::pin(tokio::time::sleep(len)));
                    }
                }
            }
            Poll::Pending => {
                if let Some(grace) = &mut self.grace
                    && grace.as_mut().poll(cx).is_ready()
                {
                    return Poll::Ready(Err(early_alert_error()));
                }
            }
            Poll::Ready(Err(_)) => {}
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            self.log.lock().unwrap_or_else(PoisonError::into_inner).sent += n;
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The earlier of `now + step` and `deadline`.
fn step_deadline(step: Duration, deadline: Instant) -> Instant {
    (Instant::now() + step).min(deadline)
}

/// Connects to the first addresses until one answers, each under the step timeout (the TLS
/// probe's connect, and the proxy tunnel's).
pub(in crate::probe) async fn connect(
    addrs: &[IpAddr],
    port: u16,
    timeout: Duration,
    deadline: Instant,
) -> (Option<SocketAddr>, Result<(TcpStream, Duration), TcpError>) {
    let mut last = (None, Err(TcpError::NoAddress));
    for ip in addrs.iter().take(2) {
        let addr = SocketAddr::new(*ip, port);
        let start = Instant::now();
        let until = step_deadline(timeout, deadline);
        let result = match tokio::time::timeout_at(until.into(), TcpStream::connect(addr)).await {
            Err(_) => Err(TcpError::Timeout(start.elapsed())),
            Ok(Ok(stream)) => {
                // Each flight goes out at once: with Nagle, the client's second write of a
                // flight (TLS 1.3's Finished after its ChangeCipherSpec) waits for an ACK the
                // server delays by 40 ms.
                let _ = stream.set_nodelay(true);
                Ok((stream, start.elapsed()))
            }
            Ok(Err(e)) => Err(classify_tcp(&e)),
        };
        let ok = result.is_ok();
        last = (Some(addr), result);
        if ok || Instant::now() >= deadline {
            break;
        }
    }
    last
}

async fn run_attempt(
    variant: Variant,
    target: &Target,
    addrs: &[IpAddr],
    opts: &TlsOptions,
    deadline: Instant,
) -> Attempt {
    let start = Instant::now();
    let recorder = Recorder::default();
    let sni = variant.sni(target);
    let mut a = Attempt::new(variant.clone(), sni.clone());
    let mut hello = variant.hello();
    hello.send_sni = sni.is_some();
    let config = match verifier::client_config(&hello, &recorder) {
        Ok(c) => c,
        Err(e) => {
            a.failure = Some(TlsFailure::Other(format!("cannot build the hello: {e}")));
            return a;
        }
    };
    if Instant::now() >= deadline {
        a.failure = Some(TlsFailure::Timeout {
            waited: Duration::ZERO,
            received: 0,
        });
        return a;
    }
    let stream = match &target.proxy {
        // The tunnel stands for the TCP connect: its time is the connect's.
        Some(proxy) => {
            let until = step_deadline(opts.timeout, deadline);
            match super::proxy::tunnel(proxy, &target.tunnel_authority(), until).await {
                Ok(stream) => {
                    a.tcp = Some(Ok(start.elapsed()));
                    stream
                }
                Err(e) => {
                    a.failure = Some(TlsFailure::Proxy(e));
                    a.took = start.elapsed();
                    return a;
                }
            }
        }
        None => {
            let (addr, tcp) = connect(addrs, target.tls_port(), opts.timeout, deadline).await;
            a.addr = addr;
            match tcp {
                Ok((stream, took)) => {
                    a.tcp = Some(Ok(took));
                    stream
                }
                Err(e) => {
                    a.tcp = Some(Err(e.clone()));
                    a.failure = Some(TlsFailure::Tcp(e));
                    a.took = start.elapsed();
                    return a;
                }
            }
        }
    };
    let server_name = match server_name(sni.as_deref(), target, a.addr) {
        Ok(n) => n,
        Err(e) => {
            a.failure = Some(TlsFailure::Other(e));
            a.took = start.elapsed();
            return a;
        }
    };
    let log = Arc::new(Mutex::new(WireLog::default()));
    let tap = Tap::new(stream, log.clone(), EARLY_ALERT_GRACE.min(opts.timeout / 2));
    let connector = TlsConnector::from(Arc::new(config));
    let hs_start = Instant::now();
    let until = step_deadline(opts.timeout, deadline);
    let handshake =
        tokio::time::timeout_at(until.into(), connector.connect(server_name, tap)).await;
    match handshake {
        Err(_) => {
            let received = log.lock().unwrap_or_else(PoisonError::into_inner).received;
            a.failure = Some(TlsFailure::Timeout {
                waited: hs_start.elapsed(),
                received,
            });
        }
        Ok(Err(e)) => {
            let wire = log.lock().unwrap_or_else(PoisonError::into_inner);
            a.failure = Some(classify(&e, &wire, &recorder.snapshot()));
        }
        Ok(Ok(mut tls)) => {
            a.handshake = Some(hs_start.elapsed());
            let negotiated = negotiated(tls.get_ref().1);
            let h2 = negotiated.alpn.as_deref() == Some("h2");
            a.negotiated = Some(negotiated);
            // The first read is for the Date header (and a refusal after the handshake): it
            // never holds the verdict for long, a server that ignores HEAD / costs this much.
            let until = step_deadline(opts.timeout.min(FIRST_READ_BUDGET), deadline);
            let (first, http) = if h2 {
                (first_read(&mut tls, until).await, None)
            } else {
                head(&mut tls, target, until).await
            };
            if let FirstRead::Alert(alert) = &first {
                let asked = recorder.snapshot().client_auth.is_some();
                a.failure = Some(if asked {
                    TlsFailure::ClientCertRequired {
                        alert: Some(alert.clone()),
                        after_handshake: true,
                        http_status: None,
                    }
                } else {
                    TlsFailure::Alert(alert.clone())
                });
            }
            if a.failure.is_none() {
                let asked = recorder.snapshot().client_auth.is_some();
                a.failure = http_refusal(http.as_ref().and_then(|h| h.status), asked);
            }
            a.first_read = Some(first);
            a.http = http;
        }
    }
    let wire = log.lock().unwrap_or_else(PoisonError::into_inner);
    a.hello_len = wire.sent_before_reply.unwrap_or(wire.sent);
    a.received = wire.received;
    a.first_bytes.clone_from(&wire.first);
    drop(wire);
    a.capture = recorder.snapshot();
    a.took = start.elapsed();
    a
}

/// The name given to rustls: the SNI, else the host (or the address) for verification only.
fn server_name(
    sni: Option<&str>,
    target: &Target,
    addr: Option<SocketAddr>,
) -> Result<ServerName<'static>, String> {
    if let Some(s) = sni {
        return ServerName::try_from(s.to_string())
            .map_err(|_| format!("cannot send SNI {s:?}: not a valid DNS name; fix `sni`"));
    }
    ServerName::try_from(target.host.clone())
        .ok()
        .or_else(|| addr.map(|a| ServerName::IpAddress(a.ip().into())))
        .ok_or_else(|| format!("{:?} is not a valid host name", target.host))
}

/// What a completed handshake settled on (the OpenVPN control channel's too: it offers no
/// ALPN, so `alpn` is `None` there).
pub(crate) fn negotiated(conn: &rustls::ClientConnection) -> Negotiated {
    let group = conn
        .negotiated_key_exchange_group()
        .map(rustls::crypto::SupportedKxGroup::name);
    Negotiated {
        version: conn.protocol_version().map_or_else(
            || "unknown".to_string(),
            |v| format!("{v:?}").replace('_', "."),
        ),
        cipher: conn
            .negotiated_cipher_suite()
            .map_or_else(|| "unknown".to_string(), |s| iana_name(s.suite())),
        group: group.map(|g| format!("{g:?}")),
        post_quantum: group == Some(rustls::NamedGroup::X25519MLKEM768),
        alpn: conn
            .alpn_protocol()
            .map(|p| clean(&String::from_utf8_lossy(p))),
    }
}

/// A cipher suite's IANA name: rustls spells TLS 1.3's as `TLS13_AES_256_GCM_SHA384`, IANA
/// (and OpenSSL's logs, and RFC 8446) `TLS_AES_256_GCM_SHA384`; TLS 1.2's are the same in both.
pub fn iana_name(suite: rustls::CipherSuite) -> String {
    let name = format!("{suite:?}");
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

/// Reads whatever the server sends first (an h2 server's SETTINGS), until `until`.
async fn first_read<S: AsyncRead + Unpin>(stream: &mut S, until: Instant) -> FirstRead {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
        Err(_) => FirstRead::Quiet {
            waited: start.elapsed(),
        },
        Ok(Ok(0)) => FirstRead::Closed {
            took: start.elapsed(),
        },
        Ok(Ok(n)) => FirstRead::Data {
            took: start.elapsed(),
            bytes: n,
        },
        Ok(Err(e)) => read_failure(&e, start.elapsed()),
    }
}

/// Sends `HEAD /` and reads the response head, until `until`.
async fn head<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    target: &Target,
    until: Instant,
) -> (FirstRead, Option<HttpHead>) {
    let start = Instant::now();
    let request = http::request("HEAD", &target.host, target.port, HTTPS_PORT, "/");
    let io = http::exchange(stream, &request, false, MAX_HEAD);
    match tokio::time::timeout_at(until.into(), io).await {
        Err(_) => (
            FirstRead::Quiet {
                waited: start.elapsed(),
            },
            None,
        ),
        Ok(Err(e)) => (read_failure(&e, start.elapsed()), None),
        Ok(Ok(data)) if data.is_empty() => (
            FirstRead::Closed {
                took: start.elapsed(),
            },
            None,
        ),
        Ok(Ok(data)) => {
            let received_at = SystemTime::now();
            (
                FirstRead::Data {
                    took: start.elapsed(),
                    bytes: data.len(),
                },
                http::parse(&data).map(|r| HttpHead::new(&r, received_at)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::iana_name;
    use rustls::CipherSuite;

    #[test]
    fn suites_by_their_iana_names() {
        assert_eq!(
            iana_name(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            iana_name(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256),
            "TLS_CHACHA20_POLY1305_SHA256"
        );
        assert_eq!(
            iana_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
    }
}
