//! The binary: error and panic hooks, the command line, then the library does the work.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use tlsdoctor_tui::app::Env;
use tlsdoctor_tui::diagnose::Machine;
use tlsdoctor_tui::{fix, headless, logging, report, runtime, usage};

/// Exit code when the tool could not run (bad usage, bad config, internal error).
const CANNOT_RUN: u8 = 3;

fn main() -> ExitCode {
    let cli = match usage::parse(std::env::args_os()) {
        Ok(usage::Parsed::Run(cli)) => *cli,
        Ok(usage::Parsed::Generate(what)) => return usage::print(what),
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(CANNOT_RUN)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Err(e) = color_eyre::install() {
        eprintln!("tlsdoctor-tui: {e}");
        return ExitCode::from(CANNOT_RUN);
    }
    let config = match cli.resolve_config() {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("tlsdoctor-tui: {e}");
            return ExitCode::from(CANNOT_RUN);
        }
    };
    let headless = cli.once || cli.json || !std::io::stdout().is_terminal();
    let (log_path, _log_guard) = logging::init();
    tracing::info!(
        "tlsdoctor-tui {} started ({}): config {}, {} target(s), {} NTP server(s)",
        env!("CARGO_PKG_VERSION"),
        if headless { "--once" } else { "dashboard" },
        cli.config_file().map_or_else(
            || "the embedded defaults".to_string(),
            |p| format!("{:?}", p.display().to_string())
        ),
        config.targets.len(),
        config.clock.servers.len()
    );
    let trust = Arc::new(tlsdoctor_tui::probe::trust::Trust::load(
        config.network.ca_file.as_deref(),
    ));
    let machine = Machine {
        trust,
        is_root: fix::is_root(),
        nordvpn_cli: tlsdoctor_tui::probe::reach::find_program("nordvpn").is_some(),
        open_files: tlsdoctor_tui::limits::raise_open_files(),
        programs: tlsdoctor_tui::diagnose::Programs::find(),
    };
    let env = Env {
        log_path,
        color: !cli.colorless(),
        mouse: !cli.no_mouse,
        light: cli.light_background(),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tlsdoctor-tui: cannot start the async runtime: {e}");
            return ExitCode::from(CANNOT_RUN);
        }
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            if headless {
                let model = headless::run_once(config, machine).await;
                // Written as it is serialised (a JSON report of 1000 targets is megabytes); a
                // closed pipe is an error message, not a panic.
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                if cli.json {
                    serde_json::to_writer_pretty(&mut out, &report::json::report(&model))?;
                    writeln!(out)?;
                } else {
                    write!(out, "{}", report::text::report(&model))?;
                }
                out.flush()?;
                let codes: Vec<String> = model
                    .findings()
                    .iter()
                    .map(|f| f.code.to_string())
                    .collect();
                tracing::info!(
                    "--once report written ({}): {} finding(s): {}",
                    if cli.json { "JSON" } else { "text" },
                    codes.len(),
                    codes.join(", ")
                );
                Ok(ExitCode::from(report::exit_code(model.findings())))
            } else {
                runtime::run_tui(config, machine, env).await.map(|exit| {
                    if let runtime::Exit::Signal(name) = exit {
                        eprintln!("tlsdoctor-tui: stopped by {name}");
                    }
                    ExitCode::SUCCESS
                })
            }
        })
    }));
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            // The message, not a backtrace: these are the user's to act on.
            eprintln!("tlsdoctor-tui: {e:#}");
            ExitCode::from(CANNOT_RUN)
        }
        Err(_) => ExitCode::from(CANNOT_RUN),
    }
}
