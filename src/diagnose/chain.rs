//! A target's certificate chain, judged: every property against every trust source at the
//! local clock (when the chain was seen) and at the true time (that moved by the clock's
//! consensus). Computed once per TLS result, again only when the true time moves to another
//! second; the panes, details, reports and rules all read this one judgement.

use std::time::{Duration, SystemTime};

use crate::probe::cert::{CertInfo, unix};
use crate::probe::clock::Offset;
use crate::probe::tls::TlsReport;
use crate::probe::trust::{self, TimeFault, Trust, Verdicts};

/// A leaf that expires sooner than this gets `cert-expiring-soon`.
pub const EXPIRING_SOON: Duration = Duration::from_secs(14 * 86_400);

/// A chain judged at the local clock and, when the clock has a consensus, at the true time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub local: Verdicts,
    /// The consensus offset and the verdicts at the local clock moved by it.
    pub truth: Option<(Offset, Verdicts)>,
    /// The clock's verdict is that the local clock is off (drift or skew). Only then does the
    /// true time decide: a consensus within its own precision (an HTTPS `Date` is good to a
    /// second) must not make a certificate issued a moment ago look not yet valid.
    pub clock_off: bool,
}

impl Judged {
    /// The verdicts at the true time, when they decide.
    fn deciding_truth(&self) -> Option<&Verdicts> {
        self.truth
            .as_ref()
            .filter(|_| self.clock_off)
            .map(|(_, v)| v)
    }

    /// The verdicts that decide: at the true time when the local clock is off.
    pub fn decisive(&self) -> &Verdicts {
        self.deciding_truth().unwrap_or(&self.local)
    }

    /// The certificate fails on time at the local clock only: the clock is wrong, not it.
    pub fn clock_explains(&self) -> bool {
        self.deciding_truth()
            .is_some_and(|t| !self.local.time.is_empty() && t.time.is_empty())
    }

    /// Whether the verdict at the true time differs from the local clock's: in time, or in
    /// what a trust source concludes.
    pub fn truth_differs(&self) -> bool {
        let Some(truth) = self.deciding_truth() else {
            return false;
        };
        let faults = |v: &Verdicts| v.time.iter().map(|p| p.fault).collect::<Vec<_>>();
        let sources = |v: &Verdicts| {
            v.sources
                .iter()
                .map(|s| s.webpki.is_ok())
                .collect::<Vec<_>>()
        };
        faults(&self.local) != faults(truth) || sources(&self.local) != sources(truth)
    }
}

/// Where the local clock was when the chain was seen.
fn seen_at(report: &TlsReport) -> SystemTime {
    report.verified_at.unwrap_or(report.started_at)
}

/// `t` moved by a clock offset: the true time for a local time.
pub fn shifted(t: SystemTime, o: Offset) -> SystemTime {
    let d = Duration::from_micros(o.as_micros().unsigned_abs());
    if o.as_micros() >= 0 { t + d } else { t - d }
}

fn verify(report: &TlsReport, at: SystemTime, trust: &Trust) -> Verdicts {
    trust::judge(&report.chain, Some(report.name.as_str()), at, trust)
}

/// Judges the chain of `report` (none when the server sent no certificate) — `clock_off`: the
/// clock's verdict says the local clock is off — reusing `prev`
/// (the judgement of the same report) where it holds: the local verdicts always, the true
/// time's when it falls in the same second (the verdicts' resolution). The true time's are
/// the local ones moved when no validity begins or ends in between (the usual case: a chain
/// valid for months, a clock off by seconds).
pub fn judge(
    report: &TlsReport,
    consensus: Option<Offset>,
    clock_off: bool,
    trust: &Trust,
    prev: Option<Judged>,
) -> Option<Judged> {
    if report.chain.is_empty() {
        return None;
    }
    let seen = seen_at(report);
    let (local, prev_truth) = match prev {
        Some(p) => (p.local, p.truth),
        None => (verify(report, seen, trust), None),
    };
    let truth = consensus.map(|o| {
        let at = shifted(seen, o);
        match prev_truth {
            Some((_, v)) if v.at == unix(at) => (o, v),
            _ => (
                o,
                local
                    .moved(&report.chain, unix(at))
                    .unwrap_or_else(|| verify(report, at, trust)),
            ),
        }
    });
    Some(Judged {
        local,
        truth,
        clock_off,
    })
}

/// How the chain fares, in one word, when the handshake itself worked: the first reason a
/// client refuses it, or a warning, or fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// It fails on time only because this clock is wrong.
    Clock,
    Intercepted,
    Expired,
    NotYetValid,
    WrongHost,
    Untrusted,
    BadPurpose,
    Weak,
    ExpiringSoon,
    Ok,
}

impl CertStatus {
    /// The status of a judged chain; `intercepted` when the diagnosis found interception.
    pub fn of(judged: &Judged, leaf: Option<&CertInfo>, intercepted: bool) -> Self {
        let v = judged.decisive();
        if judged.clock_explains() {
            return CertStatus::Clock;
        }
        if intercepted {
            return CertStatus::Intercepted;
        }
        match v.time.first().map(|p| p.fault) {
            Some(TimeFault::Expired) => return CertStatus::Expired,
            Some(TimeFault::NotYetValid) => return CertStatus::NotYetValid,
            None => {}
        }
        if v.name.as_ref().is_some_and(|(_, r)| r.is_err()) {
            return CertStatus::WrongHost;
        }
        if !v.has_path() {
            return CertStatus::Untrusted;
        }
        if !v.purpose.is_empty() {
            return CertStatus::BadPurpose;
        }
        if !v.weak.is_empty() {
            return CertStatus::Weak;
        }
        if leaf.is_some_and(|l| expiring_soon(l, v.at)) {
            return CertStatus::ExpiringSoon;
        }
        CertStatus::Ok
    }

    /// Whether it is a warning rather than a refusal.
    pub fn is_warning(self) -> bool {
        matches!(self, CertStatus::Weak | CertStatus::ExpiringSoon)
    }
}

/// Whether a valid leaf expires within [`EXPIRING_SOON`] of `at`.
pub fn expiring_soon(leaf: &CertInfo, at: i64) -> bool {
    leaf.not_after - at < EXPIRING_SOON.as_secs() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::trust::TimeProblem;

    fn verdicts(at: i64, not_yet_valid: bool) -> Verdicts {
        Verdicts {
            at,
            time: if not_yet_valid {
                vec![TimeProblem {
                    index: 0,
                    fault: TimeFault::NotYetValid,
                    cert: "leaf CN=localhost".to_string(),
                    not_before: at + 1,
                    not_after: at + 1000,
                }]
            } else {
                Vec::new()
            },
            name: None,
            purpose: Vec::new(),
            weak: Vec::new(),
            sources: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// A certificate issued a moment ago, and a true time from a `Date` header (good to a
    /// second) a little behind: the clock is fine, so the local verdict decides.
    #[test]
    fn the_true_time_decides_only_when_the_clock_is_off() {
        let fine = Judged {
            local: verdicts(100, false),
            truth: Some((Offset::from_micros(-600_000), verdicts(99, true))),
            clock_off: false,
        };
        assert!(fine.decisive().time.is_empty());
        assert!(!fine.clock_explains() && !fine.truth_differs());

        let off = Judged {
            local: verdicts(100, true),
            truth: Some((Offset::from_micros(3_600_000_000), verdicts(3700, false))),
            clock_off: true,
        };
        assert!(off.decisive().time.is_empty());
        assert!(off.clock_explains() && off.truth_differs());
    }
}
