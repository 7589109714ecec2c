//! SNTP: ask one server for the time, with sntpc over a connected tokio UDP socket, under a
//! hard timeout (sntpc has none). Rejected replies come back as an [`NtpError`] naming why.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use sntpc::{NtpContext, NtpUdpSocket, StdTimestampGen};
use std::net::UdpSocket;

use crate::config::{HostPort, NTP_PORT};
use crate::text::human_duration;

/// A signed clock offset, server time minus local time: positive means the local clock is
/// behind. Kept in microseconds, the resolution SNTP gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Offset {
    micros: i64,
}

impl Offset {
    pub const ZERO: Offset = Offset { micros: 0 };

    pub const fn from_micros(micros: i64) -> Self {
        Offset { micros }
    }

    pub fn from_secs_f64(secs: f64) -> Self {
        Offset {
            micros: (secs * 1e6).round() as i64,
        }
    }

    pub const fn as_micros(self) -> i64 {
        self.micros
    }

    pub fn as_secs_f64(self) -> f64 {
        self.micros as f64 / 1e6
    }

    pub fn as_millis_f64(self) -> f64 {
        self.micros as f64 / 1e3
    }

    /// The size of the offset, without its sign.
    pub fn magnitude(self) -> Duration {
        Duration::from_micros(self.micros.unsigned_abs())
    }

    /// The offset in words: "local clock is 3 h 0 m 0.2 s behind".
    pub fn describe(self) -> String {
        let side = match self.micros.signum() {
            1 => "behind",
            -1 => "ahead",
            _ => return "local clock is exactly right".to_string(),
        };
        format!("local clock is {} {side}", human_duration(self.magnitude()))
    }
}

impl fmt::Display for Offset {
    /// A compact signed form: "+3h00m00.2s", "-90.00s", "+12.3ms". Rounded before the unit
    /// is chosen, so 59.999 s reads "+1m00.0s", never "+60.00s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.micros < 0 { '-' } else { '+' };
        let micros = self.micros.unsigned_abs();
        let tenth_ms = (micros + 50) / 100;
        let hundredth_s = (micros + 5_000) / 10_000;
        let tenth_s = (micros + 50_000) / 100_000;
        if tenth_ms < 10_000 {
            write!(f, "{sign}{}.{}ms", tenth_ms / 10, tenth_ms % 10)
        } else if hundredth_s < 6_000 {
            write!(f, "{sign}{}.{:02}s", hundredth_s / 100, hundredth_s % 100)
        } else {
            let (s, t) = ((tenth_s / 10) % 60, tenth_s % 10);
            if tenth_s < 36_000 {
                write!(f, "{sign}{}m{s:02}.{t}s", tenth_s / 600)
            } else {
                write!(
                    f,
                    "{sign}{}h{:02}m{s:02}.{t}s",
                    tenth_s / 36_000,
                    (tenth_s / 600) % 60
                )
            }
        }
    }
}

/// A good SNTP reply: every field a user may want to see in the details view.
#[derive(Debug, Clone, PartialEq)]
pub struct NtpReply {
    /// The address that answered.
    pub addr: SocketAddr,
    pub offset: Offset,
    pub rtt: Duration,
    pub stratum: u8,
    /// The reference id in words: ASCII for stratum 1 ("GPS"), an IPv4 address above.
    pub reference_id: String,
    /// Leap indicator: 0 none, 1 and 2 a leap second today, 3 unsynchronised.
    pub leap: u8,
    /// log2 seconds.
    pub precision: i8,
    /// log2 seconds.
    pub poll: i8,
    pub root_delay: Duration,
    pub root_dispersion: Duration,
    /// When the server's clock was last set, if it says.
    pub reference_time: Option<SystemTime>,
    /// The server's transmit time.
    pub server_time: SystemTime,
}

