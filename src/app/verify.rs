//! Did it work? A fix or a re-run is a before and an after: the findings and the failing
//! targets when it began, compared with those when every check it re-ran has ended. Each
//! finding comes out resolved, still failing, changed or new, and the run goes into a short
//! history that the history window and the export show.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use crate::diagnose::{Code, Derived, Finding, Observations, Severity};
use crate::probe::clock::Offset;
use crate::probe::{self, ProbeId};
use crate::text::{human_duration, shell_join};

/// How many finished runs the history keeps.
pub const RUNS_KEPT: usize = 50;

/// How long the title says what the last run changed.
pub const OUTCOME_SHOWN_FOR: Duration = Duration::from_secs(30);

/// A finding's identity from one run to the next: its code and its target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    pub code: Code,
    pub target: Option<String>,
}

impl FindingKey {
    pub fn of(f: &Finding) -> Self {
        FindingKey {
            code: f.code,
            target: f.target.clone(),
        }
    }

    /// "clock-skew" or "cert-expired (expired)".
    pub fn describe(&self) -> String {
        match &self.target {
            Some(t) => format!("{} ({t})", self.code),
            None => self.code.to_string(),
        }
    }
}

/// A finding as a snapshot keeps it: its identity, severity, summary, and the checks that
/// re-run it.
pub type Noted = (FindingKey, Severity, String, Vec<ProbeId>);

/// What the findings and targets were at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub findings: Vec<Noted>,
    /// The names of the targets that fail (a handshake a client would refuse).
    pub failing: BTreeSet<String>,
    pub offset: Option<Offset>,
}

impl Snapshot {
    pub fn of(obs: &Observations, derived: &Derived) -> Self {
        let failing = derived
            .targets
            .iter()
            .zip(&obs.config.targets)
            .filter(|(v, _)| v.failing())
            .map(|(_, t)| t.name.clone())
            .collect();
        Snapshot {
            findings: derived
                .findings
                .iter()
                .map(|f| {
                    (
                        FindingKey::of(f),
                        f.severity,
                        f.summary.clone(),
                        f.probes.clone(),
                    )
                })
                .collect(),
            failing,
            offset: derived.clock.consensus.offset,
        }
    }

    fn get(&self, key: &FindingKey) -> Option<&Noted> {
        self.findings.iter().find(|(k, ..)| k == key)
    }
}

/// How a finding fares after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Resolved,
    Changed,
    StillFailing,
    New,
}

impl ChangeKind {
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Resolved => "resolved",
            ChangeKind::Changed => "changed",
            ChangeKind::StillFailing => "still failing",
            ChangeKind::New => "new",
        }
    }

    /// A symbol that reads without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeKind::Resolved => "✓",
            ChangeKind::Changed => "~",
            ChangeKind::StillFailing => "=",
            ChangeKind::New => "+",
        }
    }
}

/// One finding's fate: its summary before (when it was there) and after (when it still is).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: FindingKey,
    pub kind: ChangeKind,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What the user ran: a fix command or a re-run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct What {
    /// "fix: turn on network time sync" or "re-run: every check".
    pub label: String,
    /// The command, for a fix.
    pub command: Option<Vec<String>>,
}

impl What {
    /// The command it ran, or its label.
    pub fn short(&self) -> String {
        match &self.command {
            Some(argv) => shell_join(argv),
            None => self.label.clone(),
        }
    }
}

/// A fix or re-run whose checks have not all ended yet.
#[derive(Debug, Clone)]
pub struct Pending {
    pub what: What,
    /// When it began (local wall clock, and monotonic).
    pub began_at: SystemTime,
    pub began: Instant,
    pub before: Snapshot,
    /// The checks it waits for (a target's lookup stands for the checks it starts).
    pub probes: Vec<ProbeId>,
    /// The fix command's exit status or why it could not run; `None` before it has run.
    pub exit: Option<Result<i32, String>>,
    /// Its command still runs in the terminal: the re-run has not started.
    pub command_running: bool,
}

impl Pending {
    pub fn new(
        what: What,
        obs: &Observations,
        derived: &Derived,
        wall: SystemTime,
        now: Instant,
    ) -> Self {
        let command_running = what.command.is_some();
        Pending {
            what,
            began_at: wall,
            began: now,
            before: Snapshot::of(obs, derived),
            probes: Vec::new(),
            exit: None,
            command_running,
        }
    }

    /// Adds `ids` to what it waits for: with a target's lookup, every check it starts.
    pub fn wait_for(&mut self, obs: &Observations, ids: &[ProbeId]) {
        for id in ids {
            let more = match id {
                ProbeId::Dns(i) => probe::of_target(&obs.config.targets, *i),
                other => vec![*other],
            };
            for m in more {
                if !self.probes.contains(&m) {
                    self.probes.push(m);
                }
            }
        }
    }

    /// Whether every check it re-ran has ended (none runs or waits to).
    pub fn settled(&self, obs: &Observations) -> bool {
        !self.command_running && !self.probes.iter().any(|id| obs.is_pending(*id))
    }

