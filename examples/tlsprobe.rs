//! Runs the TLS probe and its diagnosis against one server and prints the finding codes, one
//! per line, on stdout (nothing when all is well); the findings in words go to stderr. Used by
//! tests/interop/40-openssl.sh until the CLI runs TLS checks itself.
//!
//! ```text
//! cargo run --example tlsprobe -- HOST[:PORT] [--sni NAME | --no-sni] [--ca-file PEM]
//!                                 [--timeout 5s] [--no-system]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use clap::Parser;
use tlsdoctor_tui::config::{HostPort, Sni, Target, parse_duration};
use tlsdoctor_tui::diagnose::tls::findings;
use tlsdoctor_tui::probe::connect::resolve;
use tlsdoctor_tui::probe::tls::{TlsOptions, check};
use tlsdoctor_tui::probe::trust::{Trust, TrustSource};

#[derive(Parser)]
#[command(about = "Check one TLS server and print the finding codes")]
struct Args {
    /// The server, host[:port] (port 443 by default).
    target: HostPort,
    /// Send this SNI instead of the host.
    #[arg(long, conflicts_with = "no_sni")]
    sni: Option<String>,
    /// Send no SNI.
    #[arg(long)]
    no_sni: bool,
    /// Extra trusted roots (PEM).
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// The per-step timeout.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    timeout: std::time::Duration,
    /// Leave the system store out (Mozilla's roots and the ca_file only).
    #[arg(long)]
    no_system: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut target = Target::from_host_port(&args.target);
    if let Some(sni) = args.sni {
        target.sni = Sni::Name(sni);
    } else if args.no_sni {
        target.sni = Sni::None;
    }
    let mut sources = vec![TrustSource::mozilla()];
    if !args.no_system {
        sources.push(TrustSource::system());
    }
    if let Some(path) = &args.ca_file {
        sources.push(TrustSource::ca_file(path));
    }
    for problem in sources.iter().flat_map(|s| &s.problems) {
        eprintln!("trust: {problem}");
    }
    let trust = Arc::new(Trust::new(sources));
    let dns = resolve(&target, args.timeout).await;
    if !dns.is_ok() {
        eprintln!("cannot resolve {}: {dns:?}", target.host);
        println!("dns-failure");
        return ExitCode::from(2);
    }
    let opts = TlsOptions::new(args.timeout, trust.clone());
    let report = check(&target, dns.addrs(), &opts).await;
    eprintln!("{}  ({:?})", report.attempt.summary(), report.took);
    for variant in &report.variants {
        eprintln!("  variant {}", variant.summary());
    }
    let found = findings(0, &target, &report, None, SystemTime::now(), &trust, false);
    for f in &found {
        eprintln!("{} {}: {}", f.severity.symbol(), f.code, f.summary);
        for e in &f.evidence {
            eprintln!("    {e}");
        }
        println!("{}", f.code);
    }
    if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