/// Why a server gave no usable time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NtpError {
    /// The name did not resolve.
    Dns(String),
    /// ICMP port unreachable: nothing listens on the port.
    Refused(SocketAddr),
    /// No reply within the timeout.
    Timeout(Duration),
    /// Kiss-o'-death: the server refuses to serve us, with its code ("DENY", "RATE", ...).
    KissOfDeath(String),
    /// Leap indicator 3: the server's own clock is not synchronised.
    Unsynchronised,
    /// Stratum 0 (outside a KoD) or 16 or above: the server has no usable time.
    BadStratum(u8),
    /// The reply does not answer our request (origin timestamp mismatch): spoofed or stale.
    WrongOrigin,
    /// The reply is not a valid SNTP packet: what is wrong with it.
    BadPacket(String),
    /// The server's own time is too uncertain to use: root delay / 2 + root dispersion.
    RootDistance(Duration),
    /// Any other socket error.
    Io(String),
}

impl NtpError {
    /// A one-word status for tables.
    pub fn status(&self) -> &'static str {
        match self {
            NtpError::Dns(_) => "dns",
            NtpError::Refused(_) => "refused",
            NtpError::Timeout(_) => "timeout",
            NtpError::KissOfDeath(_) => "kod",
            NtpError::Unsynchronised => "unsynced",
            NtpError::BadStratum(_) => "stratum",
            NtpError::WrongOrigin => "spoofed",
            NtpError::BadPacket(_) => "garbage",
            NtpError::RootDistance(_) => "distance",
            NtpError::Io(_) => "error",
        }
    }

    /// Whether the server answered at all (as opposed to silence, refusal or no DNS).
    pub fn answered(&self) -> bool {
        matches!(
            self,
            NtpError::KissOfDeath(_)
                | NtpError::Unsynchronised
                | NtpError::BadStratum(_)
                | NtpError::WrongOrigin
                | NtpError::BadPacket(_)
                | NtpError::RootDistance(_)
        )
    }
}

impl fmt::Display for NtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NtpError::Dns(e) => write!(f, "DNS failure: {e}"),
            NtpError::Refused(a) => {
                write!(f, "refused: nothing listens on {a} (ICMP port unreachable)")
            }
            NtpError::Timeout(d) => write!(f, "no reply within {}", human_duration(*d)),
            NtpError::KissOfDeath(code) => write!(f, "kiss-o'-death {code}: {}", kod_meaning(code)),
            NtpError::Unsynchronised => {
                f.write_str("server clock unsynchronised (leap indicator 3)")
            }
            NtpError::BadStratum(s) => write!(f, "unusable stratum {s}"),
            NtpError::WrongOrigin => {
                f.write_str("reply does not match our request (wrong origin timestamp)")
            }
            NtpError::BadPacket(e) => write!(f, "bad packet: {e}"),
            NtpError::RootDistance(d) => write!(
                f,
                "the server's own time is too uncertain (root distance {}, over 16 s)",
                human_duration(*d)
            ),
            NtpError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What a kiss-o'-death code means (RFC 5905 §7.4).
pub fn kod_meaning(code: &str) -> &'static str {
    match code {
        "DENY" => "access denied by the server",
        "RSTR" => "access denied by the server's policy",
        "RATE" => "rate limited: asked too often",
        "AUTH" | "CRYP" => "authentication failed",
        "INIT" => "the server has not synchronised yet",
        "STEP" => "the server's clock is stepping",
        _ => "the server refuses to give time",
    }
}

/// Asks `server` for the time once, under `timeout` (the name lookup and the exchange each
/// get the whole of it).
///
/// The exchange runs on a thread of its own with a blocking socket, so the reply is
/// time-stamped the moment it arrives: on the async runtime, a task busy with a hundred
/// handshakes could wake late and take the delay for offset.
pub async fn query(server: &HostPort, timeout: Duration) -> Result<NtpReply, NtpError> {
    let addr = resolve(server, timeout).await?;
    tokio::task::spawn_blocking(move || exchange(addr, timeout))
        .await
        .unwrap_or_else(|e| Err(NtpError::Io(format!("{addr}: the exchange stopped: {e}"))))
}

