//! Logs go to a file, never to the screen: `$XDG_STATE_HOME/tlsdoctor/tlsdoctor.log`
//! (else `~/.local/state/...`, else the temp dir). `RUST_LOG` sets the level; `info` (what ran:
//! each check, fix and export) when it is unset or not a valid filter.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;

/// Where the log file goes.
pub fn log_path() -> PathBuf {
    let dir = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tlsdoctor");
    dir.join("tlsdoctor.log")
}

/// Starts logging to the file; returns its path (None when it cannot be opened) and the guard
/// that flushes it on drop.
pub fn init() -> (Option<PathBuf>, Option<WorkerGuard>) {
    let path = log_path();
    let opened = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
        });
    let Ok(file) = opened else {
        return (None, None);
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok();
    if ok {
        (Some(path), Some(guard))
    } else {
        (None, None)
    }
}
