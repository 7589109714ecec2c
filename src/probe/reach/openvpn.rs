//! The OpenVPN probe: a client's first control packet (`P_CONTROL_HARD_RESET_CLIENT_V2`),
//! plain or wrapped with the user's tls-auth / tls-crypt key exactly as OpenVPN wraps it, and
//! the reading of the server's answer (`P_CONTROL_HARD_RESET_SERVER_V2` acking our session).
//!
//! Wire layouts (OpenVPN 2.x `ssl_pkt.c`, `crypto.c`, `tls_crypt.c`):
//! ```text
//! plain      op | sid(8) | ack_len(1) [acked ids(4n) remote sid(8)] | msg id(4)        = 14 bytes
//! tls-auth   op | sid | hmac | pkt id(4) time(4) | ack_len ... | msg id
//!            hmac = HMAC(out key, pkt id | time | op | sid | ack_len ... | msg id)
//! tls-crypt  op | sid | pkt id | time | tag(32) | AES-256-CTR(ack_len ... | msg id)
//!            tag = HMAC-SHA256(out key, op | sid | pkt id | time | plaintext), IV = tag[..16]
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::cipher::{
    AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{ReachStatus, UdpOutcome, Verdict, describe_bytes, udp_exchange};
use crate::config::static_key::{Digest, TlsWrap};
use crate::probe::connect::{TcpError, classify};
use crate::text::human_duration;

/// The client's hard reset, key method 2.
pub const P_CONTROL_HARD_RESET_CLIENT_V2: u8 = 7;
/// The server's answer to it.
pub const P_CONTROL_HARD_RESET_SERVER_V2: u8 = 8;
/// A bare acknowledgement: a server already busy with another peer acks our reset with it.
pub const P_ACK_V1: u8 = 5;
/// Bytes in a session id.
pub const SID_LEN: usize = 8;
/// tls-crypt's tag: a full HMAC-SHA256.
const TLS_CRYPT_TAG_LEN: usize = 32;
/// The largest reply read over TCP; a control packet is far smaller.
const MAX_TCP_REPLY: usize = 4096;

/// A session id: 8 random bytes that the server echoes in its ack.
pub type SessionId = [u8; SID_LEN];

/// The 14-byte plain client reset: opcode 7 key id 0, session id, no acks, message id 0.
pub fn plain_reset(session: SessionId) -> Vec<u8> {
    let mut p = Vec::with_capacity(14);
    p.push(P_CONTROL_HARD_RESET_CLIENT_V2 << 3);
    p.extend_from_slice(&session);
    p.extend_from_slice(&reset_body());
    p
}

/// What follows the session id in an unwrapped client reset: no acks, message id 0.
fn reset_body() -> [u8; 5] {
    [0, 0, 0, 0, 0]
}

/// The client reset for `wrap` (plain without one). `packet_id` and `time` are the
/// replay-protection fields of a wrapped packet (OpenVPN starts at 1; time in Unix seconds).
pub fn client_reset(
    session: SessionId,
    wrap: Option<&TlsWrap>,
    packet_id: u32,
    time: u32,
) -> Vec<u8> {
    match wrap {
        None => plain_reset(session),
        Some(_) => wrap_packet(
            P_CONTROL_HARD_RESET_CLIENT_V2 << 3,
            session,
            &reset_body(),
            wrap,
            packet_id,
            time,
        ),
    }
}

/// A control packet as the client sends it: `op` (opcode and key id), our session id, and
/// `body` (ack array, message id, payload), signed (tls-auth) or encrypted (tls-crypt) with
/// the client's half of `wrap`, or plain without one.
pub fn wrap_packet(
    op: u8,
    session: SessionId,
    body: &[u8],
    wrap: Option<&TlsWrap>,
    packet_id: u32,
    time: u32,
) -> Vec<u8> {
    let mut pid = [0u8; 8];
    pid[..4].copy_from_slice(&packet_id.to_be_bytes());
    pid[4..].copy_from_slice(&time.to_be_bytes());
    match wrap {
        None => {
            let mut p = Vec::with_capacity(1 + SID_LEN + body.len());
            p.push(op);
            p.extend_from_slice(&session);
            p.extend_from_slice(body);
            p
        }
        Some(TlsWrap::Auth {
            key,
            direction,
            digest,
        }) => {
            let (out, _) = direction.keys();
            let mac_key = hmac::Key::new(algorithm(*digest), &key.hmac(out)[..digest.mac_len()]);
            let mut ctx = hmac::Context::with_key(&mac_key);
            ctx.update(&pid);
            ctx.update(&[op]);
            ctx.update(&session);
            ctx.update(body);
            let tag = ctx.sign();
            let mut p = Vec::with_capacity(1 + SID_LEN + digest.mac_len() + 8 + body.len());
            p.push(op);
            p.extend_from_slice(&session);
            p.extend_from_slice(tag.as_ref());
            p.extend_from_slice(&pid);
            p.extend_from_slice(body);
            p
        }
        Some(TlsWrap::Crypt { key }) => {
            let mut p = Vec::with_capacity(1 + SID_LEN + 8 + TLS_CRYPT_TAG_LEN + body.len());
            p.push(op);
            p.extend_from_slice(&session);
            p.extend_from_slice(&pid);
            let (tag, ct) = crypt_seal(key.hmac(1), key.cipher(1), &p, body);
            p.extend_from_slice(&tag);
            p.extend_from_slice(&ct);
            p
        }
    }
}

/// The bytes a wrapped packet adds to a plain one: tls-auth's HMAC and replay id, tls-crypt's
/// replay id and tag.
pub(crate) fn wrap_overhead(wrap: Option<&TlsWrap>) -> usize {
    match wrap {
        None => 0,
        Some(TlsWrap::Auth { digest, .. }) => digest.mac_len() + 8,
        Some(TlsWrap::Crypt { .. }) => 8 + TLS_CRYPT_TAG_LEN,
    }
}

/// An opened packet: op, session id, body, authentic (see [`unwrap_packet`]).
pub type Unwrapped = (u8, SessionId, Option<Vec<u8>>, Option<bool>);

/// A server's packet opened with the server's half of `wrap`: `(op, session id, body,
/// authentic)`, where `body` is what follows the session id once unwrapped (`None` when
/// tls-crypt's tag does not verify, so there is nothing to read) and `authentic` whether the
/// HMAC or tag verifies (`None` unwrapped). `None` when the packet is too short to be one.
pub fn unwrap_packet(pkt: &[u8], wrap: Option<&TlsWrap>) -> Option<Unwrapped> {
    let (&op, _) = pkt.split_first()?;
    let mut session = [0u8; SID_LEN];
    session.copy_from_slice(pkt.get(1..=SID_LEN)?);
    let start = 1 + SID_LEN;
    match wrap {
        None => Some((op, session, Some(pkt[start..].to_vec()), None)),
        Some(TlsWrap::Auth {
            key,
            direction,
            digest,
        }) => {
            let h = digest.mac_len();
            if pkt.len() < start + h + 8 {
                return None;
            }
            let (_, inbound) = direction.keys();
            let mac_key = hmac::Key::new(algorithm(*digest), &key.hmac(inbound)[..h]);
            let mut msg = Vec::with_capacity(pkt.len());
            msg.extend_from_slice(&pkt[start + h..start + h + 8]);
            msg.extend_from_slice(&pkt[..start]);
            msg.extend_from_slice(&pkt[start + h + 8..]);
            let ok = hmac::verify(&mac_key, &msg, &pkt[start..start + h]).is_ok();
            Some((op, session, Some(pkt[start + h + 8..].to_vec()), Some(ok)))
        }
        Some(TlsWrap::Crypt { key }) => {
            let header_len = start + 8;
            if pkt.len() < header_len + TLS_CRYPT_TAG_LEN {
                return None;
            }
            let tag = &pkt[header_len..header_len + TLS_CRYPT_TAG_LEN];
            let ct = &pkt[header_len + TLS_CRYPT_TAG_LEN..];
            Some(
                match crypt_open(key.hmac(0), key.cipher(0), &pkt[..header_len], tag, ct) {
                    Some(pt) => (op, session, Some(pt), Some(true)),
                    None => (op, session, None, Some(false)),
                },
            )
        }
    }
}

fn algorithm(d: Digest) -> hmac::Algorithm {
    match d {
        Digest::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        Digest::Sha224 => hmac::HMAC_SHA224,
        Digest::Sha256 => hmac::HMAC_SHA256,
        Digest::Sha384 => hmac::HMAC_SHA384,
        Digest::Sha512 => hmac::HMAC_SHA512,
    }
}

/// tls-crypt: the tag over `header | plain`, and `plain` encrypted with IV = tag[..16].
fn crypt_seal(
    hmac_key: &[u8],
    cipher_key: &[u8],
    header: &[u8],
    plain: &[u8],
) -> ([u8; TLS_CRYPT_TAG_LEN], Vec<u8>) {
    let mac_key = hmac::Key::new(hmac::HMAC_SHA256, &hmac_key[..32]);
    let mut ctx = hmac::Context::with_key(&mac_key);
    ctx.update(header);
    ctx.update(plain);
    let mut tag = [0u8; TLS_CRYPT_TAG_LEN];
    tag.copy_from_slice(ctx.sign().as_ref());
    let mut ct = plain.to_vec();
    let key = UnboundCipherKey::new(&AES_256, &cipher_key[..32]).expect("a 32-byte AES key");
    let iv: [u8; 16] = tag[..16].try_into().expect("16 bytes");
    EncryptingKey::ctr(key)
        .and_then(|k| k.less_safe_encrypt(&mut ct, EncryptionContext::Iv128(FixedLength::from(iv))))
        .expect("AES-256-CTR with a 16-byte IV");
    (tag, ct)
}

/// tls-crypt: the plaintext of `ct` if the tag verifies.
fn crypt_open(
    hmac_key: &[u8],
    cipher_key: &[u8],
    header: &[u8],
    tag: &[u8],
    ct: &[u8],
) -> Option<Vec<u8>> {
    let key = UnboundCipherKey::new(&AES_256, &cipher_key[..32]).ok()?;
    let iv: [u8; 16] = tag.get(..16)?.try_into().ok()?;
    let mut pt = ct.to_vec();
    let len = DecryptingKey::ctr(key)
        .ok()?
        .decrypt(&mut pt, DecryptionContext::Iv128(FixedLength::from(iv)))
        .ok()?
        .len();
    pt.truncate(len);
    let mac_key = hmac::Key::new(hmac::HMAC_SHA256, &hmac_key[..32]);
    let mut msg = header.to_vec();
    msg.extend_from_slice(&pt);
    hmac::verify(&mac_key, &msg, tag).ok()?;
    Some(pt)
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An OpenVPN server reset. `acks_us`: it acknowledges our message 0 and names our
    /// session id. `authentic`: whether its HMAC verifies with our key (`None` unwrapped).
    ServerReset {
        server_session: SessionId,
        acks_us: bool,
        authentic: Option<bool>,
    },
    /// A bare ack (`P_ACK_V1`); `acks_us` as above.
    Ack {
        acks_us: bool,
        authentic: Option<bool>,
    },
    /// Another OpenVPN-shaped packet (a known opcode with a plausible length).
    OtherOpcode(u8),
    /// Not OpenVPN.
    NotOpenvpn,
}

/// Reads a server's datagram (or a TCP packet without its length) in reply to our reset.
pub fn parse_reply(pkt: &[u8], ours: SessionId, wrap: Option<&TlsWrap>) -> Reply {
    let Some(&first) = pkt.first() else {
        return Reply::NotOpenvpn;
    };
    let opcode = first >> 3;
    // Control opcodes only (data packets, 6 and 9, cannot answer a new session), key id 0.
    let key_id = first & 0x07;
    let control = matches!(opcode, 1..=5 | 7 | 8 | 10) && key_id == 0;
    if pkt.len() < 1 + SID_LEN + wrap_overhead(wrap) + 5 || !control {
        return Reply::NotOpenvpn;
    }
    let Some((_, server_session, body, authentic)) = unwrap_packet(pkt, wrap) else {
        return Reply::NotOpenvpn;
    };
    let acks_us = body.is_some_and(|b| acks(&b, ours));
    match opcode {
        P_CONTROL_HARD_RESET_SERVER_V2 => Reply::ServerReset {
            server_session,
            acks_us,
            authentic,
        },
        P_ACK_V1 => Reply::Ack { acks_us, authentic },
        _ => Reply::OtherOpcode(opcode),
    }
}

/// Whether an unwrapped body's ack array acknowledges our message 0 of session `ours`.
fn acks(body: &[u8], ours: SessionId) -> bool {
    let Some(&n) = body.first() else {
        return false;
    };
    let n = usize::from(n);
    if n == 0 || body.len() < 1 + 4 * n + SID_LEN {
        return false;
    }
    let ids = &body[1..=4 * n];
    let remote = &body[1 + 4 * n..1 + 4 * n + SID_LEN];
    ids.chunks(4).any(|id| id == [0, 0, 0, 0]) && remote == ours
}

/// A random session id.
pub fn new_session() -> SessionId {
    rand::random()
}

fn unix_time() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

fn no_key_hint(wrap: Option<&TlsWrap>) -> String {
    match wrap {
        None => "filtered, or the server requires tls-auth/tls-crypt".to_string(),
        Some(w) => format!(
            "filtered, or the server does not accept our {} key (wrong key, key direction or digest)",
            w.kind()
        ),
    }
}

fn signed_words(wrap: Option<&TlsWrap>) -> String {
    match wrap {
        None => String::new(),
        Some(TlsWrap::Auth { digest, .. }) => format!(" (tls-auth, HMAC-{})", digest.name()),
        Some(TlsWrap::Crypt { .. }) => " (tls-crypt)".to_string(),
    }
}

/// Words for a server reset or other reply.
fn judge(reply: &Reply, raw: &[u8], rtt: Duration, wrap: Option<&TlsWrap>) -> Verdict {
    match reply {
        Reply::ServerReset {
            acks_us: true,
            authentic,
            ..
        } => Verdict {
            status: ReachStatus::Open,
            is_openvpn: true,
            detail: format!(
                "OpenVPN answers: a server reset acking our session{} after {}{}",
                signed_words(wrap),
                human_duration(rtt),
                if *authentic == Some(false) {
                    " (its signature does not verify with our key)"
                } else {
                    ""
                }
            ),
        },
        Reply::Ack {
            acks_us: true,
            authentic,
        } => Verdict {
            status: ReachStatus::Open,
            is_openvpn: true,
            detail: format!(
                "OpenVPN answers: it acks our reset{} after {} (it is busy with another session, so no server reset)",
                signed_words(wrap),
                human_duration(rtt),
            ) + if *authentic == Some(false) {
                " (its signature does not verify with our key)"
            } else {
                ""
            },
        },
        Reply::ServerReset { acks_us: false, .. } | Reply::Ack { acks_us: false, .. } => Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: format!(
                "an OpenVPN-shaped server reset that does not ack our session ({} bytes): something else answers",
                raw.len()
            ),
        },
        Reply::OtherOpcode(op) => Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: format!(
                "an answer that is not an OpenVPN server reset (opcode {op}, {} bytes): something else answers",
                raw.len()
            ),
        },
        Reply::NotOpenvpn => Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: format!(
                "something else answers: {}, not an OpenVPN server reset",
                describe_bytes(raw)
            ),
        },
    }
}

