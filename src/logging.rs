//! Logs go to a file, never to the screen: `$XDG_STATE_HOME/tlsdoctor/tlsdoctor.log`
//! (else `~/.local/state/...`, else the temp dir). `RUST_LOG` sets the level; `info` (what ran:
//! each check, fix and export) when it is unset or not a valid filter. Panic reports go beside
//! it. The directory is made for its owner only (0700), the files 0600, and neither is ever
//! opened through a symbolic link.

use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;

use crate::config::file;

/// Where the log and the panic reports go.
pub fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tlsdoctor")
}

/// Where the log file goes.
pub fn log_path() -> PathBuf {
    state_dir().join("tlsdoctor.log")
}

/// Makes `dir` (and its parents) when missing, the last one 0700; refuses a `dir` that is a
/// symbolic link or not a directory.
fn make_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    if let Err(e) = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        return Err(format!("cannot make the directory {shown}: {e}"));
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!(
            "{shown} is not a directory (a link or a file): remove it or set XDG_STATE_HOME"
        )),
        Err(e) => Err(format!("cannot use the directory {shown}: {e}")),
    }
}

/// How many log lines may wait for the writer thread (more are dropped, counted by
/// tracing-appender).
const LOG_QUEUE_LINES: usize = 16_384;

/// Starts logging to the file; returns its path and the guard that flushes it on drop, or
/// why there is no log (naming the directory).
pub fn init() -> Result<(PathBuf, WorkerGuard), String> {
    let path = log_path();
    let dir = state_dir();
    make_dir(&dir)?;
    let file = file::open_append(&path).map_err(|e| {
        format!(
            "cannot open the log {} in {}: {e}",
            path.display(),
            dir.display()
        )
    })?;
    // The writer's queue: a few thousand lines is room for any burst (one line a check at
    // `info`); the default (128,000 lines) costs megabytes of zeroed pages at every start.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(file);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok((path, guard))
}

/// Writes a panic report to a new file in the state directory
/// (`panic-<unix seconds>-<pid>.txt`, a counter added when taken); its path, or none when it
/// could not be written.
pub fn write_panic_report(text: &str) -> Option<PathBuf> {
    let dir = state_dir();
    make_dir(&dir).ok()?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stem = format!("panic-{secs}-{}", std::process::id());
    let mut made = file::create_unique(&dir, &stem, &["txt"]).ok()?;
    let (mut f, path) = made.pop()?;
    f.write_all(text.as_bytes()).ok()?;
    Some(path)
}
