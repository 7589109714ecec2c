//! `update`: the only place the model changes.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keys::{self, Action, Mode};
use super::model::{HISTORY_LEN, Model, Overlay, Pane};
use super::mouse::{self, Mouse, Step};
use super::msg::{Effect, FixRun, Msg};
use super::verify::{self, FindingKey, Pending, What};
use crate::diagnose::{Code, Finding, Fix, TargetVerdict};
use crate::probe::slot::Slot;
use crate::probe::{self, ProbeId};
use crate::text::shell_join;

/// How long a footer message stays.
const FLASH_FOR: Duration = Duration::from_secs(6);
/// How many lines PgUp/PgDn scroll the help or details window: half of its height at 80x24,
/// so a page keeps some context on every screen size.
pub const PAGE: u16 = 10;

/// How often time moves the screen while something runs (spinners, elapsed times).
pub const ANIMATE: Duration = Duration::from_millis(250);

/// When the model next needs a [`Msg::Tick`]: soon while something runs (the spinners), when
/// the footer message expires, when the clock is due to be sampled again. `None`: nothing
/// changes with time alone, so the runtime sleeps until input or a probe wakes it.
pub fn next_tick(model: &Model) -> Option<Instant> {
    let animate = (model.running() > 0).then(|| model.now + ANIMATE);
    let flash = model.flash.as_ref().map(|(_, at)| *at + FLASH_FOR);
    let outcome = model
        .last_run()
        .map(|r| r.ended + verify::OUTCOME_SHOWN_FOR)
        .filter(|t| *t > model.now);
    let resample = model
        .last_round
        .filter(|_| !model.paused)
        .map(|t| t + model.config().clock.interval);
    [animate, flash, outcome, resample]
        .into_iter()
        .flatten()
        .min()
}

/// Starts every check, as at launch.
pub fn start(model: &mut Model) -> Vec<Effect> {
    model.last_round = Some(model.now);
    let ids = probe::at_launch(model.config());
    let fx = request_all(model, &ids);
    model.refresh();
    fx
}

/// Applies one message; returns what the runtime should do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let fx = match msg {
        Msg::Tick { now, wall } => {
            model.now = now;
            model.wall = wall;
            if model
                .flash
                .as_ref()
                .is_some_and(|(_, t)| now.duration_since(*t) >= FLASH_FOR)
            {
                model.flash = None;
            }
            resample_if_due(model)
        }
        Msg::Key(key) => on_key(model, key),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Probe { event, at } => {
            if at > model.now {
                model.now = at;
            }
            let event = *event;
            let id = event.id;
            let start =
                model
                    .obs
                    .record(id, event.outcome, event.finished_at, event.took, model.now);
            if matches!(id, ProbeId::Ntp(_)) && !model.obs.ntp.iter().any(Slot::is_running) {
                model.refresh();
                record_history(model);
            }
            start.into_iter().map(Effect::Start).collect()
        }
        Msg::FixFinished { run, result } => {
            let text = match &result {
                Ok(0) => format!("fix done: {} — re-running the checks", run.label),
                Ok(code) => format!(
                    "fix exited with status {code}: {} — re-running the checks",
                    shell_join(&run.argv)
                ),
                Err(e) => format!("fix could not run: {e} — re-running the checks"),
            };
            flash(model, text);
            let what = fix_what(&run.label, Some(run.argv.clone()));
            let p = model.pending.get_or_insert_with(|| {
                Pending::new(
                    what.clone(),
                    &model.obs,
                    &model.derived,
                    model.wall,
                    model.now,
                )
            });
            p.exit = Some(result);
            p.command_running = false;
            begin(model, what, &run.rerun)
        }
        Msg::Exported(Ok(path)) => {
            // The file's name first: on a narrow footer the directory is what gets cut.
            let text = match (path.file_name(), path.parent()) {
                (Some(name), Some(dir)) => format!(
                    "support bundle written: {} in {}",
                    name.to_string_lossy(),
                    dir.display()
                ),
                _ => format!("support bundle written: {}", path.display()),
            };
            flash(model, text);
            Vec::new()
        }
        Msg::Exported(Err(e)) => {
            flash(model, format!("export failed: {e}"));
            Vec::new()
        }
        Msg::Copied(text) => {
            flash(
                model,
                format!(
                    "sent to the terminal's clipboard (OSC 52; the terminal must allow it, \
                     in tmux: set-clipboard on): {text}"
                ),
            );
            Vec::new()
        }
    };
    model.refresh();
    settle(model);
    fx
}

/// "fix: <label>".
fn fix_what(label: &str, command: Option<Vec<String>>) -> What {
    What {
        label: format!("fix: {label}"),
        command,
    }
}

