//! The WireGuard probe. WireGuard never answers a packet it cannot authenticate, and we do
//! not know the server's public key, so the only claims are `closed` (ICMP port unreachable)
//! and `open-or-filtered` (silence); any answer at all comes from something that is not
//! WireGuard.

use std::net::SocketAddr;
use std::time::Duration;

use super::{ReachStatus, UdpOutcome, Verdict, describe_bytes, udp_exchange};
use crate::text::human_duration;

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
