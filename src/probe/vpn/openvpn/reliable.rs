//! OpenVPN's reliability layer for control messages (`reliable.c`), without I/O or clock:
//! time comes in as arguments, so retransmission and reassembly are tested with plain values.
//! Each control message gets the next message id; at most [`SEND_WINDOW`] unacknowledged
//! messages are in flight; an unacknowledged one is sent again after its timeout, which
//! doubles each time. Received messages are acknowledged (duplicates again: our ack may have
//! been lost), buffered when early, and handed on in order. Acks travel piggy-backed on our
//! control packets, or alone in `P_ACK_V1`.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::packet::{Opcode, P_ACK_V1, SEND_ACK_MAX};

/// Unacknowledged messages in flight at most (OpenVPN's `TLS_RELIABLE_N_SEND_BUFFERS`).
pub const SEND_WINDOW: usize = 6;
/// How far ahead of the next expected message a message is still buffered (OpenVPN's
/// `TLS_RELIABLE_N_REC_BUFFERS`); later ones are dropped unacknowledged, as OpenVPN does.
pub const RECV_WINDOW: u32 = 12;
/// Recently sent acks kept to repeat in spare room (OpenVPN 2.6's `lru_acks`).
const RECENT_ACKS: usize = 8;

/// One packet to send, before wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub opcode: Opcode,
    pub msg_id: Option<u32>,
    pub acks: Vec<u32>,
    pub payload: Vec<u8>,
    /// A message sent before and not acknowledged in time.
    pub retransmission: bool,
}

#[derive(Debug)]
struct Message {
    opcode: Opcode,
    payload: Vec<u8>,
    sends: u32,
    /// When to send again, once sent.
    next_try: Option<Instant>,
    timeout: Duration,
}

/// What became of a received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// New: buffered, to be acknowledged.
    New,
    /// Seen before: acknowledged again, not delivered twice.
    Duplicate,
    /// Too far ahead of what is expected: dropped without an ack.
    BeyondWindow,
}

/// The send and receive state of one control channel.
#[derive(Debug)]
pub struct Reliable {
    initial_timeout: Duration,
    max_timeout: Duration,
    retransmit: bool,
    next_id: u32,
    unacked: BTreeMap<u32, Message>,
    recv_next: u32,
    recv_buf: BTreeMap<u32, (Opcode, Vec<u8>)>,
    acks_pending: VecDeque<u32>,
    acks_recent: VecDeque<u32>,
}

impl Reliable {
    /// `retransmit`: off over TCP, where the transport delivers.
    pub fn new(initial_timeout: Duration, max_timeout: Duration, retransmit: bool) -> Self {
        Reliable {
            initial_timeout,
            max_timeout: max_timeout.max(initial_timeout),
            retransmit,
            next_id: 0,
            unacked: BTreeMap::new(),
            recv_next: 0,
            recv_buf: BTreeMap::new(),
            acks_pending: VecDeque::new(),
            acks_recent: VecDeque::new(),
        }
    }