/// The first address of `server`, on the NTP port unless it names one.
async fn resolve(server: &HostPort, timeout: Duration) -> Result<SocketAddr, NtpError> {
    let host = server.host.as_str();
    let lookup = tokio::net::lookup_host((host, server.port_or(NTP_PORT)));
    match tokio::time::timeout(timeout, lookup).await {
        Err(_) => Err(NtpError::Dns(format!(
            "the resolver gave no answer for {host:?} within {}",
            human_duration(timeout)
        ))),
        Ok(Err(e)) => {
            let text = e.to_string();
            let text = text
                .strip_prefix("failed to lookup address information: ")
                .unwrap_or(&text);
            Err(NtpError::Dns(format!("{host:?}: {text}")))
        }
        Ok(Ok(mut addrs)) => addrs
            .next()
            .ok_or_else(|| NtpError::Dns(format!("{host:?} has no address"))),
    }
}

/// One request and its reply, blocking, over a socket connected to `addr` (so that an ICMP
/// port unreachable comes back as `ConnectionRefused` instead of silence) that waits at most
/// `timeout` for the reply.
fn exchange(addr: SocketAddr, timeout: Duration) -> Result<NtpReply, NtpError> {
    let local = if addr.is_ipv4() {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
    };
    let socket = UdpSocket::bind(local)
        .map_err(|e| NtpError::Io(format!("cannot open a UDP socket on {local}: {e}")))?;
    socket
        .connect(addr)
        .and_then(|()| socket.set_read_timeout(Some(timeout)))
        .map_err(|e| socket_error(&e, addr, timeout))?;
    let socket = Recording::new(socket, timeout);
    // The socket blocks, so the futures sntpc makes of it are ready when first polled.
    let result = futures::executor::block_on(sntpc::get_time(
        addr,
        &socket,
        NtpContext::new(StdTimestampGen::default()),
    ));
    let seen = socket.into_seen();
    match result {
        Ok(r) => Ok(reply(addr, &r)),
        Err(e) => Err(rejection(e, &seen, addr, timeout)),
    }
}

/// The largest reply kept: a header, extension fields and a MAC fit well inside.
const MAX_REPLY: usize = 1024;
/// The size of an SNTP header without extensions.
const HEADER_LEN: usize = 48;
/// Seconds from 1900 (NTP's era 0) to 1970.
const NTP_UNIX_DELTA: u64 = 2_208_988_800;

/// A connected UDP socket for sntpc that keeps what sntpc throws away: the `io::Error`
/// behind its `Error::Network`, and the raw reply, for the reason of a rejection.
struct Recording {
    socket: UdpSocket,
    seen: Mutex<Seen>,
    /// When the wait for the reply ends, however often a signal interrupts it.
    deadline: Instant,
}

/// What the socket saw during one exchange.
#[derive(Debug, Default)]
struct Seen {
    error: Option<io::Error>,
    reply: Option<Vec<u8>>,
}

impl Recording {
    fn new(socket: UdpSocket, timeout: Duration) -> Self {
        Recording {
            socket,
            seen: Mutex::new(Seen::default()),
            deadline: Instant::now() + timeout,
        }
    }

    fn keep_error(&self, e: io::Error) -> sntpc::Error {
        if let Ok(mut seen) = self.seen.lock() {
            seen.error = Some(e);
        }
        sntpc::Error::Network
    }

    fn into_seen(self) -> Seen {
        self.seen.into_inner().unwrap_or_default()
    }
}

