//! Everything the screen and the reports are drawn from: the observations, what is derived
//! from them, and the state of the view.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::verify::{FindingKey, Outcome, Pending};
use crate::config::Config;
use crate::diagnose::{Derived, Finding, Machine, Observations};
use crate::probe::ProbeId;
use crate::probe::clock::Offset;

/// How many consensus offsets the sparkline keeps.
pub const HISTORY_LEN: usize = 240;

/// The five panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Clock,
    Handshakes,
    Reach,
    Findings,
    Machine,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Clock,
        Pane::Handshakes,
        Pane::Reach,
        Pane::Findings,
        Pane::Machine,
    ];

    /// Its place in [`Pane::ALL`].
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Clock => "Clock",
            Pane::Handshakes => "Handshakes",
            Pane::Reach => "Reachability",
            Pane::Findings => "Findings",
            Pane::Machine => "This machine",
        }
    }

    #[must_use]
    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    #[must_use]
    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }
}

/// A window over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The details of the selected row of a pane.
    Details(Pane),
    /// The fixes of the selected finding; `selected` is the highlighted fix.
    Fixes {
        selected: usize,
    },
    /// A fix that runs a command, waiting for y/n.
    Confirm {
        fix: usize,
    },
    /// What ran in this session and what it changed.
    History,
}

/// Facts about the terminal session, read once at start (the machine's own facts are
/// [`Machine`], part of the observations).
// Independent switches from the command line, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub log_path: Option<PathBuf>,
    pub color: bool,
    /// Clicks and the wheel come to the dashboard (off with `--no-mouse`).
    pub mouse: bool,
    /// The terminal's background is light (`--theme light`, or from `COLORFGBG`).
    pub light: bool,
    /// `e` writes a redacted support bundle (`--redact`).
    pub redact: bool,
}

/// The whole state of a session.
#[derive(Debug, Clone)]
pub struct Model {
    /// What the probes saw, the config, and facts about the machine.
    pub obs: Observations,
    /// What the diagnosis derived from `obs`; brought up to date after every update.
    pub derived: Derived,
    pub env: Env,
    /// The runtime's last reading of the monotonic clock.
    pub now: Instant,
    /// The local wall clock at `now` (it may be wrong: that is what we check).
    pub wall: SystemTime,
    /// The consensus offset after each complete round, oldest first.
    pub history: VecDeque<Offset>,
    pub last_round: Option<Instant>,
    pub paused: bool,
    pub focus: Pane,
    pub selected: [usize; Pane::ALL.len()],
    pub overlay: Option<Overlay>,
    /// How many lines the help or details window is scrolled down (the view clamps it to the
    /// text).
    pub overlay_scroll: u16,
    /// A short message for the footer and when it was set.
    pub flash: Option<(String, Instant)>,
    /// The fix or re-run whose checks have not all ended.
    pub pending: Option<Pending>,
    /// The fixes and re-runs that ended, oldest first (at most [`super::verify::RUNS_KEPT`]).
    pub runs: Vec<Outcome>,
    /// The selected finding, so the selection follows it when the list reorders.
    selected_finding: Option<FindingKey>,
    /// The user moved the Findings selection: it follows their finding from then on. Until
    /// then it stays on the first, the headline, as findings arrive above it.
    finding_chosen: bool,
    /// The last click, for telling a double click.
    pub last_click: Option<(super::mouse::Hit, Instant)>,
}

impl Model {
    pub fn new(
        config: Arc<Config>,
        machine: Machine,
        env: Env,
        now: Instant,
        wall: SystemTime,
    ) -> Self {
        Model::from_observations(Observations::new(config, machine), env, now, wall)
    }

    /// A model over observations already made (the headless run's).
    pub fn from_observations(obs: Observations, env: Env, now: Instant, wall: SystemTime) -> Self {
        let derived = crate::diagnose::diagnose(&obs);
        Model {
            obs,
            derived,
            env,
            now,
            wall,
            history: VecDeque::new(),
            last_round: None,
            paused: false,
            focus: Pane::Clock,
            selected: [0; Pane::ALL.len()],
            overlay: None,
            overlay_scroll: 0,
            flash: None,
            pending: None,
            runs: Vec::new(),
            selected_finding: None,
            finding_chosen: false,
            last_click: None,
        }
    }

    /// The config the session runs with.
    pub fn config(&self) -> &Config {
        &self.obs.config
    }

    /// The findings, worst first.
    pub fn findings(&self) -> &[Finding] {
        &self.derived.findings
    }

    /// Brings what is derived up to date with the observations (only what changed is redone).
    /// A finding the user selected stays selected wherever the list moves it (when it is gone,
    /// the selection stays at its place); until they choose one, the selection stays on the
    /// first, the headline.
    pub fn refresh(&mut self) {
        self.derived.refresh(&self.obs);
        let rows = self.rows(Pane::Findings);
        if !self.finding_chosen {
            self.selected[Pane::Findings.index()] = 0;
            self.remember_selected_finding();
            return;
        }
        let found = self.selected_finding.as_ref().and_then(|key| {
            self.derived
                .findings
                .iter()
                .position(|f| FindingKey::of(f) == *key)
        });
        let sel = &mut self.selected[Pane::Findings.index()];
        *sel = found.unwrap_or(*sel).min(rows.saturating_sub(1));
        self.remember_selected_finding();
    }

    /// Notes which finding is selected.
    fn remember_selected_finding(&mut self) {
        self.selected_finding = self.selected_finding().map(FindingKey::of);
    }

    /// Notes that the user moved the Findings selection: it follows their finding from now on.
    pub fn finding_chosen(&mut self) {
        self.finding_chosen = true;
        self.remember_selected_finding();
    }

    /// Selects finding `i` of the list, as the user's choice.
    pub fn select_finding(&mut self, i: usize) {
        self.selected[Pane::Findings.index()] = i;
        self.finding_chosen();
    }

    /// The last fix or re-run that ended.
    pub fn last_run(&self) -> Option<&Outcome> {
        self.runs.last()
    }

    /// How many rows a pane lists.
    pub fn rows(&self, pane: Pane) -> usize {
        match pane {
            Pane::Clock => self.obs.ntp.len(),
            Pane::Handshakes | Pane::Reach => self.obs.targets.len(),
            Pane::Findings => self.derived.findings.len(),
            Pane::Machine => self.derived.machine.as_ref().map_or(0, |m| m.parts.len()),
        }
    }

    /// The selected row of `pane` (clamped).
    pub fn selection(&self, pane: Pane) -> usize {
        self.selected[pane.index()].min(self.rows(pane).saturating_sub(1))
    }

    /// The finding under the cursor in the Findings pane.
    pub fn selected_finding(&self) -> Option<&Finding> {
        self.derived.findings.get(self.selection(Pane::Findings))
    }

    /// Whether probe `id` is running now.
    pub fn is_running(&self, id: ProbeId) -> bool {
        self.obs.is_running(id)
    }

    /// Whether every probe has finished and none is queued.
    pub fn idle(&self) -> bool {
        self.obs.idle()
    }

    /// How many probes are running now.
    pub fn running(&self) -> usize {
        self.obs.running()
    }

    /// Whether target `i` is an alternative server that has not been tried.
    pub fn untried_alternative(&self, i: usize) -> bool {
        self.obs.untried_alternative(i)
    }
}
