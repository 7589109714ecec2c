//! The imperative shell: the terminal, the input thread, the probe tasks, signals, and the one
//! `select!` loop that turns all of them into messages for `update` and carries out its effects.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::app::{self, Effect, Env, FixRun, Model, Msg};
use crate::config::Config;
use crate::diagnose::{Machine, Observations};
use crate::probe::{self, ProbeContext, ProbeEvent, ProbeId};
use crate::report;

/// How long the input thread waits for a key before it looks whether it should hold still:
/// its only wake-up while nothing happens.
const INPUT_POLL: Duration = Duration::from_secs(1);
/// The same while a command waits for y/n, so a confirmed fix gets the terminal at once.
const INPUT_POLL_EAGER: Duration = Duration::from_millis(20);
/// The shortest time between two frames: about 10 frames a second at most (SSH-friendly).
const FRAME: Duration = Duration::from_millis(100);

/// The running probe tasks and the channel their events arrive on.
pub struct Probes {
    ctx: ProbeContext,
    tasks: JoinSet<()>,
    tx: mpsc::UnboundedSender<ProbeEvent>,
    rx: mpsc::UnboundedReceiver<ProbeEvent>,
}

impl Probes {
    pub fn new(ctx: ProbeContext) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Probes {
            ctx,
            tasks: JoinSet::new(),
            tx,
            rx,
        }
    }

    /// Starts probe `id` as a task, with its target's DNS answer in `obs` when it uses one;
    /// its event arrives through [`Probes::next`].
    pub fn spawn(&mut self, id: ProbeId, obs: &Observations) {
        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        let dns = obs.dns_for(id).cloned();
        self.tasks.spawn(async move {
            let event = probe::run(id, &ctx, dns.as_ref()).await;
            let _ = tx.send(event);
        });
        // Reap finished tasks so the set does not grow over a long session.
        while self.tasks.try_join_next().is_some() {}
    }

    /// The next finished probe's event.
    pub async fn next(&mut self) -> Option<ProbeEvent> {
        self.rx.recv().await
    }

    /// Stops every running probe.
    pub fn abort_all(&mut self) {
        self.tasks.abort_all();
    }
}

/// Reads terminal input on its own thread; it can be held still while a fix owns the terminal.
/// Idle, it wakes once per [`INPUT_POLL`] to look whether it should.
struct Input {
    rx: mpsc::UnboundedReceiver<Event>,
    hold: Arc<AtomicBool>,
    holding: Arc<AtomicBool>,
    eager: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Input {
    fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let hold = Arc::new(AtomicBool::new(false));
        let holding = Arc::new(AtomicBool::new(false));
        let eager = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, hg, eg, st) = (
            Arc::clone(&hold),
            Arc::clone(&holding),
            Arc::clone(&eager),
            Arc::clone(&stop),
        );
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                if h.load(Ordering::Acquire) {
                    hg.store(true, Ordering::Release);
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                hg.store(false, Ordering::Release);
                let wait = if eg.load(Ordering::Relaxed) {
                    INPUT_POLL_EAGER
                } else {
                    INPUT_POLL
                };
                match event::poll(wait) {
                    Ok(true) => match event::read() {
                        Ok(ev) => {
                            if tx.send(ev).is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    },
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        });
        Input {
            rx,
            hold,
            holding,
            eager,
            stop,
        }
    }

    /// Whether to look often for a pause: while a command waits for y/n.
    fn set_eager(&self, eager: bool) {
        self.eager.store(eager, Ordering::Relaxed);
    }

