//! OpenVPN control packets once unwrapped (the tls-auth / tls-crypt layer is
//! `probe::reach::openvpn`'s): what follows the opcode and the sender's session id.
//! ```text
//! op(1) | sid(8) | ack_len(1) [ack ids(4 * ack_len) | remote sid(8) if ack_len > 0]
//!                | msg id(4) | payload             (no msg id and no payload in P_ACK_V1)
//! ```
//! (OpenVPN's `ssl_pkt.c` and `reliable.c`: `reliable_ack_write`, `reliable_ack_parse`.)

use std::fmt;

use crate::probe::reach::openvpn::{SID_LEN, SessionId};

/// `P_CONTROL_SOFT_RESET_V1`: a renegotiation; never expected during the first handshake.
pub const P_CONTROL_SOFT_RESET_V1: u8 = 3;
/// `P_CONTROL_V1`: TLS bytes, reliably delivered.
pub const P_CONTROL_V1: u8 = 4;
/// `P_ACK_V1`: acknowledgements only.
pub const P_ACK_V1: u8 = 5;
/// `P_CONTROL_HARD_RESET_CLIENT_V2`.
pub const P_CONTROL_HARD_RESET_CLIENT_V2: u8 = 7;
/// `P_CONTROL_HARD_RESET_SERVER_V2`.
pub const P_CONTROL_HARD_RESET_SERVER_V2: u8 = 8;

/// The most acks one packet carries when we send (OpenVPN's `CONTROL_SEND_ACK_MAX`).
pub const SEND_ACK_MAX: usize = 4;
/// The most acks a packet may carry when read (OpenVPN's `RELIABLE_ACK_SIZE`).
pub const READ_ACK_MAX: usize = 8;

/// An OpenVPN opcode, for the packet log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opcode(pub u8);

impl Opcode {
    /// OpenVPN's name for it.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "P_CONTROL_HARD_RESET_CLIENT_V1",
            2 => "P_CONTROL_HARD_RESET_SERVER_V1",
            P_CONTROL_SOFT_RESET_V1 => "P_CONTROL_SOFT_RESET_V1",
            P_CONTROL_V1 => "P_CONTROL_V1",
            P_ACK_V1 => "P_ACK_V1",
            6 => "P_DATA_V1",
            P_CONTROL_HARD_RESET_CLIENT_V2 => "P_CONTROL_HARD_RESET_CLIENT_V2",
            P_CONTROL_HARD_RESET_SERVER_V2 => "P_CONTROL_HARD_RESET_SERVER_V2",
            9 => "P_DATA_V2",
            10 => "P_CONTROL_HARD_RESET_CLIENT_V3",
            11 => "P_CONTROL_WKC_V1",
            _ => "unknown",
        }
    }

    /// Whether packets with this opcode carry a message id (all control packets but acks).
    pub fn has_msg_id(self) -> bool {
        matches!(self.0, 1..=4 | 7 | 8 | 10 | 11)
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// A control packet, unwrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub opcode: Opcode,
    pub key_id: u8,
    /// The sender's session id.
    pub session: SessionId,
    /// Message ids of the receiver's that this packet acknowledges.
    pub acks: Vec<u32>,
    /// The receiver's session id, present when `acks` is not empty.
    pub remote_session: Option<SessionId>,
    /// The reliability layer's message id (`None` for `P_ACK_V1`).
    pub msg_id: Option<u32>,
    pub payload: Vec<u8>,
}

/// Why bytes are not a control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A data-channel or unknown opcode.
    NotControl(u8),
    /// Shorter than its fields say.
    Truncated,
    /// More acks than OpenVPN ever puts in a packet.
    TooManyAcks(u8),
    /// An ack that carries a payload, or a control packet that is not one.
    Malformed(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NotControl(op) => write!(f, "opcode {op} is not a control packet"),
            DecodeError::Truncated => f.write_str("shorter than its fields"),
            DecodeError::TooManyAcks(n) => write!(f, "{n} acks (OpenVPN sends at most 8)"),
            DecodeError::Malformed(why) => f.write_str(why),
        }
    }
}

impl Packet {
    /// The first byte: opcode and key id.
    pub fn op_byte(&self) -> u8 {
        (self.opcode.0 << 3) | (self.key_id & 0x07)
    }

    /// Everything after the session id, before wrapping.
    pub fn encode_body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(1 + 4 * self.acks.len() + SID_LEN + 4 + self.payload.len());
        b.push(self.acks.len() as u8);
        for id in &self.acks {
            b.extend_from_slice(&id.to_be_bytes());
        }
        if !self.acks.is_empty() {
            b.extend_from_slice(&self.remote_session.unwrap_or_default());
        }
        if let Some(id) = self.msg_id {
            b.extend_from_slice(&id.to_be_bytes());
        }
        b.extend_from_slice(&self.payload);
        b
    }

    /// The packet from its first byte, the sender's session id and the unwrapped body.
    pub fn decode(op_byte: u8, session: SessionId, body: &[u8]) -> Result<Packet, DecodeError> {
        let opcode = Opcode(op_byte >> 3);
        if !(opcode.has_msg_id() || opcode.0 == P_ACK_V1) {
            return Err(DecodeError::NotControl(opcode.0));
        }
        let (&n, mut rest) = body.split_first().ok_or(DecodeError::Truncated)?;
        if usize::from(n) > READ_ACK_MAX {
            return Err(DecodeError::TooManyAcks(n));
        }
        let mut acks = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            acks.push(take_u32(&mut rest)?);
        }
        let remote_session = if n > 0 {
            let (sid, r) = rest
                .split_at_checked(SID_LEN)
                .ok_or(DecodeError::Truncated)?;
            rest = r;
            Some(sid.try_into().expect("8 bytes"))
        } else {
            None
        };
        let msg_id = if opcode.has_msg_id() {
            Some(take_u32(&mut rest)?)
        } else {
            if n == 0 {
                return Err(DecodeError::Malformed("an ack that acknowledges nothing"));
            }
            None
        };
        Ok(Packet {
            opcode,
            key_id: op_byte & 0x07,
            session,
            acks,
            remote_session,
            msg_id,
            payload: rest.to_vec(),
        })
    }
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, DecodeError> {
    let (id, r) = rest.split_at_checked(4).ok_or(DecodeError::Truncated)?;
    *rest = r;
    Ok(u32::from_be_bytes(id.try_into().expect("4 bytes")))
}

