//! The headless report: the same model and diagnosis, printed once as text or as JSON
//! (`tlsdoctor/report/v1`, a contract: see the README).

pub mod json;
pub mod text;

use crate::app::Model;
use crate::diagnose::{Finding, Severity, verdict};

/// When the open-file limit lets fewer checks wait at once than `[network] concurrency`
/// asks for, in words (a run with many silent targets then takes longer).
pub fn limit_note(model: &Model) -> Option<String> {
    let wanted = model.config().network.concurrency;
    let open_files = model.obs.machine.open_files?;
    let at_once = crate::limits::checks_at_once(wanted, Some(open_files));
    (at_once < wanted).then(|| {
        format!(
            "the open-file limit ({open_files}) lets {at_once} checks wait at once (concurrency asks for {wanted}); raise it with `ulimit -n` for many silent targets"
        )
    })
}

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
