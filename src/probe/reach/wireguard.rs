//! The WireGuard probe. WireGuard never answers a packet it cannot authenticate. Without the
//! user's keys the only claims are `closed` (ICMP port unreachable) and `open-or-filtered`
//! (silence); any answer at all comes from something that is not WireGuard. With the keys of
//! a client config (`--wg`), the probe makes a real handshake (boringtun's Noise, no tunnel):
//! a handshake response proves the port open *and* the key known to the server.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use boringtun::noise::{Tunn, TunnResult};
use boringtun::x25519::{PublicKey, StaticSecret};

use super::{ReachStatus, UdpOutcome, Verdict, describe_bytes, udp_exchange};
use crate::config::WgKeys;
use crate::text::human_duration;

/// WireGuard's cookie reply (message type 3): a server under load asks for the initiation
/// again with its cookie.
const COOKIE_REPLY: u8 = 3;
/// Room for any packet boringtun writes.
const BUF: usize = 2048;

/// Bytes in a handshake initiation.
pub const INITIATION_LEN: usize = 148;

/// A handshake-initiation-shaped packet: type 1, three reserved zero bytes, then a random
/// sender index, ephemeral key, sealed static key, sealed timestamp, mac1 and mac2.
pub fn initiation() -> [u8; INITIATION_LEN] {
    let mut p = [0u8; INITIATION_LEN];
    rand::fill(&mut p[4..]);
    p[0] = 1;
    p[1..4].fill(0);
    p
}

pub(super) async fn probe(addr: SocketAddr, timeout: Duration) -> Verdict {
    let packet = initiation();
    match udp_exchange(addr, timeout, |_| packet.to_vec()).await {
        UdpOutcome::Silent { sent } => Verdict {
            status: ReachStatus::OpenOrFiltered,
            is_openvpn: false,
            detail: format!(
                "no reply to {sent} initiations within {}: WireGuard never answers a packet it cannot \
                 authenticate, so silence cannot tell an open port from a filtered one",
                human_duration(timeout)
            ),
        },
        UdpOutcome::Reply { data, .. } => Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: format!(
                "something answers ({}): WireGuard never answers an unauthenticated initiation, so this is not WireGuard",
                describe_bytes(&data)
            ),
        },
        other => other.into_verdict(addr),
    }
}

/// A real handshake with `keys` to `addr`, within `timeout`: a handshake response (after a
/// cookie reply, if the server sends one) is `open`; silence is `open-or-filtered`, which with
/// keys means blocked on the way or a key the server does not know.
pub(super) async fn handshake(addr: SocketAddr, keys: &WgKeys, timeout: Duration) -> Verdict {
    let start = Instant::now();
    let mut tunn = Tunn::new(
        StaticSecret::from(keys.private),
        PublicKey::from(keys.peer_public),
        keys.preshared,
        None,
        rand::random::<u32>() >> 8,
        None,
    );
    let mut rounds = 0;
    loop {
        rounds += 1;
        let left = timeout.saturating_sub(start.elapsed());
        let outcome = udp_exchange(addr, left, |_| {
            let mut buf = [0u8; BUF];
            match tunn.format_handshake_initiation(&mut buf, true) {
                TunnResult::WriteToNetwork(p) => p.to_vec(),
                _ => Vec::new(),
            }
        })
        .await;
        let data = match outcome {
            UdpOutcome::Reply { data, .. } => data,
            UdpOutcome::Silent { sent } => {
                return Verdict {
                    status: ReachStatus::OpenOrFiltered,
                    is_openvpn: false,
                    detail: format!(
                        "no handshake response to {sent} initiations with this config's keys within {}: the port is blocked on the way, or the server does not know this key",
                        human_duration(timeout)
                    ),
                };
            }
            other => return other.into_verdict(addr),
        };
        let mut out = [0u8; BUF];
        let result = tunn.decapsulate(Some(addr.ip()), &data, &mut out);
        let error = match result {
            TunnResult::Err(e) => Some(format!("{e:?}")),
            _ => None,
        };
        if tunn.time_since_last_handshake().is_some() {
            return Verdict {
                status: ReachStatus::Open,
                is_openvpn: false,
                detail: format!(
                    "WireGuard handshake completed in {}: the server knows this key",
                    human_duration(start.elapsed())
                ),
            };
        }
        if data.first() == Some(&COOKIE_REPLY) && rounds < 2 && error.is_none() {
            continue;
        }
        return Verdict {
            status: ReachStatus::Other,
            is_openvpn: false,
            detail: match error {
                Some(e) => format!(
                    "an answer that is not a handshake response for these keys ({e}): {}",
                    describe_bytes(&data)
                ),
                None => format!("an answer, but no handshake: {}", describe_bytes(&data)),
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiation_shape() {
        let a = initiation();
        let b = initiation();
        assert_eq!(a.len(), 148);
        assert_eq!(&a[..4], &[1, 0, 0, 0]);
        assert_ne!(a[4..], b[4..], "the sender index and keys are random");
    }
}
