//! An OpenVPN server's control channel with its TLS handshake, over UDP and TCP, for the lab:
//! the hard-reset exchange, then TLS records in `P_CONTROL_V1` packets with the reliability
//! layer, signed with tls-auth when it has a key (server side: key direction 0), rustls as the
//! TLS server with the lab's certificate. It stops once the handshake is done (it never reads
//! credentials or opens a tunnel). Built from the probe's own packet, reliability and
//! wrapping code, as the engine's unit tests' server is; the real `openvpn` is what the
//! interop scripts test against.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};
use tlsdoctor_tui::config::static_key::TlsWrap;
use tlsdoctor_tui::probe::reach::openvpn::{SessionId, unwrap_packet, wrap_packet};
use tlsdoctor_tui::probe::vpn::openvpn::packet::{
    Opcode, P_CONTROL_HARD_RESET_CLIENT_V2, P_CONTROL_HARD_RESET_SERVER_V2, P_CONTROL_V1, Packet,
};
use tlsdoctor_tui::probe::vpn::openvpn::reliable::Reliable;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::udp::Task;

/// The TLS payload per control packet, as OpenVPN's default `tls-mtu` leaves it.
const PAYLOAD: usize = 1100;
/// The most sessions kept at once over UDP (the probe runs a few retries side by side).
const MAX_SESSIONS: usize = 64;

/// One client's session: the reliability layer and the TLS server.
struct Session {
    ours: SessionId,
    theirs: SessionId,
    rel: Reliable,
    tls: ServerConnection,
    packet_id: u32,
}

impl Session {
    fn new(theirs: SessionId, config: &Arc<ServerConfig>, udp: bool) -> Option<Self> {
        let mut rel = Reliable::new(Duration::from_millis(300), Duration::from_secs(1), udp);
        rel.queue(Opcode(P_CONTROL_HARD_RESET_SERVER_V2), Vec::new());
        Some(Session {
            ours: rand::random(),
            theirs,
            rel,
            tls: ServerConnection::new(Arc::clone(config)).ok()?,
            packet_id: 1,
        })
    }

    /// A packet from the client; `false` when the session is over (a TLS error).
    fn take(&mut self, pkt: Packet) -> bool {
        self.rel.on_acks(&pkt.acks);
        if let Some(id) = pkt.msg_id {
            self.rel.on_message(id, pkt.opcode, pkt.payload);
        }
        for (_, opcode, payload) in self.rel.take_in_order() {
            if opcode.0 != P_CONTROL_V1 {
                continue;
            }
            let mut rd = &payload[..];
            while !rd.is_empty() {
                if self.tls.read_tls(&mut rd).is_err() || self.tls.process_new_packets().is_err() {
                    return false;
                }
            }
            let mut out = Vec::new();
            while self.tls.wants_write() {
                if self.tls.write_tls(&mut out).is_err() {
                    break;
                }
            }
            self.rel.queue_stream(Opcode(P_CONTROL_V1), &out, PAYLOAD);
        }
        true
    }

    /// What is due to the client now, each packet wrapped.
    fn due(&mut self, wrap: Option<&TlsWrap>) -> Vec<Vec<u8>> {
        let mut wire = Vec::new();
        for o in self.rel.poll(Instant::now()) {
            let pkt = Packet {
                opcode: o.opcode,
                key_id: 0,
                session: self.ours,
                remote_session: (!o.acks.is_empty()).then_some(self.theirs),
                acks: o.acks,
                msg_id: o.msg_id,
                payload: o.payload,
            };
            let time = u32::try_from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            )
            .unwrap_or(0);
            wire.push(wrap_packet(
                pkt.op_byte(),
                self.ours,
                &pkt.encode_body(),
                wrap,
                self.packet_id,
                time,
            ));
            self.packet_id += 1;
        }
        wire
    }
}

/// A client packet, checked and decoded: `None` for one that fails the key's check or does
/// not parse (OpenVPN drops it in silence).
fn decode(bytes: &[u8], wrap: Option<&TlsWrap>) -> Option<(SessionId, Packet)> {
    let (op, sid, body, authentic) = unwrap_packet(bytes, wrap)?;
    if authentic == Some(false) {
        return None;
    }
    let pkt = Packet::decode(op, sid, &body?).ok()?;
    Some((sid, pkt))
}

/// A profile as NordVPN ships them: a UDP and a TCP remote, inline CA and tls-auth key with
/// key-direction 1, `auth SHA512`, `auth-user-pass` (never sent), and the usual options.
pub fn nordvpn_style(udp: SocketAddr, tcp: SocketAddr, ca_pem: &str, key: &[u8; 256]) -> String {
    format!(
        "client\ndev tun\nproto udp\nremote {} {} udp\nremote {} {} tcp\nresolv-retry infinite\n\
         remote-random\nnobind\ntun-mtu 1500\ntun-mtu-extra 32\nmssfix 1450\npersist-key\n\
         persist-tun\nping 15\nping-restart 0\nping-timer-rem\nreneg-sec 0\ncomp-lzo no\n\
         remote-cert-tls server\nauth-user-pass\nverb 3\npull\nfast-io\ncipher AES-256-CBC\n\
         auth SHA512\n<ca>\n{}</ca>\nkey-direction 1\n<tls-auth>\n{}</tls-auth>\n",
        udp.ip(),
        udp.port(),
        tcp.ip(),
        tcp.port(),
        ca_pem,
        super::openvpn::key_file_text(key)
    )
}

