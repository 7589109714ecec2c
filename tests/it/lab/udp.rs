//! Plain port peers for the reachability probes: a UDP port that never answers, UDP and TCP
//! ports where nothing listens, a UDP port that answers anything with fixed bytes, a TCP port
//! that hangs up (closes or resets) as soon as a client sends something, and a TCP port whose
//! connects time out. (The TCP ones live here too: they are the same kind of plain port.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A spawned peer task, aborted when dropped.
pub struct Task(pub JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A bound UDP socket that reads and counts datagrams but never answers: what a firewall
/// that drops packets, or a tls-auth server without our key, looks like.
pub struct SilentUdp {
    pub addr: SocketAddr,
    received: Arc<AtomicUsize>,
    _task: Task,
}

impl SilentUdp {
    pub async fn start() -> SilentUdp {
        let sock = super::ports::udp().await;
        let addr = sock.local_addr().expect("local addr");
        let received = Arc::new(AtomicUsize::new(0));
        let count = received.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while sock.recv_from(&mut buf).await.is_ok() {
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        SilentUdp {
            addr,
            received,
            _task: Task(task),
        }
    }

    /// Datagrams received so far.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }
}

/// A loopback UDP port where nothing listens (bound, then released), so the kernel answers
/// with ICMP port unreachable.
pub async fn closed_udp_port() -> SocketAddr {
    let sock = super::ports::udp().await;
    sock.local_addr().expect("local addr")
}

/// A loopback TCP port where nothing listens (bound, then released): connects are refused.
pub async fn closed_tcp_port() -> SocketAddr {
    let l = super::ports::tcp().await;
    l.local_addr().expect("local addr")
}

/// A UDP port that answers every datagram with `reply`: something that is not the service
/// the probe looks for.
pub struct AnsweringUdp {
    pub addr: SocketAddr,
    _task: Task,
}

impl AnsweringUdp {
    pub async fn start(reply: &'static [u8]) -> AnsweringUdp {
        let sock = super::ports::udp().await;
        let addr = sock.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((_, from)) = sock.recv_from(&mut buf).await {
                let _ = sock.send_to(reply, from).await;
            }
        });
        AnsweringUdp {
            addr,
            _task: Task(task),
        }
    }
}

/// How [`HangupTcp`] ends a connection once the client has sent something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hangup {
    /// Never: it holds the connection open and says nothing.
    Never,
    /// A clean close (FIN).
    Close,
    /// A reset (RST).
    Reset,
}

/// A TCP port that accepts, reads the client's first bytes, then hangs up (or holds on).
pub struct HangupTcp {
    pub addr: SocketAddr,
    _task: Task,
}

impl HangupTcp {
    pub async fn start(how: Hangup) -> HangupTcp {
        let listener = super::ports::tcp().await;
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 512];
                    let _ = stream.read(&mut buf).await;
                    match how {
                        Hangup::Never => {
                            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                        }
                        Hangup::Reset => {
                            let _ = stream.set_zero_linger();
                        }
                        Hangup::Close => {}
                    }
                    drop(stream);
                });
            }
        });
        HangupTcp {
            addr,
            _task: Task(task),
        }
    }
}

/// A TCP port whose accept queue is full (backlog 0, one connection parked in it): the kernel
/// drops further SYNs, so connects time out as they do behind a firewall that drops packets.
pub struct FilteredTcp {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _parked: tokio::net::TcpStream,
}

impl FilteredTcp {
    pub async fn start() -> FilteredTcp {
        let socket = super::ports::tcp_socket();
        let listener = socket.listen(0).expect("listen");
        let addr = listener.local_addr().expect("local addr");
        let parked = tokio::net::TcpStream::connect(addr)
            .await
            .expect("the first connect fills the queue");
        FilteredTcp {
            addr,
            _listener: listener,
            _parked: parked,
        }
    }
}
