//! A small OpenVPN control-channel server for the engine's tests, built from the same parts
//! (packets, reliability layer, wrapping) on the server's side, with rustls's server: it lets
//! `cargo test` run whole handshakes with what a real server rarely does on loopback —
//! packets reordered and duplicated, a flight cut into many small packets. The real
//! `openvpn` is tested in `tests/interop/35-openvpn-handshake.sh`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::packet::{
    Opcode, P_CONTROL_HARD_RESET_CLIENT_V2, P_CONTROL_HARD_RESET_SERVER_V2, P_CONTROL_V1, Packet,
};
use super::reliable::Reliable;
use crate::config::static_key::{Direction, StaticKey, TlsWrap};
use crate::probe::reach::openvpn::{SessionId, unwrap_packet, wrap_packet};

/// A CA and a server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

pub fn pki(ca_name: &str) -> Pki {
    let ca_key = KeyPair::generate().expect("a key");
    let mut ca_params = CertificateParams::new(Vec::new()).expect("params");
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("a CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("a key");
    let mut params = CertificateParams::new(Vec::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "server");
    let leaf = params.signed_by(&key, &issuer).expect("a leaf");
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// A static key for tls-auth tests.
pub fn static_key() -> StaticKey {
    let mut b = [0u8; 256];
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i * 7) as u8;
    }
    StaticKey::from_bytes(b)
}

/// How the server misbehaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quirks {
    /// Each batch of control packets goes out last first.
    pub reorder: bool,
    /// Each packet goes out twice.
    pub duplicate: bool,
    /// The TLS payload per packet (small: a flight in many packets).
    pub payload: usize,
}

/// Serves one client at a time on a loopback port until dropped.
pub struct FakeServer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// tls-auth as the server holds it: key direction 0.
pub fn server_wrap(client: Option<&TlsWrap>) -> Option<TlsWrap> {
    match client {
        Some(TlsWrap::Auth { key, digest, .. }) => Some(TlsWrap::Auth {
            key: key.clone(),
            direction: Direction::Normal,
            digest: *digest,
        }),
        _ => None,
    }
}

pub async fn start(pki: &Pki, wrap: Option<TlsWrap>, quirks: Quirks) -> FakeServer {
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = sock.local_addr().expect("an address");
    let config = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(pki.chain.clone(), pki.key.clone_key())
    .expect("a server config");
    let task = tokio::spawn(serve(sock, Arc::new(config), wrap, quirks));
    FakeServer { addr, task }
}

async fn serve(sock: UdpSocket, config: Arc<ServerConfig>, wrap: Option<TlsWrap>, q: Quirks) {
    let session: SessionId = [0x5e; 8];
    let mut client: Option<(SocketAddr, SessionId)> = None;
    let mut rel = Reliable::new(Duration::from_millis(200), Duration::from_secs(1), true);
    let mut tls = ServerConnection::new(config).expect("a server connection");
    let mut pid = 1u32;
    let mut buf = vec![0u8; 4096];
    loop {
        let got = tokio::time::timeout(Duration::from_millis(50), sock.recv_from(&mut buf)).await;
        if let Ok(Ok((n, from))) = got {
            let Some((op, sid, Some(body), authentic)) = unwrap_packet(&buf[..n], wrap.as_ref())
            else {
                continue;
            };
            if authentic == Some(false) {
                continue;
            }
            let Ok(pkt) = Packet::decode(op, sid, &body) else {
                continue;
            };
            if pkt.opcode.0 == P_CONTROL_HARD_RESET_CLIENT_V2 && client.is_none() {
                client = Some((from, sid));
                rel.queue(Opcode(P_CONTROL_HARD_RESET_SERVER_V2), Vec::new());
            }
            if client.map(|c| c.1) != Some(sid) {
                continue;
            }
            rel.on_acks(&pkt.acks);
            if let Some(id) = pkt.msg_id {
                rel.on_message(id, pkt.opcode, pkt.payload);
            }
            for (_, opcode, payload) in rel.take_in_order() {
                if opcode.0 != P_CONTROL_V1 {
                    continue;
                }
                let mut rd = &payload[..];
                while !rd.is_empty() {
                    if tls.read_tls(&mut rd).is_err() || tls.process_new_packets().is_err() {
                        return;
                    }
                }
                let mut out = Vec::new();
                while tls.wants_write() {
                    if tls.write_tls(&mut out).is_err() {
                        break;
                    }
                }
                rel.queue_stream(Opcode(P_CONTROL_V1), &out, q.payload.max(16));
            }
        }
        let Some((peer, client_sid)) = client else {
            continue;
        };
        let mut wire = Vec::new();
        for o in rel.poll(Instant::now()) {
            let pkt = Packet {
                opcode: o.opcode,
                key_id: 0,
                session,
                remote_session: (!o.acks.is_empty()).then_some(client_sid),
                acks: o.acks,
                msg_id: o.msg_id,
                payload: o.payload,
            };
            wire.push(wrap_packet(
                pkt.op_byte(),
                session,
                &pkt.encode_body(),
                wrap.as_ref(),
                pid,
                0,
            ));
            pid += 1;
        }
        if q.reorder {
            wire.reverse();
        }
        for w in &wire {
            let _ = sock.send_to(w, peer).await;
            if q.duplicate {
                let _ = sock.send_to(w, peer).await;
            }
        }
    }
}
