//! OpenVPN's control-channel TLS handshake, performed for real with the user's profile, up to
//! the end of the TLS handshake and no further: no key-method-2 data, no credentials.
//! ```text
//! client                                              server
//!   P_CONTROL_HARD_RESET_CLIENT_V2 (msg 0)      ->
//!                                               <-  P_CONTROL_HARD_RESET_SERVER_V2 (msg 0, ack 0)
//!   P_CONTROL_V1 (msg 1.., ack 0): ClientHello  ->
//!                                               <-  P_CONTROL_V1 / P_ACK_V1: server flight
//!   P_CONTROL_V1: our last flight, acks         ->
//!                                               <-  its ack: stop here
//! ```
//! Every packet is wrapped with the profile's tls-auth or tls-crypt key when it has one
//! (`probe::reach::openvpn` does the wrapping), and over TCP carries a 2-byte length. The
//! reliability layer ([`reliable`]) numbers, acknowledges, resends and reorders messages;
//! rustls's sans-I/O client runs the TLS inside them, with the diagnostic verifier
//! (`probe::verifier`), which records the chain and checks the handshake signatures; the
//! chain is then verified against the profile's CA (not the system roots, and with no name
//! check: OpenVPN's names are not DNS names; `verify-x509-name` is judged elsewhere).
//! The handshake counts as complete once the server acknowledges our last flight: a server
//! that refuses it (a missing client certificate under TLS 1.3) sends no alert, it just never
//! acks. Failures are data: the step that failed, why, and every packet that was exchanged.

#[cfg(test)]
mod fake_server;
pub mod legacy;
pub mod packet;
pub mod reliable;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, ClientConnection, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

pub use crate::config::ovpn::{ClientIdentity, TlsVersion};
use crate::config::static_key::TlsWrap;
use crate::probe::reach::openvpn::{
    SID_LEN, SessionId, new_session, unwrap_packet, wrap_overhead, wrap_packet,
};
use crate::probe::tls::Negotiated;
use crate::probe::trust::{name_from_der, webpki_error_text};
use crate::probe::verifier::{self, HelloConfig, Recorder};
use crate::text::{clean, human_duration};
pub use packet::Opcode;
use packet::{
    P_CONTROL_HARD_RESET_CLIENT_V2, P_CONTROL_HARD_RESET_SERVER_V2, P_CONTROL_V1, Packet,
    SEND_ACK_MAX, ack_size,
};
use reliable::{Received, Reliable};

/// OpenVPN's default `tls-mtu`: the largest control packet, IP and UDP headers included.
pub const TLS_MTU_DEFAULT: usize = 1250;
/// OpenVPN's cap on a control packet (`TLS_CHANNEL_BUF_SIZE`).
const TLS_CHANNEL_BUF_SIZE: usize = 2048;
/// The most packets kept in the log; more are counted.
const MAX_LOGGED: usize = 1000;
/// The most bytes taken from the server before the handshake must have completed.
const MAX_RECEIVED: usize = 1 << 20;

/// UDP or TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        })
    }
}

/// What the handshake takes from the user's profile.
#[derive(Debug, Clone, Default)]
pub struct HandshakeProfile {
    /// The profile's `<ca>`: the only roots the server's chain is verified against.
    pub ca_pem: Vec<u8>,
    /// `<cert>` and `<key>`, presented when the server asks.
    pub client: Option<ClientIdentity>,
    /// `tls-auth` or `tls-crypt`.
    pub wrap: Option<TlsWrap>,
    pub tls_version_min: Option<TlsVersion>,
    pub tls_version_max: Option<TlsVersion>,
}

/// How the handshake runs.
#[derive(Debug, Clone)]
pub struct HandshakeOptions {
    /// How long a step may go without progress (a new message or ack from the server).
    pub step_timeout: Duration,
    /// The bound on the whole handshake.
    pub total_timeout: Duration,
    /// The first retransmission timeout over UDP; it doubles with each resend, up to 4×.
    pub retransmit_after: Duration,
    /// The largest control packet with its IP and UDP headers (OpenVPN's `tls-mtu`).
    pub tls_mtu: usize,
    /// Offer the post-quantum hybrid key share (a ClientHello over 1 KB, in two packets).
    pub post_quantum: bool,
    /// Send [`legacy::client_hello`] instead of rustls's, and stop at the server's first
    /// message (recorded in [`HandshakeReport::legacy_answer`]).
    pub legacy_hello: bool,
}

impl HandshakeOptions {
    /// Steps of `step_timeout`, the whole within three of them, OpenVPN's packet sizes.
    pub fn new(step_timeout: Duration) -> Self {
        HandshakeOptions {
            step_timeout,
            total_timeout: step_timeout * 3,
            retransmit_after: Duration::from_secs(1),
            tls_mtu: TLS_MTU_DEFAULT,
            post_quantum: true,
            legacy_hello: false,
        }
    }
}

/// Where the handshake was when it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Before any packet: reading the profile's certificate and key, the TLS versions.
    Setup,
    /// The TCP connect.
    Connect,
    /// Our hard reset, waiting for the server's.
    Reset,
    /// Our ClientHello, waiting for the server's first TLS bytes.
    ClientHello,
    /// The server's handshake has started, waiting for it to complete.
    ServerHandshake,
    /// TLS is complete on our side; our last flight (TLS 1.3: our Certificate and Finished),
    /// waiting for the server's ack. A server that refuses our certificate, or our lack of
    /// one, never acknowledges it (OpenVPN sends no alert).
    FinalFlight,
    /// The chain against the profile's CA, once the handshake completed.
    Verify,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Setup => "setup",
            Step::Connect => "TCP connect",
            Step::Reset => "hard reset",
            Step::ClientHello => "ClientHello",
            Step::ServerHandshake => "server handshake",
            Step::FinalFlight => "acknowledgement of our last flight",
            Step::Verify => "certificate verification",
        })
    }
}

