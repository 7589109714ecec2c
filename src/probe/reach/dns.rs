//! The DNS comparison: the system resolver's answer for a name (every A and AAAA, and the time
//! it took) beside the answers of nameservers asked directly (the system's, from
//! `/etc/resolv.conf`, and any configured). Answers with no address in common, or a name that
//! exists for one and not the other, are evidence that something on the way answers DNS in the
//! servers' place: a captive portal, DNS interception, or a filter.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::{UdpOutcome, udp_exchange};
use crate::probe::connect::Dns;
use crate::text::human_duration;

/// DNS record types asked for.
const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;

/// What one resolver said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Addrs {
        addrs: Vec<IpAddr>,
        took: Duration,
    },
    /// The name exists nowhere, or has no address (NXDOMAIN, or no A/AAAA records).
    NoAddress {
        why: String,
        took: Duration,
    },
    /// The resolver failed (SERVFAIL, refused, garbage, ICMP): it says nothing about the name.
    Failed(String),
    Timeout(Duration),
}

impl Answer {
    pub fn addrs(&self) -> &[IpAddr] {
        match self {
            Answer::Addrs { addrs, .. } => addrs,
            _ => &[],
        }
    }

    /// The answer in words, for the pane and the evidence.
    pub fn words(&self) -> String {
        match self {
            Answer::Addrs { addrs, took } => {
                let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                format!("{} ({})", list.join(", "), human_duration(*took))
            }
            Answer::NoAddress { why, .. } => why.clone(),
            Answer::Failed(e) => format!("failed: {e}"),
            Answer::Timeout(d) => format!("no answer within {}", human_duration(*d)),
        }
    }
}

/// A nameserver asked directly, and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direct {
    pub server: SocketAddr,
    pub answer: Answer,
}

/// The system resolver beside the nameservers asked directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsComparison {
    pub host: String,
    pub system: Answer,
    pub direct: Vec<Direct>,
}

impl DnsComparison {
    /// The evidence: one line per nameserver whose answer contradicts the system resolver's.
    /// Empty when they agree (sharing one address is agreement: CDNs rotate their answers) or
    /// when nothing could be compared.
    pub fn differences(&self) -> Vec<String> {
        let mut out = Vec::new();
        let sys: BTreeSet<IpAddr> = self.system.addrs().iter().copied().collect();
        for d in &self.direct {
            let theirs: BTreeSet<IpAddr> = d.answer.addrs().iter().copied().collect();
            let contradicts = match (&self.system, &d.answer) {
                (Answer::Addrs { .. }, Answer::Addrs { .. }) => sys.is_disjoint(&theirs),
                (Answer::Addrs { .. }, Answer::NoAddress { .. })
                | (Answer::NoAddress { .. } | Answer::Failed(_), Answer::Addrs { .. }) => true,
                _ => false,
            };
            if !contradicts {
                continue;
            }
            let mut line = format!(
                "DNS for {}: the system resolver says {}, but the nameserver {} says {}",
                self.host,
                self.system.words(),
                d.server,
                d.answer.words()
            );
            if !sys.is_empty()
                && sys.iter().all(|ip| is_local(*ip))
                && theirs.iter().any(|ip| !is_local(*ip))
            {
                line.push_str(" (private addresses for a public name: something local answers in the server's place)");
            }
            out.push(line);
        }
        out
    }
}

/// Loopback, private, link-local, or the "this network" block.
fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The nameservers in `/etc/resolv.conf`, on port 53.
pub fn system_nameservers() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| parse_resolv_conf(&t))
        .unwrap_or_default()
}

/// The `nameserver` lines of a resolv.conf (a `%scope` suffix is dropped).
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let Some(addr) = words.next() else { continue };
        let addr = addr.split('%').next().unwrap_or(addr);
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let sa = SocketAddr::new(ip, 53);
            if !out.contains(&sa) {
                out.push(sa);
            }
        }
    }
    out
}

/// Asks the system resolver and each of `resolvers` for `host`, all at once, each within
/// `timeout`.
pub async fn dns_compare(
    host: &str,
    system: &Dns,
    resolvers: &[SocketAddr],
    timeout: Duration,
) -> DnsComparison {
    let direct = futures::future::join_all(resolvers.iter().map(|server| async move {
        Direct {
            server: *server,
            answer: ask(*server, host, timeout).await,
        }
    }))
    .await;
    DnsComparison {
        host: host.to_string(),
        system: system_answer(system),
        direct,
    }
}

