//! A DNS responder on loopback UDP that gives every A query the same answer: a lying
//! nameserver when that answer is wrong for the name, an honest one when it is right, or
//! NXDOMAIN. AAAA queries get an empty answer.

use std::net::{Ipv4Addr, SocketAddr};

use super::udp::Task;

/// What the responder says to every A query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsAnswer {
    A(Ipv4Addr),
    NxDomain,
}

pub struct DnsResponder {
    pub addr: SocketAddr,
    _task: Task,
}

impl DnsResponder {
    pub async fn start(answer: DnsAnswer) -> DnsResponder {
        let sock = super::ports::udp().await;
        let addr = sock.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                if let Some(reply) = respond(&buf[..n], answer) {
                    let _ = sock.send_to(&reply, from).await;
                }
            }
        });
        DnsResponder {
            addr,
            _task: Task(task),
        }
    }
}

/// The reply to one query: the question echoed, and the answer for A queries.
fn respond(q: &[u8], answer: DnsAnswer) -> Option<Vec<u8>> {
    if q.len() < 12 || q[4..6] != [0, 1] {
        return None;
    }
    let mut end = 12;
    while *q.get(end)? != 0 {
        end += 1 + usize::from(q[end]);
    }
    let qtype = u16::from_be_bytes([*q.get(end + 1)?, *q.get(end + 2)?]);
    let question_end = end + 5;
    let mut r = q.get(..question_end)?.to_vec();
    r[2] = 0x81;
    r[3] = 0x80;
    r[6..12].fill(0);
    match answer {
        DnsAnswer::NxDomain => r[3] |= 3,
        DnsAnswer::A(ip) if qtype == 1 => {
            r[7] = 1;
            r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4]);
            r.extend_from_slice(&ip.octets());
        }
        DnsAnswer::A(_) => {}
    }
    Some(r)
}
