//! Runs the reachability probes of the configured targets once and prints one line per probe:
//! target, probe, status, whether OpenVPN answered, and what was seen. It takes
//! tlsdoctor-tui's own options, so `--config`, `--ovpn`, `--preset` and `--timeout` work as
//! they do there:
//!
//! ```text
//! cargo run --example reachprobe -- --config lab.toml
//! cargo run --example reachprobe -- --config empty.toml --ovpn client.ovpn --timeout 3s
//! ```
//! Exit code 0 when every target could be probed, 1 when a name did not resolve, 3 on bad
//! options.

use std::process::ExitCode;

use clap::Parser;
use tlsdoctor_tui::cli::Cli;
use tlsdoctor_tui::config::ProbeSpec;
use tlsdoctor_tui::probe::connect;
use tlsdoctor_tui::probe::reach;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match cli.resolve_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("reachprobe: {e}");
            return ExitCode::from(3);
        }
    };
    let timeout = cfg.network.timeout;
    let runs = cfg.targets.iter().map(|t| async move {
        let dns = connect::resolve(t, timeout).await;
        match dns.addrs().first() {
            Some(ip) => Ok(reach::run_all(&t.probes, *ip, t.tls_wrap.as_ref(), timeout).await),
            None => Err(format!("{dns:?}")),
        }
    });
    let results = futures::future::join_all(runs).await;
    let mut code = ExitCode::SUCCESS;
    for (t, r) in cfg.targets.iter().zip(results) {
        if !t.probes.iter().any(|p| *p != ProbeSpec::Tls) {
            continue;
        }
        match r {
            Ok(results) => {
                for r in results {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        t.name,
                        r.probe,
                        r.status,
                        if r.is_openvpn { "openvpn" } else { "-" },
                        r.detail
                    );
                }
            }
            Err(e) => {
                println!("{}\t-\terror\t-\tno address: {e}", t.name);
                code = ExitCode::from(1);
            }
        }
    }
    code
}
