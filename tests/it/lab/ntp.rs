//! A fake NTP server: real SNTP v4 replies built by hand, each lying in its own way.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the server thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(20);
/// Seconds from 1900 (NTP's era 0) to 1970.
const NTP_UNIX_DELTA: u64 = 2_208_988_800;
/// The reference id a good reply carries: stratum 2, synchronised to 192.0.2.1 (TEST-NET-1).
pub const REFERENCE: [u8; 4] = [192, 0, 2, 1];
/// The stratum of a good reply.
pub const STRATUM: u8 = 2;
/// How many bytes a [`Behaviour::Short`] reply has.
pub const SHORT_LEN: usize = 20;

/// How far the fake server's clock is from the local one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skew {
    /// The server's clock is ahead: the local clock is behind (a positive offset).
    Ahead(Duration),
    /// The server's clock is behind: the local clock is ahead (a negative offset).
    Behind(Duration),
}

/// What the server does with each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Good replies from a clock skewed by this much.
    Serve(Skew),
    /// Kiss-o'-death: stratum 0, LI 3 (as ntpd sends it), this code as the reference id.
    KissOfDeath([u8; 4]),
    /// Leap indicator 3: "my clock is not synchronised", otherwise a good reply.
    Unsynchronised,
    /// A good reply with this stratum (0 with no kiss code, or 16 and above: no usable time).
    Stratum(u8),
    /// A good reply whose origin timestamp is not our request's transmit timestamp.
    WrongOrigin,
    /// The first [`SHORT_LEN`] bytes of a good reply.
    Short,
    /// Reads requests and never answers.
    Silent,
}

impl Behaviour {
    /// Good replies with the true time.
    pub const TRUTHFUL: Behaviour = Behaviour::Serve(Skew::Ahead(Duration::ZERO));

    /// Good replies from a clock `by` ahead of the local one.
    pub fn ahead(by: Duration) -> Self {
        Behaviour::Serve(Skew::Ahead(by))
    }

    /// Good replies from a clock `by` behind the local one.
    pub fn behind(by: Duration) -> Self {
        Behaviour::Serve(Skew::Behind(by))
    }
}

/// A running fake NTP server on 127.0.0.1; it stops when dropped.
pub struct FakeNtp {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeNtp {
    /// Starts a server on an ephemeral port of 127.0.0.1 that acts as `behaviour` says.
    pub fn start(behaviour: Behaviour) -> FakeNtp {
        let socket = super::ports::std_udp();
        socket
            .set_read_timeout(Some(POLL))
            .expect("set a read timeout on the fake NTP socket");
        let addr = socket.local_addr().expect("the fake NTP server's address");
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || serve(&socket, behaviour, &requests, &stop))
        };
        FakeNtp {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests it has read (answered or not).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for FakeNtp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A UDP port on 127.0.0.1 where nothing listens: bound, noted, released. The kernel answers
/// a datagram to it with ICMP port unreachable.
pub fn closed_udp_port() -> SocketAddr {
    let socket = super::ports::std_udp();
    socket.local_addr().expect("the probe socket's address")
}

fn serve(socket: &UdpSocket, behaviour: Behaviour, requests: &AtomicUsize, stop: &AtomicBool) {
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::SeqCst) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => continue,
        };
        requests.fetch_add(1, Ordering::SeqCst);
        if let Some(reply) = answer(behaviour, &buf[..n], SystemTime::now()) {
            let _ = socket.send_to(&reply, from);
        }
    }
}

/// The reply to `request` received at local time `now`, or `None` to stay silent.
pub fn answer(behaviour: Behaviour, request: &[u8], now: SystemTime) -> Option<Vec<u8>> {
    if request.len() < 48 {
        return None;
    }
    let clock = match behaviour {
        Behaviour::Serve(Skew::Ahead(d)) => now + d,
        Behaviour::Serve(Skew::Behind(d)) => now - d,
        Behaviour::Silent => return None,
        _ => now,
    };
    let (leap, stratum, reference) = match behaviour {
        Behaviour::KissOfDeath(code) => (3, 0, code),
        Behaviour::Unsynchronised => (3, STRATUM, REFERENCE),
        Behaviour::Stratum(s) => (0, s, if s == 0 { [0; 4] } else { REFERENCE }),
        _ => (0, STRATUM, REFERENCE),
    };
    let version = (request[0] >> 3) & 0b111;
    let mut origin = [0u8; 8];
    origin.copy_from_slice(&request[40..48]);
    if behaviour == Behaviour::WrongOrigin {
        // A stale or forged reply: another request's timestamp, one second earlier.
        let forged = u64::from_be_bytes(origin).wrapping_sub(1 << 32);
        origin = forged.to_be_bytes();
    }
    let mut p = vec![0u8; 48];
    p[0] = (leap << 6) | (version << 3) | 4;
    p[1] = stratum;
    p[2] = 6;
    p[3] = (-20i8).to_be_bytes()[0];
    p[4..8].copy_from_slice(&0x0000_0200_u32.to_be_bytes());
    p[8..12].copy_from_slice(&0x0000_0400_u32.to_be_bytes());
    p[12..16].copy_from_slice(&reference);
    p[16..24].copy_from_slice(&ntp_timestamp(clock - Duration::from_secs(16)).to_be_bytes());
    p[24..32].copy_from_slice(&origin);
    p[32..40].copy_from_slice(&ntp_timestamp(clock).to_be_bytes());
    p[40..48].copy_from_slice(&ntp_timestamp(clock).to_be_bytes());
    if behaviour == Behaviour::Short {
        p.truncate(SHORT_LEN);
    }
    Some(p)
}

/// `t` in NTP's 32.32 fixed-point format (seconds since 1900, in the current era).
pub fn ntp_timestamp(t: SystemTime) -> u64 {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = (since.as_secs() + NTP_UNIX_DELTA) & u64::from(u32::MAX);
    let frac = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}