/// Bytes an ack array of `n` ids takes (OpenVPN's `ACK_SIZE`).
pub fn ack_size(n: usize) -> usize {
    1 + 4 * n + if n > 0 { SID_LEN } else { 0 }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as PropConfig, FileFailurePersistence};

    use super::*;

    /// Cases per property, as `tests/it/props.rs` counts them (`TLSDOCTOR_PROP_CASES`).
    fn prop_config() -> PropConfig {
        PropConfig {
            cases: std::env::var("TLSDOCTOR_PROP_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(256),
            failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
            ..PropConfig::default()
        }
    }

    /// Any bytes from the network: a packet or an error, never a panic; a packet read back
    /// encodes to the same bytes.
    #[test]
    fn prop_any_body_decodes_or_errs_and_round_trips() {
        proptest!(prop_config(), |(op in any::<u8>(), body in prop::collection::vec(any::<u8>(), 0..80))| {
            if let Ok(p) = Packet::decode(op, US, &body) {
                prop_assert_eq!(p.op_byte(), op);
                prop_assert_eq!(p.encode_body(), body);
            }
        });
    }

    /// What we encode, we read back.
    #[test]
    fn prop_encoded_packets_read_back() {
        let strategy = (
            prop::sample::select(vec![P_CONTROL_V1, P_ACK_V1, P_CONTROL_HARD_RESET_CLIENT_V2]),
            prop::collection::vec(any::<u32>(), 0..=SEND_ACK_MAX),
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..64),
        );
        proptest!(prop_config(), |((op, mut acks, id, payload) in strategy)| {
            let ack_only = op == P_ACK_V1;
            if ack_only && acks.is_empty() {
                acks.push(id);
            }
            let p = Packet {
                opcode: Opcode(op),
                key_id: 0,
                session: US,
                remote_session: (!acks.is_empty()).then_some(THEM),
                acks,
                msg_id: (!ack_only).then_some(id),
                payload: if ack_only { Vec::new() } else { payload },
            };
            prop_assert_eq!(Packet::decode(p.op_byte(), US, &p.encode_body()), Ok(p));
        });
    }

    const US: SessionId = [1, 2, 3, 4, 5, 6, 7, 8];
    const THEM: SessionId = [9, 9, 9, 9, 9, 9, 9, 9];

    #[test]
    fn a_control_packet_with_acks_round_trips() {
        let p = Packet {
            opcode: Opcode(P_CONTROL_V1),
            key_id: 0,
            session: US,
            acks: vec![0, 2],
            remote_session: Some(THEM),
            msg_id: Some(1),
            payload: b"\x16\x03\x01hello".to_vec(),
        };
        let body = p.encode_body();
        assert_eq!(body.len(), ack_size(2) + 4 + 8);
        assert_eq!(&body[..9], &[2, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(&body[9..17], &THEM);
        assert_eq!(&body[17..21], &[0, 0, 0, 1]);
        assert_eq!(p.op_byte(), 0x20);
        assert_eq!(Packet::decode(0x20, US, &body), Ok(p));
    }

    #[test]
    fn the_client_reset_body_is_five_zero_bytes() {
        let p = Packet {
            opcode: Opcode(P_CONTROL_HARD_RESET_CLIENT_V2),
            key_id: 0,
            session: US,
            acks: vec![],
            remote_session: None,
            msg_id: Some(0),
            payload: vec![],
        };
        assert_eq!(p.encode_body(), [0, 0, 0, 0, 0]);
        assert_eq!(p.op_byte(), 0x38);
    }

    #[test]
    fn a_bare_ack_has_no_message_id() {
        let p = Packet {
            opcode: Opcode(P_ACK_V1),
            key_id: 0,
            session: THEM,
            acks: vec![3],
            remote_session: Some(US),
            msg_id: None,
            payload: vec![],
        };
        let body = p.encode_body();
        assert_eq!(body.len(), 13);
        assert_eq!(Packet::decode(P_ACK_V1 << 3, THEM, &body), Ok(p));
        assert_eq!(
            Packet::decode(P_ACK_V1 << 3, THEM, &[0]),
            Err(DecodeError::Malformed("an ack that acknowledges nothing"))
        );
    }

    #[test]
    fn bad_bodies_are_errors_not_panics() {
        let op = P_CONTROL_V1 << 3;
        assert_eq!(Packet::decode(op, US, &[]), Err(DecodeError::Truncated));
        assert_eq!(
            Packet::decode(op, US, &[1, 0, 0]),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            Packet::decode(op, US, &[0, 0, 0]),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            Packet::decode(op, US, &[9]),
            Err(DecodeError::TooManyAcks(9))
        );
        assert_eq!(
            Packet::decode(9 << 3, US, &[0; 20]),
            Err(DecodeError::NotControl(9))
        );
        // Any bytes at all: an answer or an error.
        for len in 0..40 {
            let body: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
            let _ = Packet::decode(op, US, &body);
        }
    }
}