/// Starts a fix's or a re-run's checks, noting the findings before so that when they end
/// ([`settle`]) the user sees what changed. A run that begins while another is pending joins
/// it: one before, the union of the checks.
fn begin(model: &mut Model, what: What, ids: &[ProbeId]) -> Vec<Effect> {
    let pending = model.pending.get_or_insert_with(|| {
        Pending::new(what, &model.obs, &model.derived, model.wall, model.now)
    });
    pending.wait_for(&model.obs, ids);
    request_all(model, ids)
}

/// Ends the pending fix or re-run when every check it re-ran has ended: its outcome goes
/// into the history and the footer.
fn settle(model: &mut Model) {
    if !model
        .pending
        .as_ref()
        .is_some_and(|p| p.settled(&model.obs))
    {
        return;
    }
    let Some(p) = model.pending.take() else {
        return;
    };
    let outcome = p.finish(&model.obs, &model.derived, model.wall, model.now);
    flash(model, outcome.headline());
    if model.runs.len() == verify::RUNS_KEPT {
        model.runs.remove(0);
    }
    model.runs.push(outcome);
}

fn flash(model: &mut Model, text: String) {
    model.flash = Some((text, model.now));
}

fn request_all(model: &mut Model, ids: &[ProbeId]) -> Vec<Effect> {
    let now = model.now;
    ids.iter()
        .filter(|id| model.obs.request(**id, now))
        .map(|id| Effect::Start(*id))
        .collect()
}

/// Starts a new clock round when the interval has passed and sampling is not paused.
fn resample_if_due(model: &mut Model) -> Vec<Effect> {
    let due = model
        .last_round
        .is_none_or(|t| model.now.duration_since(t) >= model.config().clock.interval);
    if model.paused || !due {
        return Vec::new();
    }
    model.last_round = Some(model.now);
    let mut ids: Vec<ProbeId> = (0..model.obs.ntp.len()).map(ProbeId::Ntp).collect();
    ids.push(ProbeId::SyncService);
    request_all(model, &ids)
}

