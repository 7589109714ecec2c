//! The clock: the consensus offset and `clock-skew`, `clock-drift`, `clock-unsynced`,
//! `ntp-unreachable`, `ntp-bad-server`.

use std::time::Duration;

use serde::Serialize;

use super::observations::Observations;
use super::{Code, Finding, Fix, Severity};
use crate::probe::ProbeId;
use crate::probe::clock::{NtpError, Offset};
use crate::text::{capitalise, human_duration};

/// At or above this the clock is wrong enough to break certificates: `clock-skew`.
pub const SKEW: Duration = Duration::from_secs(5 * 60);
/// At or above this (and below [`SKEW`]) the clock drifts: `clock-drift`.
pub const DRIFT: Duration = Duration::from_secs(1);
/// With three or more servers, one further than this from the median is a falseticker.
pub const FALSETICKER: Duration = Duration::from_secs(1);
/// How many HTTPS servers' `Date` headers must agree before they tell the time: one server's
/// clock can be wrong (its certificate then looks like this machine's fault), two can split.
pub const HTTPS_DATE_QUORUM: usize = 3;
/// How close to their median the agreeing `Date` headers must be: a header has one-second
/// resolution, and arrives a round trip late.
pub const HTTPS_DATE_AGREE: Duration = Duration::from_secs(3);

/// Where the consensus time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TimeSource {
    Ntp,
    HttpsDate,
    #[default]
    None,
}

impl TimeSource {
    /// The name the JSON report gives it: "ntp", "https-date", "none".
    pub fn as_str(self) -> &'static str {
        match self {
            TimeSource::Ntp => "ntp",
            TimeSource::HttpsDate => "https-date",
            TimeSource::None => "none",
        }
    }
}

/// The clock's verdict from the samples at hand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consensus {
    /// The median offset of the good samples, falsetickers voted out.
    pub offset: Option<Offset>,
    pub source: TimeSource,
    /// What made the consensus: indexes of NTP servers (source `ntp`) or of targets whose
    /// `Date` header was used (source `https-date`).
    pub used: Vec<usize>,
    /// Indexes of servers that answered but disagree with the others.
    pub falsetickers: Vec<usize>,
    /// The servers that answered disagree and no majority agrees: no time is claimed, and
    /// `used` lists them all.
    pub split: bool,
    /// No NTP server answered and the `Date` headers of these targets (indexes) did not make
    /// a consensus (fewer than [`HTTPS_DATE_QUORUM`] within [`HTTPS_DATE_AGREE`]): the true
    /// time is unknown, and certificates are judged on the local clock.
    pub unsettled_dates: Vec<usize>,
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        i64::midpoint(values[n / 2 - 1], values[n / 2])
    })
}

/// The clock's verdict: the consensus and how bad its offset is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clock {
    pub consensus: Consensus,
    /// `clock-skew` (an error), `clock-drift` (a warning), or fine/unknown (`None`).
    pub verdict: Option<(Code, Severity)>,
}

impl Clock {
    /// The clock's verdict from the samples in `obs`.
    pub fn of(obs: &Observations) -> Self {
        let consensus = consensus(obs);
        let verdict = offset_verdict(&consensus);
        Clock { consensus, verdict }
    }

    /// A certificate fails at this clock and not at the true time: the offset, however
    /// small, breaks TLS, so a `clock-drift` ("TLS still works") is a `clock-skew`.
    pub fn explains_a_certificate(&mut self) {
        if self.verdict == Some((Code::ClockDrift, Severity::Warning)) {
            self.verdict = Some((Code::ClockSkew, Severity::Error));
        }
    }

    /// The severity of the offset, if it is wrong enough to matter.
    pub fn severity(&self) -> Option<Severity> {
        self.verdict.map(|(_, s)| s)
    }
}

/// How bad the consensus offset is: at or above [`SKEW`] `clock-skew`, at or above the drift
/// threshold `clock-drift` (a `Date` header has one-second resolution: a second more before
/// calling that drift).
fn offset_verdict(c: &Consensus) -> Option<(Code, Severity)> {
    let size = c.offset?.magnitude();
    let drift = match c.source {
        TimeSource::HttpsDate => DRIFT + Duration::from_secs(1),
        TimeSource::Ntp | TimeSource::None => DRIFT,
    };
    if size >= SKEW {
        Some((Code::ClockSkew, Severity::Error))
    } else if size >= drift {
        Some((Code::ClockDrift, Severity::Warning))
    } else {
        None
    }
}

