//! The clock: the consensus offset and `clock-skew`, `clock-drift`, `clock-unsynced`,
//! `ntp-unreachable`, `ntp-bad-server`.

use std::time::Duration;

use serde::Serialize;

use super::{Code, Finding, Fix, Severity, privileged};
use crate::app::Model;
use crate::probe::ProbeId;
use crate::probe::clock::{NtpError, Offset, human_duration};

/// At or above this the clock is wrong enough to break certificates: `clock-skew`.
pub const SKEW: Duration = Duration::from_secs(5 * 60);
/// At or above this (and below [`SKEW`]) the clock drifts: `clock-drift`.
pub const DRIFT: Duration = Duration::from_secs(1);
/// With three or more servers, one further than this from the median is a falseticker.
pub const FALSETICKER: Duration = Duration::from_secs(1);

/// Where the consensus time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeSource {
    Ntp,
    HttpsDate,
    None,
}

/// The clock's verdict from the samples at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consensus {
    /// The median offset of the good samples, falsetickers voted out.
    pub offset: Option<Offset>,
    pub source: TimeSource,
    /// Indexes of the servers whose samples made the consensus.
    pub used: Vec<usize>,
    /// Indexes of servers that answered but disagree with the others.
    pub falsetickers: Vec<usize>,
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

/// The consensus of the NTP samples in `model`.
pub fn consensus(model: &Model) -> Consensus {
    let good: Vec<(usize, Offset)> = model
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
        return Consensus {
            offset: None,
            source: TimeSource::None,
            used: Vec::new(),
            falsetickers: Vec::new(),
        };
    };
    let limit = FALSETICKER.as_micros() as i64;
    let (used, falsetickers): (Vec<_>, Vec<_>) = if good.len() >= 3 {
        good.iter()
            .partition(|(_, o)| (o.as_micros() - mid).abs() <= limit)
    } else {
        (good.iter().collect(), Vec::new())
    };
    let mut kept: Vec<i64> = used.iter().map(|(_, o)| o.as_micros()).collect();
    let offset = median(&mut kept).map(Offset::from_micros);
    Consensus {
        offset,
        source: TimeSource::Ntp,
        used: used.iter().map(|(i, _)| *i).collect(),
        falsetickers: falsetickers.iter().map(|(i, _)| *i).collect(),
    }
}

/// The checks a clock fix should re-run.
fn clock_probes(model: &Model) -> Vec<ProbeId> {
    let mut ids: Vec<ProbeId> = (0..model.ntp.len()).map(ProbeId::Ntp).collect();
    ids.push(ProbeId::SyncService);
    ids
}

/// The fixes for a wrong clock, given what this machine has.
fn clock_fixes(model: &Model) -> Vec<Fix> {
    let rerun = clock_probes(model);
    let sync = model.sync.value();
    let mut fixes = Vec::new();
    if sync.is_some_and(|s| s.chrony_running()) {
        fixes.push(Fix {
            key: 'm',
            label: "step the clock now with chrony".to_string(),
            command: Some(privileged(model.env.is_root, &["chronyc", "makestep"])),
            rerun: rerun.clone(),
        });
    }
    if sync.is_none_or(|s| s.active() != Some(true) || s.has_timedatectl()) {
        fixes.push(Fix {
            key: 't',
            label: "turn on automatic time sync (systemd-timesyncd or chrony)".to_string(),
            command: Some(privileged(
                model.env.is_root,
                &["timedatectl", "set-ntp", "true"],
            )),
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

pub fn rules(model: &Model, out: &mut Vec<Finding>) {
    let c = consensus(model);
    offset_rule(model, &c, out);
    bad_servers(model, &c, out);
    unreachable(model, out);
    unsynced(model, out);
}

fn offset_rule(model: &Model, c: &Consensus, out: &mut Vec<Finding>) {
    let Some(offset) = c.offset else { return };
    let size = offset.magnitude();
    let (code, severity) = if size >= SKEW {
        (Code::ClockSkew, Severity::Error)
    } else if size >= DRIFT {
        (Code::ClockDrift, Severity::Warning)
    } else {
        return;
    };
    let mut evidence = vec![format!(
        "consensus of {} NTP server(s): offset {offset} ({})",
        c.used.len(),
        offset.describe()
    )];
    for &i in &c.used {
        if let Some(Ok(r)) = model.ntp[i].value() {
            evidence.push(format!(
                "{} ({}): offset {}, round trip {}, stratum {}",
                model.config.clock.servers[i],
                r.addr,
                r.offset,
                human_duration(r.rtt),
                r.stratum
            ));
        }
    }
    let summary = if code == Code::ClockSkew {
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
    out.push(Finding {
        code,
        severity,
        target: None,
        summary,
        evidence,
        fixes: clock_fixes(model),
        probes: clock_probes(model),
    });
}

fn bad_servers(model: &Model, c: &Consensus, out: &mut Vec<Finding>) {
    for (i, slot) in model.ntp.iter().enumerate() {
        let server = &model.config.clock.servers[i];
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

fn unreachable(model: &Model, out: &mut Vec<Finding>) {
    if model.ntp.is_empty() || model.ntp.iter().any(|s| s.value().is_none()) {
        return;
    }
    let results: Vec<&Result<_, NtpError>> = model.ntp.iter().filter_map(|s| s.value()).collect();
    let silent = results
        .iter()
        .filter(|r| matches!(r, Err(e) if !e.answered()))
        .count();
    if results.iter().any(|r| r.is_ok()) || silent == 0 {
        return;
    }
    let evidence = results
        .iter()
        .zip(&model.config.clock.servers)
        .filter_map(|(r, s)| r.as_ref().err().map(|e| format!("{s}: {e}")))
        .collect();
    out.push(Finding {
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
            rerun: clock_probes(model),
        }],
        probes: clock_probes(model),
    });
}

fn unsynced(model: &Model, out: &mut Vec<Finding>) {
    let Some(sync) = model.sync.value() else {
        return;
    };
    if sync.active() != Some(false) {
        return;
    }
    let mut fixes = Vec::new();
    if sync.has_timedatectl() {
        fixes.push(Fix {
            key: 't',
            label: "turn on automatic time sync".to_string(),
            command: Some(privileged(
                model.env.is_root,
                &["timedatectl", "set-ntp", "true"],
            )),
            rerun: vec![ProbeId::SyncService],
        });
    }
    out.push(Finding {
        code: Code::ClockUnsynced,
        severity: Severity::Warning,
        target: None,
        summary: "no time-sync service keeps this clock right".to_string(),
        evidence: vec![sync.summary()],
        fixes,
        probes: vec![ProbeId::SyncService],
    });
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}
