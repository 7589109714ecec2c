//! Running a confirmed fix: a fixed argument vector, in the real terminal, never a shell.

use std::process::Command;

/// Whether this process runs as root (so fixes need no `sudo`).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs `argv` with the terminal's stdin/stdout/stderr (so `sudo` can prompt) and waits.
/// Returns the exit status (-1 when killed by a signal).
pub fn run_in_terminal(argv: &[String]) -> Result<i32, String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let status = Command::new(prog)
        .args(args)
        .status()
        .map_err(|e| format!("{prog}: {e}"))?;
    Ok(status.code().unwrap_or(-1))
}