/// OpenVPN over UDP: the reset, resent a few times within `timeout`, over a connected socket
/// so that an ICMP port unreachable surfaces as `closed`.
pub(super) async fn udp(addr: SocketAddr, wrap: Option<&TlsWrap>, timeout: Duration) -> Verdict {
    let session = new_session();
    let time = unix_time();
    let outcome = udp_exchange(addr, timeout, |attempt| {
        client_reset(session, wrap, attempt + 1, time)
    })
    .await;
    match outcome {
        UdpOutcome::Reply { data, rtt } => {
            let reply = parse_reply(&data, session, wrap);
            judge(&reply, &data, rtt, wrap)
        }
        UdpOutcome::Silent { sent } => Verdict {
            status: ReachStatus::OpenOrFiltered,
            is_openvpn: false,
            detail: format!(
                "no reply to {sent} resets{} within {}: {}",
                signed_words(wrap),
                human_duration(timeout),
                no_key_hint(wrap)
            ),
        },
        other => other.into_verdict(addr),
    }
}

/// OpenVPN over TCP: the same reset behind its 2-byte length.
pub(super) async fn tcp(addr: SocketAddr, wrap: Option<&TlsWrap>, timeout: Duration) -> Verdict {
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    let stream = match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => return tcp_connect_failed(&TcpError::Timeout(timeout), addr),
        Ok(Err(e)) => return tcp_connect_failed(&classify(&e), addr),
        Ok(Ok(s)) => s,
    };
    exchange_tcp(stream, start.elapsed(), wrap, timeout, deadline).await
}