/// The consensus of the NTP samples in `obs`.
pub fn consensus(obs: &Observations) -> Consensus {
    let good: Vec<(usize, Offset)> = obs
        .ntp
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.value()
                .and_then(|r| r.as_ref().ok())
                .map(|r| (i, r.offset))
        })
        .collect();
    let mut all: Vec<i64> = good.iter().map(|(_, o)| o.as_micros()).collect();
    let Some(mid) = median(&mut all) else {
        return https_date_consensus(obs);
    };
    let limit = FALSETICKER.as_micros() as i64;
    let (agree, disagree): (Vec<_>, Vec<_>) = good
        .iter()
        .partition(|(_, o)| (o.as_micros() - mid).abs() <= limit);
    // Only a majority that agrees makes a consensus and can vote the others out. With two
    // camps of equal size (or no two servers alike) the median agrees with nobody: nobody is
    // known to be right, so no time is claimed.
    if agree.len() * 2 <= good.len() {
        return Consensus {
            offset: None,
            source: TimeSource::None,
            used: good.iter().map(|(i, _)| *i).collect(),
            falsetickers: Vec::new(),
            split: true,
            unsettled_dates: Vec::new(),
        };
    }
    let mut kept: Vec<i64> = agree.iter().map(|(_, o)| o.as_micros()).collect();
    let offset = median(&mut kept).map(Offset::from_micros);
    Consensus {
        offset,
        source: TimeSource::Ntp,
        used: agree.iter().map(|(i, _)| *i).collect(),
        falsetickers: disagree.iter().map(|(i, _)| *i).collect(),
        split: false,
        unsettled_dates: Vec::new(),
    }
}

/// The fallback when no NTP server gave a usable time (UDP 123 blocked, say): the `Date`
/// headers of the HTTPS targets, good to about a second, when at least [`HTTPS_DATE_QUORUM`]
/// of them, a majority, agree within [`HTTPS_DATE_AGREE`] of their median; else no time.
fn https_date_consensus(obs: &Observations) -> Consensus {
    let dated: Vec<(usize, Offset)> = obs
        .targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            t.tls
                .value()
                .and_then(|r| r.http())
                .and_then(crate::probe::tls::HttpHead::date_offset)
                .map(|o| (i, o))
        })
        .collect();
    let none = Consensus {
        unsettled_dates: dated.iter().map(|(i, _)| *i).collect(),
        ..Consensus::default()
    };
    let mut all: Vec<i64> = dated.iter().map(|(_, o)| o.as_micros()).collect();
    let Some(mid) = median(&mut all) else {
        return none;
    };
    let limit = HTTPS_DATE_AGREE.as_micros() as i64;
    let agree: Vec<&(usize, Offset)> = dated
        .iter()
        .filter(|(_, o)| (o.as_micros() - mid).abs() <= limit)
        .collect();
    if agree.len() < HTTPS_DATE_QUORUM || agree.len() * 2 <= dated.len() {
        return none;
    }
    let mut kept: Vec<i64> = agree.iter().map(|(_, o)| o.as_micros()).collect();
    Consensus {
        offset: median(&mut kept).map(Offset::from_micros),
        source: TimeSource::HttpsDate,
        used: agree.iter().map(|(i, _)| *i).collect(),
        falsetickers: Vec::new(),
        split: false,
        unsettled_dates: Vec::new(),
    }
}

/// The checks a clock fix should re-run.
fn clock_probes(obs: &Observations) -> Vec<ProbeId> {
    let mut ids: Vec<ProbeId> = (0..obs.ntp.len()).map(ProbeId::Ntp).collect();
    ids.push(ProbeId::SyncService);
    ids
}

/// `timedatectl set-ntp true`: switch automatic time sync on.
const SET_NTP: [&str; 3] = ["timedatectl", "set-ntp", "true"];
/// `chronyc makestep`: step the clock to chrony's time now.
const MAKESTEP: [&str; 2] = ["chronyc", "makestep"];
/// Setting the time by hand, for a machine where no fix command can work.
const BY_HAND: &str = "set the time by hand (as root: date -u -s 'YYYY-MM-DD HH:MM:SS', the true time in UTC), or install and start an NTP client (chrony or systemd-timesyncd)";

/// `timedatectl set-ntp true` for this machine, when it can work: timedatectl answered the
/// sync check (or, before that check has run, is installed) and can be run as root.
fn set_ntp(obs: &Observations) -> Option<Vec<String>> {
    let answers = obs.sync.value().is_none_or(|s| s.has_timedatectl());
    answers.then(|| obs.machine.command(&SET_NTP)).flatten()
}

