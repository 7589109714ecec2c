//! The lab: every scenario peer of the tests, started on 127.0.0.1, with config files that point
//! tlsdoctor-tui at them — so anyone can see each diagnosis without a broken network.
//!
//! ```sh
//! cargo run --example lab            # starts the peers, writes the configs, prints the commands
//! cargo run --release -- -c /tmp/tlsdoctor-lab/broken.toml     # in another terminal
//! cargo run --example lab -- /tmp/lab --ports 50000-50999    # a directory; ports from a range
//! ```
//!
//! It runs until Ctrl-C (or SIGTERM). Nothing leaves loopback.

#[path = "../tests/it/lab/mod.rs"]
mod lab;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lab::http::{HttpAnswer, HttpServer};
use lab::ntp::{Behaviour, FakeNtp};
use lab::openvpn::{OpenvpnResponder, key_file_text, test_key};
use lab::openvpn_tls::{OpenvpnTlsServer, nordvpn_style};
use lab::tls::{
    Ca, Gate, LeafSpec, Pki, ServerSpec, Versions, alert, close_after_hello, gated, http_400,
    reset_after_hello, silent, tls_server,
};
use lab::udp::{SilentUdp, closed_tcp_port, closed_udp_port};

/// The directory the configs are written to, unless given as the first argument.
const DEFAULT_DIR: &str = "/tmp/tlsdoctor-lab";

fn target(out: &mut String, name: &str, addr: SocketAddr, extra: &str) {
    let _ = write!(
        out,
        "[[targets]]\nname = {name:?}\nhost = \"localhost\"\nconnect = \"{addr}\"\n{extra}\n"
    );
}

fn header(ntp: &[SocketAddr], ca_file: &Path, captive_url: &str) -> String {
    let servers: Vec<String> = ntp.iter().map(|a| format!("{:?}", a.to_string())).collect();
    format!(
        "# Written by `cargo run --example lab`: every peer runs on 127.0.0.1.\n\
         [clock]\nservers = [{}]\ninterval = \"10s\"\ntimeout = \"1s\"\n\n\
         [network]\ntimeout = \"2s\"\nca_file = {:?}\ncaptive_url = {captive_url:?}\n\n",
        servers.join(", "),
        ca_file.display().to_string()
    )
}

