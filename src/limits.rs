//! The process's own limits: the open-file limit, raised at start to what the system allows,
//! and how many network checks may then wait at once.

use rustix::process::{Resource, getrlimit, setrlimit};

/// What one network check may hold open at once: a TLS check's default hello and its three
/// hedged variants.
pub const FILES_PER_CHECK: u64 = 4;
/// Kept free for everything else (the terminal, the log, DNS, the clock's sockets).
const RESERVED_FILES: u64 = 64;

/// Raises the soft open-file limit to the hard one; returns the soft limit now in force
/// (`None` when it is unlimited or cannot be read).
pub fn raise_open_files() -> Option<u64> {
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!("cannot raise the open-file limit: {e}");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// How many checks run at once: `wanted` (`[network] concurrency`), unless `open_files`
/// allows fewer.
pub fn checks_at_once(wanted: usize, open_files: Option<u64>) -> usize {
    let fit = open_files.map_or(usize::MAX, |n| {
        usize::try_from(n.saturating_sub(RESERVED_FILES) / FILES_PER_CHECK).unwrap_or(usize::MAX)
    });
    wanted.min(fit).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_file_limit_caps_the_checks_at_once() {
        assert_eq!(checks_at_once(4096, None), 4096);
        assert_eq!(checks_at_once(4096, Some(1024)), 240);
        assert_eq!(checks_at_once(64, Some(1_048_576)), 64);
        assert_eq!(checks_at_once(4096, Some(10)), 1);
    }

    #[test]
    fn the_limit_is_raised_to_the_hard_one() {
        let now = raise_open_files();
        let hard = getrlimit(Resource::Nofile).maximum;
        assert_eq!(now, hard);
    }
}