/// `chronyc makestep` for this machine, when it can work: chronyd answered the sync check
/// and chronyc can be run as root.
fn makestep(obs: &Observations) -> Option<Vec<String>> {
    let answers = obs.sync.value().is_some_and(|s| s.chrony_running());
    answers.then(|| obs.machine.command(&MAKESTEP)).flatten()
}

/// Why no clock command is offered, and what to do instead.
fn by_hand(obs: &Observations) -> String {
    let m = &obs.machine;
    let tool_answers = obs
        .sync
        .value()
        .is_none_or(|s| s.has_timedatectl() || s.chrony_running());
    if tool_answers && !m.is_root && !m.programs.has("sudo") {
        format!(
            "sudo is not installed and this is not root: as root, run `timedatectl set-ntp true` (or `chronyc makestep` where chrony runs); or {BY_HAND}"
        )
    } else {
        format!("no sync service answers here: {BY_HAND}")
    }
}

/// The fixes for a wrong clock, given what this machine has.
/// A command is offered only where it can work: `chronyc makestep` where chronyd answers,
/// `timedatectl set-ntp true` where timedatectl answers (or the sync check has not run yet and
/// it is installed), each where it can run as root; else setting the time by hand.
pub(super) fn clock_fixes(obs: &Observations) -> Vec<Fix> {
    let rerun = clock_probes(obs);
    let mut fixes = Vec::new();
    if let Some(command) = makestep(obs) {
        fixes.push(Fix {
            key: 'm',
            label: "step the clock now with chrony".to_string(),
            command: Some(command),
            rerun: rerun.clone(),
        });
    }
    if let Some(command) = set_ntp(obs) {
        fixes.push(Fix {
            key: 't',
            label: "turn on automatic time sync (systemd-timesyncd or chrony)".to_string(),
            command: Some(command),
            rerun: rerun.clone(),
        });
    }
    if fixes.is_empty() {
        fixes.push(Fix {
            key: 'h',
            label: by_hand(obs),
            command: None,
            rerun: rerun.clone(),
        });
    }
    fixes.push(Fix {
        key: 'r',
        label: "sample the clock again".to_string(),
        command: None,
        rerun,
    });
    fixes
}

/// The clock's findings.
pub fn rules(obs: &Observations, clock: &Clock, out: &mut Vec<Finding>) {
    let c = &clock.consensus;
    out.extend(offset_rule(obs, clock));
    bad_servers(obs, c, out);
    out.extend(ntp_unreachable(obs));
    out.extend(clock_unsynced(obs));
}

/// `clock-skew` or `clock-drift`, from the consensus.
fn offset_rule(obs: &Observations, clock: &Clock) -> Option<Finding> {
    let c = &clock.consensus;
    let offset = c.offset?;
    let (code, severity) = clock.verdict?;
    let mut evidence = vec![match c.source {
        TimeSource::HttpsDate => format!(
            "no NTP server answered; the Date headers of {} HTTPS servers agree (at least {HTTPS_DATE_QUORUM} within {} are needed): offset {offset} ({}), good to about one second",
            c.used.len(),
            human_duration(HTTPS_DATE_AGREE),
            offset.describe()
        ),
        TimeSource::Ntp | TimeSource::None => format!(
            "consensus of {} NTP server(s): offset {offset} ({})",
            c.used.len(),
            offset.describe()
        ),
    }];
    if c.source == TimeSource::HttpsDate {
        for &i in &c.used {
            if let Some(h) = obs.targets[i].tls.value().and_then(|r| r.http()) {
                evidence.push(format!(
                    "{}: Date: {}",
                    obs.config.targets[i].name,
                    h.date_raw
                        .as_deref()
                        .map(crate::text::clean)
                        .unwrap_or_default()
                ));
            }
        }
    }
    for &i in c.used.iter().filter(|_| c.source == TimeSource::Ntp) {
        if let Some(Ok(r)) = obs.ntp[i].value() {
            evidence.push(format!(
                "{} ({}): offset {}, round trip {}, stratum {}",
                obs.config.clock.servers[i],
                r.addr,
                r.offset,
                human_duration(r.rtt),
                r.stratum
            ));
        }
    }
    let summary = if code == Code::ClockSkew && offset.magnitude() < SKEW {
        format!(
            "{}: under {} min, but enough to make a certificate look expired or not yet valid",
            capitalise(&offset.describe()),
            SKEW.as_secs() / 60
        )
    } else if code == Code::ClockSkew {
        format!(
            "{}: certificates will look expired or not yet valid",
            capitalise(&offset.describe())
        )
    } else {
        format!(
            "{} (under {} min: TLS still works, but fix it)",
            capitalise(&offset.describe()),
            SKEW.as_secs() / 60
        )
    };
    Some(Finding {
        code,
        severity,
        target: None,
        summary,
        evidence,
        fixes: clock_fixes(obs),
        probes: clock_probes(obs),
    })
}

