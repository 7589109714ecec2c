//! Running a confirmed fix: a fixed argument vector, in the real terminal, never a shell.

use std::process::Command;

/// Whether this process runs as root (so fixes need no `sudo`).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `argv` as one line a user can paste into a POSIX shell.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let argv: Vec<String> = ["sudo", "timedatectl", "set-ntp", "true"]
            .map(String::from)
            .to_vec();
        assert_eq!(shell_join(&argv), "sudo timedatectl set-ntp true");
        assert_eq!(
            shell_join(&["a b".to_string(), "it's".to_string()]),
            r"'a b' 'it'\''s'"
        );
    }
}
