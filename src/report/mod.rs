//! The headless report: the same model and diagnosis, printed once as text or as JSON
//! (`tlsdoctor/report/v1`, a contract: see the README).

pub mod json;
pub mod text;

use crate::diagnose::{Finding, Severity, verdict};

/// The overall verdict in one word: "ok", "warning" or "error".
pub fn verdict_word(findings: &[Finding]) -> &'static str {
    match verdict(findings) {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        Some(Severity::Info) | None => "ok",
    }
}

/// The `--once` exit code: 0 clean, 1 warnings only, 2 at least one error.
pub fn exit_code(findings: &[Finding]) -> u8 {
    match verdict(findings) {
        Some(Severity::Error) => 2,
        Some(Severity::Warning) => 1,
        Some(Severity::Info) | None => 0,
    }
}