/// Why the handshake failed at its step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The profile's pieces cannot be used (a key that does not parse, no TLS version left).
    Setup(String),
    /// Nothing that moved the step on within `waited`.
    Timeout { waited: Duration },
    /// ICMP port unreachable (UDP) or a refused connection (TCP).
    PortClosed,
    /// The server closed the TCP connection.
    Closed,
    /// The TCP connection was reset.
    ConnectionReset,
    /// Another socket error.
    Io(String),
    /// The server's packets break the protocol.
    Protocol(String),
    /// rustls refused the handshake (an alert, a bad signature, nothing in common).
    Tls(String),
    /// The chain is not signed by the profile's CA (or is not valid now).
    NotVerified(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Setup(why) => f.write_str(why),
            Failure::Timeout { waited } => {
                write!(f, "no progress within {}", human_duration(*waited))
            }
            Failure::PortClosed => f.write_str("the port is closed"),
            Failure::Closed => f.write_str("the server closed the connection"),
            Failure::ConnectionReset => f.write_str("the connection was reset"),
            Failure::Io(why) | Failure::Protocol(why) | Failure::Tls(why) => f.write_str(why),
            Failure::NotVerified(why) => write!(f, "not verified with the profile's CA: {why}"),
        }
    }
}

/// How the handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The TLS handshake completed (the server acknowledged our last flight) and the chain
    /// verifies with the profile's CA.
    Completed,
    Failed {
        step: Step,
        failure: Failure,
    },
}

/// The server's chain against the profile's CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaVerdict {
    /// A path to one of the profile's CA certificates, valid now.
    Verified,
    /// Why there is none (webpki's reason, in words).
    NotVerified(String),
    /// The profile has no CA certificate that parses.
    NoCa,
}

/// Which way a packet went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// One packet exchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRecord {
    /// Since the handshake started.
    pub at: Duration,
    pub direction: Direction,
    /// `None` when it was not a control packet that could be read.
    pub opcode: Option<Opcode>,
    pub msg_id: Option<u32>,
    pub acks: Vec<u32>,
    /// TLS bytes (or other payload) it carried.
    pub payload_len: usize,
    /// Its size on the wire: the datagram, or the TCP packet with its length.
    pub wire_len: usize,
    /// A message sent again because it was not acknowledged in time.
    pub retransmission: bool,
    /// What became of a received packet when it was not simply taken: ignored, duplicate.
    pub note: Option<String>,
}

impl fmt::Display for PacketRecord {
    /// One line of the packet log: `+12.3ms -> P_CONTROL_V1 msg 1 acks [0] 1184 B (1210 on
    /// the wire), resent`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.at.as_secs_f64() * 1000.0;
        let arrow = match self.direction {
            Direction::Sent => "->",
            Direction::Received => "<-",
        };
        write!(
            f,
            "+{ms:.1}ms {arrow} {}",
            self.opcode.map_or("(unreadable)", Opcode::name)
        )?;
        if let Some(id) = self.msg_id {
            write!(f, " msg {id}")?;
        }
        if !self.acks.is_empty() {
            write!(f, " acks {:?}", self.acks)?;
        }
        write!(f, " {} B ({} on the wire)", self.payload_len, self.wire_len)?;
        if self.retransmission {
            f.write_str(", resent")?;
        }
        if let Some(note) = &self.note {
            write!(f, ": {note}")?;
        }
        Ok(())
    }
}

/// How long the phases took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    pub connect: Option<Duration>,
    /// From our first reset to the server's.
    pub reset: Option<Duration>,
    /// From our ClientHello to the server's ack of our last flight.
    pub tls: Option<Duration>,
    pub total: Duration,
}

/// Everything one handshake saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeReport {
    pub addr: SocketAddr,
    pub transport: Transport,
    pub wrap: Option<&'static str>,
    pub status: Status,
    pub negotiated: Option<Negotiated>,
    /// The server's chain as sent, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// `None` when no chain arrived.
    pub ca: Option<CaVerdict>,
    /// The server asked for a client certificate: the CA names it accepts.
    pub client_cert_requested: Option<Vec<String>>,
    /// Whether we had one to present.
    pub client_cert_offered: bool,
    /// A handshake signature that did not verify.
    pub signature_error: Option<String>,
    pub packets: Vec<PacketRecord>,
    /// Packets beyond the log's bound.
    pub packets_not_logged: usize,
    pub timings: Timings,
    pub client_session: SessionId,
    pub server_session: Option<SessionId>,
    /// Received packets dropped because their HMAC or tag did not verify with our key.
    pub bad_auth: usize,
    /// Our message ids that carried the ClientHello.
    pub client_hello_msgs: Vec<u32>,
    /// The ClientHello's size in bytes.
    pub client_hello_len: usize,
    /// Our messages queued (ids 0 to this − 1).
    pub sent_messages: u32,
    /// All our messages up to this id were acknowledged.
    pub acked_through: Option<u32>,
    /// Our messages sent and never acknowledged.
    pub unacked: Vec<u32>,
    /// The server's messages received in order up to this id.
    pub received_through: Option<u32>,
    /// The server's messages that arrived after a gap that never filled (a lost packet).
    pub received_ahead: Vec<u32>,
    /// The server acknowledged our last TLS flight (the handshake is only complete then).
    pub final_flight_acked: bool,
    /// TLS completed on our side (rustls's view), acknowledged or not.
    pub tls_finished: bool,
    /// With [`HandshakeOptions::legacy_hello`]: the TLS version and suite of the server's
    /// ServerHello, when it answered with one.
    pub legacy_answer: Option<(u16, u16)>,
}