impl NtpUdpSocket for Recording {
    async fn send_to(&self, buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
        self.socket.send(buf).map_err(|e| self.keep_error(e))
    }

    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        let mut raw = [0u8; MAX_REPLY];
        let (n, from) = loop {
            match self.socket.recv_from(&mut raw) {
                // A signal (SIGCHLD, when a check's child process ends) cuts a wait with a
                // read timeout short, and the kernel does not restart it: wait out the rest.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let left = self.deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break Err(io::Error::from(io::ErrorKind::WouldBlock));
                    }
                    if let Err(e) = self.socket.set_read_timeout(Some(left)) {
                        break Err(e);
                    }
                }
                other => break other,
            }
        }
        .map_err(|e| self.keep_error(e))?;
        let copied = n.min(buf.len());
        buf[..copied].copy_from_slice(&raw[..copied]);
        if let Ok(mut seen) = self.seen.lock() {
            seen.reply = Some(raw[..n].to_vec());
        }
        Ok((copied, from))
    }
}

/// The reply checks alone, on `raw` as if it answered a request sent now: sntpc's parse and
/// checks, then ours ([`rejection`], [`reply`]), exactly as [`query`] applies them. With
/// `echo_origin`, the request's transmit timestamp is copied into the reply's origin field
/// first, so the checks after that one are reached. For the property tests and the fuzz
/// runner: this is where untrusted bytes from an NTP server are parsed.
#[doc(hidden)]
pub fn judge_raw_reply(raw: &[u8], echo_origin: bool) -> Result<NtpReply, NtpError> {
    /// A socket that answers every request with one canned reply.
    struct Canned {
        reply: Vec<u8>,
        echo_origin: bool,
        sent: Mutex<Option<[u8; 8]>>,
        seen: Mutex<Seen>,
    }
    impl NtpUdpSocket for Canned {
        async fn send_to(&self, buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
            if let (Some(ts), Ok(mut sent)) = (buf.get(40..48), self.sent.lock()) {
                *sent = ts.try_into().ok();
            }
            Ok(buf.len())
        }

        async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
            let mut raw = self.reply.clone();
            raw.truncate(MAX_REPLY);
            let sent = self.sent.lock().ok().and_then(|s| *s);
            if let (true, Some(ts), Some(origin)) = (self.echo_origin, sent, raw.get_mut(24..32)) {
                origin.copy_from_slice(&ts);
            }
            let copied = raw.len().min(buf.len());
            buf[..copied].copy_from_slice(&raw[..copied]);
            if let Ok(mut seen) = self.seen.lock() {
                seen.reply = Some(raw);
            }
            Ok((copied, SocketAddr::from((Ipv4Addr::LOCALHOST, 123))))
        }
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 123));
    let socket = Canned {
        reply: raw.to_vec(),
        echo_origin,
        sent: Mutex::new(None),
        seen: Mutex::new(Seen::default()),
    };
    let result = futures::executor::block_on(sntpc::get_time(
        addr,
        &socket,
        NtpContext::new(StdTimestampGen::default()),
    ));
    let seen = socket.seen.into_inner().unwrap_or_default();
    match result {
        Ok(r) => Ok(reply(addr, &r)),
        Err(e) => Err(rejection(e, &seen, addr, Duration::from_secs(1))),
    }
}

/// Sorts a socket error: a refusal is ICMP port unreachable on a connected socket; a read
/// that waited `timeout` is silence.
fn socket_error(e: &io::Error, addr: SocketAddr, timeout: Duration) -> NtpError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => NtpError::Refused(addr),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => NtpError::Timeout(timeout),
        _ => NtpError::Io(format!("{addr}: {e}")),
    }
}