/// The directory (the first argument, else [`DEFAULT_DIR`]) and the `--ports FIRST-LAST` range.
fn args() -> Result<(PathBuf, Option<(u16, u16)>), String> {
    const USAGE: &str = "usage: cargo run --example lab -- [DIR] [--ports FIRST-LAST]";
    let mut dir = None;
    let mut ports = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let range = match arg.as_str() {
            "--ports" => Some(
                args.next()
                    .ok_or_else(|| format!("--ports needs a range like 50000-50999; {USAGE}"))?,
            ),
            a => a.strip_prefix("--ports=").map(str::to_string),
        };
        match range {
            Some(r) => ports = Some(lab::ports::parse_range(&r)?),
            None if arg.starts_with('-') => return Err(format!("unknown option {arg:?}; {USAGE}")),
            None if dir.is_some() => {
                return Err(format!("one directory only, not also {arg:?}; {USAGE}"));
            }
            None => dir = Some(PathBuf::from(arg)),
        }
    }
    Ok((dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DIR)), ports))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, ports) = args()?;
    if let Some((first, last)) = ports {
        lab::ports::use_range(first, last);
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "cannot create {}: {e}; give another directory as the first argument",
            dir.display()
        )
    })?;

    // The clock: a truthful server, and two that are three hours ahead.
    let truthful = FakeNtp::start(Behaviour::TRUTHFUL);
    let ahead = [
        FakeNtp::start(Behaviour::ahead(Duration::from_secs(3 * 3600))),
        FakeNtp::start(Behaviour::ahead(Duration::from_secs(3 * 3600))),
    ];
    let kod = FakeNtp::start(Behaviour::KissOfDeath(*b"DENY"));

    // The PKI: the lab's root goes into the configs' ca_file.
    let pki = Pki::new();
    let kaspersky = Ca::root("Kaspersky Anti-Virus Personal Root Certificate");
    let ca_file = dir.join("lab-roots.pem");
    std::fs::write(&ca_file, format!("{}{}", pki.root.pem, kaspersky.pem))?;
    let serve = |chain: (Vec<_>, _)| ServerSpec::new(chain.0, chain.1);
    let localhost = LeafSpec::localhost;
    let days = time::Duration::days;

    let good = tls_server(serve(pki.chain(&localhost())).config()).await;
    let expired =
        tls_server(serve(pki.chain(&localhost().valid(days(-400), days(-10)))).config()).await;
    let mut other = localhost();
    other.cn = "other.example".to_string();
    other.sans = vec!["other.example".to_string(), "www.other.example".to_string()];
    let wrong_host = tls_server(serve(pki.chain(&other)).config()).await;
    let self_signed = {
        let leaf = localhost().self_signed();
        tls_server(ServerSpec::new(vec![leaf.cert], leaf.key).config()).await
    };
    let intercepted = {
        let leaf = kaspersky.issue(&localhost());
        tls_server(ServerSpec::new(vec![leaf.cert, kaspersky.cert.clone()], leaf.key).config())
            .await
    };
    let tls12 = tls_server(
        serve(pki.chain(&localhost()))
            .versions(Versions::Tls12)
            .config(),
    )
    .await;
    let large_hello = gated(
        Gate::ResetLargerThan(600),
        serve(pki.chain(&localhost())).config(),
    )
    .await;
    let sni_blocked = gated(
        Gate::ResetSni("localhost".to_string()),
        serve(pki.chain(&localhost())).config(),
    )
    .await;
    let old_server = alert(70).await;
    let hangs = silent().await;
    let resets = reset_after_hello().await;
    let closes = close_after_hello().await;
    let plaintext = http_400().await;
    let refused = closed_tcp_port().await;

    // The VPN side: an OpenVPN server whose UDP is blocked, one that wants tls-auth.
    let vpn = OpenvpnResponder::start(None).await;
    let quiet_udp = SilentUdp::start().await;
    let key = test_key();
    let vpn_auth = OpenvpnResponder::start(Some(&key)).await;
    let key_path = dir.join("ta.key");
    std::fs::write(&key_path, key_file_text(&key))?;
    // The VPN's own handshake: an OpenVPN server with the lab's certificate and tls-auth
    // (SHA512, as NordVPN's servers), on UDP and TCP, for the NordVPN-style profiles.
    let (chain, chain_key) = pki.chain(&localhost());
    let ovpn_server = OpenvpnTlsServer::nordvpn(chain, chain_key, key).await;
    let stranger = Ca::root("Old VPN Root CA");
    let stale = |ca_pem: &str| nordvpn_style(ovpn_server.udp, ovpn_server.tcp, ca_pem, &key);
    std::fs::write(dir.join("nordvpn-style.ovpn"), stale(&pki.root.pem))?;
    std::fs::write(dir.join("nordvpn-stale.ovpn"), stale(&stranger.pem))?;
    let closed_udp = closed_udp_port().await;
    let portal = HttpServer::start(HttpAnswer::RedirectToLogin).await;

    // healthy.toml: what working looks like.
    let mut healthy = header(&[truthful.addr()], &ca_file, "");
    target(&mut healthy, "good site", good.addr, "");
    target(
        &mut healthy,
        "vpn",
        vpn.tcp,
        &format!(
            "probes = [\"openvpn-udp:{}\", \"openvpn-tcp:{}\"]\n",
            vpn.udp.port(),
            vpn.tcp.port()
        ),
    );

    // broken.toml: every failure at once, the clock three hours behind.
    let mut broken = header(
        &[ahead[0].addr(), ahead[1].addr(), kod.addr()],
        &ca_file,
        &portal.url(),
    );
    target(&mut broken, "good site", good.addr, "");
    for (name, addr) in [
        ("expired", expired.addr),
        ("wrong host", wrong_host.addr),
        ("self-signed", self_signed.addr),
        ("antivirus", intercepted.addr),
        ("tls 1.2 only", tls12.addr),
        ("big hello", large_hello.addr),
        ("sni filter", sni_blocked.addr),
        ("tls 1.0 server", old_server.addr),
        ("hangs", hangs.addr),
        ("resets", resets.addr),
        ("closes", closes.addr),
        ("plain http", plaintext.addr),
        ("refused", refused),
    ] {
        target(&mut broken, name, addr, "");
    }
    target(
        &mut broken,
        "vpn (udp blocked)",
        vpn.tcp,
        &format!(
            "probes = [\"openvpn-udp:{}\", \"openvpn-tcp:{}\"]\n",
            quiet_udp.addr.port(),
            vpn.tcp.port()
        ),
    );
    target(
        &mut broken,
        "wireguard",
        vpn.tcp,
        &format!("probes = [\"wireguard:{}\"]\n", closed_udp.port()),
    );
    target(
        &mut broken,
        "vpn with tls-auth",
        vpn_auth.tcp,
        &format!(
            "probes = [\"openvpn-udp:{}\"]\ntls_auth = {:?}\nkey_direction = 1\n",
            vpn_auth.udp.port(),
            key_path.display().to_string()
        ),
    );

    // skew.toml: only the clock is wrong, and it is what breaks the handshakes.
    let mut skew = header(&[ahead[0].addr(), ahead[1].addr()], &ca_file, "");
    target(&mut skew, "good site", good.addr, "");

    let files = [
        (
            "healthy",
            "what working looks like: a truthful clock, a good site, OpenVPN answering on UDP and TCP",
            healthy,
        ),
        (
            "broken",
            "every failure at once: the clock 3 h behind, each certificate and handshake failure, a captive portal, OpenVPN UDP blocked, WireGuard closed",
            broken,
        ),
        (
            "skew",
            "only the clock is wrong (3 h behind), and it is what breaks the good site's handshake",
            skew,
        ),
    ];
    let ports = match ports {
        Some((first, last)) => format!("ports {first}-{last}"),
        None => "ports the kernel picked".to_string(),
    };
    println!("tlsdoctor lab: the peers run on 127.0.0.1 ({ports}). Configs:");
    for (name, shows, text) in &files {
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text)?;
        println!("  {name}.toml: {shows}");
        println!("    cargo run --release -- -c {}", path.display());
    }
    println!("  NordVPN-style profiles (UDP + TCP remotes, inline tls-auth, auth-user-pass):");
    for (name, shows) in [
        (
            "nordvpn-style",
            "the VPN's own handshake works, over UDP and TCP",
        ),
        (
            "nordvpn-stale",
            "an outdated profile: the server's certificate is from another CA",
        ),
    ] {
        println!("  {name}.ovpn: {shows}");
        println!(
            "    cargo run --release -- -c {} --ovpn {}",
            dir.join("healthy.toml").display(),
            dir.join(format!("{name}.ovpn")).display()
        );
    }
    println!("(--once --json for the report.) Ctrl-C stops the lab.");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