/// The system resolver's answer (the target's one lookup) as a comparable answer.
fn system_answer(dns: &Dns) -> Answer {
    match dns {
        Dns::Resolved { addrs, took } => Answer::Addrs {
            addrs: addrs.clone(),
            took: *took,
        },
        Dns::Skipped(ip) => Answer::Addrs {
            addrs: vec![*ip],
            took: Duration::ZERO,
        },
        Dns::Failed { error, took } => Answer::NoAddress {
            why: error.clone(),
            took: *took,
        },
        Dns::Timeout(d) => Answer::Timeout(*d),
    }
}

/// Asks `server` for the A and AAAA records of `host`.
async fn ask(server: SocketAddr, host: &str, timeout: Duration) -> Answer {
    let start = Instant::now();
    let (a, aaaa) = futures::join!(
        query(server, host, TYPE_A, timeout),
        query(server, host, TYPE_AAAA, timeout)
    );
    let took = start.elapsed();
    match (a, aaaa) {
        (Ok(mut a), Ok(aaaa)) => {
            a.extend(aaaa);
            if a.is_empty() {
                Answer::NoAddress {
                    why: "no A or AAAA record".to_string(),
                    took,
                }
            } else {
                Answer::Addrs { addrs: a, took }
            }
        }
        (Ok(a), Err(_)) | (Err(_), Ok(a)) if !a.is_empty() => Answer::Addrs { addrs: a, took },
        (Err(QueryError::NxDomain), _) | (_, Err(QueryError::NxDomain)) => Answer::NoAddress {
            why: "the name does not exist (NXDOMAIN)".to_string(),
            took,
        },
        (Err(QueryError::Timeout), _) | (_, Err(QueryError::Timeout)) => Answer::Timeout(timeout),
        (Err(QueryError::Failed(e)), _) | (_, Err(QueryError::Failed(e))) => Answer::Failed(e),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum QueryError {
    NxDomain,
    Timeout,
    Failed(String),
}

async fn query(
    server: SocketAddr,
    host: &str,
    qtype: u16,
    timeout: Duration,
) -> Result<Vec<IpAddr>, QueryError> {
    let id: u16 = rand::random();
    let msg = build_query(id, host, qtype).map_err(QueryError::Failed)?;
    match udp_exchange(server, timeout, |_| msg.clone()).await {
        UdpOutcome::Reply { data, .. } => parse_answer(&data, id, qtype),
        UdpOutcome::Silent { .. } => Err(QueryError::Timeout),
        UdpOutcome::Refused => Err(QueryError::Failed(format!(
            "nothing listens on {server} (ICMP port unreachable)"
        ))),
        UdpOutcome::Unreachable(e) | UdpOutcome::Failed(e) => Err(QueryError::Failed(e)),
    }
}

/// A standard query with recursion desired.
pub fn build_query(id: u16, host: &str, qtype: u16) -> Result<Vec<u8>, String> {
    let name = host.trim_end_matches('.');
    if name.is_empty() || name.len() > 253 {
        return Err(format!("{host:?} is not a DNS name"));
    }
    let mut m = Vec::with_capacity(18 + name.len());
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 || !label.is_ascii() {
            return Err(format!("{host:?} is not a DNS name (label {label:?})"));
        }
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    Ok(m)
}

/// Skips a (possibly compressed) name at `pos`; the position after it.
fn skip_name(m: &[u8], mut pos: usize) -> Option<usize> {
    for _ in 0..128 {
        let len = *m.get(pos)?;
        match len {
            0 => return Some(pos + 1),
            l if l & 0xc0 == 0xc0 => return Some(pos + 2),
            l => pos += 1 + usize::from(l),
        }
    }
    None
}

fn u16_at(m: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*m.get(pos)?, *m.get(pos + 1)?]))
}

