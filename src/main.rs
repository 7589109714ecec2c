//! The binary: error and panic hooks, the command line, then the library does the work.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use tlsdoctor_tui::app::Env;
use tlsdoctor_tui::cli::Cli;
use tlsdoctor_tui::diagnose::Machine;
use tlsdoctor_tui::{bundle, fix, headless, logging, report, runtime, usage};

/// Exit code when the tool could not run (bad usage, bad config, internal error).
const CANNOT_RUN: u8 = 3;
/// Exit code when stdout was closed before the report was written: a process killed by
/// SIGPIPE shows as 128 + 13 in the shell, and `… | head` expects that quiet end.
const CLOSED_STDOUT: u8 = 128 + 13;

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
    // After color-eyre's, replacing its panic hook: a panic gives the terminal back, writes a
    // report next to the log and is answered below, once, with where both are.
    runtime::install_panic_hook();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&cli)));
    // A panic anywhere (loading, a probe task, the loop) ends here: the report printed or the
    // screen restored, then where to look.
    if let Some(p) = runtime::panicked() {
        let report = p.file.map_or_else(
            || "no panic report could be written".to_string(),
            |f| format!("the panic report is {}", f.display()),
        );
        let log = logging::log_path();
        let log = if std::fs::symlink_metadata(&log).is_ok_and(|m| m.is_file()) {
            format!("the log is {}", log.display())
        } else {
            "there is no log file".to_string()
        };
        eprintln!(
            "tlsdoctor-tui: internal error: {}\n  {report}\n  {log}\n  please report it with both",
            p.what
        );
        return ExitCode::from(CANNOT_RUN);
    }
    outcome.unwrap_or(ExitCode::from(CANNOT_RUN))
}

/// Everything after the command line: the config, the log, then the report or the dashboard.
fn run(cli: &Cli) -> ExitCode {
    let config = match cli.resolve_config() {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("tlsdoctor-tui: {e}");
            return ExitCode::from(CANNOT_RUN);
        }
    };
    let headless = cli.once || cli.json || cli.bundle.is_some() || !std::io::stdout().is_terminal();
    if headless && cli.redact && cli.bundle.is_none() {
        eprintln!("tlsdoctor-tui: --redact applies to a support bundle: give --bundle FILE too");
        return ExitCode::from(CANNOT_RUN);
    }
    // Made before the checks run, so a bad or taken FILE is said at once.
    let mut bundle_file = match cli.bundle.as_deref().map(bundle::create) {
        Some(Err(e)) => {
            eprintln!("tlsdoctor-tui: {e}");
            return ExitCode::from(CANNOT_RUN);
        }
        Some(Ok(f)) => Some(f),
        None => None,
    };
    let (log_path, _log_guard) = match logging::init() {
        Ok((path, guard)) => (Some(path), Some(guard)),
        Err(e) => {
            eprintln!("tlsdoctor-tui: no log file: {e}");
            (None, None)
        }
    };
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
        log_path: log_path.clone(),
        color: !cli.colorless(),
        mouse: !cli.no_mouse,
        light: cli.light_background(),
        redact: cli.redact,
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
    // A panic inside still gets the runtime shut down without waiting for its threads.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            if headless {
                let model = headless::run_once(config, machine).await;
                if let (Some(file), Some(path)) = (bundle_file.take(), cli.bundle.as_deref()) {
                    let log = log_path.as_deref();
                    bundle::write(file, path, &model, log, cli.redact).await?;
                    tracing::info!("support bundle written to {}", path.display());
                }
                // Written as it is serialised (a JSON report of 1000 targets is megabytes).
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let written = if cli.json {
                    serde_json::to_writer_pretty(&mut out, &report::json::report(&model))
                        .map_err(std::io::Error::from)
                        .and_then(|()| writeln!(out))
                } else {
                    write!(out, "{}", report::text::report(&model))
                }
                .and_then(|()| out.flush());
                match written {
                    Ok(()) => {
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
                    }
                    // Whoever read the report stopped reading (`| head`): nothing to say.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        // The buffer still holds what could not be written: not again on drop.
                        std::mem::forget(out);
                        Ok(ExitCode::from(CLOSED_STDOUT))
                    }
                    Err(e) => Err(color_eyre::eyre::eyre!("cannot write the report: {e}")),
                }
            } else {
                runtime::run_tui(config, machine, env)
                    .await
                    .map(|exit| match exit {
                        runtime::Exit::Quit => ExitCode::SUCCESS,
                        runtime::Exit::Signal { name, status } => {
                            eprintln!("tlsdoctor-tui: stopped by {name}");
                            ExitCode::from(status)
                        }
                        runtime::Exit::Panic => ExitCode::from(CANNOT_RUN),
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
        // Answered in `main`, with the panic report.
        Err(_) => ExitCode::from(CANNOT_RUN),
    }
}
