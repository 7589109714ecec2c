//! Runs the OpenVPN control-channel handshake (`probe::vpn::openvpn`) against one server and
//! prints its report: what the interop script `tests/interop/35-openvpn-handshake.sh` checks.
//! ```text
//! cargo run --example ovpn_handshake -- --udp 127.0.0.1:1194 --ca ca.crt [--tls-auth ta.key
//!     --key-direction 1 | --tls-crypt ta.key] [--cert c.crt --key c.key] [--tls-version-max 1.2]
//! ```
//! Exit status: 0 completed, 1 failed, 2 bad usage.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tlsdoctor_tui::config::static_key::{Digest, Direction, KeyDirection, StaticKey, TlsWrap};
use tlsdoctor_tui::probe::vpn::openvpn::{
    self, ClientIdentity, HandshakeOptions, HandshakeProfile, Status, TlsVersion, Transport,
};

#[derive(Parser)]
struct Args {
    /// The server over UDP.
    #[arg(long, conflicts_with = "tcp", required_unless_present = "tcp")]
    udp: Option<SocketAddr>,
    /// The server over TCP.
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// The profile's <ca> (PEM).
    #[arg(long)]
    ca: PathBuf,
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    #[arg(long, conflicts_with = "tls_crypt")]
    tls_auth: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    key_direction: u8,
    /// tls-auth's digest (`auth`).
    #[arg(long, default_value = "SHA1")]
    auth: String,
    #[arg(long)]
    tls_crypt: Option<PathBuf>,
    #[arg(long, value_parser = version)]
    tls_version_min: Option<TlsVersion>,
    #[arg(long, value_parser = version)]
    tls_version_max: Option<TlsVersion>,
    /// Per-step timeout.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "5s")]
    timeout: Duration,
    /// Leave out the post-quantum key share (a small ClientHello).
    #[arg(long)]
    no_post_quantum: bool,
}

fn version(s: &str) -> Result<TlsVersion, String> {
    TlsVersion::parse(s).ok_or_else(|| format!("{s:?}: use 1.0, 1.1, 1.2 or 1.3"))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn profile(args: &Args) -> Result<HandshakeProfile, String> {
    let client = match (&args.cert, &args.key) {
        (Some(c), Some(k)) => Some(ClientIdentity {
            cert_pem: read(c)?,
            key_pem: read(k)?,
        }),
        _ => None,
    };
    let wrap = if let Some(p) = &args.tls_auth {
        Some(TlsWrap::Auth {
            key: StaticKey::load(p)?,
            direction: Direction::from(KeyDirection(args.key_direction)),
            digest: Digest::from_name(&args.auth).ok_or("--auth: unknown digest")?,
        })
    } else if let Some(p) = &args.tls_crypt {
        Some(TlsWrap::Crypt {
            key: StaticKey::load(p)?,
        })
    } else {
        None
    };
    Ok(HandshakeProfile {
        ca_pem: read(&args.ca)?,
        client,
        wrap,
        tls_version_min: args.tls_version_min,
        tls_version_max: args.tls_version_max,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let (addr, transport) = match (args.udp, args.tcp) {
        (Some(a), _) => (a, Transport::Udp),
        (None, Some(a)) => (a, Transport::Tcp),
        (None, None) => unreachable!("clap requires one"),
    };
    let profile = match profile(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ovpn_handshake: {e}");
            return ExitCode::from(2);
        }
    };
    let mut opts = HandshakeOptions::new(args.timeout);
    opts.post_quantum = !args.no_post_quantum;
    let r = openvpn::handshake(addr, transport, &profile, &opts).await;
    println!("summary: {}", r.summary());
    match &r.status {
        Status::Completed => println!("status: completed"),
        Status::Failed { step, failure } => println!("status: failed at {step:?}: {failure}"),
    }
    if let Some(n) = &r.negotiated {
        println!("version: {}", n.version);
        println!("cipher: {}", n.cipher);
        println!("group: {}", n.group.as_deref().unwrap_or("-"));
    }
    println!("chain: {} certificates", r.chain.len());
    println!("ca: {:?}", r.ca);
    println!(
        "client cert requested: {:?} offered {}",
        r.client_cert_requested, r.client_cert_offered
    );
    println!(
        "timings: connect {:?} reset {:?} tls {:?} total {:?}",
        r.timings.connect, r.timings.reset, r.timings.tls, r.timings.total
    );
    println!(
        "messages: sent {} acked through {:?} unacked {:?} received through {:?} ahead {:?}; ClientHello {} bytes in {:?}; TLS finished {}; final flight acked {}; bad auth {}",
        r.sent_messages,
        r.acked_through,
        r.unacked,
        r.received_through,
        r.received_ahead,
        r.client_hello_len,
        r.client_hello_msgs,
        r.tls_finished,
        r.final_flight_acked,
        r.bad_auth
    );
    for p in &r.packets {
        println!("packet: {p}");
    }
    if r.completed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
