//! What every per-target rule shares: the target, its TLS report, the machine, and how a
//! finding about the target is built (its re-run is the target's checks).

use super::{Code, Finding, Fix, Severity};
use crate::config::Target;
use crate::probe::connect::ConnectReport;
use crate::probe::tls::TlsReport;
use crate::probe::{self, ProbeId};
use crate::text::clean;

/// What every TLS rule needs to know about the target.
pub(super) struct Ctx<'a> {
    pub index: usize,
    pub target: &'a Target,
    pub report: &'a TlsReport,
    /// Its direct connect check, when it has one (through a proxy, the other path).
    pub direct: Option<&'a ConnectReport>,
    /// The clock's fixes, for a certificate that fails only because of the clock.
    pub clock_fixes: &'a [Fix],
    /// This machine: its trust stores, and which fix commands can run here.
    pub machine: &'a super::Machine,
}

impl Ctx<'_> {
    /// What `r` re-runs for a finding about this target: all of its checks.
    pub fn probes(&self) -> Vec<ProbeId> {
        probe::for_target(self.index)
    }

    pub fn rerun(&self) -> Fix {
        rerun(self.index)
    }

    pub fn advice(&self, key: char, label: String) -> Fix {
        Fix {
            key,
            label,
            command: None,
            rerun: self.probes(),
        }
    }

    /// A finding about the target, its re-run fix last.
    pub fn finding(
        &self,
        code: Code,
        severity: Severity,
        summary: &str,
        evidence: Vec<String>,
        mut fixes: Vec<Fix>,
    ) -> Finding {
        fixes.push(self.rerun());
        Finding {
            code,
            severity,
            target: Some(self.target.name.clone()),
            summary: clean(summary),
            evidence: evidence.into_iter().map(|e| clean(&e)).collect(),
            fixes,
            probes: self.probes(),
        }
    }

    /// Where the handshake went: the address it connected to, else `host:port`.
    pub fn endpoint(&self) -> String {
        self.report.attempt.addr.map_or_else(
            || format!("{}:{}", self.target.host, self.target.tls_port()),
            |a| a.to_string(),
        )
    }
}

/// The fix that re-runs target `i`'s checks.
pub(super) fn rerun(i: usize) -> Fix {
    Fix {
        key: 'r',
        label: "re-run this target's checks".to_string(),
        command: None,
        rerun: probe::for_target(i),
    }
}
