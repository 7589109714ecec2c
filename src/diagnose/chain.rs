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
}

impl Judged {
    /// The verdicts that decide: at the true time when it is known.
    pub fn decisive(&self) -> &Verdicts {
        self.truth.as_ref().map_or(&self.local, |(_, v)| v)
    }

    /// The certificate fails on time at the local clock only: the clock is wrong, not it.
    pub fn clock_explains(&self) -> bool {
        self.truth
            .as_ref()
            .is_some_and(|(_, t)| !self.local.time.is_empty() && t.time.is_empty())
    }

    /// Whether the verdict at the true time differs from the local clock's: in time, or in
    /// what a trust source concludes.
    pub fn truth_differs(&self) -> bool {
        let Some((_, truth)) = &self.truth else {
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
    trust::judge(&report.ders(), Some(report.name.as_str()), at, trust)
}

/// Judges the chain of `report` (none when the server sent no certificate), reusing `prev`
/// (the judgement of the same report) where it holds: the local verdicts always, the true
/// time's when it falls in the same second (the verdicts' resolution).
pub fn judge(
    report: &TlsReport,
    consensus: Option<Offset>,
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
            _ => (o, verify(report, at, trust)),
        }
    });
    Some(Judged { local, truth })
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