    /// The outcome, against the observations now.
    pub fn finish(
        self,
        obs: &Observations,
        derived: &Derived,
        wall: SystemTime,
        now: Instant,
    ) -> Outcome {
        let after = Snapshot::of(obs, derived);
        let changes = compare(&self.before, &after, &self.probes);
        let recovered: Vec<String> = self
            .before
            .failing
            .difference(&after.failing)
            .cloned()
            .collect();
        let summary = summarise(self.exit.as_ref(), &changes, &recovered, &after);
        Outcome {
            what: self.what,
            began_at: self.began_at,
            ended_at: wall,
            ended: now,
            took: now.saturating_duration_since(self.began),
            exit: self.exit,
            changes,
            recovered,
            summary,
        }
    }
}

/// A finished fix or re-run, as the history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub what: What,
    pub began_at: SystemTime,
    pub ended_at: SystemTime,
    /// When it ended, on the monotonic clock.
    pub ended: Instant,
    pub took: Duration,
    pub exit: Option<Result<i32, String>>,
    /// Every finding before or after, resolved ones first.
    pub changes: Vec<Change>,
    /// The targets that failed before and do not now.
    pub recovered: Vec<String>,
    /// What changed, in one line: "clock fixed: now 0.2 s off; 3 targets recovered".
    pub summary: String,
}

impl Outcome {
    /// What changed and after what: "clock fixed: now 0.2 s off (after timedatectl set-ntp
    /// true)".
    pub fn headline(&self) -> String {
        format!("{} (after {})", self.summary, self.what.short())
    }

    /// How finding `key` fared, when it is still there.
    pub fn change_of(&self, key: &FindingKey) -> Option<ChangeKind> {
        self.changes
            .iter()
            .find(|c| &c.key == key && c.kind != ChangeKind::Resolved)
            .map(|c| c.kind)
    }

    /// How many findings fared as `kind`.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }

    /// The exit status in words, for a fix.
    pub fn exit_words(&self) -> Option<String> {
        self.exit.as_ref().map(exit_words)
    }
}

/// "exit status 0", or why the command could not run.
pub fn exit_words(exit: &Result<i32, String>) -> String {
    match exit {
        Ok(code) => format!("exit status {code}"),
        Err(e) => format!("could not run: {e}"),
    }
}

/// Each finding's fate from `before` to `after`, among those the checks `rerun` bear on (a
/// finding that came or went counts whatever its checks): resolved first, then changed,
/// still failing and new, each in the order the findings were listed.
pub fn compare(before: &Snapshot, after: &Snapshot, rerun: &[ProbeId]) -> Vec<Change> {
    let bears_on = |probes: &[ProbeId]| probes.iter().any(|p| rerun.contains(p));
    let mut changes = Vec::new();
    for (key, _, summary, probes) in &before.findings {
        let kind = match after.get(key) {
            None => ChangeKind::Resolved,
            Some(_) if !bears_on(probes) => continue,
            Some((_, _, now, _)) if now != summary => ChangeKind::Changed,
            Some(_) => ChangeKind::StillFailing,
        };
        changes.push(Change {
            key: key.clone(),
            kind,
            before: Some(summary.clone()),
            after: after.get(key).map(|(_, _, s, _)| s.clone()),
        });
    }
    for (key, _, summary, _) in &after.findings {
        if before.get(key).is_none() {
            changes.push(Change {
                key: key.clone(),
                kind: ChangeKind::New,
                before: None,
                after: Some(summary.clone()),
            });
        }
    }
    changes.sort_by_key(|c| c.kind);
    changes
}

/// What changed, in one line.
fn summarise(
    exit: Option<&Result<i32, String>>,
    changes: &[Change],
    recovered: &[String],
    after: &Snapshot,
) -> String {
    let mut parts = Vec::new();
    if let Some(Err(e)) = exit {
        parts.push(format!("the fix could not run ({e})"));
    } else if let Some(Ok(code @ 1..)) = exit {
        parts.push(format!("the fix exited with status {code}"));
    }
    let resolved: Vec<&Change> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Resolved)
        .collect();
    if resolved.iter().any(|c| c.key.code == Code::ClockSkew) {
        match after.offset {
            Some(o) => parts.push(format!(
                "clock fixed: now {} off",
                human_duration(o.magnitude())
            )),
            None => parts.push("clock fixed".to_string()),
        }
    }
    let others: Vec<String> = resolved
        .iter()
        .filter(|c| c.key.code != Code::ClockSkew)
        .map(|c| c.key.describe())
        .collect();
    match others.len() {
        0 => {}
        1..=2 => parts.push(format!("{} resolved", others.join(", "))),
        n => parts.push(format!("{} and {} more resolved", others[0], n - 1)),
    }
    match recovered.len() {
        0 => {}
        1 => parts.push(format!("{} recovered", recovered[0])),
        n => parts.push(format!("{n} targets recovered")),
    }
    let new = changes.iter().filter(|c| c.kind == ChangeKind::New).count();
    if new > 0 {
        parts.push(format!(
            "{new} new finding{}",
            if new == 1 { "" } else { "s" }
        ));
    }
    let still = changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::StillFailing | ChangeKind::Changed))
        .count();
    if resolved.is_empty() && recovered.is_empty() {
        match changes.iter().find(|c| c.kind != ChangeKind::New) {
            Some(c) => parts.push(format!(
                "{} still failing{}",
                c.key.describe(),
                if still > 1 {
                    format!(" (and {} more)", still - 1)
                } else {
                    String::new()
                }
            )),
            None if new == 0 => parts.push("the checks it re-ran found nothing wrong".to_string()),
            None => {}
        }
    } else if still > 0 {
        parts.push(format!("{still} still failing"));
    }
    parts.join("; ")
}