/// OpenVPN over TCP through an HTTP proxy (as OpenVPN's `http-proxy` goes): the reset sent
/// down a tunnel to `authority`.
pub(crate) async fn tcp_via(
    proxy: &crate::config::Proxy,
    authority: &str,
    wrap: Option<&TlsWrap>,
    timeout: Duration,
) -> Verdict {
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    match crate::probe::proxy::tunnel(proxy, authority, deadline.into_std()).await {
        Ok(stream) => exchange_tcp(stream, start.elapsed(), wrap, timeout, deadline).await,
        Err(e) => Verdict {
            status: ReachStatus::Error,
            is_openvpn: false,
            detail: format!("no tunnel: {e}"),
        },
    }
}

/// The reset over a connected `stream` (`connected`: how long the connect took), read until
/// `deadline`.
async fn exchange_tcp(
    mut stream: TcpStream,
    connected: Duration,
    wrap: Option<&TlsWrap>,
    timeout: Duration,
    deadline: tokio::time::Instant,
) -> Verdict {
    let session = new_session();
    let pkt = client_reset(session, wrap, 1, unix_time());
    let mut framed = Vec::with_capacity(pkt.len() + 2);
    framed.extend_from_slice(&(pkt.len() as u16).to_be_bytes());
    framed.extend_from_slice(&pkt);
    if let Err(e) = stream.write_all(&framed).await {
        return Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: format!(
                "accepted the connection, then failed our packet ({e}): answers, but not as OpenVPN"
            ),
        };
    }
    let sent = Instant::now();
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(need) = framed_len(&buf)
            && buf.len() >= need
        {
            break ReadEnd::Complete;
        }
        if buf.len() >= MAX_TCP_REPLY {
            break ReadEnd::Complete;
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => break ReadEnd::Timeout,
            Ok(Ok(0)) => break ReadEnd::Closed,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => break ReadEnd::Reset,
            Ok(Err(e)) => break ReadEnd::Failed(e.to_string()),
        }
    };
    let rtt = sent.elapsed();
    if let Some(need) = framed_len(&buf)
        && buf.len() >= need
    {
        let reply = parse_reply(&buf[2..need], session, wrap);
        let mut v = judge(&reply, &buf, rtt, wrap);
        if !v.is_openvpn && matches!(reply, Reply::NotOpenvpn) {
            v.detail = format!("answers, but not as OpenVPN: {}", describe_bytes(&buf));
        }
        return v;
    }
    // A real OpenVPN server closes the connection when a packet's HMAC does not verify, so
    // a hang-up is only "not OpenVPN" when the probe was answerable.
    let not_openvpn = match wrap {
        None => "not an OpenVPN server, or one that requires tls-auth/tls-crypt".to_string(),
        Some(w) => format!(
            "not an OpenVPN server, or one that does not accept our {} key",
            w.kind()
        ),
    };
    let (status, detail) = match (end, buf.is_empty()) {
        (_, false) => (
            ReachStatus::Other,
            format!("answers, but not as OpenVPN: {}", describe_bytes(&buf)),
        ),
        (ReadEnd::Closed, true) => (
            ReachStatus::Other,
            format!("accepted the connection, then closed it after our reset: {not_openvpn}"),
        ),
        (ReadEnd::Reset, true) => (
            ReachStatus::Other,
            format!(
                "accepted the connection, then reset it after our reset: {not_openvpn} (or a firewall cuts it)"
            ),
        ),
        (ReadEnd::Failed(e), true) => (
            ReachStatus::Other,
            format!(
                "accepted the connection, then the read failed ({e}): answers, but not as OpenVPN"
            ),
        ),
        (ReadEnd::Timeout | ReadEnd::Complete, true) => (
            ReachStatus::Open,
            format!(
                "accepts TCP connections (in {}), but no reply to the reset{} within {}: {}",
                human_duration(connected),
                signed_words(wrap),
                human_duration(timeout),
                no_key_hint(wrap).replacen("filtered", "held by a middlebox", 1)
            ),
        ),
    };
    Verdict {
        status,
        is_openvpn: false,
        detail,
    }
}