    /// Queues one message; returns its id.
    pub fn queue(&mut self, opcode: Opcode, payload: Vec<u8>) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.unacked.insert(
            id,
            Message {
                opcode,
                payload,
                sends: 0,
                next_try: None,
                timeout: self.initial_timeout,
            },
        );
        id
    }

    /// Queues `bytes` (TLS records) as `opcode` messages of at most `max_payload` bytes each.
    pub fn queue_stream(&mut self, opcode: Opcode, bytes: &[u8], max_payload: usize) {
        for chunk in bytes.chunks(max_payload.max(1)) {
            self.queue(opcode, chunk.to_vec());
        }
    }

    /// The peer acknowledged `ids`; returns those that were waiting for it.
    pub fn on_acks(&mut self, ids: &[u32]) -> Vec<u32> {
        ids.iter()
            .filter(|id| self.unacked.remove(id).is_some())
            .copied()
            .collect()
    }

    /// A message `id` from the peer.
    pub fn on_message(&mut self, id: u32, opcode: Opcode, payload: Vec<u8>) -> Received {
        if id >= self.recv_next.saturating_add(RECV_WINDOW) {
            return Received::BeyondWindow;
        }
        if !self.acks_pending.contains(&id) {
            self.acks_pending.push_back(id);
        }
        if id < self.recv_next || self.recv_buf.contains_key(&id) {
            return Received::Duplicate;
        }
        self.recv_buf.insert(id, (opcode, payload));
        Received::New
    }

    /// The messages that are now in order, each once.
    pub fn take_in_order(&mut self) -> Vec<(u32, Opcode, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some((opcode, payload)) = self.recv_buf.remove(&self.recv_next) {
            out.push((self.recv_next, opcode, payload));
            self.recv_next += 1;
        }
        out
    }

    /// What to send at `now`: new messages within the window, messages whose timeout passed,
    /// then bare acks for what is left to acknowledge.
    pub fn poll(&mut self, now: Instant) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let ids: Vec<u32> = self.unacked.keys().take(SEND_WINDOW).copied().collect();
        for id in ids {
            let m = self.unacked.get_mut(&id).expect("listed");
            let due = match m.next_try {
                None => true,
                Some(t) => self.retransmit && t <= now,
            };
            if !due {
                continue;
            }
            let retransmission = m.sends > 0;
            if retransmission {
                m.timeout = (m.timeout * 2).min(self.max_timeout);
            }
            m.sends += 1;
            m.next_try = Some(now + m.timeout);
            let (opcode, payload) = (m.opcode, m.payload.clone());
            let acks = self.take_acks(true);
            out.push(Outgoing {
                opcode,
                msg_id: Some(id),
                acks,
                payload,
                retransmission,
            });
        }
        while !self.acks_pending.is_empty() {
            let acks = self.take_acks(false);
            out.push(Outgoing {
                opcode: Opcode(P_ACK_V1),
                msg_id: None,
                acks,
                payload: Vec::new(),
                retransmission: false,
            });
        }
        out
    }

    /// Up to [`SEND_ACK_MAX`] pending acks; with `fill`, spare room repeats recent ones, so
    /// a lost ack does not cost the peer a retransmission.
    fn take_acks(&mut self, fill: bool) -> Vec<u32> {
        let mut acks = Vec::new();
        while acks.len() < SEND_ACK_MAX {
            let Some(id) = self.acks_pending.pop_front() else {
                break;
            };
            acks.push(id);
        }
        if fill {
            for id in &self.acks_recent {
                if acks.len() >= SEND_ACK_MAX {
                    break;
                }
                if !acks.contains(id) {
                    acks.push(*id);
                }
            }
        }
        for id in &acks {
            self.acks_recent.retain(|r| r != id);
            self.acks_recent.push_front(*id);
        }
        self.acks_recent.truncate(RECENT_ACKS);
        acks
    }

    /// When [`Reliable::poll`] next has something to resend, if ever.
    pub fn next_timer(&self) -> Option<Instant> {
        if !self.retransmit {
            return None;
        }
        self.unacked
            .values()
            .take(SEND_WINDOW)
            .filter_map(|m| m.next_try)
            .min()
    }

    /// Every message we queued has been acknowledged.
    pub fn all_acked(&self) -> bool {
        self.unacked.is_empty()
    }

    /// Our message ids sent and not yet acknowledged.
    pub fn unacked_sent(&self) -> Vec<u32> {
        self.unacked
            .iter()
            .filter(|(_, m)| m.sends > 0)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The highest id up to which all our messages are acknowledged.
    pub fn acked_through(&self) -> Option<u32> {
        let first_open = self.unacked.keys().next().copied().unwrap_or(self.next_id);
        first_open.checked_sub(1)
    }

    /// Messages queued so far (the next id).
    pub fn queued(&self) -> u32 {
        self.next_id
    }

    /// The peer's messages that arrived ahead of a missing one, still waiting for it.
    pub fn received_ahead(&self) -> Vec<u32> {
        self.recv_buf.keys().copied().collect()
    }

    /// The next message id expected from the peer (all before it arrived).
    pub fn received_through(&self) -> Option<u32> {
        self.recv_next.checked_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::packet::P_CONTROL_V1;
    use super::*;

    const CTL: Opcode = Opcode(P_CONTROL_V1);
    const S: Duration = Duration::from_secs(1);

    fn ids(out: &[Outgoing]) -> Vec<Option<u32>> {
        out.iter().map(|o| o.msg_id).collect()
    }

    #[test]
    fn the_stream_is_cut_into_payloads_and_sent_within_the_window() {
        let now = Instant::now();
        let mut r = Reliable::new(S, 8 * S, true);
        r.queue_stream(CTL, &[7u8; 2500], 1000);
        assert_eq!(r.queued(), 3);
        let out = r.poll(now);
        assert_eq!(ids(&out), [Some(0), Some(1), Some(2)]);
        assert_eq!(
            out.iter().map(|o| o.payload.len()).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );
        assert!(out.iter().all(|o| !o.retransmission));
        r.queue_stream(CTL, &[1u8; 10 * 100], 100);
        let out = r.poll(now);
        assert_eq!(
            ids(&out),
            [Some(3), Some(4), Some(5)],
            "at most six in flight"
        );
        assert_eq!(r.on_acks(&[0, 1, 99]), [0, 1]);
        assert_eq!(ids(&r.poll(now)), [Some(6), Some(7)]);
        assert_eq!(r.acked_through(), Some(1));
        assert_eq!(r.unacked_sent(), [2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn unacknowledged_messages_are_resent_with_a_doubling_timeout() {
        let t0 = Instant::now();
        let mut r = Reliable::new(S, 4 * S, true);
        r.queue(CTL, b"hello".to_vec());
        assert_eq!(r.poll(t0).len(), 1);
        assert_eq!(r.next_timer(), Some(t0 + S));
        assert!(r.poll(t0 + S / 2).is_empty());
        let again = r.poll(t0 + S);
        assert_eq!(again.len(), 1);
        assert!(again[0].retransmission);
        assert_eq!(again[0].payload, b"hello");
        assert_eq!(r.next_timer(), Some(t0 + 3 * S));
        assert_eq!(r.poll(t0 + 3 * S).len(), 1);
        assert_eq!(r.next_timer(), Some(t0 + 7 * S), "capped at four seconds");
        assert_eq!(r.poll(t0 + 7 * S).len(), 1);
        assert_eq!(r.next_timer(), Some(t0 + 11 * S));
        r.on_acks(&[0]);
        assert!(r.all_acked());
        assert_eq!(r.next_timer(), None);
        assert!(r.poll(t0 + 20 * S).is_empty());
    }

    #[test]
    fn without_retransmission_a_message_is_sent_once() {
        let t0 = Instant::now();
        let mut r = Reliable::new(S, 4 * S, false);
        r.queue(CTL, vec![1]);
        assert_eq!(r.poll(t0).len(), 1);
        assert_eq!(r.next_timer(), None);
        assert!(r.poll(t0 + 10 * S).is_empty());
        assert_eq!(r.unacked_sent(), [0]);
    }

    #[test]
    fn messages_are_reassembled_in_order_and_each_acknowledged() {
        let mut r = Reliable::new(S, S, true);
        assert_eq!(r.on_message(1, CTL, b"b".to_vec()), Received::New);
        assert!(r.take_in_order().is_empty(), "waits for message 0");
        assert_eq!(r.received_ahead(), [1]);
        assert_eq!(r.on_message(0, CTL, b"a".to_vec()), Received::New);
        assert_eq!(r.on_message(2, CTL, b"c".to_vec()), Received::New);
        let got: Vec<_> = r.take_in_order().into_iter().map(|m| m.2).collect();
        assert_eq!(got, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(r.received_through(), Some(2));
        assert_eq!(r.on_message(1, CTL, b"b".to_vec()), Received::Duplicate);
        assert!(r.take_in_order().is_empty(), "never delivered twice");
        assert_eq!(
            r.on_message(3 + RECV_WINDOW, CTL, vec![]),
            Received::BeyondWindow
        );
        // Acks 1, 0 and 2 (the duplicate 1 is already pending): one ack packet.
        let out = r.poll(Instant::now());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].opcode, Opcode(P_ACK_V1));
        assert_eq!(out[0].msg_id, None);
        assert_eq!(out[0].acks, [1, 0, 2]);
    }

    #[test]
    fn acks_ride_on_control_packets_and_are_repeated_in_spare_room() {
        let t0 = Instant::now();
        let mut r = Reliable::new(S, S, true);
        r.on_message(0, Opcode(8), vec![]);
        r.take_in_order();
        r.queue(CTL, b"hello".to_vec());
        let out = r.poll(t0);
        assert_eq!(out.len(), 1, "the ack rides on the message");
        assert_eq!(out[0].acks, [0]);
        // The resend carries the ack again: the first may have been lost.
        let out = r.poll(t0 + S);
        assert_eq!(out[0].acks, [0]);
        for id in 1..=6 {
            r.on_message(id, CTL, vec![]);
        }
        let out = r.poll(t0 + S);
        assert_eq!(ids(&out), [None, None]);
        assert_eq!(out[0].acks, [1, 2, 3, 4]);
        assert_eq!(out[1].acks, [5, 6]);
    }
}