impl HandshakeReport {
    /// A report of a handshake that has not run yet (`Setup`, "not run"): the engine fills it in.
    pub fn new(addr: SocketAddr, transport: Transport, wrap: Option<&TlsWrap>) -> Self {
        HandshakeReport {
            addr,
            transport,
            wrap: wrap.map(TlsWrap::kind),
            status: Status::Failed {
                step: Step::Setup,
                failure: Failure::Setup("not run".to_string()),
            },
            negotiated: None,
            chain: Vec::new(),
            ca: None,
            client_cert_requested: None,
            client_cert_offered: false,
            signature_error: None,
            packets: Vec::new(),
            packets_not_logged: 0,
            timings: Timings::default(),
            client_session: [0; SID_LEN],
            server_session: None,
            bad_auth: 0,
            client_hello_msgs: Vec::new(),
            client_hello_len: 0,
            sent_messages: 0,
            acked_through: None,
            unacked: Vec::new(),
            received_through: None,
            received_ahead: Vec::new(),
            final_flight_acked: false,
            tls_finished: false,
            legacy_answer: None,
        }
    }

    pub fn completed(&self) -> bool {
        self.status == Status::Completed
    }

    /// It ended at `step` because nothing moved it on in time.
    pub fn timed_out_at(&self, step: Step) -> bool {
        matches!(&self.status, Status::Failed { step: s, failure: Failure::Timeout { .. } } if *s == step)
    }

    /// The outcome in one line.
    pub fn summary(&self) -> String {
        let over = format!("over {} {}", self.transport, self.addr.port());
        match &self.status {
            Status::Completed => {
                let n = self.negotiated.as_ref();
                format!(
                    "OpenVPN TLS handshake completed {over} in {}: {} {}, verified with the profile's CA",
                    human_duration(self.timings.total),
                    n.map_or("?", |n| n.version.as_str()),
                    n.map_or("?", |n| n.cipher.as_str()),
                )
            }
            Status::Failed { step, failure } => {
                format!("OpenVPN TLS handshake failed {over} at the {step}: {failure}")
            }
        }
    }
}

/// Performs the control-channel handshake with the server at `addr`. Never panics on what
/// the network does; ends within `opts.total_timeout` (plus a send's time).
pub async fn handshake(
    addr: SocketAddr,
    transport: Transport,
    profile: &HandshakeProfile,
    opts: &HandshakeOptions,
) -> HandshakeReport {
    let start = Instant::now();
    let mut report = HandshakeReport::new(addr, transport, profile.wrap.as_ref());
    let result = run(addr, transport, profile, opts, start, &mut report).await;
    report.status = match result {
        Ok(()) => Status::Completed,
        Err((step, failure)) => Status::Failed { step, failure },
    };
    report.timings.total = start.elapsed();
    report
}

type StepResult<T> = Result<T, (Step, Failure)>;

async fn run(
    addr: SocketAddr,
    transport: Transport,
    profile: &HandshakeProfile,
    opts: &HandshakeOptions,
    start: Instant,
    report: &mut HandshakeReport,
) -> StepResult<()> {
    let deadline = start + opts.total_timeout;
    let tls = TlsSide::new(profile, opts, addr).map_err(|e| (Step::Setup, Failure::Setup(e)))?;
    report.client_cert_offered = profile.client.is_some();
    let step_end = (start + opts.step_timeout).min(deadline);
    let connect_start = Instant::now();
    let link = Link::open(addr, transport, step_end)
        .await
        .map_err(|f| (Step::Connect, f))?;
    if transport == Transport::Tcp {
        report.timings.connect = Some(connect_start.elapsed());
    }
    let mut engine = Engine {
        opts,
        wrap: profile.wrap.as_ref(),
        link,
        tls,
        rel: Reliable::new(
            opts.retransmit_after,
            opts.retransmit_after * 4,
            transport == Transport::Udp,
        ),
        session: new_session(),
        server_session: None,
        packet_id: 1,
        time: unix_time(),
        max_payload: max_payload(opts.tls_mtu, profile.wrap.as_ref(), addr),
        start,
        deadline,
        step: Step::Reset,
        progress: Instant::now(),
        received: 0,
        reset_sent: None,
        hello_sent: None,
        finished: None,
        legacy: opts.legacy_hello.then(Vec::new),
        report,
    };
    engine.report.client_session = engine.session;
    let result = engine.drive().await;
    engine.finish_report();
    result
}

/// The largest TLS payload per control packet: OpenVPN's `tls-mtu` less the headers, the ack
/// array at its largest, the message id, the wrapping and IP + UDP (as OpenVPN counts it,
/// `calc_control_channel_frame_overhead`).
pub fn max_payload(tls_mtu: usize, wrap: Option<&TlsWrap>, addr: SocketAddr) -> usize {
    let ip_udp = if addr.is_ipv6() { 48 } else { 28 };
    let overhead = 1 + SID_LEN + ack_size(SEND_ACK_MAX) + 4 + wrap_overhead(wrap) + ip_udp;
    tls_mtu
        .min(TLS_CHANNEL_BUF_SIZE)
        .saturating_sub(overhead)
        .max(16)
}

fn unix_time() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

struct Engine<'a> {
    opts: &'a HandshakeOptions,
    wrap: Option<&'a TlsWrap>,
    link: Link,
    tls: TlsSide,
    rel: Reliable,
    session: SessionId,
    server_session: Option<SessionId>,
    /// tls-auth / tls-crypt replay id of our next packet.
    packet_id: u32,
    time: u32,
    max_payload: usize,
    start: Instant,
    deadline: Instant,
    step: Step,
    /// The last time the step moved on.
    progress: Instant,
    received: usize,
    reset_sent: Option<Instant>,
    hello_sent: Option<Instant>,
    /// When TLS completed on our side (the handshake ends once our last flight is acked).
    finished: Option<Instant>,
    /// With a legacy hello: the server's TLS bytes so far (rustls is not used).
    legacy: Option<Vec<u8>>,
    report: &'a mut HandshakeReport,
}

