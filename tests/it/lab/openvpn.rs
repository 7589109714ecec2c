//! An OpenVPN-reset responder over UDP and TCP: it answers a client's
//! `P_CONTROL_HARD_RESET_CLIENT_V2` with a `P_CONTROL_HARD_RESET_SERVER_V2` that acks it, as a
//! real server does. With a tls-auth key (HMAC-SHA1, server side: key direction 0) it ignores
//! packets whose HMAC does not verify (over TCP it then closes the connection, as OpenVPN 2.6
//! does) and signs its answers. Written from the OpenVPN wire
//! format, independently of the probe's own code.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_lc_rs::hmac;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::udp::Task;

/// A 2048-bit static key with recognisable bytes.
pub fn test_key() -> [u8; 256] {
    let mut k = [0u8; 256];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    k
}

/// `key` in the format of `openvpn --genkey secret`.
pub fn key_file_text(key: &[u8; 256]) -> String {
    let mut s = String::from(
        "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n",
    );
    for line in key.chunks(16) {
        for b in line {
            s.push(char::from_digit(u32::from(b >> 4), 16).expect("a nibble"));
            s.push(char::from_digit(u32::from(b & 0x0f), 16).expect("a nibble"));
        }
        s.push('\n');
    }
    s.push_str("-----END OpenVPN Static key V1-----\n");
    s
}

const SHA1_LEN: usize = 20;

/// The server's view of a tls-auth key (direction 0): it checks with key 1's HMAC half and
/// signs with key 0's.
#[derive(Clone)]
struct ServerKey {
    check: hmac::Key,
    sign: hmac::Key,
}

impl ServerKey {
    fn new(key: &[u8; 256]) -> Self {
        ServerKey {
            check: hmac::Key::new(
                hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                &key[192..192 + SHA1_LEN],
            ),
            sign: hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key[64..64 + SHA1_LEN]),
        }
    }
}

/// The client's session id if `pkt` is a hard reset (verified when `key` is set).
fn client_session(pkt: &[u8], key: Option<&ServerKey>) -> Option<[u8; 8]> {
    if pkt.len() < 14 || pkt[0] != 7 << 3 {
        return None;
    }
    if let Some(k) = key {
        if pkt.len() < 9 + SHA1_LEN + 8 + 5 {
            return None;
        }
        let (head, rest) = pkt.split_at(9);
        let (mac, rest) = rest.split_at(SHA1_LEN);
        let (pid, body) = rest.split_at(8);
        let signed = [pid, head, body].concat();
        hmac::verify(&k.check, &signed, mac).ok()?;
    }
    pkt[1..9].try_into().ok()
}

/// The server's reset, acking message 0 of `client`.
fn server_reset(client: [u8; 8], key: Option<&ServerKey>) -> Vec<u8> {
    let head = [&[8u8 << 3][..], &[0x5e; 8]].concat();
    let body = [&[1u8][..], &[0, 0, 0, 0], &client, &[0, 0, 0, 0]].concat();
    match key {
        None => [head, body].concat(),
        Some(k) => {
            let pid = [0, 0, 0, 1, 0x66, 0, 0, 0];
            let mac = hmac::sign(&k.sign, &[&pid[..], &head, &body].concat());
            [&head[..], mac.as_ref(), &pid, &body].concat()
        }
    }
}

/// A responder on one UDP and one TCP loopback port.
pub struct OpenvpnResponder {
    pub udp: SocketAddr,
    pub tcp: SocketAddr,
    answered: Arc<AtomicUsize>,
    ignored: Arc<AtomicUsize>,
    _udp_task: Task,
    _tcp_task: Task,
}

impl OpenvpnResponder {
    /// Starts a responder; with `tls_auth`, it answers only packets signed with that key.
    pub async fn start(tls_auth: Option<&[u8; 256]>) -> OpenvpnResponder {
        let key = tls_auth.map(ServerKey::new);
        let answered = Arc::new(AtomicUsize::new(0));
        let ignored = Arc::new(AtomicUsize::new(0));

        let sock = super::ports::udp().await;
        let udp = sock.local_addr().expect("local addr");
        let (k, a, i) = (key.clone(), answered.clone(), ignored.clone());
        let udp_task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                match client_session(&buf[..n], k.as_ref()) {
                    Some(sid) => {
                        a.fetch_add(1, Ordering::Relaxed);
                        let _ = sock.send_to(&server_reset(sid, k.as_ref()), from).await;
                    }
                    None => {
                        i.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });

        let listener = super::ports::tcp().await;
        let tcp = listener.local_addr().expect("local addr");
        let (a, i) = (answered.clone(), ignored.clone());
        let tcp_task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (k, a, i) = (key.clone(), a.clone(), i.clone());
                tokio::spawn(async move {
                    let mut len = [0u8; 2];
                    if stream.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut pkt = vec![0u8; usize::from(u16::from_be_bytes(len))];
                    if stream.read_exact(&mut pkt).await.is_err() {
                        return;
                    }
                    if let Some(sid) = client_session(&pkt, k.as_ref()) {
                        a.fetch_add(1, Ordering::Relaxed);
                        let reply = server_reset(sid, k.as_ref());
                        let framed = [&(reply.len() as u16).to_be_bytes()[..], &reply].concat();
                        let _ = stream.write_all(&framed).await;
                    } else {
                        // Like OpenVPN 2.6: "cannot locate HMAC", and the connection is closed.
                        i.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    let mut rest = [0u8; 512];
                    while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
                });
            }
        });
        OpenvpnResponder {
            udp,
            tcp,
            answered,
            ignored,
            _udp_task: Task(udp_task),
            _tcp_task: Task(tcp_task),
        }
    }

    /// Resets it answered.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Relaxed)
    }

    /// Packets it dropped (not a reset, or not signed with its key).
    pub fn ignored(&self) -> usize {
        self.ignored.load(Ordering::Relaxed)
    }
}