/// `ntp-bad-server`: servers that disagree with no majority, servers that answered badly,
/// and falsetickers.
fn bad_servers(obs: &Observations, c: &Consensus, out: &mut Vec<Finding>) {
    if c.split {
        let evidence: Vec<String> = c
            .used
            .iter()
            .filter_map(|&i| match obs.ntp[i].value() {
                Some(Ok(r)) => Some(format!(
                    "{}: offset {} ({})",
                    obs.config.clock.servers[i],
                    r.offset,
                    r.offset.describe()
                )),
                _ => None,
            })
            .collect();
        out.push(Finding {
            code: Code::NtpBadServer,
            severity: Severity::Warning,
            target: None,
            summary: "the NTP servers disagree and no majority agrees: the true time is unknown"
                .to_string(),
            evidence,
            fixes: vec![Fix {
                key: 'r',
                label:
                    "ask the servers again (add servers to [clock] servers so a majority can vote)"
                        .to_string(),
                command: None,
                rerun: clock_probes(obs),
            }],
            probes: clock_probes(obs),
        });
    }
    for (i, slot) in obs.ntp.iter().enumerate() {
        let server = &obs.config.clock.servers[i];
        let why = match slot.value() {
            Some(Err(e)) if e.answered() => e.to_string(),
            Some(Ok(r)) if c.falsetickers.contains(&i) => format!(
                "falseticker: offset {} is more than {} from the others' median",
                r.offset,
                human_duration(FALSETICKER)
            ),
            _ => continue,
        };
        out.push(Finding {
            code: Code::NtpBadServer,
            severity: Severity::Warning,
            target: None,
            summary: format!("NTP server {server} gives no trustworthy time: {why}"),
            evidence: vec![
                format!("{server}: {why}"),
                "its answer is left out of the consensus".to_string(),
            ],
            fixes: vec![Fix {
                key: 'r',
                label: "ask this server again".to_string(),
                command: None,
                rerun: vec![ProbeId::Ntp(i)],
            }],
            probes: vec![ProbeId::Ntp(i)],
        });
    }
}

/// `ntp-unreachable`: every server has finished, none answered, and some stayed silent.
fn ntp_unreachable(obs: &Observations) -> Option<Finding> {
    if obs.ntp.is_empty() || obs.ntp.iter().any(|s| s.value().is_none()) {
        return None;
    }
    let results: Vec<&Result<_, NtpError>> = obs.ntp.iter().filter_map(|s| s.value()).collect();
    let silent = results
        .iter()
        .filter(|r| matches!(r, Err(e) if !e.answered()))
        .count();
    if results.iter().any(|r| r.is_ok()) || silent == 0 {
        return None;
    }
    let evidence = results
        .iter()
        .zip(&obs.config.clock.servers)
        .filter_map(|(r, s)| r.as_ref().err().map(|e| format!("{s}: {e}")))
        .collect();
    Some(Finding {
        code: Code::NtpUnreachable,
        severity: Severity::Warning,
        target: None,
        summary: "no NTP server answered: the true time is unknown (UDP 123 may be blocked)"
            .to_string(),
        evidence,
        fixes: vec![Fix {
            key: 'r',
            label: "ask the servers again".to_string(),
            command: None,
            rerun: clock_probes(obs),
        }],
        probes: clock_probes(obs),
    })
}