fn record_history(model: &mut Model) {
    if let Some(offset) = model.derived.clock.consensus.offset {
        if model.history.len() == HISTORY_LEN {
            model.history.pop_front();
        }
        model.history.push_back(offset);
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let mode = Mode::of(model.overlay.as_ref());
    if let Some(action) = keys::action_for(mode, &key) {
        return on_action(model, mode, action);
    }
    // In the fixes window, a fix's own key picks it (the key map reserves its keys).
    match (mode, key.code) {
        (Mode::Fixes, KeyCode::Char(ch)) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            let fixes = selected_fixes(model);
            match fixes.iter().position(|f| f.key == ch) {
                Some(i) => choose(model, &fixes, i),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// Carries out what a mouse event does, step by step, as the keys would.
fn on_mouse(model: &mut Model, mouse: Mouse) -> Vec<Effect> {
    let mut fx = Vec::new();
    for step in mouse::steps(model, mouse) {
        match step {
            Step::Select(pane, row) => {
                model.focus = pane;
                model.selected[pane.index()] = row.min(model.rows(pane).saturating_sub(1));
                if pane == Pane::Findings {
                    model.finding_chosen();
                }
            }
            Step::Scroll(lines) => {
                let by = u16::try_from(lines.unsigned_abs()).unwrap_or(u16::MAX);
                model.overlay_scroll = if lines < 0 {
                    model.overlay_scroll.saturating_sub(by)
                } else {
                    model.overlay_scroll.saturating_add(by)
                };
            }
            Step::Act(action) => {
                let mode = Mode::of(model.overlay.as_ref());
                fx.extend(on_action(model, mode, action));
            }
        }
    }
    fx
}

fn on_action(model: &mut Model, mode: Mode, action: Action) -> Vec<Effect> {
    let focus = model.focus;
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Close => model.overlay = None,
        Action::Help => {
            model.overlay_scroll = 0;
            model.overlay = if model.overlay == Some(Overlay::Help) {
                None
            } else {
                Some(Overlay::Help)
            };
        }
        Action::NextPane => model.focus = focus.next(),
        Action::PrevPane => model.focus = focus.prev(),
        Action::Focus(p) => model.focus = p,
        Action::Up | Action::Down if mode == Mode::Fixes => {
            let n = selected_fixes(model).len();
            if let Some(Overlay::Fixes { selected }) = &mut model.overlay {
                *selected = if action == Action::Up {
                    selected.saturating_sub(1)
                } else {
                    (*selected + 1).min(n.saturating_sub(1))
                };
            }
        }
        Action::Up | Action::Down => {
            // With the details window open the selection moves, and its details start at
            // the top.
            if matches!(model.overlay, Some(Overlay::Details(_))) {
                model.overlay_scroll = 0;
            }
            let rows = model.rows(focus);
            let sel = model.selection(focus);
            model.selected[focus.index()] = match action {
                Action::Up => sel.saturating_sub(1),
                _ => (sel + 1).min(rows.saturating_sub(1)),
            };
            if focus == Pane::Findings {
                model.finding_chosen();
            }
        }
        Action::PageUp if mode == Mode::Window => {
            model.overlay_scroll = model.overlay_scroll.saturating_sub(PAGE);
        }
        Action::PageDown if mode == Mode::Window => {
            model.overlay_scroll = model.overlay_scroll.saturating_add(PAGE);
        }
        Action::Details => {
            model.overlay_scroll = 0;
            model.overlay = match model.overlay {
                Some(Overlay::Details(_)) => None,
                None if model.rows(focus) > 0 => Some(Overlay::Details(focus)),
                ref other => other.clone(),
            };
        }
        Action::Retry => {
            let ids = selected_probes(model);
            if ids.is_empty() {
                return Vec::new();
            }
            let what = What {
                label: format!("re-run: {}", selected_name(model)),
                command: None,
            };
            let fx = begin(model, what, &ids);
            if fx.is_empty() {
                flash(model, "already running: one more run is queued".to_string());
            }
            return fx;
        }
        Action::RetryAll => {
            model.last_round = Some(model.now);
            let ids = probe::at_launch(model.config());
            let what = What {
                label: "re-run: every check".to_string(),
                command: None,
            };
            return begin(model, what, &ids);
        }
        Action::Fixes => return open_fixes(model),
        Action::History => {
            model.overlay_scroll = 0;
            model.overlay = Some(Overlay::History);
        }
        Action::Home | Action::End if mode == Mode::Window => {
            model.overlay_scroll = if action == Action::Home { 0 } else { u16::MAX };
        }
        Action::Home | Action::End | Action::PageUp | Action::PageDown if mode == Mode::Main => {
            let rows = model.rows(focus);
            let sel = model.selection(focus);
            let page = usize::from(PAGE);
            model.selected[focus.index()] = match action {
                Action::Home => 0,
                Action::End => rows.saturating_sub(1),
                Action::PageUp => sel.saturating_sub(page),
                _ => (sel + page).min(rows.saturating_sub(1)),
            };
            if focus == Pane::Findings {
                model.finding_chosen();
            }
        }
        Action::Home | Action::End | Action::PageUp | Action::PageDown => {}
        Action::Choose => {
            if let Some(Overlay::Fixes { selected }) = model.overlay {
                let fixes = selected_fixes(model);
                if selected < fixes.len() {
                    return choose(model, &fixes, selected);
                }
            }
        }
        Action::Copy => return copy(model, mode),
        Action::Export => return vec![Effect::Export],
        Action::Pause => {
            model.paused = !model.paused;
            let text = if model.paused {
                "live sampling paused (p resumes)"
            } else {
                "live sampling resumed"
            };
            flash(model, text.to_string());
        }
        Action::Yes => return confirm(model),
        Action::No => {
            if let Some(Overlay::Confirm { fix }) = model.overlay {
                model.overlay = Some(Overlay::Fixes { selected: fix });
            }
        }
    }
    Vec::new()
}

/// The probes behind the selected row of the focused pane.
fn selected_probes(model: &Model) -> Vec<ProbeId> {
    let pane = match model.overlay {
        Some(Overlay::Details(p)) => p,
        _ => model.focus,
    };
    if model.rows(pane) == 0 {
        return Vec::new();
    }
    let sel = model.selection(pane);
    match pane {
        Pane::Clock => vec![ProbeId::Ntp(sel), ProbeId::SyncService],
        Pane::Handshakes | Pane::Reach => probe::for_target(sel),
        Pane::Findings => model
            .findings()
            .get(sel)
            .map(|f| f.probes.clone())
            .unwrap_or_default(),
        Pane::Machine => vec![ProbeId::Machine],
    }
}

/// The fixes of the selected finding.
fn selected_fixes(model: &Model) -> Vec<Fix> {
    model
        .selected_finding()
        .map(|f| f.fixes.clone())
        .unwrap_or_default()
}

/// Picks fix `i`: a command asks for confirmation first; a re-run starts; advice stays
/// advice.
fn choose(model: &mut Model, fixes: &[Fix], i: usize) -> Vec<Effect> {
    let fix = &fixes[i];
    if fix.command.is_some() {
        model.overlay = Some(Overlay::Confirm { fix: i });
        Vec::new()
    } else if !fix.rerun.is_empty() {
        model.overlay = None;
        flash(model, format!("{}…", fix.label));
        let rerun = fix.rerun.clone();
        begin(model, fix_what(&fix.label, None), &rerun)
    } else {
        model.overlay = Some(Overlay::Fixes { selected: i });
        flash(model, format!("no command to run: {}", fix.label));
        Vec::new()
    }
}

/// The fix the copy key means in `mode`: the highlighted or waiting one in the fixes and
/// confirm windows, else the selected finding's first command.
fn copy(model: &mut Model, mode: Mode) -> Vec<Effect> {
    let fixes = selected_fixes(model);
    let fix = match (mode, &model.overlay) {
        (Mode::Fixes, Some(Overlay::Fixes { selected })) => fixes.get(*selected),
        (Mode::Confirm, Some(Overlay::Confirm { fix })) => fixes.get(*fix),
        _ => fixes.iter().find(|f| f.command.is_some()),
    };
    match fix {
        Some(Fix {
            command: Some(argv),
            ..
        }) => vec![Effect::Copy(shell_join(argv))],
        Some(f) => {
            flash(model, format!("no command to copy: {}", f.label));
            Vec::new()
        }
        None => {
            flash(
                model,
                "the selected finding has no command to copy".to_string(),
            );
            Vec::new()
        }
    }
}

/// `y` on a waiting command: run it.
fn confirm(model: &mut Model) -> Vec<Effect> {
    let Some(Overlay::Confirm { fix }) = model.overlay else {
        return Vec::new();
    };
    model.overlay = None;
    match selected_fixes(model).into_iter().nth(fix) {
        Some(Fix {
            command: Some(argv),
            label,
            rerun,
            ..
        }) => {
            // What the findings were before the command changed anything.
            let what = fix_what(&label, Some(argv.clone()));
            match &mut model.pending {
                Some(p) => {
                    p.what = what;
                    p.command_running = true;
                }
                None => {
                    model.pending = Some(Pending::new(
                        what,
                        &model.obs,
                        &model.derived,
                        model.wall,
                        model.now,
                    ));
                }
            }
            vec![Effect::RunFix(FixRun { label, argv, rerun })]
        }
        _ => Vec::new(),
    }
}

/// What `r` re-runs, in words: the selected target, clock server or finding.
fn selected_name(model: &Model) -> String {
    let pane = match model.overlay {
        Some(Overlay::Details(p)) => p,
        _ => model.focus,
    };
    let sel = model.selection(pane);
    match pane {
        Pane::Clock => model
            .config()
            .clock
            .servers
            .get(sel)
            .map_or_else(|| "the clock".to_string(), |s| format!("the clock ({s})")),
        Pane::Handshakes | Pane::Reach => model
            .config()
            .targets
            .get(sel)
            .map_or_else(String::new, |t| t.name.clone()),
        Pane::Findings => model
            .selected_finding()
            .map_or_else(String::new, |f| FindingKey::of(f).describe()),
        Pane::Machine => model
            .derived
            .machine
            .as_ref()
            .and_then(|m| m.parts.get(sel))
            .map_or_else(
                || "this machine".to_string(),
                |p| format!("this machine ({})", p.part.label()),
            ),
    }
}

/// The findings about the selected row of `pane`, best match first: a target's own, then
/// the clock's when the clock explains its certificate; the clock pane's are the clock's.
fn row_findings(model: &Model, pane: Pane) -> Vec<usize> {
    let findings = model.findings();
    let sel = model.selection(pane);
    // The clock's findings are those its own checks re-run.
    let clock = |f: &Finding| {
        f.target.is_none()
            && !f.probes.is_empty()
            && f.probes
                .iter()
                .all(|p| matches!(p, ProbeId::Ntp(_) | ProbeId::SyncService))
    };
    let pick = |keep: &dyn Fn(&Finding) -> bool| -> Vec<usize> {
        (0..findings.len())
            .filter(|i| keep(&findings[*i]))
            .collect()
    };
    match pane {
        Pane::Findings => pick(&|_| true).into_iter().skip(sel).take(1).collect(),
        Pane::Clock => pick(&clock),
        Pane::Machine => {
            let codes = model
                .derived
                .machine
                .as_ref()
                .and_then(|m| m.parts.get(sel))
                .map_or(&[][..], |p| p.part.codes());
            pick(&|f| codes.contains(&f.code))
        }
        Pane::Handshakes | Pane::Reach => {
            let Some(t) = model.config().targets.get(sel) else {
                return Vec::new();
            };
            let mut own = pick(&|f| f.target.as_deref() == Some(t.name.as_str()));
            if model
                .derived
                .targets
                .get(sel)
                .is_some_and(TargetVerdict::failing)
            {
                // A certificate that fails only because of the clock: the clock's fixes.
                own.extend(pick(&|f| f.code == Code::ClockSkew));
            }
            own
        }
    }
}

/// `f`: the fixes of the selected row's finding (the first of them with fixes); the Findings
/// pane's selection moves to it, and the footer says which finding it chose.
fn open_fixes(model: &mut Model) -> Vec<Effect> {
    let pane = model.focus;
    let candidates = row_findings(model, pane);
    let with_fixes = candidates
        .iter()
        .copied()
        .find(|i| !model.findings()[*i].fixes.is_empty());
    match (with_fixes, candidates.first()) {
        (Some(i), _) => {
            model.select_finding(i);
            model.overlay = Some(Overlay::Fixes { selected: 0 });
            if pane != Pane::Findings {
                let key = FindingKey::of(&model.findings()[i]).describe();
                flash(
                    model,
                    format!("fixes for {key}, the selected row's finding"),
                );
            }
        }
        (None, Some(i)) => {
            let key = FindingKey::of(&model.findings()[*i]).describe();
            flash(model, format!("{key} has no fix to offer"));
        }
        (None, None) => {
            let text = match pane {
                Pane::Findings => "no finding selected".to_string(),
                _ => format!("no finding about the selected row of {}", pane.title()),
            };
            flash(model, text);
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::{Instant, SystemTime};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::model::Env;
    use crate::config::Config;
    use crate::diagnose::Code;
    use crate::diagnose::Machine;
    use crate::probe::clock::{NtpReply, Offset};
    use crate::probe::{ProbeEvent, ProbeOutcome};

    /// The defaults with two NTP servers on closed loopback ports.
    fn config() -> Config {
        let mut cfg = Config::defaults();
        cfg.clock.servers = vec![
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        ];
        cfg
    }

    fn model_of(cfg: Config) -> Model {
        Model::new(
            Arc::new(cfg),
            Machine::default(),
            Env::default(),
            Instant::now(),
            SystemTime::UNIX_EPOCH,
        )
    }

    fn model() -> Model {
        model_of(config())
    }

    /// A model of the clock alone: two servers, no targets.
    fn clock_model() -> Model {
        let mut cfg = config();
        cfg.targets.clear();
        cfg.network.captive_url = None;
        model_of(cfg)
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn code(k: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(k, KeyModifiers::NONE))
    }

    fn reply(offset_s: i64) -> NtpReply {
        NtpReply {
            addr: "127.0.0.1:123".parse::<SocketAddr>().unwrap(),
            offset: Offset::from_micros(offset_s * 1_000_000),
            rtt: Duration::from_micros(200),
            stratum: 2,
            reference_id: "127.0.0.1".to_string(),
            leap: 0,
            precision: -20,
            poll: 6,
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            reference_time: None,
            server_time: SystemTime::UNIX_EPOCH,
        }
    }

    fn ntp_done(m: &mut Model, i: usize, offset_s: i64) -> Vec<Effect> {
        let event = ProbeEvent {
            id: ProbeId::Ntp(i),
            finished_at: SystemTime::UNIX_EPOCH,
            took: Duration::from_millis(1),
            outcome: ProbeOutcome::Ntp(Ok(reply(offset_s))),
        };
        update(
            m,
            Msg::Probe {
                event: Box::new(event),
                at: m.now,
            },
        )
    }

    #[test]
    fn e_asks_for_the_bundle_and_the_status_line_names_it() {
        let mut m = model();
        assert_eq!(update(&mut m, key('e')), vec![Effect::Export]);
        let path = std::path::PathBuf::from("/home/u/tlsdoctor-report-1970-01-01T000000Z.tar.gz");
        update(&mut m, Msg::Exported(Ok(path)));
        let (text, _) = m.flash.as_ref().expect("a status line");
        assert_eq!(
            text,
            "support bundle written: tlsdoctor-report-1970-01-01T000000Z.tar.gz in /home/u"
        );
        update(
            &mut m,
            Msg::Exported(Err("cannot write the report in /ro".to_string())),
        );
        let (text, _) = m.flash.as_ref().expect("a status line");
        assert_eq!(text, "export failed: cannot write the report in /ro");
    }

    #[test]
    fn start_runs_every_probe_once() {
        let mut m = model();
        let fx = start(&mut m);
        let ids = probe::at_launch(m.config());
        assert_eq!(
            fx,
            ids.iter().map(|id| Effect::Start(*id)).collect::<Vec<_>>()
        );
        assert!(!m.idle());
    }

    #[test]
    fn retry_is_coalesced_one_run_and_one_queued() {
        let mut m = model();
        start(&mut m);
        m.focus = Pane::Clock;
        for _ in 0..10 {
            assert!(
                update(&mut m, key('r')).is_empty(),
                "a running probe is not started again"
            );
        }
        assert!(m.obs.ntp[0].queued);
        // The run finishes: exactly one queued run starts.
        assert_eq!(ntp_done(&mut m, 0, 0), vec![Effect::Start(ProbeId::Ntp(0))]);
        assert!(ntp_done(&mut m, 0, 0).is_empty());
        assert!(!m.obs.ntp[0].is_running());
    }

    #[test]
    fn skew_finding_and_fix_confirmation_flow() {
        let mut m = model();
        start(&mut m);
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        assert_eq!(m.history.len(), 1, "a finished round adds to the sparkline");
        let f = m.selected_finding().expect("a finding");
        assert_eq!(f.code, Code::ClockSkew);
        // f opens the fixes, t picks timedatectl, which asks first.
        update(&mut m, key('f'));
        assert_eq!(m.overlay, Some(Overlay::Fixes { selected: 0 }));
        update(&mut m, key('t'));
        let Some(Overlay::Confirm { fix }) = m.overlay.clone() else {
            panic!("no confirmation: {:?}", m.overlay)
        };
        let argv = m.selected_finding().unwrap().fixes[fix]
            .command
            .clone()
            .unwrap();
        assert_eq!(argv, ["sudo", "timedatectl", "set-ntp", "true"]);
        // n goes back without running anything.
        assert!(update(&mut m, key('n')).is_empty());
        assert!(matches!(m.overlay, Some(Overlay::Fixes { .. })));
        update(&mut m, key('t'));
        let fx = update(&mut m, key('y'));
        let [Effect::RunFix(run)] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        assert_eq!(run.argv, argv);
        assert!(run.rerun.contains(&ProbeId::SyncService));
        // When the fix is done, the affected checks run again.
        // (the sync check from the start is still running, so its re-run queues behind it).
        let fx = update(
            &mut m,
            Msg::FixFinished {
                run: run.clone(),
                result: Ok(0),
            },
        );
        assert!(
            fx.contains(&Effect::Start(ProbeId::Ntp(0)))
                && fx.contains(&Effect::Start(ProbeId::Ntp(1)))
        );
        assert!(m.obs.sync.queued);
    }

    fn sync_done(m: &mut Model) -> Vec<Effect> {
        sync_says(m, true)
    }

    /// The sync service answers: time sync on (and synchronised) or off.
    fn sync_says(m: &mut Model, on: bool) -> Vec<Effect> {
        use crate::probe::sync::{SyncStatus, Timedatectl, ToolAnswer};
        let status = SyncStatus {
            timedatectl: ToolAnswer::Answered(Timedatectl {
                ntp: Some(on),
                synchronized: Some(on),
            }),
            chrony: ToolAnswer::Absent,
        };
        let event = ProbeEvent {
            id: ProbeId::SyncService,
            finished_at: SystemTime::UNIX_EPOCH,
            took: Duration::from_millis(1),
            outcome: ProbeOutcome::SyncService(Box::new(status)),
        };
        update(
            m,
            Msg::Probe {
                event: Box::new(event),
                at: m.now,
            },
        )
    }

    /// The machine check ends: nothing found.
    fn machine_done(m: &mut Model) -> Vec<Effect> {
        use crate::probe::machine::{MachineReport, SecurityScan};
        let report = MachineReport {
            security: SecurityScan {
                found: Vec::new(),
                limited: None,
            },
            clients: Vec::new(),
            os: Err("not read in this test".to_string()),
            firewall: crate::probe::firewall::Firewall::unknown("not read in this test"),
            services: Vec::new(),
            nordvpn_status: None,
            trust_store: Err("not read".to_string()),
        };
        let event = ProbeEvent {
            id: ProbeId::Machine,
            finished_at: SystemTime::UNIX_EPOCH,
            took: Duration::from_millis(1),
            outcome: ProbeOutcome::Machine(Box::new(report)),
        };
        update(
            m,
            Msg::Probe {
                event: Box::new(event),
                at: m.now,
            },
        )
    }

    /// The clock three hours off, every check ended, and the fix `t` confirmed and run with
    /// `exit`; returns the model with the re-run started.
    fn skewed_after_fix(exit: Result<i32, String>) -> Model {
        let mut m = clock_model();
        start(&mut m);
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        sync_done(&mut m);
        machine_done(&mut m);
        assert!(m.idle());
        update(&mut m, key('f'));
        update(&mut m, key('t'));
        let fx = update(&mut m, key('y'));
        let [Effect::RunFix(run)] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        assert!(m.pending.as_ref().is_some_and(|p| p.command_running));
        let run = run.clone();
        update(&mut m, Msg::FixFinished { run, result: exit });
        assert!(m.pending.as_ref().is_some_and(|p| !p.command_running));
        m
    }

    #[test]
    fn a_fix_that_works_says_resolved_when_its_checks_end() {
        let mut m = skewed_after_fix(Ok(0));
        ntp_done(&mut m, 0, 0);
        assert!(m.runs.is_empty(), "not settled while checks run");
        ntp_done(&mut m, 1, 0);
        sync_done(&mut m);
        assert!(m.pending.is_none(), "every re-run check ended");
        let run = m.last_run().expect("the fix is in the history");
        assert_eq!(run.exit, Some(Ok(0)));
        let skew = FindingKey {
            code: Code::ClockSkew,
            target: None,
        };
        assert!(
            run.changes
                .iter()
                .any(|c| c.key == skew && c.kind == verify::ChangeKind::Resolved),
            "{:?}",
            run.changes
        );
        let headline = run.headline();
        assert!(
            headline.starts_with("clock fixed: now 0.0 ms off"),
            "{headline}"
        );
        assert!(headline.contains("timedatectl set-ntp true"), "{headline}");
        assert!(m.flash.as_ref().is_some_and(|(t, _)| *t == headline));
    }

    #[test]
    fn a_fix_that_fails_says_still_failing_with_its_status() {
        let mut m = skewed_after_fix(Ok(1));
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        sync_done(&mut m);
        let run = m.last_run().expect("the fix is in the history");
        assert_eq!(run.exit_words().as_deref(), Some("exit status 1"));
        let skew = FindingKey {
            code: Code::ClockSkew,
            target: None,
        };
        assert_eq!(run.change_of(&skew), Some(verify::ChangeKind::StillFailing));
        assert!(
            run.summary
                .starts_with("the fix exited with status 1; clock-skew still failing"),
            "{}",
            run.summary
        );
    }

    #[test]
    fn a_retry_is_compared_too_and_a_new_finding_says_new() {
        let mut m = clock_model();
        start(&mut m);
        ntp_done(&mut m, 0, 0);
        ntp_done(&mut m, 1, 0);
        sync_done(&mut m);
        machine_done(&mut m);
        update(&mut m, key('R'));
        assert!(m.pending.is_some());
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        assert!(m.pending.is_some(), "the sync check still runs");
        sync_done(&mut m);
        assert!(m.pending.is_some(), "the machine check still runs");
        machine_done(&mut m);
        assert!(m.pending.is_none());
        let run = m.last_run().unwrap();
        assert_eq!(run.what.label, "re-run: every check");
        let skew = FindingKey {
            code: Code::ClockSkew,
            target: None,
        };
        assert_eq!(run.change_of(&skew), Some(verify::ChangeKind::New));
    }

    #[test]
    fn the_selected_finding_stays_selected_when_the_list_reorders() {
        let mut m = model();
        start(&mut m);
        ntp_done(&mut m, 0, 0);
        ntp_done(&mut m, 1, 0);
        sync_says(&mut m, false);
        update(&mut m, key('4'));
        // The user picks it (Home: the first row, the one they see).
        update(&mut m, code(KeyCode::Home));
        let unsynced = FindingKey::of(m.selected_finding().expect("clock-unsynced"));
        assert_eq!(unsynced.code, Code::ClockUnsynced);
        // The clock is found three hours off: clock-skew, an error, sorts first.
        update(&mut m, key('R'));
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        assert_eq!(m.findings()[0].code, Code::ClockSkew);
        assert_eq!(m.selection(Pane::Findings), 1);
        assert_eq!(FindingKey::of(m.selected_finding().unwrap()), unsynced);
    }

    #[test]
    fn until_the_user_picks_a_finding_the_selection_is_the_headline() {
        let mut m = model();
        start(&mut m);
        sync_says(&mut m, false);
        update(&mut m, key('4'));
        assert_eq!(m.selected_finding().unwrap().code, Code::ClockUnsynced);
        // clock-skew arrives above it: f must open the worst finding's fixes, the one the
        // title and the "next" line name.
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        assert_eq!(m.selection(Pane::Findings), 0);
        assert_eq!(m.selected_finding().unwrap().code, Code::ClockSkew);
        update(&mut m, key('f'));
        assert!(matches!(m.overlay, Some(Overlay::Fixes { .. })));
        assert_eq!(m.selected_finding().unwrap().code, Code::ClockSkew);
    }

    #[test]
    fn f_opens_the_fixes_of_the_selected_rows_finding() {
        let mut m = model();
        start(&mut m);
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        sync_says(&mut m, false);
        // From the Clock pane: the clock's first finding with fixes.
        update(&mut m, key('4'));
        update(&mut m, code(KeyCode::End));
        let last = m.selected_finding().unwrap().code;
        assert_ne!(last, Code::ClockSkew);
        update(&mut m, key('1'));
        update(&mut m, key('f'));
        assert!(matches!(m.overlay, Some(Overlay::Fixes { .. })));
        assert_eq!(m.selected_finding().unwrap().code, Code::ClockSkew);
        assert!(
            m.flash
                .as_ref()
                .is_some_and(|(t, _)| t.contains("clock-skew"))
        );
        // From the Findings pane: the selected finding, whichever it is.
        update(&mut m, code(KeyCode::Esc));
        update(&mut m, key('4'));
        update(&mut m, code(KeyCode::End));
        update(&mut m, key('f'));
        match m.selected_finding() {
            Some(f) if !f.fixes.is_empty() => {
                assert!(matches!(m.overlay, Some(Overlay::Fixes { .. })));
                assert_eq!(f.code, last);
            }
            Some(f) => assert!(
                m.flash
                    .as_ref()
                    .is_some_and(|(t, _)| t.contains(f.code.as_str())),
                "{:?}",
                m.flash
            ),
            None => panic!("no finding"),
        }
        // From a pane whose row has no finding: it says so.
        update(&mut m, code(KeyCode::Esc));
        update(&mut m, key('2'));
        update(&mut m, key('f'));
        assert!(!matches!(m.overlay, Some(Overlay::Fixes { .. })));
    }

    #[test]
    fn copy_sends_the_exact_command() {
        let mut m = model();
        start(&mut m);
        ntp_done(&mut m, 0, 3 * 3600);
        ntp_done(&mut m, 1, 3 * 3600);
        let fx = update(&mut m, key('c'));
        assert_eq!(
            fx,
            vec![Effect::Copy("sudo timedatectl set-ntp true".to_string())]
        );
    }

    #[test]
    fn navigation_and_overlays() {
        let mut m = model();
        start(&mut m);
        update(&mut m, code(KeyCode::Tab));
        assert_eq!(m.focus, Pane::Handshakes);
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(m.focus, Pane::Clock);
        update(&mut m, key('4'));
        assert_eq!(m.focus, Pane::Findings);
        update(&mut m, key('1'));
        update(&mut m, key('j'));
        assert_eq!(m.selection(Pane::Clock), 1);
        update(&mut m, key('j'));
        assert_eq!(
            m.selection(Pane::Clock),
            1,
            "the selection stops at the last row"
        );
        update(&mut m, code(KeyCode::Enter));
        assert_eq!(m.overlay, Some(Overlay::Details(Pane::Clock)));
        update(&mut m, code(KeyCode::Esc));
        assert_eq!(m.overlay, None);
        update(&mut m, key('?'));
        assert_eq!(m.overlay, Some(Overlay::Help));
        update(&mut m, key('?'));
        assert_eq!(m.overlay, None);
        update(&mut m, key('p'));
        assert!(m.paused);
        assert_eq!(update(&mut m, key('q')), vec![Effect::Quit]);
    }

    #[test]
    fn page_keys_scroll_the_help_and_details_windows_only() {
        let mut m = model();
        start(&mut m);
        update(&mut m, code(KeyCode::PageDown));
        assert_eq!(m.overlay_scroll, 0, "no window, nothing to scroll");
        update(&mut m, code(KeyCode::Enter));
        update(&mut m, code(KeyCode::PageDown));
        update(&mut m, code(KeyCode::PageDown));
        assert_eq!(m.overlay_scroll, 2 * PAGE);
        update(&mut m, code(KeyCode::PageUp));
        assert_eq!(m.overlay_scroll, PAGE);
        // Another row's details start at the top, as do the details opened again.
        update(&mut m, key('j'));
        assert_eq!(m.overlay_scroll, 0);
        assert_eq!(m.selection(Pane::Clock), 1);
        update(&mut m, code(KeyCode::PageDown));
        update(&mut m, code(KeyCode::Esc));
        update(&mut m, code(KeyCode::Enter));
        assert_eq!(m.overlay, Some(Overlay::Details(Pane::Clock)));
        assert_eq!(m.overlay_scroll, 0);
        update(&mut m, code(KeyCode::PageUp));
        assert_eq!(m.overlay_scroll, 0);
        update(&mut m, code(KeyCode::Esc));
        update(&mut m, key('?'));
        update(&mut m, code(KeyCode::PageDown));
        assert_eq!(m.overlay_scroll, PAGE, "the help scrolls too");
        update(&mut m, key('?'));
        update(&mut m, key('?'));
        assert_eq!(m.overlay_scroll, 0);
    }

    #[test]
    fn time_wakes_the_model_only_when_something_changes_with_it() {
        let mut m = model();
        start(&mut m);
        let interval = m.config().clock.interval;
        assert_eq!(next_tick(&m), Some(m.now + ANIMATE), "checks run: spinners");
        for i in 0..2 {
            ntp_done(&mut m, i, 0);
        }
        m.obs = crate::diagnose::Observations::new(m.obs.config.clone(), Machine::default());
        assert_eq!(
            next_tick(&m),
            m.last_round.map(|t| t + interval),
            "idle: the next clock round"
        );
        update(&mut m, key('p'));
        let flash = m.flash.as_ref().map(|(_, at)| *at + FLASH_FOR);
        assert_eq!(next_tick(&m), flash, "paused: only the message expires");
        m.flash = None;
        assert_eq!(next_tick(&m), None, "paused and quiet: no tick at all");
    }

    #[test]
    fn the_clock_resamples_on_its_interval_unless_paused() {
        let mut m = model();
        start(&mut m);
        ntp_done(&mut m, 0, 0);
        ntp_done(&mut m, 1, 0);
        let interval = m.config().clock.interval;
        let t0 = m.now;
        let wall = SystemTime::UNIX_EPOCH;
        assert!(
            update(
                &mut m,
                Msg::Tick {
                    now: t0 + interval / 2,
                    wall
                }
            )
            .is_empty()
        );
        update(&mut m, key('p'));
        assert!(
            update(
                &mut m,
                Msg::Tick {
                    now: t0 + interval * 2,
                    wall
                }
            )
            .is_empty()
        );
        update(&mut m, key('p'));
        let fx = update(
            &mut m,
            Msg::Tick {
                now: t0 + interval * 3,
                wall,
            },
        );
        assert!(
            fx.contains(&Effect::Start(ProbeId::Ntp(0)))
                && fx.contains(&Effect::Start(ProbeId::Ntp(1)))
        );
    }
}
