//! Where the lab's peers listen: an ephemeral port the kernel picks (the tests), or the next
//! free port of the range the lab example was given (`--ports 50000-50999`), so a firewall
//! rule or a port forward can cover the lab. A port another program holds is skipped.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Mutex;

/// The range and the next port to try in it; `None`: ephemeral ports.
static RANGE: Mutex<Option<Range>> = Mutex::new(None);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    first: u16,
    last: u16,
    next: u16,
}

/// Parses "FIRST-LAST" (both included, 1 to 65535, FIRST <= LAST).
pub fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("--ports {s:?}: give a range of ports like 50000-50999");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let first: u16 = a.trim().parse().map_err(|_| bad())?;
    let last: u16 = b.trim().parse().map_err(|_| bad())?;
    if first == 0 || first > last {
        return Err(bad());
    }
    Ok((first, last))
}

/// From now on, peers listen on the ports `first..=last`.
pub fn use_range(first: u16, last: u16) {
    *RANGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Range {
        first,
        last,
        next: first,
    });
}

/// Binds with `bind` on 127.0.0.1: port 0, or the range's next port that is free.
fn bind_next<T>(what: &str, bind: impl Fn(SocketAddr) -> io::Result<T>) -> T {
    let mut range = RANGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match range.as_mut() {
        None => bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .unwrap_or_else(|e| panic!("bind {what} on 127.0.0.1: {e}")),
        Some(r) => bind_in(r, what, bind),
    }
}

/// Binds the first port of `r` from its next one that is free; panics when none is left.
fn bind_in<T>(r: &mut Range, what: &str, bind: impl Fn(SocketAddr) -> io::Result<T>) -> T {
    while r.next >= r.first && r.next <= r.last {
        let port = r.next;
        r.next = r.next.wrapping_add(1);
        match bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))) {
            Ok(t) => return t,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
            Err(e) => panic!("bind {what} on 127.0.0.1:{port}: {e}"),
        }
    }
    panic!(
        "no free port left in --ports {}-{} for {what}: give a wider range",
        r.first, r.last
    );
}

/// A UDP socket for a peer.
pub fn std_udp() -> UdpSocket {
    bind_next("a UDP port", UdpSocket::bind)
}

/// A TCP listener for a peer.
pub fn std_tcp() -> TcpListener {
    bind_next("a TCP port", TcpListener::bind)
}

/// [`std_udp`] for tokio. Async, as binding with tokio is, so the peers that start with it stay
/// async (they need the runtime).
#[allow(clippy::unused_async)]
pub async fn udp() -> tokio::net::UdpSocket {
    let s = std_udp();
    s.set_nonblocking(true).expect("a non-blocking UDP socket");
    tokio::net::UdpSocket::from_std(s).expect("a UDP socket in the runtime")
}

/// [`std_tcp`] for tokio; async for the same reason as [`udp`].
#[allow(clippy::unused_async)]
pub async fn tcp() -> tokio::net::TcpListener {
    let l = std_tcp();
    l.set_nonblocking(true)
        .expect("a non-blocking TCP listener");
    tokio::net::TcpListener::from_std(l).expect("a TCP listener in the runtime")
}

/// A TCP socket bound for a peer, not yet listening (for a backlog of its own).
pub fn tcp_socket() -> tokio::net::TcpSocket {
    bind_next("a TCP port", |addr| {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(addr)?;
        Ok(socket)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_and_bad_ones_named() {
        assert_eq!(parse_range("50000-50999"), Ok((50000, 50999)));
        assert_eq!(parse_range("7-7"), Ok((7, 7)));
        for bad in ["50000", "0-10", "9-8", "a-b", "1-70000", ""] {
            let e = parse_range(bad).expect_err(bad);
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn a_held_port_is_skipped() {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a port to hold");
        let p = held.local_addr().expect("its address").port();
        let last = p.saturating_add(20);
        let mut r = Range {
            first: p,
            last,
            next: p,
        };
        let got = bind_in(&mut r, "a TCP port", TcpListener::bind);
        let port = got.local_addr().expect("its address").port();
        assert!(port > p && port <= last, "{port} in {p}-{last}");
        assert_eq!(r.next, port + 1);
    }
}