/// `clock-unsynced`: a sync service answered that it does not keep the clock right.
fn clock_unsynced(obs: &Observations) -> Option<Finding> {
    let sync = obs.sync.value()?;
    if sync.active() != Some(false) {
        return None;
    }
    let fix = match set_ntp(obs) {
        Some(command) => Fix {
            key: 't',
            label: "turn on automatic time sync".to_string(),
            command: Some(command),
            rerun: vec![ProbeId::SyncService],
        },
        None if sync.chrony_running() => Fix {
            key: 'h',
            label: "chrony runs but follows no source: check `chronyc sources` and that UDP 123 gets out, or set the servers in chrony.conf and restart chronyd".to_string(),
            command: None,
            rerun: vec![ProbeId::SyncService],
        },
        None => Fix {
            key: 'h',
            label: by_hand(obs),
            command: None,
            rerun: vec![ProbeId::SyncService],
        },
    };
    Some(Finding {
        code: Code::ClockUnsynced,
        severity: Severity::Warning,
        target: None,
        summary: "no time-sync service keeps this clock right".to_string(),
        evidence: vec![sync.summary()],
        fixes: vec![fix],
        probes: vec![ProbeId::SyncService],
    })
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::{Instant, SystemTime};

    use super::*;
    use crate::config::Config;
    use crate::diagnose::observations::Machine;
    use crate::probe::clock::NtpReply;
    use crate::probe::sync::{ChronyTracking, SyncStatus, Timedatectl, ToolAnswer};
    use crate::probe::{ProbeOutcome, all_probes};

    /// Observations of `n` NTP servers and no targets, every probe started.
    fn model(n: usize) -> Observations {
        let servers: Vec<String> = (0..n)
            .map(|i| format!("\"127.0.0.1:{}\"", 11_000 + i))
            .collect();
        let toml = format!(
            "targets = []\n[clock]\nservers = [{}]\n",
            servers.join(", ")
        );
        let config = Config::from_toml(&toml, Path::new("test.toml")).unwrap();
        let mut m = Observations::new(Arc::new(config), Machine::default());
        let ids = all_probes(&m.config);
        assert_eq!(ids.len(), n + 1);
        for id in ids {
            assert!(m.request(id, Instant::now()));
        }
        m
    }

    fn reply(i: usize, offset_micros: i64) -> NtpReply {
        NtpReply {
            addr: SocketAddr::from(([127, 0, 0, 1], 11_000 + i as u16)),
            offset: Offset::from_micros(offset_micros),
            rtt: Duration::from_micros(300),
            stratum: 2,
            reference_id: "192.0.2.1".to_string(),
            leap: 0,
            precision: -20,
            poll: 6,
            root_delay: Duration::from_millis(1),
            root_dispersion: Duration::from_millis(2),
            reference_time: None,
            server_time: SystemTime::now(),
        }
    }

    fn feed(m: &mut Observations, id: ProbeId, outcome: ProbeOutcome) {
        m.record(
            id,
            outcome,
            SystemTime::now(),
            Duration::from_millis(1),
            Instant::now(),
        );
    }

    fn ntp(m: &mut Observations, i: usize, r: Result<NtpReply, NtpError>) {
        feed(m, ProbeId::Ntp(i), ProbeOutcome::Ntp(r));
    }

    fn sync(
        m: &mut Observations,
        timedatectl: ToolAnswer<Timedatectl>,
        chrony: ToolAnswer<ChronyTracking>,
    ) {
        let status = SyncStatus {
            timedatectl,
            chrony,
        };
        feed(
            m,
            ProbeId::SyncService,
            ProbeOutcome::SyncService(Box::new(status)),
        );
    }

    /// A model whose servers answered with these offsets, and no sync tool installed.
    fn with_offsets(offsets: &[i64]) -> Observations {
        let mut m = model(offsets.len());
        for (i, o) in offsets.iter().enumerate() {
            ntp(&mut m, i, Ok(reply(i, *o)));
        }
        sync(&mut m, ToolAnswer::Absent, ToolAnswer::Absent);
        m
    }

    fn findings(m: &Observations) -> Vec<Finding> {
        crate::diagnose::diagnose(m).findings
    }

    fn codes(m: &Observations) -> Vec<Code> {
        findings(m).iter().map(|f| f.code).collect()
    }

    const SEC: i64 = 1_000_000;

    #[test]
    fn nothing_is_claimed_before_the_answers() {
        let m = model(2);
        assert!(findings(&m).is_empty());
        let c = consensus(&m);
        assert_eq!((c.offset, c.source), (None, TimeSource::None));
    }

    #[test]
    fn the_source_names_are_the_json_ones() {
        for s in [TimeSource::Ntp, TimeSource::HttpsDate, TimeSource::None] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn the_consensus_is_the_median() {
        let c = consensus(&with_offsets(&[3 * SEC, SEC]));
        assert_eq!(c.offset, Some(Offset::from_micros(2 * SEC)));
        assert_eq!(c.source, TimeSource::Ntp);
        assert_eq!(c.used, vec![0, 1]);
        let c = consensus(&with_offsets(&[5, 1, 3]));
        assert_eq!(c.offset, Some(Offset::from_micros(3)));
    }

    #[test]
    fn the_thresholds() {
        for (offset, expect) in [
            (999_999, vec![]),
            (-999_999, vec![]),
            (SEC, vec![Code::ClockDrift]),
            (-90 * SEC, vec![Code::ClockDrift]),
            (300 * SEC - 1, vec![Code::ClockDrift]),
            (300 * SEC, vec![Code::ClockSkew]),
            (-300 * SEC, vec![Code::ClockSkew]),
            (10_800 * SEC, vec![Code::ClockSkew]),
        ] {
            assert_eq!(
                codes(&with_offsets(&[offset])),
                expect,
                "offset {offset} µs"
            );
        }
    }

    #[test]
    fn skew_is_an_error_with_the_servers_as_evidence() {
        let m = with_offsets(&[10_800 * SEC, 10_800 * SEC + 2_000]);
        let all = findings(&m);
        let f = &all[0];
        assert_eq!((f.code, f.severity), (Code::ClockSkew, Severity::Error));
        assert!(
            f.summary.starts_with("Local clock is 3 h 0 m"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence[0].contains("consensus of 2 NTP server(s)"),
            "{:?}",
            f.evidence
        );
        assert!(
            f.evidence[1].contains("127.0.0.1:11000"),
            "{:?}",
            f.evidence
        );
        assert!(
            f.evidence[2].contains("127.0.0.1:11001"),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            f.probes,
            vec![ProbeId::Ntp(0), ProbeId::Ntp(1), ProbeId::SyncService]
        );
    }

    #[test]
    fn a_falseticker_among_three_is_voted_out() {
        let m = with_offsets(&[0, 2_000, 10 * SEC]);
        let c = consensus(&m);
        assert_eq!(c.used, vec![0, 1]);
        assert_eq!(c.falsetickers, vec![2]);
        assert_eq!(c.offset, Some(Offset::from_micros(1_000)));
        assert_eq!(codes(&m), vec![Code::NtpBadServer]);
        assert!(findings(&m)[0].summary.contains("127.0.0.1:11002"));
        assert!(findings(&m)[0].evidence[0].contains("falseticker"));
    }

    #[test]
    fn two_servers_that_disagree_cannot_outvote_each_other() {
        let m = with_offsets(&[0, 10 * SEC]);
        let c = consensus(&m);
        assert!(c.falsetickers.is_empty());
        // Neither is voted out, and their midpoint is a time nobody gave: none is claimed.
        assert!(c.split);
        assert_eq!(c.offset, None);
        assert_eq!(codes(&m), vec![Code::NtpBadServer]);
    }

    #[test]
    fn without_a_majority_no_time_is_claimed() {
        // Two camps of two: the median sits between them and agrees with nobody.
        let m = with_offsets(&[0, 0, 10 * SEC, 10 * SEC]);
        let c = consensus(&m);
        assert!(c.split && c.falsetickers.is_empty(), "{c:?}");
        assert_eq!(c.used, vec![0, 1, 2, 3]);
        assert_eq!(c.offset, None);
        assert_eq!(codes(&m), vec![Code::NtpBadServer]);
        assert!(findings(&m)[0].summary.contains("disagree"));
        assert_eq!(findings(&m)[0].evidence.len(), 4);
        // Three camps of one: the same.
        let c = consensus(&with_offsets(&[0, 5 * SEC, 10 * SEC]));
        assert!(c.split && c.offset.is_none(), "{c:?}");
        // Two servers three hours apart: which one is right cannot be told.
        let c = consensus(&with_offsets(&[0, 3 * 3600 * SEC]));
        assert!(c.split && c.offset.is_none(), "{c:?}");
        // Two servers a second apart agree: their midpoint.
        let c = consensus(&with_offsets(&[0, SEC]));
        assert!(!c.split);
        assert_eq!(c.offset, Some(Offset::from_micros(SEC / 2)));
    }

    #[test]
    fn bad_answers_are_bad_servers_and_stay_out_of_the_consensus() {
        let mut m = model(3);
        ntp(&mut m, 0, Ok(reply(0, 200 * SEC)));
        ntp(&mut m, 1, Err(NtpError::KissOfDeath("DENY".to_string())));
        ntp(&mut m, 2, Err(NtpError::WrongOrigin));
        sync(&mut m, ToolAnswer::Absent, ToolAnswer::Absent);
        assert_eq!(consensus(&m).used, vec![0]);
        assert_eq!(
            codes(&m),
            vec![Code::ClockDrift, Code::NtpBadServer, Code::NtpBadServer]
        );
        let all = findings(&m);
        let bad: Vec<&Finding> = all
            .iter()
            .filter(|f| f.code == Code::NtpBadServer)
            .collect();
        assert!(
            bad[0].evidence[0].contains("kiss-o'-death DENY"),
            "{:?}",
            bad[0].evidence
        );
        assert_eq!(bad[0].probes, vec![ProbeId::Ntp(1)]);
        assert!(
            bad[1].evidence[0].contains("origin timestamp"),
            "{:?}",
            bad[1].evidence
        );
    }

    #[test]
    fn unreachable_only_when_every_server_has_finished_and_none_answered() {
        let mut m = model(2);
        ntp(&mut m, 0, Err(NtpError::Timeout(Duration::from_secs(2))));
        assert!(codes(&m).is_empty(), "server 1 is still running");
        ntp(
            &mut m,
            1,
            Err(NtpError::Refused(SocketAddr::from((
                [127, 0, 0, 1],
                11_001,
            )))),
        );
        assert_eq!(codes(&m), vec![Code::NtpUnreachable]);
        let all = findings(&m);
        let f = &all[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.evidence.len(), 2);
        assert!(
            f.evidence[0].starts_with("127.0.0.1:11000: no reply"),
            "{:?}",
            f.evidence
        );
        assert!(f.evidence[1].contains("refused"), "{:?}", f.evidence);

        // One good answer is enough to know the time.
        ntp(&mut m, 1, Ok(reply(1, 0)));
        assert!(codes(&m).is_empty());
    }

    #[test]
    fn servers_that_all_refuse_to_serve_are_bad_not_unreachable() {
        let mut m = model(2);
        ntp(&mut m, 0, Err(NtpError::KissOfDeath("RATE".to_string())));
        ntp(&mut m, 1, Err(NtpError::Unsynchronised));
        assert_eq!(codes(&m), vec![Code::NtpBadServer, Code::NtpBadServer]);

        let mut m = model(2);
        ntp(&mut m, 0, Err(NtpError::BadStratum(16)));
        ntp(
            &mut m,
            1,
            Err(NtpError::Dns(
                "\"nonexistent.invalid\": not known".to_string(),
            )),
        );
        assert_eq!(codes(&m), vec![Code::NtpUnreachable, Code::NtpBadServer]);
    }

    #[test]
    fn no_servers_no_claims() {
        let mut m = model(0);
        sync(&mut m, ToolAnswer::Absent, ToolAnswer::Absent);
        assert!(findings(&m).is_empty());
        assert_eq!(consensus(&m).source, TimeSource::None);
    }

    #[test]
    fn an_inactive_sync_service_is_clock_unsynced() {
        let mut m = with_offsets(&[0]);
        assert!(codes(&m).is_empty(), "absent tools say nothing");
        sync(
            &mut m,
            ToolAnswer::Answered(Timedatectl {
                ntp: Some(false),
                synchronized: Some(false),
            }),
            ToolAnswer::Failed("506 Cannot talk to daemon".to_string()),
        );
        assert_eq!(codes(&m), vec![Code::ClockUnsynced]);
        let all = findings(&m);
        let f = &all[0];
        assert!(f.evidence[0].contains("NTP no"), "{:?}", f.evidence);
        assert_eq!(
            f.fixes[0].command,
            Some(vec![
                "sudo".to_string(),
                "timedatectl".to_string(),
                "set-ntp".to_string(),
                "true".to_string()
            ])
        );

        sync(
            &mut m,
            ToolAnswer::Failed("System has not been booted with systemd".to_string()),
            ToolAnswer::Failed("506 Cannot talk to daemon".to_string()),
        );
        assert!(codes(&m).is_empty(), "failing tools say nothing");

        sync(
            &mut m,
            ToolAnswer::Absent,
            ToolAnswer::Answered(ChronyTracking {
                reference: "00000000".to_string(),
                stratum: 0,
                leap_status: "Not synchronised".to_string(),
                system_time: String::new(),
            }),
        );
        assert_eq!(codes(&m), vec![Code::ClockUnsynced]);
        let fixes = &findings(&m)[0].fixes;
        assert_eq!(fixes.len(), 1, "{fixes:?}");
        assert!(
            fixes[0].command.is_none() && fixes[0].label.contains("chronyc sources"),
            "no timedatectl to switch on: advice for chrony: {fixes:?}"
        );
    }

    fn keys_and_commands(m: &Observations) -> Vec<(char, Option<Vec<String>>)> {
        findings(m)[0]
            .fixes
            .iter()
            .map(|f| (f.key, f.command.clone()))
            .collect()
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_command_is_offered_only_where_its_program_is_installed() {
        use crate::diagnose::observations::Programs;
        // Before the sync check has run, timedatectl is offered where it is installed...
        let mut m = model(1);
        ntp(&mut m, 0, Ok(reply(0, 10_800 * SEC)));
        m.machine.programs = Programs::found(["sudo", "timedatectl"]);
        assert_eq!(
            keys_and_commands(&m),
            vec![
                ('t', Some(argv(&["sudo", "timedatectl", "set-ntp", "true"]))),
                ('r', None)
            ]
        );
        // ...and not where it is not: setting the time by hand instead.
        m.machine.programs = Programs::found(["sudo"]);
        let keys = keys_and_commands(&m);
        assert_eq!(keys, vec![('h', None), ('r', None)]);
        assert!(
            findings(&m)[0].fixes[0].label.contains("date -u -s"),
            "{:?}",
            findings(&m)[0].fixes
        );
        // Without sudo, only root can run it.
        m.machine.programs = Programs::found(["timedatectl", "chronyc"]);
        assert_eq!(keys_and_commands(&m), vec![('h', None), ('r', None)]);
        assert!(
            findings(&m)[0].fixes[0]
                .label
                .starts_with("sudo is not installed and this is not root: as root, run `timedatectl set-ntp true`"),
            "{:?}",
            findings(&m)[0].fixes
        );
        m.machine.is_root = true;
        assert_eq!(
            keys_and_commands(&m),
            vec![
                ('t', Some(argv(&["timedatectl", "set-ntp", "true"]))),
                ('r', None)
            ]
        );
        // chronyd answers, but chronyc is gone from PATH since: no makestep.
        sync(
            &mut m,
            ToolAnswer::Absent,
            ToolAnswer::Answered(ChronyTracking {
                reference: "7F7F0101".to_string(),
                stratum: 8,
                leap_status: "Normal".to_string(),
                system_time: String::new(),
            }),
        );
        m.machine.programs = Programs::found(["sudo", "timedatectl"]);
        assert_eq!(keys_and_commands(&m), vec![('h', None), ('r', None)]);
    }

    #[test]
    fn a_sync_tool_that_cannot_operate_gets_no_command() {
        use crate::diagnose::observations::Programs;
        let mut m = with_offsets(&[10_800 * SEC]);
        m.machine.programs = Programs::found(["sudo", "timedatectl", "chronyc"]);
        sync(
            &mut m,
            ToolAnswer::Failed(
                "System has not been booted with systemd as init system (PID 1). Can't operate."
                    .to_string(),
            ),
            ToolAnswer::Failed("506 Cannot talk to daemon".to_string()),
        );
        assert_eq!(codes(&m), vec![Code::ClockSkew]);
        assert_eq!(keys_and_commands(&m), vec![('h', None), ('r', None)]);
        let label = &findings(&m)[0].fixes[0].label;
        assert!(
            label.starts_with("no sync service answers here: set the time by hand"),
            "{label}"
        );
    }

    #[test]
    fn a_certificate_the_clock_breaks_makes_a_drift_a_skew() {
        let mut clock = Clock::of(&with_offsets(&[180 * SEC]));
        assert_eq!(clock.verdict, Some((Code::ClockDrift, Severity::Warning)));
        clock.explains_a_certificate();
        assert_eq!(clock.verdict, Some((Code::ClockSkew, Severity::Error)));
        // A clock that is right stays right.
        let mut fine = Clock::of(&with_offsets(&[0]));
        fine.explains_a_certificate();
        assert_eq!(fine.verdict, None);
    }

    #[test]
    fn the_fixes_follow_the_machine() {
        let mut m = with_offsets(&[10_800 * SEC]);
        let keys: Vec<char> = findings(&m)[0].fixes.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!['h', 'r'], "no sync tool answers: set it by hand");
        assert!(findings(&m)[0].fixes[0].command.is_none());

        sync(
            &mut m,
            ToolAnswer::Answered(Timedatectl {
                ntp: Some(false),
                synchronized: Some(false),
            }),
            ToolAnswer::Absent,
        );
        let keys: Vec<char> = findings(&m)[0].fixes.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!['t', 'r'], "timedatectl answers: switch NTP on");

        sync(
            &mut m,
            ToolAnswer::Absent,
            ToolAnswer::Answered(ChronyTracking {
                reference: "7F7F0101".to_string(),
                stratum: 8,
                leap_status: "Normal".to_string(),
                system_time: String::new(),
            }),
        );
        let all = findings(&m);
        let f = &all[0];
        let keys: Vec<char> = f.fixes.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!['m', 'r'], "chrony runs and is synced: step it");
        assert_eq!(
            f.fixes[0].command.as_deref(),
            Some(
                &[
                    "sudo".to_string(),
                    "chronyc".to_string(),
                    "makestep".to_string()
                ][..]
            )
        );
        assert!(f.fixes[0].rerun.contains(&ProbeId::Ntp(0)));

        let mut root = m.clone();
        root.machine.is_root = true;
        assert_eq!(
            findings(&root)[0].fixes[0].command,
            Some(vec!["chronyc".to_string(), "makestep".to_string()])
        );
    }
}