/// Why sntpc refused the exchange, told from the reply itself where it can be.
fn rejection(e: sntpc::Error, seen: &Seen, addr: SocketAddr, timeout: Duration) -> NtpError {
    let reply = seen.reply.as_deref().unwrap_or_default();
    let header = Header::parse(reply);
    match e {
        sntpc::Error::Network => match &seen.error {
            Some(io) => socket_error(io, addr, timeout),
            None => NtpError::Io(format!("{addr}: the network refused the exchange")),
        },
        sntpc::Error::IncorrectPayload => NtpError::BadPacket(format!(
            "a {}-byte reply, an SNTP packet has at least {HEADER_LEN}",
            reply.len()
        )),
        sntpc::Error::IncorrectOriginTimestamp => NtpError::WrongOrigin,
        sntpc::Error::KissOfDeath(_)
        | sntpc::Error::UnsynchronizedClock
        | sntpc::Error::IncorrectStratumHeaders => header
            .and_then(Header::refusal)
            .unwrap_or_else(|| NtpError::BadPacket(format!("{e:?}"))),
        sntpc::Error::IncorrectMode => NtpError::BadPacket(header.map_or_else(
            || "not a server reply".to_string(),
            |h| format!("mode {}, a server reply has mode 4", h.mode),
        )),
        sntpc::Error::IncorrectResponseVersion => NtpError::BadPacket(header.map_or_else(
            || "an unknown NTP version".to_string(),
            |h| format!("NTP version {}, we asked in version 4", h.version),
        )),
        sntpc::Error::InvalidTimestamp => {
            NtpError::BadPacket("the transmit timestamp is zero".to_string())
        }
        sntpc::Error::ExcessiveRootDistance => {
            NtpError::RootDistance(header.map_or(Duration::ZERO, |h| {
                short_duration(h.root_delay) / 2 + short_duration(h.root_dispersion)
            }))
        }
        sntpc::Error::BackwardReferenceTimestamp => NtpError::BadPacket(
            "its clock was set after it sent the reply (reference time after transmit time)"
                .to_string(),
        ),
        sntpc::Error::ResponseAddressMismatch => {
            NtpError::BadPacket(format!("the reply came from another address than {addr}"))
        }
        sntpc::Error::AddressResolve => NtpError::Dns(format!("{addr}: cannot be resolved")),
        other => NtpError::BadPacket(format!("{other:?}")),
    }
}

/// The first fields of an SNTP header, read from the raw reply.
#[derive(Debug, Clone, Copy)]
struct Header {
    leap: u8,
    version: u8,
    mode: u8,
    stratum: u8,
    root_delay: u32,
    root_dispersion: u32,
    reference_id: [u8; 4],
}

impl Header {
    fn parse(raw: &[u8]) -> Option<Header> {
        let raw = raw.get(..16)?;
        let word = |i: usize| u32::from_be_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        Some(Header {
            leap: raw[0] >> 6,
            version: (raw[0] >> 3) & 0b111,
            mode: raw[0] & 0b111,
            stratum: raw[1],
            root_delay: word(4),
            root_dispersion: word(8),
            reference_id: [raw[12], raw[13], raw[14], raw[15]],
        })
    }

    /// Why the server says it has no time for us. A kiss-o'-death (stratum 0 with a kiss code)
    /// comes first, as it often carries LI 3 too; a stratum-0 reply without a code that has
    /// LI 3 is an unsynchronised server (chrony answers so), not a bad stratum.
    fn refusal(self) -> Option<NtpError> {
        if self.stratum == 0
            && let Some(code) = kiss_code(self.reference_id)
        {
            return Some(NtpError::KissOfDeath(code));
        }
        if self.leap == 3 {
            return Some(NtpError::Unsynchronised);
        }
        if self.stratum == 0 || self.stratum >= 16 {
            return Some(NtpError::BadStratum(self.stratum));
        }
        None
    }
}

/// The kiss code in a stratum-0 reference id: up to four ASCII capitals or digits, NUL
/// padded (RFC 5905 §7.4). Anything else is not a kiss.
fn kiss_code(id: [u8; 4]) -> Option<String> {
    let len = id.iter().position(|b| *b == 0).unwrap_or(id.len());
    let (code, pad) = id.split_at(len);
    let valid = !code.is_empty()
        && code
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && pad.iter().all(|b| *b == 0);
    valid.then(|| String::from_utf8_lossy(code).into_owned())
}

/// The reference id in words: the source's name for stratum 1 ("GPS", "PPS"), the upstream
/// server's IPv4 address above (for an IPv6 upstream, the first bytes of its hash).
fn reference_text(stratum: u8, id: [u8; 4]) -> String {
    if stratum <= 1 {
        id.iter()
            .take_while(|b| **b != 0)
            .map(|b| {
                if b.is_ascii_graphic() {
                    char::from(*b)
                } else {
                    '?'
                }
            })
            .collect()
    } else {
        Ipv4Addr::from(id).to_string()
    }
}