enum ReadEnd {
    Complete,
    Timeout,
    Closed,
    Reset,
    Failed(String),
}

/// The total length (prefix included) of the first framed packet in `buf`, once known.
fn framed_len(buf: &[u8]) -> Option<usize> {
    let len = u16::from_be_bytes([*buf.first()?, *buf.get(1)?]);
    Some(2 + usize::from(len))
}

pub(crate) fn tcp_connect_failed(e: &TcpError, addr: SocketAddr) -> Verdict {
    let (status, detail) = match e {
        TcpError::Refused => (
            ReachStatus::Closed,
            format!(
                "connection refused: nothing listens on TCP {} (or a firewall rejects)",
                addr.port()
            ),
        ),
        TcpError::Timeout(d) => (
            ReachStatus::Filtered,
            format!(
                "no answer to the TCP connect within {}: a firewall drops it, or the host is down",
                human_duration(*d)
            ),
        ),
        TcpError::Unreachable(why) => (
            ReachStatus::Filtered,
            format!("unreachable ({why}): no route, or a router rejects it"),
        ),
        TcpError::NoAddress => (ReachStatus::Error, "no address to connect to".to_string()),
        TcpError::Other(why) => (ReachStatus::Error, format!("the connect failed: {why}")),
    };
    Verdict {
        status,
        is_openvpn: false,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::static_key::{Direction, StaticKey};

    fn key() -> StaticKey {
        let mut b = [0u8; 256];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8;
        }
        StaticKey::from_bytes(b)
    }

    const SID: SessionId = [1, 2, 3, 4, 5, 6, 7, 8];

    #[test]
    fn plain_reset_is_the_14_byte_packet() {
        let p = plain_reset(SID);
        assert_eq!(p.len(), 14);
        assert_eq!(p[0], 0x38);
        assert_eq!(&p[1..9], &SID);
        assert_eq!(&p[9..], &[0, 0, 0, 0, 0]);
        assert_eq!(client_reset(SID, None, 1, 0), p);
    }

    /// A server reset as OpenVPN sends it: acking message 0 of `client`.
    fn server_reset(server: SessionId, client: SessionId) -> Vec<u8> {
        let mut p = vec![P_CONTROL_HARD_RESET_SERVER_V2 << 3];
        p.extend_from_slice(&server);
        p.push(1);
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(&client);
        p.extend_from_slice(&[0, 0, 0, 0]);
        p
    }

    #[test]
    fn a_plain_server_reset_that_acks_us_is_recognised() {
        let srv = [9; 8];
        assert_eq!(
            parse_reply(&server_reset(srv, SID), SID, None),
            Reply::ServerReset {
                server_session: srv,
                acks_us: true,
                authentic: None
            }
        );
        assert!(matches!(
            parse_reply(&server_reset(srv, [7; 8]), SID, None),
            Reply::ServerReset { acks_us: false, .. }
        ));
        assert_eq!(
            parse_reply(b"HTTP/1.1 400 Bad", SID, None),
            Reply::NotOpenvpn
        );
        assert_eq!(parse_reply(&[], SID, None), Reply::NotOpenvpn);
        assert_eq!(parse_reply(&[0x40, 1, 2], SID, None), Reply::NotOpenvpn);
        // A bare ack of our reset, as a server busy with another peer sends (22 bytes).
        let mut ack = server_reset(srv, SID);
        ack[0] = P_ACK_V1 << 3;
        ack.truncate(22);
        assert_eq!(
            parse_reply(&ack, SID, None),
            Reply::Ack {
                acks_us: true,
                authentic: None
            }
        );
        let mut ctl = server_reset(srv, SID);
        ctl[0] = 4 << 3;
        assert_eq!(parse_reply(&ctl, SID, None), Reply::OtherOpcode(4));
    }

    /// tls-auth, computed by hand the way OpenVPN does it: HMAC over
    /// pid|time|op|sid|rest with the client's send slice (key 1's HMAC half for direction 1).
    #[test]
    fn tls_auth_signs_with_the_direction_slice() {
        let k = key();
        let wrap = TlsWrap::Auth {
            key: k.clone(),
            direction: Direction::Inverse,
            digest: Digest::Sha1,
        };
        let p = client_reset(SID, Some(&wrap), 1, 0x6500_0000);
        assert_eq!(p.len(), 1 + 8 + 20 + 8 + 5);
        assert_eq!(p[0], 0x38);
        assert_eq!(&p[1..9], &SID);
        assert_eq!(&p[29..37], &[0, 0, 0, 1, 0x65, 0, 0, 0]);
        let mut msg = p[29..37].to_vec();
        msg.extend_from_slice(&p[..9]);
        msg.extend_from_slice(&p[37..]);
        let slice = &k.hmac(1)[..20];
        assert_eq!(slice[0], 192, "key 1's HMAC half starts at byte 192");
        let expect = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, slice),
            &msg,
        );
        assert_eq!(&p[9..29], expect.as_ref());

        let bidir = TlsWrap::Auth {
            key: k.clone(),
            direction: Direction::Bidirectional,
            digest: Digest::Sha256,
        };
        let p = client_reset(SID, Some(&bidir), 1, 0);
        assert_eq!(p.len(), 1 + 8 + 32 + 8 + 5);
        let mut msg = p[41..49].to_vec();
        msg.extend_from_slice(&p[..9]);
        msg.extend_from_slice(&p[49..]);
        let expect = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &k.hmac(0)[..32]), &msg);
        assert_eq!(&p[9..41], expect.as_ref());
    }

    /// What a server (direction 0) would send back: signed with key 0's HMAC half.
    fn signed_server_reset(k: &StaticKey, server: SessionId, client: SessionId) -> Vec<u8> {
        let plain = server_reset(server, client);
        let pid = [0, 0, 0, 1, 0, 0, 0, 9];
        let mut msg = pid.to_vec();
        msg.extend_from_slice(&plain);
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &k.hmac(0)[..20]),
            &msg,
        );
        let mut p = plain[..9].to_vec();
        p.extend_from_slice(tag.as_ref());
        p.extend_from_slice(&pid);
        p.extend_from_slice(&plain[9..]);
        p
    }

    #[test]
    fn a_tls_auth_server_reset_is_verified() {
        let k = key();
        let wrap = TlsWrap::Auth {
            key: k.clone(),
            direction: Direction::Inverse,
            digest: Digest::Sha1,
        };
        let srv = [3; 8];
        let good = signed_server_reset(&k, srv, SID);
        assert_eq!(
            parse_reply(&good, SID, Some(&wrap)),
            Reply::ServerReset {
                server_session: srv,
                acks_us: true,
                authentic: Some(true)
            }
        );
        let mut bad = good.clone();
        bad[12] ^= 1;
        assert!(matches!(
            parse_reply(&bad, SID, Some(&wrap)),
            Reply::ServerReset {
                authentic: Some(false),
                ..
            }
        ));
    }

    #[test]
    fn tls_crypt_round_trips_with_the_other_side_s_keys() {
        let k = key();
        let wrap = TlsWrap::Crypt { key: k.clone() };
        let p = client_reset(SID, Some(&wrap), 1, 7);
        assert_eq!(p.len(), 1 + 8 + 8 + 32 + 5);
        assert_eq!(&p[..9], &plain_reset(SID)[..9]);
        // The server opens it with key 1 (the client's send key).
        let pt = crypt_open(k.hmac(1), k.cipher(1), &p[..17], &p[17..49], &p[49..]).unwrap();
        assert_eq!(pt, reset_body());
        assert_ne!(&p[49..], &reset_body(), "the body is encrypted");
        // And answers with key 0, which the client reads.
        let reply = server_reset([4; 8], SID);
        let mut header = reply[..9].to_vec();
        header.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 7]);
        let (tag, ct) = crypt_seal(k.hmac(0), k.cipher(0), &header, &reply[9..]);
        let mut r = header.clone();
        r.extend_from_slice(&tag);
        r.extend_from_slice(&ct);
        assert_eq!(
            parse_reply(&r, SID, Some(&wrap)),
            Reply::ServerReset {
                server_session: [4; 8],
                acks_us: true,
                authentic: Some(true)
            }
        );
        let last = r.len() - 1;
        r[last] ^= 0x80;
        assert!(matches!(
            parse_reply(&r, SID, Some(&wrap)),
            Reply::ServerReset {
                acks_us: false,
                authentic: Some(false),
                ..
            }
        ));
    }

    #[test]
    fn framed_lengths() {
        assert_eq!(framed_len(&[]), None);
        assert_eq!(framed_len(&[0]), None);
        assert_eq!(framed_len(&[0, 14, 1]), Some(16));
    }
}