/// The addresses of type `qtype` in a response to query `id`.
fn parse_answer(m: &[u8], id: u16, qtype: u16) -> Result<Vec<IpAddr>, QueryError> {
    let bad = |why: &str| QueryError::Failed(format!("a malformed DNS answer ({why})"));
    if m.len() < 12 {
        return Err(bad("shorter than a header"));
    }
    if u16_at(m, 0) != Some(id) {
        return Err(bad("the id does not match our query"));
    }
    let flags = u16_at(m, 2).unwrap_or(0);
    if flags & 0x8000 == 0 {
        return Err(bad("not a response"));
    }
    match flags & 0x000f {
        0 => {}
        3 => return Err(QueryError::NxDomain),
        2 => {
            return Err(QueryError::Failed(
                "the nameserver failed (SERVFAIL)".to_string(),
            ));
        }
        5 => {
            return Err(QueryError::Failed(
                "the nameserver refused (REFUSED)".to_string(),
            ));
        }
        rc => {
            return Err(QueryError::Failed(format!(
                "the nameserver answered rcode {rc}"
            )));
        }
    }
    let qd = u16_at(m, 4).unwrap_or(0);
    let an = u16_at(m, 6).unwrap_or(0);
    let mut pos = 12;
    for _ in 0..qd {
        pos = skip_name(m, pos).ok_or_else(|| bad("question"))? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        pos = skip_name(m, pos).ok_or_else(|| bad("answer name"))?;
        let rtype = u16_at(m, pos).ok_or_else(|| bad("answer type"))?;
        let rdlen = usize::from(u16_at(m, pos + 8).ok_or_else(|| bad("answer length"))?);
        let data = m
            .get(pos + 10..pos + 10 + rdlen)
            .ok_or_else(|| bad("answer data"))?;
        pos += 10 + rdlen;
        if rtype != qtype {
            continue;
        }
        match (rtype, data.len()) {
            (TYPE_A, 4) => out.push(IpAddr::V4(Ipv4Addr::new(
                data[0], data[1], data[2], data[3],
            ))),
            (TYPE_AAAA, 16) => {
                let b: [u8; 16] = data.try_into().expect("16 bytes");
                out.push(IpAddr::V6(Ipv6Addr::from(b)));
            }
            _ => return Err(bad("an address of the wrong length")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response to `q` with A records (the name compressed to the question).
    fn response(q: &[u8], rcode: u8, addrs: &[[u8; 4]]) -> Vec<u8> {
        let mut m = q.to_vec();
        m[2] = 0x81;
        m[3] = 0x80 | rcode;
        m[6..8].copy_from_slice(&(addrs.len() as u16).to_be_bytes());
        for a in addrs {
            m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            m.extend_from_slice(a);
        }
        m
    }

    #[test]
    fn queries_and_answers() {
        let q = build_query(0x1234, "example.com.", TYPE_A).unwrap();
        assert_eq!(&q[..4], &[0x12, 0x34, 0x01, 0x00]);
        assert_eq!(&q[12..25], b"\x07example\x03com\x00");
        let r = response(&q, 0, &[[93, 184, 216, 34], [10, 0, 0, 1]]);
        assert_eq!(
            parse_answer(&r, 0x1234, TYPE_A).unwrap(),
            vec![
                IpAddr::from([93, 184, 216, 34]),
                IpAddr::from([10, 0, 0, 1])
            ]
        );
        assert_eq!(
            parse_answer(&response(&q, 3, &[]), 0x1234, TYPE_A),
            Err(QueryError::NxDomain)
        );
        assert!(parse_answer(&r, 0x9999, TYPE_A).is_err());
        assert!(parse_answer(&r[..r.len() - 2], 0x1234, TYPE_A).is_err());
        assert!(build_query(1, "a..b", TYPE_A).is_err());
        assert!(build_query(1, &"x".repeat(64), TYPE_A).is_err());
    }

    #[test]
    fn resolv_conf() {
        let text = "# generated\nsearch lan\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\nnameserver bogus\noptions edns0\n";
        assert_eq!(
            parse_resolv_conf(text),
            vec![
                "127.0.0.53:53".parse().unwrap(),
                "[fe80::1]:53".parse().unwrap()
            ]
        );
    }

    fn addrs(list: &[&str]) -> Answer {
        Answer::Addrs {
            addrs: list.iter().map(|a| a.parse().unwrap()).collect(),
            took: Duration::from_millis(3),
        }
    }

    #[test]
    fn differences_are_disjoint_answers_or_a_missing_name() {
        let server: SocketAddr = "192.0.2.53:53".parse().unwrap();
        let cmp = |system: Answer, direct: Answer| DnsComparison {
            host: "vpn.example.com".to_string(),
            system,
            direct: vec![Direct {
                server,
                answer: direct,
            }],
        };
        assert!(
            cmp(
                addrs(&["203.0.113.1", "203.0.113.2"]),
                addrs(&["203.0.113.2"])
            )
            .differences()
            .is_empty()
        );
        let d = cmp(addrs(&["10.1.1.1"]), addrs(&["203.0.113.2"])).differences();
        assert_eq!(d.len(), 1);
        assert!(d[0].contains("says 10.1.1.1"), "{d:?}");
        assert!(
            d[0].contains("private addresses for a public name"),
            "{d:?}"
        );
        let nx = Answer::NoAddress {
            why: "the name does not exist (NXDOMAIN)".to_string(),
            took: Duration::ZERO,
        };
        assert_eq!(
            cmp(addrs(&["203.0.113.1"]), nx.clone()).differences().len(),
            1
        );
        assert!(
            cmp(
                addrs(&["203.0.113.1"]),
                Answer::Timeout(Duration::from_secs(1))
            )
            .differences()
            .is_empty()
        );
        assert!(cmp(nx.clone(), nx).differences().is_empty());
    }
}