/// NTP's short format (16.16 fixed-point seconds).
fn short_duration(v: u32) -> Duration {
    Duration::from_nanos((u64::from(v) * 1_000_000_000) >> 16)
}

/// NTP's timestamp format (32.32 fixed-point seconds) as a span.
fn timestamp_span(v: u64) -> Duration {
    let nanos = (u128::from(v) * 1_000_000_000) >> 32;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A good reply in our terms.
fn reply(addr: SocketAddr, r: &sntpc::NtpResult) -> NtpReply {
    let server_time = SystemTime::UNIX_EPOCH
        + Duration::new(r.sec(), sntpc::fraction_to_nanoseconds(r.sec_fraction()));
    // The reference time, in the era of the transmit time: its age on the server's clock.
    let transmit =
        (((r.sec() + NTP_UNIX_DELTA) & u64::from(u32::MAX)) << 32) | u64::from(r.sec_fraction());
    let reference_time = (r.reference_timestamp() != 0)
        .then(|| transmit.wrapping_sub(r.reference_timestamp()))
        .filter(|age| age.cast_signed() >= 0)
        .and_then(|age| server_time.checked_sub(timestamp_span(age)));
    NtpReply {
        addr,
        offset: Offset::from_micros(r.offset()),
        rtt: Duration::from_micros(r.roundtrip()),
        stratum: r.stratum(),
        reference_id: reference_text(r.stratum(), r.reference_id()),
        leap: r.leap_indicator(),
        precision: r.precision(),
        poll: r.poll(),
        root_delay: short_duration(r.root_delay()),
        root_dispersion: short_duration(r.root_dispersion()),
        reference_time,
        server_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_words() {
        let o = Offset::from_micros(10_800_200_000);
        assert_eq!(o.describe(), "local clock is 3 h 0 m 0.2 s behind");
        assert_eq!(o.to_string(), "+3h00m00.2s");
        let o = Offset::from_micros(-90_000_000);
        assert_eq!(o.describe(), "local clock is 1 m 30.0 s ahead");
        assert_eq!(Offset::from_micros(12_300).to_string(), "+12.3ms");
    }

    #[test]
    fn rounding_never_shows_sixty_seconds() {
        let o = Offset::from_micros(10_799_980_000);
        assert_eq!(o.to_string(), "+3h00m00.0s");
        assert_eq!(o.describe(), "local clock is 3 h 0 m 0.0 s behind");
        assert_eq!(Offset::from_micros(-59_999_000).to_string(), "-1m00.0s");
        assert_eq!(Offset::from_micros(-90_000_000).to_string(), "-1m30.0s");
        assert_eq!(Offset::from_micros(999_999).to_string(), "+1.00s");
        assert_eq!(Offset::from_micros(59_994_000).to_string(), "+59.99s");
        assert_eq!(
            Offset::from_micros(3_599_960_000).to_string(),
            "+1h00m00.0s"
        );
        assert_eq!(Offset::ZERO.to_string(), "+0.0ms");
        assert_eq!(human_duration(Duration::from_millis(59_990)), "1 m 0.0 s");
        assert_eq!(human_duration(Duration::from_millis(999)), "1.0 s");
        assert_eq!(human_duration(Duration::from_millis(500)), "500.0 ms");
        assert_eq!(human_duration(Duration::from_secs(2)), "2.0 s");
        assert_eq!(human_duration(Duration::from_secs(90_000)), "1 d 1 h");
    }

    fn header(li: u8, stratum: u8, id: [u8; 4]) -> Header {
        let mut raw = [0u8; 48];
        raw[0] = (li << 6) | (4 << 3) | 4;
        raw[1] = stratum;
        raw[12..16].copy_from_slice(&id);
        Header::parse(&raw).unwrap()
    }

    #[test]
    fn kiss_codes() {
        assert_eq!(kiss_code(*b"DENY"), Some("DENY".to_string()));
        assert_eq!(kiss_code(*b"X12\0"), Some("X12".to_string()));
        assert_eq!(kiss_code([0; 4]), None);
        assert_eq!(kiss_code(*b"de\x1bY"), None);
        assert_eq!(kiss_code(*b"A\0B\0"), None);
    }

    #[test]
    fn refusals_in_order() {
        // ntpd sends its kiss-o'-death with LI 3: the kiss wins.
        assert_eq!(
            header(3, 0, *b"RATE").refusal(),
            Some(NtpError::KissOfDeath("RATE".to_string()))
        );
        // chrony, unsynchronised, answers stratum 0, LI 3, no code.
        assert_eq!(
            header(3, 0, [0; 4]).refusal(),
            Some(NtpError::Unsynchronised)
        );
        assert_eq!(
            header(3, 2, [10, 0, 0, 1]).refusal(),
            Some(NtpError::Unsynchronised)
        );
        assert_eq!(
            header(0, 0, [0; 4]).refusal(),
            Some(NtpError::BadStratum(0))
        );
        assert_eq!(
            header(0, 16, [0; 4]).refusal(),
            Some(NtpError::BadStratum(16))
        );
        assert_eq!(header(0, 2, [10, 0, 0, 1]).refusal(), None);
        assert!(Header::parse(&[0x24; 15]).is_none());
    }

    #[test]
    fn reference_ids_in_words() {
        assert_eq!(reference_text(1, *b"GPS\0"), "GPS");
        assert_eq!(reference_text(1, *b"P\x1b\x07S"), "P??S");
        assert_eq!(reference_text(2, [192, 0, 2, 1]), "192.0.2.1");
        assert_eq!(reference_text(8, [0x7f, 0x7f, 1, 1]), "127.127.1.1");
    }

    #[test]
    fn fixed_point_formats() {
        assert_eq!(short_duration(0x0001_8000), Duration::from_millis(1500));
        assert_eq!(short_duration(0), Duration::ZERO);
        assert_eq!(
            timestamp_span(3 << 32 | 1 << 31),
            Duration::from_millis(3500)
        );
    }

    #[test]
    fn rejections_name_the_cause() {
        let addr: SocketAddr = "127.0.0.1:123".parse().unwrap();
        let with = |raw: &[u8]| Seen {
            error: None,
            reply: Some(raw.to_vec()),
        };
        let short = rejection(
            sntpc::Error::IncorrectPayload,
            &with(&[0x24; 20]),
            addr,
            Duration::from_secs(1),
        );
        assert_eq!(
            short,
            NtpError::BadPacket("a 20-byte reply, an SNTP packet has at least 48".to_string())
        );
        let mut raw = [0u8; 48];
        raw[0] = (4 << 3) | 3;
        let mode = rejection(
            sntpc::Error::IncorrectMode,
            &with(&raw),
            addr,
            Duration::from_secs(1),
        );
        assert_eq!(
            mode,
            NtpError::BadPacket("mode 3, a server reply has mode 4".to_string())
        );
        raw[0] = (4 << 3) | 4;
        raw[4..8].copy_from_slice(&0x0014_0000_u32.to_be_bytes());
        raw[8..12].copy_from_slice(&0x000c_0000_u32.to_be_bytes());
        let far = rejection(
            sntpc::Error::ExcessiveRootDistance,
            &with(&raw),
            addr,
            Duration::from_secs(1),
        );
        assert_eq!(far, NtpError::RootDistance(Duration::from_secs(22)));
        assert!(far.answered());
        let refused = Seen {
            error: Some(io::Error::from(io::ErrorKind::ConnectionRefused)),
            reply: None,
        };
        assert_eq!(
            rejection(
                sntpc::Error::Network,
                &refused,
                addr,
                Duration::from_secs(1)
            ),
            NtpError::Refused(addr)
        );
    }
}