/// The server, on a UDP and a TCP port of 127.0.0.1, until dropped.
pub struct OpenvpnTlsServer {
    pub udp: SocketAddr,
    pub tcp: SocketAddr,
    _tasks: [Task; 2],
}

impl OpenvpnTlsServer {
    /// As NordVPN's servers: `chain` and `key`, tls-auth with the static key `ta` and
    /// `auth SHA512` (server side: key direction 0), for [`nordvpn_style`] profiles.
    pub async fn nordvpn(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        ta: [u8; 256],
    ) -> Self {
        use tlsdoctor_tui::config::static_key::{Digest, Direction, StaticKey};
        let wrap = TlsWrap::Auth {
            key: StaticKey::from_bytes(ta),
            direction: Direction::Normal,
            digest: Digest::Sha512,
        };
        Self::start(chain, key, Some(wrap)).await
    }

    /// Serves `chain` with `key`; `wrap` is the server's tls-auth (direction 0), if any.
    pub async fn start(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        wrap: Option<TlsWrap>,
    ) -> Self {
        let config = Arc::new(
            ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("the default versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the lab's certificate and key"),
        );
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP port");
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("a TCP port");
        let (udp_addr, tcp_addr) = (
            udp.local_addr().expect("its address"),
            tcp.local_addr().expect("its address"),
        );
        let u = tokio::spawn(serve_udp(udp, Arc::clone(&config), wrap.clone()));
        let t = tokio::spawn(serve_tcp(tcp, config, wrap));
        OpenvpnTlsServer {
            udp: udp_addr,
            tcp: tcp_addr,
            _tasks: [Task(u), Task(t)],
        }
    }
}

async fn serve_udp(sock: UdpSocket, config: Arc<ServerConfig>, wrap: Option<TlsWrap>) {
    let mut sessions: HashMap<(SocketAddr, SessionId), Session> = HashMap::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let got = tokio::time::timeout(Duration::from_millis(50), sock.recv_from(&mut buf)).await;
        if let Ok(Ok((n, from))) = got
            && let Some((sid, pkt)) = decode(&buf[..n], wrap.as_ref())
        {
            let key = (from, sid);
            if pkt.opcode.0 == P_CONTROL_HARD_RESET_CLIENT_V2 && !sessions.contains_key(&key) {
                if sessions.len() >= MAX_SESSIONS {
                    sessions.clear();
                }
                if let Some(s) = Session::new(sid, &config, true) {
                    sessions.insert(key, s);
                }
            }
            let over = sessions.get_mut(&key).is_some_and(|s| !s.take(pkt));
            if over {
                sessions.remove(&key);
            }
        }
        for ((peer, _), s) in &mut sessions {
            for w in s.due(wrap.as_ref()) {
                let _ = sock.send_to(&w, *peer).await;
            }
        }
    }
}

async fn serve_tcp(listener: TcpListener, config: Arc<ServerConfig>, wrap: Option<TlsWrap>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve_tcp_client(stream, Arc::clone(&config), wrap.clone()));
    }
}

/// One TCP client: each packet with its 2-byte length; a packet that fails the key's check
/// closes the connection, as OpenVPN does.
async fn serve_tcp_client(
    mut stream: tokio::net::TcpStream,
    config: Arc<ServerConfig>,
    wrap: Option<TlsWrap>,
) {
    let _ = stream.set_nodelay(true);
    let mut session: Option<Session> = None;
    let mut inbox = Vec::new();
    let mut buf = vec![0u8; 4096];
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end {
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(n)) => inbox.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        while inbox.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([inbox[0], inbox[1]]));
            if inbox.len() < 2 + len {
                break;
            }
            let frame: Vec<u8> = inbox.drain(..2 + len).skip(2).collect();
            let Some((sid, pkt)) = decode(&frame, wrap.as_ref()) else {
                return;
            };
            if session.is_none() && pkt.opcode.0 == P_CONTROL_HARD_RESET_CLIENT_V2 {
                session = Session::new(sid, &config, false);
            }
            if session.as_mut().is_some_and(|s| !s.take(pkt)) {
                return;
            }
        }
        if let Some(s) = &mut session {
            for w in s.due(wrap.as_ref()) {
                let mut framed = u16::try_from(w.len())
                    .unwrap_or(u16::MAX)
                    .to_be_bytes()
                    .to_vec();
                framed.extend(w);
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
            }
        }
    }
}