impl Engine<'_> {
    async fn drive(&mut self) -> StepResult<()> {
        self.rel
            .queue(Opcode(P_CONTROL_HARD_RESET_CLIENT_V2), Vec::new());
        loop {
            self.send_due().await?;
            let now = Instant::now();
            if self.finished.is_some() && self.rel.all_acked() {
                self.report.final_flight_acked = true;
                self.report.timings.tls = self.hello_sent.map(|t| t.elapsed());
                return self.verdict();
            }
            let step_end = (self.progress + self.opts.step_timeout).min(self.deadline);
            if now >= step_end {
                return Err((
                    self.step,
                    Failure::Timeout {
                        waited: now - self.progress,
                    },
                ));
            }
            let mut wake = step_end;
            if let Some(t) = self.rel.next_timer() {
                wake = wake.min(t);
            }
            match tokio::time::timeout_at(wake.into(), self.link.recv()).await {
                Err(_) => {}
                Ok(Err(f)) => return Err((self.step, f)),
                Ok(Ok(bytes)) => {
                    if let Err(failed) = self.on_packet(&bytes) {
                        // A TLS alert rustls queued goes out once, so the server logs why.
                        let _ = self.send_due().await;
                        return Err(failed);
                    }
                }
            }
        }
    }

    /// Sends what the reliability layer has due, wrapped, and logs it.
    async fn send_due(&mut self) -> StepResult<()> {
        for out in self.rel.poll(Instant::now()) {
            let pkt = Packet {
                opcode: out.opcode,
                key_id: 0,
                session: self.session,
                remote_session: (!out.acks.is_empty())
                    .then_some(self.server_session)
                    .flatten(),
                acks: out.acks,
                msg_id: out.msg_id,
                payload: out.payload,
            };
            let wire = wrap_packet(
                pkt.op_byte(),
                self.session,
                &pkt.encode_body(),
                self.wrap,
                self.packet_id,
                self.time,
            );
            self.packet_id = self.packet_id.wrapping_add(1);
            let wire_len = self.link.send(&wire).await.map_err(|f| (self.step, f))?;
            if pkt.opcode.0 == P_CONTROL_HARD_RESET_CLIENT_V2 && self.reset_sent.is_none() {
                self.reset_sent = Some(Instant::now());
            }
            if self.step == Step::ClientHello
                && self.hello_sent.is_none()
                && pkt.opcode.0 == P_CONTROL_V1
            {
                self.hello_sent = Some(Instant::now());
            }
            self.log(PacketRecord {
                at: self.start.elapsed(),
                direction: Direction::Sent,
                opcode: Some(pkt.opcode),
                msg_id: pkt.msg_id,
                acks: pkt.acks,
                payload_len: pkt.payload.len(),
                wire_len,
                retransmission: out.retransmission,
                note: None,
            });
        }
        // A TCP peer that stops reading would block the write: the deadline bounds it.
        match tokio::time::timeout_at(self.deadline.into(), self.link.flush()).await {
            Ok(flushed) => flushed.map_err(|f| (self.step, f)),
            Err(_) => {
                let waited = self.progress.elapsed();
                Err((self.step, Failure::Timeout { waited }))
            }
        }
    }

    fn log(&mut self, record: PacketRecord) {
        if self.report.packets.len() < MAX_LOGGED {
            self.report.packets.push(record);
        } else {
            self.report.packets_not_logged += 1;
        }
    }

    fn log_received(&mut self, wire_len: usize, pkt: Option<&Packet>, note: Option<String>) {
        self.log(PacketRecord {
            at: self.start.elapsed(),
            direction: Direction::Received,
            opcode: pkt.map(|p| p.opcode),
            msg_id: pkt.and_then(|p| p.msg_id),
            acks: pkt.map(|p| p.acks.clone()).unwrap_or_default(),
            payload_len: pkt.map_or(0, |p| p.payload.len()),
            wire_len,
            retransmission: false,
            note,
        });
    }

    /// One packet from the server: its acks, its message, and what that lets TLS do.
    fn on_packet(&mut self, bytes: &[u8]) -> StepResult<()> {
        let wire_len = bytes.len() + self.link.framing();
        self.received += bytes.len();
        if self.received > MAX_RECEIVED {
            return Err((
                self.step,
                Failure::Protocol(format!(
                    "the server sent over {} KiB without completing the handshake",
                    MAX_RECEIVED / 1024
                )),
            ));
        }
        let Some((op, sid, body, authentic)) = unwrap_packet(bytes, self.wrap) else {
            self.log_received(
                wire_len,
                None,
                Some("too short for a control packet: ignored".into()),
            );
            return Ok(());
        };
        if authentic == Some(false) {
            self.report.bad_auth += 1;
            let why = format!(
                "its {} does not verify with our key: ignored",
                if matches!(self.wrap, Some(TlsWrap::Crypt { .. })) {
                    "tag"
                } else {
                    "HMAC"
                }
            );
            self.log_received(wire_len, None, Some(why));
            return Ok(());
        }
        let body = body.unwrap_or_default();
        let pkt = match Packet::decode(op, sid, &body) {
            Ok(p) => p,
            Err(e) => {
                self.log_received(
                    wire_len,
                    None,
                    Some(format!("not a control packet ({e}): ignored")),
                );
                return Ok(());
            }
        };
        if pkt.key_id != 0 {
            self.log_received(
                wire_len,
                Some(&pkt),
                Some("key id is not 0: ignored".into()),
            );
            return Ok(());
        }
        match self.server_session {
            Some(s) if s != pkt.session => {
                self.log_received(
                    wire_len,
                    Some(&pkt),
                    Some("another session: ignored".into()),
                );
                return Ok(());
            }
            None if pkt.opcode.0 != P_CONTROL_HARD_RESET_SERVER_V2 => {
                // Acks of our reset from a server busy elsewhere still count as acks.
                if pkt.remote_session == Some(self.session) && !pkt.acks.is_empty() {
                    self.rel.on_acks(&pkt.acks);
                }
                self.log_received(
                    wire_len,
                    Some(&pkt),
                    Some("before the server's reset: only its acks taken".into()),
                );
                return Ok(());
            }
            _ => {}
        }
        let mut note = None;
        if !pkt.acks.is_empty() {
            if pkt.remote_session == Some(self.session) {
                if !self.rel.on_acks(&pkt.acks).is_empty() {
                    self.progress = Instant::now();
                }
            } else {
                note = Some("acks for another session: ignored".to_string());
            }
        }
        let mut in_order = Vec::new();
        if let Some(id) = pkt.msg_id {
            if pkt.opcode.0 == P_CONTROL_HARD_RESET_SERVER_V2 && self.server_session.is_none() {
                if pkt.remote_session != Some(self.session) {
                    self.log_received(
                        wire_len,
                        Some(&pkt),
                        Some("a server reset that does not ack our session: ignored".into()),
                    );
                    return Ok(());
                }
                self.server_session = Some(pkt.session);
                self.report.server_session = Some(pkt.session);
            }
            match self.rel.on_message(id, pkt.opcode, pkt.payload.clone()) {
                Received::New => {}
                Received::Duplicate => note = Some("duplicate: acked again".to_string()),
                Received::BeyondWindow => {
                    note = Some("beyond the receive window: dropped".to_string());
                }
            }
            in_order = self.rel.take_in_order();
        }
        self.log_received(wire_len, Some(&pkt), note);
        for (_, opcode, payload) in in_order {
            self.progress = Instant::now();
            match opcode.0 {
                P_CONTROL_HARD_RESET_SERVER_V2 => self.start_tls(),
                P_CONTROL_V1 if self.step != Step::Reset => self.tls_in(&payload)?,
                _ => {
                    return Err((
                        self.step,
                        Failure::Protocol(format!(
                            "the server sent {opcode} where the handshake expected TLS"
                        )),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The server's reset arrived: the ClientHello goes out.
    fn start_tls(&mut self) {
        if self.step != Step::Reset {
            return;
        }
        self.report.timings.reset = self.reset_sent.map(|t| t.elapsed());
        self.step = Step::ClientHello;
        let first = self.rel.queued();
        let len = if self.legacy.is_some() {
            let hello = legacy::client_hello(rand::random());
            self.rel
                .queue_stream(Opcode(P_CONTROL_V1), &hello, self.max_payload);
            hello.len()
        } else {
            self.tls_out()
        };
        self.report.client_hello_len = len;
        self.report.client_hello_msgs = (first..self.rel.queued()).collect();
    }

    /// Moves what rustls has to send into control messages; returns the bytes moved.
    fn tls_out(&mut self) -> usize {
        let mut bytes = Vec::new();
        while self.tls.conn.wants_write() {
            match self.tls.conn.write_tls(&mut bytes) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        self.rel
            .queue_stream(Opcode(P_CONTROL_V1), &bytes, self.max_payload);
        bytes.len()
    }

    /// TLS bytes from the server, in order.
    fn tls_in(&mut self, mut payload: &[u8]) -> StepResult<()> {
        if self.step == Step::ClientHello {
            self.step = Step::ServerHandshake;
        }
        if let Some(buf) = &mut self.legacy {
            buf.extend_from_slice(payload);
            let failure = match legacy::answer(buf) {
                legacy::Answer::Incomplete => return Ok(()),
                legacy::Answer::Hello { version, suite } => {
                    self.report.legacy_answer = Some((version, suite));
                    Failure::Tls(format!(
                        "the server chose {}, which this check's TLS library does not speak",
                        legacy::suite_name(suite)
                    ))
                }
                legacy::Answer::Alert(d) => Failure::Tls(format!(
                    "the server refused the legacy hello too (alert {d})"
                )),
                legacy::Answer::Garbage => {
                    Failure::Protocol("the server's answer does not parse as TLS".to_string())
                }
            };
            return Err((self.step, failure));
        }
        while !payload.is_empty() {
            let read = self.tls.conn.read_tls(&mut payload);
            let processed = self.tls.conn.process_new_packets();
            if let Err(e) = processed {
                self.capture();
                self.tls_out();
                return Err((self.step, Failure::Tls(clean(&e.to_string()))));
            }
            match read {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err((self.step, Failure::Tls(clean(&e.to_string())))),
            }
        }
        self.tls_out();
        if self.finished.is_none() && !self.tls.conn.is_handshaking() {
            self.finished = Some(Instant::now());
            self.step = Step::FinalFlight;
            self.report.timings.tls = self.hello_sent.map(|t| t.elapsed());
            self.report.negotiated = Some(crate::probe::tls::negotiated(&self.tls.conn));
            self.report.tls_finished = true;
            self.capture();
        }
        Ok(())
    }

    /// What the verifier and the certificate resolver saw.
    fn capture(&mut self) {
        let seen = self.tls.recorder.snapshot();
        if !seen.chain.is_empty() {
            self.report.chain = seen.chain;
        }
        self.report.signature_error = seen.signature_error;
        let asked = self
            .tls
            .asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.report.client_cert_requested = seen.client_auth.or(asked);
    }

    /// The handshake is complete: the chain against the profile's CA.
    fn verdict(&mut self) -> StepResult<()> {
        let verdict = verify_with_ca(&self.report.chain, &self.tls.ca_pem, UnixTime::now());
        self.report.ca = Some(verdict.clone());
        match verdict {
            CaVerdict::Verified => Ok(()),
            CaVerdict::NotVerified(why) => Err((Step::Verify, Failure::NotVerified(why))),
            CaVerdict::NoCa => Err((
                Step::Verify,
                Failure::NotVerified("the profile has no <ca> certificate to verify with".into()),
            )),
        }
    }

    fn finish_report(&mut self) {
        self.report.sent_messages = self.rel.queued();
        self.report.acked_through = self.rel.acked_through();
        self.report.unacked = self.rel.unacked_sent();
        self.report.received_through = self.rel.received_through();
        self.report.received_ahead = self.rel.received_ahead();
        if self.report.chain.is_empty() {
            self.capture();
        }
        if self.report.ca.is_none() && !self.report.chain.is_empty() {
            self.report.ca = Some(verify_with_ca(
                &self.report.chain,
                &self.tls.ca_pem,
                UnixTime::now(),
            ));
        }
    }
}
/// Accepts any extended key usage: `remote-cert-tls server` is judged on its own, later.
struct AnyPurpose;

impl webpki::ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, _iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

/// Whether `chain` (leaf first) leads to a certificate of `ca_pem` and is valid at `now`. No
/// name is checked, as OpenVPN checks none without `verify-x509-name`.
pub fn verify_with_ca(chain: &[CertificateDer<'_>], ca_pem: &[u8], now: UnixTime) -> CaVerdict {
    let cas: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(ca_pem)
        .filter_map(Result::ok)
        .collect();
    let anchors: Vec<_> = cas
        .iter()
        .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
        .collect();
    if anchors.is_empty() {
        return CaVerdict::NoCa;
    }
    let Some(leaf) = chain.first() else {
        return CaVerdict::NotVerified("the server sent no certificate".to_string());
    };
    let ee = match webpki::EndEntityCert::try_from(leaf) {
        Ok(ee) => ee,
        Err(e) => return CaVerdict::NotVerified(webpki_error_text(&e)),
    };
    match ee.verify_for_usage(
        crate::probe::signatures::algorithms(),
        &anchors,
        &chain[1..],
        now,
        AnyPurpose,
        None,
        None,
    ) {
        Ok(_) => CaVerdict::Verified,
        Err(e) => CaVerdict::NotVerified(webpki_error_text(&e)),
    }
}

/// rustls's side: the connection, what the verifier records, the profile's CA.
struct TlsSide {
    conn: ClientConnection,
    recorder: Recorder,
    /// The CA names the server asked for, when we present a certificate.
    asked: Arc<Mutex<Option<Vec<String>>>>,
    ca_pem: Vec<u8>,
}

impl TlsSide {
    fn new(
        profile: &HandshakeProfile,
        opts: &HandshakeOptions,
        addr: SocketAddr,
    ) -> Result<Self, String> {
        let versions = versions(profile.tls_version_min, profile.tls_version_max)?;
        let hello = HelloConfig {
            versions,
            post_quantum: opts.post_quantum,
            alpn: Vec::new(),
            send_sni: false,
        };
        let recorder = Recorder::default();
        let mut config: ClientConfig = verifier::client_config(&hello, &recorder)
            .map_err(|e| format!("no TLS configuration: {}", clean(&e.to_string())))?;
        let asked = Arc::new(Mutex::new(None));
        if let Some(id) = &profile.client {
            config.client_auth_cert_resolver = Arc::new(PresentClientCert {
                key: certified_key(id)?,
                asked: asked.clone(),
            });
        }
        // OpenVPN sends no server name; rustls needs one, and sends none (send_sni off).
        let name = ServerName::IpAddress(addr.ip().into());
        let conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| format!("no TLS connection: {}", clean(&e.to_string())))?;
        Ok(TlsSide {
            conn,
            recorder,
            asked,
            ca_pem: profile.ca_pem.clone(),
        })
    }
}

/// The versions rustls can speak within `tls-version-min` / `tls-version-max`.
fn versions(
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    let lo = min.unwrap_or(TlsVersion::Tls10);
    let hi = max.unwrap_or(TlsVersion::Tls13);
    let mut v = Vec::new();
    if lo <= TlsVersion::Tls13 && hi >= TlsVersion::Tls13 {
        v.push(&rustls::version::TLS13);
    }
    if lo <= TlsVersion::Tls12 && hi >= TlsVersion::Tls12 {
        v.push(&rustls::version::TLS12);
    }
    if v.is_empty() {
        return Err(format!(
            "the profile allows TLS {lo} to {hi}; this check speaks TLS 1.2 and 1.3 only"
        ));
    }
    Ok(v)
}

/// The profile's `<cert>` and `<key>`, ready to present.
fn certified_key(id: &ClientIdentity) -> Result<Arc<CertifiedKey>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&id.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the profile's <cert> does not parse: {e}"))?;
    if certs.is_empty() {
        return Err("the profile's <cert> holds no certificate".to_string());
    }
    let key = PrivateKeyDer::from_pem_slice(&id.key_pem)
        .map_err(|e| format!("the profile's <key> does not parse: {e}"))?;
    let signing = rustls::crypto::aws_lc_rs::default_provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("the profile's <key> cannot sign: {}", clean(&e.to_string())))?;
    Ok(Arc::new(CertifiedKey::new(certs, signing)))
}

/// Presents the profile's certificate, noting the CA names the server asked for.
#[derive(Debug)]
struct PresentClientCert {
    key: Arc<CertifiedKey>,
    asked: Arc<Mutex<Option<Vec<String>>>>,
}

impl ResolvesClientCert for PresentClientCert {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let names = root_hint_subjects
            .iter()
            .map(|s| name_from_der(s))
            .collect();
        *self.asked.lock().unwrap_or_else(PoisonError::into_inner) = Some(names);
        Some(self.key.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The socket: a connected UDP socket (so ICMP unreachable surfaces), or TCP with OpenVPN's
/// 2-byte length before each packet; over TCP the packets due at once go out in one write.
enum Link {
    Udp(UdpSocket),
    Tcp {
        stream: TcpStream,
        buf: Vec<u8>,
        out: Vec<u8>,
    },
}

impl Link {
    async fn open(addr: SocketAddr, transport: Transport, until: Instant) -> Result<Self, Failure> {
        let started = Instant::now();
        match transport {
            Transport::Udp => {
                let local: SocketAddr = if addr.is_ipv6() {
                    "[::]:0".parse().expect("an address")
                } else {
                    "0.0.0.0:0".parse().expect("an address")
                };
                let sock = UdpSocket::bind(local).await.map_err(|e| io_failure(&e))?;
                sock.connect(addr).await.map_err(|e| io_failure(&e))?;
                Ok(Link::Udp(sock))
            }
            Transport::Tcp => {
                match tokio::time::timeout_at(until.into(), TcpStream::connect(addr)).await {
                    Err(_) => Err(Failure::Timeout {
                        waited: started.elapsed(),
                    }),
                    Ok(Err(e)) => Err(io_failure(&e)),
                    Ok(Ok(stream)) => {
                        let _ = stream.set_nodelay(true);
                        Ok(Link::Tcp {
                            stream,
                            buf: Vec::new(),
                            out: Vec::new(),
                        })
                    }
                }
            }
        }
    }

    /// Bytes each packet takes on the wire beyond itself.
    fn framing(&self) -> usize {
        match self {
            Link::Udp(_) => 0,
            Link::Tcp { .. } => 2,
        }
    }

    /// Sends one packet (over TCP: queues it for [`Link::flush`]); returns its size on the
    /// wire.
    async fn send(&mut self, pkt: &[u8]) -> Result<usize, Failure> {
        match self {
            Link::Udp(sock) => sock.send(pkt).await.map_err(|e| io_failure(&e)),
            Link::Tcp { out, .. } => {
                out.extend_from_slice(&(pkt.len() as u16).to_be_bytes());
                out.extend_from_slice(pkt);
                Ok(pkt.len() + 2)
            }
        }
    }

    /// Writes the queued TCP packets.
    async fn flush(&mut self) -> Result<(), Failure> {
        match self {
            Link::Udp(_) => Ok(()),
            Link::Tcp { stream, out, .. } => {
                if !out.is_empty() {
                    stream.write_all(out).await.map_err(|e| io_failure(&e))?;
                    out.clear();
                }
                Ok(())
            }
        }
    }

    /// The next packet. Cancel-safe: a TCP read appends to the buffer only once it returns.
    async fn recv(&mut self) -> Result<Vec<u8>, Failure> {
        match self {
            Link::Udp(sock) => {
                let mut buf = vec![0u8; 4096];
                let n = sock.recv(&mut buf).await.map_err(|e| io_failure(&e))?;
                buf.truncate(n);
                Ok(buf)
            }
            Link::Tcp { stream, buf, .. } => loop {
                if let Some(pkt) = take_frame(buf) {
                    return Ok(pkt);
                }
                let mut chunk = [0u8; 4096];
                match stream.read(&mut chunk).await {
                    Ok(0) => return Err(Failure::Closed),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) => return Err(io_failure(&e)),
                }
            },
        }
    }
}

/// The first complete length-prefixed packet in `buf`, taken out of it.
fn take_frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let len = usize::from(u16::from_be_bytes([*buf.first()?, *buf.get(1)?]));
    if buf.len() < 2 + len {
        return None;
    }
    let pkt = buf[2..2 + len].to_vec();
    buf.drain(..2 + len);
    Some(pkt)
}

fn io_failure(e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => Failure::PortClosed,
        io::ErrorKind::ConnectionReset => Failure::ConnectionReset,
        io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => Failure::Closed,
        _ => Failure::Io(clean(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_fit_openvpn_s_control_packets() {
        let v4: SocketAddr = "127.0.0.1:1194".parse().unwrap();
        let v6: SocketAddr = "[::1]:1194".parse().unwrap();
        assert_eq!(max_payload(TLS_MTU_DEFAULT, None, v4), 1250 - 66);
        assert_eq!(max_payload(TLS_MTU_DEFAULT, None, v6), 1250 - 86);
        assert_eq!(max_payload(100, None, v4), 34);
        assert_eq!(max_payload(10, None, v4), 16, "a floor, as OpenVPN's");
        assert_eq!(max_payload(9000, None, v4), 2048 - 66);
    }

    #[test]
    fn tls_versions_follow_the_profile_s_caps() {
        let v = |min, max| versions(min, max).map(|v| v.len());
        assert_eq!(v(None, None), Ok(2));
        assert_eq!(v(Some(TlsVersion::Tls13), None), Ok(1));
        assert_eq!(v(None, Some(TlsVersion::Tls12)), Ok(1));
        assert!(v(None, Some(TlsVersion::Tls11)).is_err());
        assert_eq!(TlsVersion::parse("1.2"), Some(TlsVersion::Tls12));
        assert_eq!(TlsVersion::parse("1.4"), None);
    }

    #[test]
    fn tcp_frames_are_taken_whole() {
        let mut buf = vec![0, 3, 1, 2];
        assert_eq!(take_frame(&mut buf), None);
        buf.extend_from_slice(&[3, 0, 1, 9]);
        assert_eq!(take_frame(&mut buf), Some(vec![1, 2, 3]));
        assert_eq!(take_frame(&mut buf), Some(vec![9]));
        assert!(buf.is_empty());
        assert_eq!(take_frame(&mut buf), None);
    }

    use super::fake_server::{self, Quirks};
    use crate::config::static_key::Digest;

    fn local_profile(pki: &fake_server::Pki, wrap: Option<TlsWrap>) -> HandshakeProfile {
        HandshakeProfile {
            ca_pem: pki.ca_pem.clone().into_bytes(),
            wrap,
            ..HandshakeProfile::default()
        }
    }

    fn quick() -> HandshakeOptions {
        let mut o = HandshakeOptions::new(Duration::from_secs(2));
        o.retransmit_after = Duration::from_millis(300);
        o
    }

    #[tokio::test]
    async fn a_reordered_duplicated_flight_in_small_packets_completes() {
        let pki = fake_server::pki("fake-ca");
        let quirks = Quirks {
            reorder: true,
            duplicate: true,
            payload: 200,
        };
        let srv = fake_server::start(&pki, None, quirks).await;
        let r = handshake(
            srv.addr,
            Transport::Udp,
            &local_profile(&pki, None),
            &quick(),
        )
        .await;
        assert_eq!(r.status, Status::Completed, "{}", r.summary());
        assert_eq!(r.ca, Some(CaVerdict::Verified));
        assert_eq!(r.chain.len(), 2);
        assert!(r.final_flight_acked && r.unacked.is_empty());
        let received: Vec<_> = r
            .packets
            .iter()
            .filter(|p| {
                p.direction == Direction::Received && p.opcode == Some(Opcode(P_CONTROL_V1))
            })
            .filter_map(|p| p.msg_id)
            .collect();
        assert!(
            received.windows(2).any(|w| w[0] > w[1]),
            "the server's messages arrived out of order: {received:?}"
        );
        assert!(
            r.packets
                .iter()
                .any(|p| p.note.as_deref() == Some("duplicate: acked again")),
            "duplicates are noted"
        );
        assert!(
            r.received_through.is_some_and(|n| n >= 5),
            "many small packets"
        );
    }

    #[tokio::test]
    async fn tls_auth_with_the_right_direction_completes_and_the_wrong_one_is_ignored() {
        let pki = fake_server::pki("fake-ca");
        let wrap = |direction| TlsWrap::Auth {
            key: fake_server::static_key(),
            direction,
            digest: Digest::Sha256,
        };
        let ours = wrap(crate::config::static_key::Direction::Inverse);
        let srv = fake_server::start(
            &pki,
            fake_server::server_wrap(Some(&ours)),
            Quirks::default(),
        )
        .await;
        let r = handshake(
            srv.addr,
            Transport::Udp,
            &local_profile(&pki, Some(ours)),
            &quick(),
        )
        .await;
        assert_eq!(r.status, Status::Completed, "{}", r.summary());
        assert_eq!(r.bad_auth, 0);
        assert_eq!(r.wrap, Some("tls-auth"));

        let mut opts = quick();
        opts.step_timeout = Duration::from_millis(700);
        let wrong = wrap(crate::config::static_key::Direction::Normal);
        let r = handshake(
            srv.addr,
            Transport::Udp,
            &local_profile(&pki, Some(wrong)),
            &opts,
        )
        .await;
        assert!(
            matches!(
                r.status,
                Status::Failed {
                    step: Step::Reset,
                    failure: Failure::Timeout { .. }
                }
            ),
            "{}",
            r.summary()
        );
        let resets = r
            .packets
            .iter()
            .filter(|p| p.direction == Direction::Sent)
            .count();
        assert!(resets >= 2, "the reset is resent: {resets}");
        assert!(r.packets.iter().skip(1).all(|p| p.retransmission));
    }

    #[tokio::test]
    async fn a_chain_from_another_ca_completes_tls_and_fails_verification() {
        let pki = fake_server::pki("fake-ca");
        let other = fake_server::pki("other-ca");
        let srv = fake_server::start(&pki, None, Quirks::default()).await;
        let r = handshake(
            srv.addr,
            Transport::Udp,
            &local_profile(&other, None),
            &quick(),
        )
        .await;
        assert!(
            matches!(
                &r.status,
                Status::Failed {
                    step: Step::Verify,
                    failure: Failure::NotVerified(_)
                }
            ),
            "{}",
            r.summary()
        );
        assert!(matches!(r.ca, Some(CaVerdict::NotVerified(_))));
        assert!(r.negotiated.is_some() && r.chain.len() == 2);
    }

    #[tokio::test]
    async fn a_silent_port_times_out_within_the_bound() {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let mut opts = quick();
        opts.step_timeout = Duration::from_millis(500);
        let started = Instant::now();
        let r = handshake(addr, Transport::Udp, &HandshakeProfile::default(), &opts).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(matches!(
            r.status,
            Status::Failed {
                step: Step::Reset,
                failure: Failure::Timeout { .. }
            }
        ));
        assert_eq!(r.unacked, [0]);
        assert_eq!(r.acked_through, None);
    }

    #[tokio::test]
    async fn garbage_answers_are_logged_and_ignored_until_the_step_times_out() {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let echo = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                let _ = sock
                    .send_to(b"HTTP/1.1 400 Bad Request\r\n\r\n", from)
                    .await;
                // Our own packet back: another session's reset, never ours.
                let _ = sock.send_to(&buf[..n], from).await;
            }
        });
        let mut opts = quick();
        opts.step_timeout = Duration::from_millis(500);
        let r = handshake(addr, Transport::Udp, &HandshakeProfile::default(), &opts).await;
        echo.abort();
        assert!(matches!(
            r.status,
            Status::Failed {
                step: Step::Reset,
                failure: Failure::Timeout { .. }
            }
        ));
        let received: Vec<_> = r
            .packets
            .iter()
            .filter(|p| p.direction == Direction::Received)
            .collect();
        assert!(received.len() >= 2);
        assert!(received.iter().all(|p| p.note.is_some()), "{received:?}");
        assert_eq!(r.server_session, None);
    }

    #[test]
    fn a_packet_record_reads_as_one_line() {
        let mut p = PacketRecord {
            at: Duration::from_micros(12_340),
            direction: Direction::Sent,
            opcode: Some(Opcode(P_CONTROL_V1)),
            msg_id: Some(1),
            acks: vec![0],
            payload_len: 1184,
            wire_len: 1210,
            retransmission: true,
            note: None,
        };
        assert_eq!(
            p.to_string(),
            "+12.3ms -> P_CONTROL_V1 msg 1 acks [0] 1184 B (1210 on the wire), resent"
        );
        p.direction = Direction::Received;
        p.opcode = None;
        p.msg_id = None;
        p.acks.clear();
        p.retransmission = false;
        p.note = Some("its HMAC does not verify with our key: ignored".into());
        assert_eq!(
            p.to_string(),
            "+12.3ms <- (unreadable) 1184 B (1210 on the wire): its HMAC does not verify with our key: ignored"
        );
    }

    #[test]
    fn a_chain_without_a_ca_is_not_verified() {
        assert_eq!(verify_with_ca(&[], b"", UnixTime::now()), CaVerdict::NoCa);
    }
}