    /// Stops reading the terminal (so a child process gets every key) until [`Input::resume`].
    fn pause(&self) {
        self.hold.store(true, Ordering::Release);
        let deadline = Instant::now() + INPUT_POLL + Duration::from_millis(200);
        while !self.holding.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn resume(&self) {
        self.hold.store(false, Ordering::Release);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Restores the terminal when dropped, however the loop ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Why the dashboard stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(&'static str),
}

/// Runs the dashboard until the user quits or a signal arrives. The terminal is restored on
/// every way out, panics included (the hook `ratatui::try_init` installs, once).
pub async fn run_tui(config: Arc<Config>, machine: Machine, env: Env) -> color_eyre::Result<Exit> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let _guard = TerminalGuard;
    let mut terminal = ratatui::try_init().map_err(|e| {
        color_eyre::eyre::eyre!(
            "cannot set up the terminal ({e}): run it in a terminal, or use --once for a report"
        )
    })?;
    let mouse = crate::mouse::Capture::start(env.mouse)?;
    let mut input = Input::start();
    let mut probes = Probes::new(ProbeContext::new(Arc::clone(&config), machine.open_files));
    let mut model = Model::new(config, machine, env, Instant::now(), SystemTime::now());
    let effects = app::start(&mut model);
    if let Some(note) = crate::report::limit_note(&model) {
        model.flash = Some((note, model.now));
    }

    let mut dirty = true;
    let mut last_frame = Instant::now()
        .checked_sub(FRAME)
        .unwrap_or_else(Instant::now);
    // Effects wait here; carrying one out can bring more (a fix's re-runs), which are carried
    // out in the same pass, before the loop waits again.
    let mut pending: VecDeque<Effect> = effects.into();

    let exit = 'run: loop {
        while let Some(fx) = pending.pop_front() {
            match fx {
                Effect::Start(id) => probes.spawn(id, &model.obs),
                Effect::Quit => break 'run Exit::Quit,
                Effect::Copy(text) => {
                    copy_osc52(&mut terminal, &text);
                    pending.extend(app::update(&mut model, Msg::Copied(text)));
                }
                Effect::Export => {
                    let result = export(&model);
                    match &result {
                        Ok(path) => tracing::info!(
                            "exported the report to {:?}",
                            path.display().to_string()
                        ),
                        Err(e) => tracing::warn!("export failed: {e}"),
                    }
                    let msg = Msg::Exported(result);
                    pending.extend(app::update(&mut model, msg));
                }
                Effect::RunFix(run) => {
                    mouse.suspend();
                    let result = run_fix(&mut terminal, &input, &run);
                    mouse.resume();
                    pending.extend(app::update(&mut model, Msg::FixFinished { run, result }));
                }
            }
            dirty = true;
        }
        if dirty && last_frame.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(f, &model))?;
            last_frame = Instant::now();
            dirty = false;
        }
        let frame_wait = FRAME.saturating_sub(last_frame.elapsed());
        input.set_eager(matches!(model.overlay, Some(app::Overlay::Confirm { .. })));
        // No tick while nothing changes with time: the loop sleeps until input or a probe.
        let tick_at = app::next_tick(&model).map(tokio::time::Instant::from_std);
        tokio::select! {
            Some(ev) = input.rx.recv() => {
                match ev {
                    Event::Key(key) => {
                        pending.extend(app::update(&mut model, Msg::Key(key)));
                        dirty = true;
                    }
                    Event::Resize(..) => dirty = true,
                    // Moves and drags (captured too) change nothing: no redraw for them.
                    Event::Mouse(m) => {
                        let size = terminal.size()?;
                        if let Some(msg) = crate::mouse::message(&model, size.width, size.height, m, Instant::now()) {
                            pending.extend(app::update(&mut model, msg));
                            dirty = true;
                        }
                    }
                    _ => {}
                }
            }
            Some(event) = probes.next() => {
                pending.extend(app::update(&mut model, Msg::Probe { event: Box::new(event), at: Instant::now() }));
                dirty = true;
            }
            () = tokio::time::sleep_until(tick_at.unwrap_or_else(tokio::time::Instant::now)), if tick_at.is_some() => {
                let before = (model.running(), model.flash.is_some(), model.history.len());
                pending.extend(app::update(&mut model, Msg::Tick { now: Instant::now(), wall: SystemTime::now() }));
                // Time alone changes the screen only while something runs (spinners, elapsed).
                let after = (model.running(), model.flash.is_some(), model.history.len());
                if before.0 > 0 || before != after || !pending.is_empty() {
                    dirty = true;
                }
            }
            () = tokio::time::sleep(frame_wait), if dirty => {}
            _ = sigterm.recv() => break Exit::Signal("SIGTERM"),
            _ = sighup.recv() => break Exit::Signal("SIGHUP"),
            _ = sigint.recv() => break Exit::Signal("SIGINT"),
        }
    };
    probes.abort_all();
    input.stop.store(true, Ordering::Relaxed);
    Ok(exit)
}

/// Puts `text` on the clipboard of the user's terminal with OSC 52 (works over SSH).
fn copy_osc52(terminal: &mut DefaultTerminal, text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let out = terminal.backend_mut();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

/// Writes the JSON and text reports to the current directory.
fn export(model: &Model) -> Result<PathBuf, String> {
    let stamp = humantime::format_rfc3339_seconds(model.wall)
        .to_string()
        .replace(':', "");
    let base = format!("tlsdoctor-report-{stamp}");
    let json =
        serde_json::to_string_pretty(&report::json::report(model)).map_err(|e| e.to_string())?;
    let json_path = PathBuf::from(format!("{base}.json"));
    std::fs::write(&json_path, json + "\n").map_err(|e| format!("{}: {e}", json_path.display()))?;
    let text_path = PathBuf::from(format!("{base}.txt"));
    std::fs::write(&text_path, report::text::report(model))
        .map_err(|e| format!("{}: {e}", text_path.display()))?;
    Ok(std::env::current_dir().map_or(json_path.clone(), |d| d.join(&json_path)))
}

/// Leaves the TUI, runs the confirmed command in the real terminal, waits for Enter, comes back
/// (to the same terminal: no second panic hook).
fn run_fix(terminal: &mut DefaultTerminal, input: &Input, run: &FixRun) -> Result<i32, String> {
    input.pause();
    ratatui::restore();
    let cmd = crate::text::shell_join(&run.argv);
    println!(
        "tlsdoctor-tui: running the fix \"{}\":\n  $ {cmd}\n",
        run.label
    );
    tracing::info!("fix {:?} started: {:?}", run.label, run.argv);
    let started = Instant::now();
    let result = crate::fix::run_in_terminal(&run.argv);
    let took = crate::text::human_duration(started.elapsed());
    match &result {
        Ok(code) => tracing::info!("fix {:?} exited with {code} after {took}", run.argv),
        Err(e) => tracing::warn!("fix {:?} could not run: {e}", run.argv),
    }
    match &result {
        Ok(code) => println!("\n(exit status {code}) Press Enter to return to tlsdoctor-tui."),
        Err(e) => println!("\ncould not run it: {e}\nPress Enter to return to tlsdoctor-tui."),
    }
    let mut line = String::new();
    let _ = io::stdin().read_line(&mut line);
    if let Err(e) = reenter(terminal) {
        tracing::error!("cannot set the terminal up again after a fix: {e}");
    }
    input.resume();
    result
}

/// Takes the terminal back after a command ran in it: raw mode, the alternate screen, a full
/// redraw.
fn reenter(terminal: &mut DefaultTerminal) -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()
}
