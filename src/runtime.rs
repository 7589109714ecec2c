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
use crate::probe::{self, ProbeContext, ProbeEvent, ProbeId, ProbeOutcome};

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
    /// its event arrives through [`Probes::next`]. A probe that panics still sends one: an
    /// internal error on its row ([`internal_error`]), so its check never spins forever.
    pub fn spawn(&mut self, id: ProbeId, obs: &Observations) {
        use futures::FutureExt as _;

        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        let dns = obs.dns_for(id).cloned();
        self.tasks.spawn(async move {
            let start = Instant::now();
            let run = std::panic::AssertUnwindSafe(async {
                test_hooks::maybe_panic(id);
                probe::run(id, &ctx, dns.as_ref()).await
            });
            let event = match run.catch_unwind().await {
                Ok(event) => event,
                Err(payload) => ProbeEvent {
                    id,
                    finished_at: SystemTime::now(),
                    took: start.elapsed(),
                    outcome: internal_error(id, &ctx.config, &panic_words(&*payload), start),
                },
            };
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

/// What a panic's payload says, in words.
fn panic_words(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// The outcome a probe that panicked reports: an internal error, in the place its kind keeps
/// errors, so its row says so instead of running forever.
pub fn internal_error(id: ProbeId, config: &Config, why: &str, start: Instant) -> ProbeOutcome {
    use crate::probe::{clock, connect, reach, sync, tls};

    let msg = format!(
        "internal error: this check crashed ({}); please report it with the panic report",
        crate::text::clean(why)
    );
    let took = start.elapsed();
    let target = probe::target_of(id).and_then(|i| config.targets.get(i));
    match id {
        ProbeId::Ntp(_) => ProbeOutcome::Ntp(Err(clock::NtpError::Io(msg))),
        ProbeId::SyncService => ProbeOutcome::SyncService(Box::new(sync::SyncStatus {
            timedatectl: sync::ToolAnswer::Failed(msg.clone()),
            chrony: sync::ToolAnswer::Failed(msg),
        })),
        ProbeId::Dns(_) => ProbeOutcome::Dns(connect::Dns::Failed { error: msg, took }),
        ProbeId::Connect(_) => ProbeOutcome::Connect(Box::new(connect::ConnectReport {
            tcp: target
                .map(crate::config::Target::tcp_ports)
                .unwrap_or_default()
                .into_iter()
                .map(|port| connect::TcpAttempt {
                    port,
                    addr: None,
                    result: Err(connect::TcpError::Other(msg.clone())),
                })
                .collect(),
        })),
        ProbeId::Reach(_) => ProbeOutcome::Reach(Box::new(reach::ReachReport {
            results: target
                .map(crate::config::Target::reach_probes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|spec| {
                    let port = spec.port()?;
                    Some(reach::ReachResult {
                        probe: spec,
                        addr: std::net::SocketAddr::from(([0, 0, 0, 0], port)),
                        port,
                        status: reach::ReachStatus::Error,
                        is_openvpn: false,
                        signed: None,
                        detail: msg.clone(),
                        took,
                        via: None,
                        handshake: None,
                    })
                })
                .collect(),
            dns_compare: None,
        })),
        ProbeId::Tls(_) => {
            let (host, port, sni) = target.map_or_else(
                || (String::new(), 0, None),
                |t| {
                    (
                        t.host.clone(),
                        t.tls_port(),
                        t.sni_name().map(str::to_string),
                    )
                },
            );
            let attempt = tls::Attempt {
                failure: Some(tls::TlsFailure::Other(msg)),
                took,
                ..tls::Attempt::new(tls::Variant::Default, sni.clone())
            };
            ProbeOutcome::Tls(Box::new(tls::TlsReport {
                name: sni.clone().unwrap_or_else(|| host.clone()),
                host,
                port,
                sni,
                started_at: SystemTime::now(),
                took,
                attempt,
                variants: Vec::new(),
                chain: Vec::new(),
                verified_at: None,
            }))
        }
        ProbeId::Captive => ProbeOutcome::Captive(Box::new(reach::CaptiveResult {
            url: config
                .network
                .captive_url
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            verdict: reach::CaptiveVerdict::Unknown(msg),
            status: None,
            location: None,
            took,
        })),
        ProbeId::Machine => ProbeOutcome::Machine(Box::new(crate::probe::machine::MachineReport {
            security: crate::probe::machine::SecurityScan {
                found: Vec::new(),
                limited: Some(msg.clone()),
            },
            clients: Vec::new(),
            os: Err(msg.clone()),
            firewall: crate::probe::firewall::Firewall::unknown(&msg),
            services: Vec::new(),
            nordvpn_status: None,
            trust_store: Err(msg),
        })),
    }
}

/// Faults the tests force through the real binary. Compiled into debug builds only (the
/// tests' binary), never into a release: no config key or option reaches them.
mod test_hooks {
    use crate::probe::ProbeId;

    /// `TLSDOCTOR_TEST_PANIC_PROBE=ntp|dns|tls|...` (the `ProbeId`'s kind in lower case, as
    /// its Debug form starts): that probe panics when it starts.
    #[cfg(debug_assertions)]
    pub fn maybe_panic(id: ProbeId) {
        if let Some(kind) = std::env::var_os("TLSDOCTOR_TEST_PANIC_PROBE") {
            let name = format!("{id:?}").to_ascii_lowercase();
            let kind = kind.to_string_lossy().to_ascii_lowercase();
            assert!(
                name.split('(').next() != Some(kind.as_str()),
                "test hook: {id:?} panics as TLSDOCTOR_TEST_PANIC_PROBE asked"
            );
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn maybe_panic(_: ProbeId) {}

    /// `TLSDOCTOR_TEST_PANIC_LOOP=1`: the dashboard's loop panics after its first frame.
    #[cfg(debug_assertions)]
    pub fn maybe_panic_loop() {
        assert!(
            std::env::var_os("TLSDOCTOR_TEST_PANIC_LOOP").is_none(),
            "test hook: the loop panics as TLSDOCTOR_TEST_PANIC_LOOP asked"
        );
    }

    #[cfg(not(debug_assertions))]
    pub fn maybe_panic_loop() {}
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

/// Whether the dashboard owns the terminal (raw mode, the alternate screen): what the panic
/// hook gives back.
static TUI_ON: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when dropped, however the loop ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        TUI_ON.store(false, Ordering::SeqCst);
        ratatui::restore();
    }
}

/// The first panic of the process: what it said and where its report was written.
#[derive(Debug, Clone)]
pub struct PanicReport {
    /// "thread 'main' panicked at src/x.rs:1:2: message".
    pub what: String,
    /// The report with its backtrace (none when no file could be made).
    pub file: Option<PathBuf>,
}

static PANIC: std::sync::Mutex<Option<PanicReport>> = std::sync::Mutex::new(None);
/// Wakes the dashboard's loop when a panic happened on another thread.
static PANIC_WAKE: std::sync::LazyLock<tokio::sync::Notify> =
    std::sync::LazyLock::new(tokio::sync::Notify::new);
/// The thread that runs the dashboard's loop and draws.
static LOOP_THREAD: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

/// Replaces every other panic hook (color-eyre's prints over the dashboard, ratatui's restores
/// the terminal from any thread while the loop may still draw): a panic writes a report with
/// its backtrace next to the log and is remembered for [`panicked`], which the dashboard's loop
/// and `main` read to stop and say where the report is. A panic of the loop's own thread gives
/// the terminal back at once; one on another thread (a probe task) wakes the loop, which stops
/// and gives it back itself, so nothing is drawn over the shell in between.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let on_loop = LOOP_THREAD.get() == Some(&std::thread::current().id());
        if on_loop && TUI_ON.load(Ordering::SeqCst) {
            TUI_ON.store(false, Ordering::SeqCst);
            ratatui::restore();
        }
        let thread = std::thread::current();
        let msg = panic_words(info.payload());
        let at = info.location().map_or_else(String::new, |l| {
            format!(" at {}:{}:{}", l.file(), l.line(), l.column())
        });
        let what = format!(
            "thread '{}' panicked{at}: {msg}",
            thread.name().unwrap_or("unnamed")
        );
        tracing::error!("{what}");
        let backtrace = std::backtrace::Backtrace::force_capture();
        let file = crate::logging::write_panic_report(&format!(
            "tlsdoctor-tui {} {what}\n\n{backtrace}\n",
            env!("CARGO_PKG_VERSION")
        ));
        let mut first = PANIC
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if first.is_none() {
            *first = Some(PanicReport { what, file });
        }
        drop(first);
        PANIC_WAKE.notify_one();
    }));
}

/// The first panic of the process, if there was one.
pub fn panicked() -> Option<PanicReport> {
    PANIC
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Why the dashboard stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// A signal asked it to stop: its name and the conventional exit status, 128 + its number.
    Signal {
        name: &'static str,
        status: u8,
    },
    /// Something panicked (a probe task or the loop): [`panicked`] has the report.
    Panic,
}

impl Exit {
    fn signal(name: &'static str, sig: rustix::process::Signal) -> Self {
        Exit::Signal {
            name,
            status: u8::try_from(128 + sig.as_raw()).unwrap_or(u8::MAX),
        }
    }
}

/// Runs the dashboard until the user quits, a signal arrives, or something panics. The
/// terminal is restored on every way out (the guard, and the panic hooks: ratatui's and
/// [`install_panic_hook`]'s). SIGTSTP (and Ctrl-Z) give the terminal back before the process
/// stops; it is taken again and redrawn when it continues.
pub async fn run_tui(config: Arc<Config>, machine: Machine, env: Env) -> color_eyre::Result<Exit> {
    use rustix::process::Signal;
    use tokio::signal::unix::{SignalKind, signal};

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigtstp = signal(SignalKind::from_raw(Signal::TSTP.as_raw()))?;

    let _guard = TerminalGuard;
    let mut terminal = ratatui::try_init().map_err(|e| {
        color_eyre::eyre::eyre!(
            "cannot set up the terminal ({e}): run it in a terminal, or use --once for a report"
        )
    })?;
    TUI_ON.store(true, Ordering::SeqCst);
    let _ = LOOP_THREAD.set(std::thread::current().id());
    // ratatui::try_init put its hook in front of ours: ours alone again (see its doc).
    install_panic_hook();
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
        if panicked().is_some() {
            break Exit::Panic;
        }
        while let Some(fx) = pending.pop_front() {
            match fx {
                Effect::Start(id) => probes.spawn(id, &model.obs),
                Effect::Quit => break 'run Exit::Quit,
                Effect::Copy(text) => {
                    copy_osc52(&mut terminal, &text);
                    pending.extend(app::update(&mut model, Msg::Copied(text)));
                }
                Effect::Export => {
                    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                    let result = export(&model, &dir).await;
                    match &result {
                        Ok(paths) => tracing::info!("exported the report to {paths:?}"),
                        Err(e) => tracing::warn!("export failed: {e}"),
                    }
                    // Time passed while it ran: the model's clock first, so the message about
                    // it is stamped now and stays its full time.
                    pending.extend(app::update(&mut model, tick_now()));
                    let msg = Msg::Exported(result);
                    pending.extend(app::update(&mut model, msg));
                }
                Effect::RunFix(run) => {
                    mouse.suspend();
                    let result = run_fix(&mut terminal, &input, &run, &mut sigtstp).await;
                    mouse.resume();
                    pending.extend(app::update(&mut model, tick_now()));
                    pending.extend(app::update(&mut model, Msg::FixFinished { run, result }));
                }
            }
            dirty = true;
        }
        if dirty && last_frame.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(f, &model))?;
            last_frame = Instant::now();
            test_hooks::maybe_panic_loop();
            dirty = false;
        }
        let frame_wait = FRAME.saturating_sub(last_frame.elapsed());
        input.set_eager(matches!(model.overlay, Some(app::Overlay::Confirm { .. })));
        // No tick while nothing changes with time: the loop sleeps until input or a probe.
        let tick_at = app::next_tick(&model).map(tokio::time::Instant::from_std);
        tokio::select! {
            Some(ev) = input.rx.recv() => {
                match ev {
                    // Ctrl-Z: in raw mode the terminal sends it as a key, not as SIGTSTP.
                    Event::Key(key) if is_ctrl_z(&key) => {
                        mouse.suspend();
                        suspend(&mut terminal, &input);
                        mouse.resume();
                        dirty = true;
                    }
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
            () = PANIC_WAKE.notified() => {}
            _ = sigtstp.recv() => {
                mouse.suspend();
                suspend(&mut terminal, &input);
                mouse.resume();
                dirty = true;
            }
            _ = sigterm.recv() => break Exit::signal("SIGTERM", Signal::TERM),
            _ = sighup.recv() => break Exit::signal("SIGHUP", Signal::HUP),
            _ = sigint.recv() => break Exit::signal("SIGINT", Signal::INT),
        }
    };
    probes.abort_all();
    input.stop.store(true, Ordering::Relaxed);
    Ok(exit)
}

/// The clocks as they read now, for the model.
fn tick_now() -> Msg {
    Msg::Tick {
        now: Instant::now(),
        wall: SystemTime::now(),
    }
}

/// Puts `text` on the clipboard of the user's terminal with OSC 52 (works over SSH).
fn copy_osc52(terminal: &mut DefaultTerminal, text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let out = terminal.backend_mut();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

fn is_ctrl_z(key: &crossterm::event::KeyEvent) -> bool {
    key.code == crossterm::event::KeyCode::Char('z')
        && key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL)
}

/// Stops the process the way a shell's job control expects, with the terminal given back
/// first (cooked mode, the main screen, the cursor), so the shell is usable while it is
/// stopped; when it continues, raw mode and the alternate screen come back and the next
/// frame redraws everything.
fn suspend(terminal: &mut DefaultTerminal, input: &Input) {
    input.pause();
    TUI_ON.store(false, Ordering::SeqCst);
    if let Err(e) = terminal.show_cursor() {
        tracing::error!("cannot show the cursor for SIGTSTP: {e}");
    }
    ratatui::restore();
    // SIGTSTP is handled here, so its default (stop) no longer happens: SIGSTOP does it. This
    // returns when a SIGCONT (`fg`) continues the process.
    stop_self();
    if let Err(e) = reenter(terminal) {
        tracing::error!("cannot set the terminal up again after SIGCONT: {e}");
    }
    TUI_ON.store(true, Ordering::SeqCst);
    input.resume();
}

/// Writes the support bundle ([`crate::bundle`]) into `dir` as
/// `tlsdoctor-report-<UTC time>.tar.gz` (`-2`, `-3`... when the name is taken), created new
/// with mode 0600, never through a link; returns its path. The error names the directory.
pub async fn export(model: &Model, dir: &std::path::Path) -> Result<PathBuf, String> {
    let stamp = humantime::format_rfc3339_seconds(model.wall)
        .to_string()
        .replace(':', "");
    let stem = format!("tlsdoctor-report-{stamp}");
    let failed = |e: &dyn std::fmt::Display| {
        format!(
            "cannot write the report in {}: {e}; press e in a directory you can write to",
            dir.display()
        )
    };
    let bytes = crate::bundle::build(model, model.env.log_path.as_deref(), model.env.redact)
        .await
        .map_err(|e| failed(&e))?;
    let mut files =
        crate::config::file::create_unique(dir, &stem, &["tar.gz"]).map_err(|e| failed(&e))?;
    let (mut file, path) = files.pop().ok_or_else(|| failed(&"no file was made"))?;
    file.write_all(&bytes)
        .and_then(|()| file.flush())
        .map_err(|e| failed(&format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// Leaves the TUI, runs the confirmed command in the real terminal, waits for Enter, comes back
/// (to the same terminal: no second panic hook).
async fn run_fix(
    terminal: &mut DefaultTerminal,
    input: &Input,
    run: &FixRun,
    sigtstp: &mut tokio::signal::unix::Signal,
) -> Result<i32, String> {
    input.pause();
    let _ = terminal.show_cursor();
    ratatui::restore();
    let cmd = crate::text::shell_join(&run.argv);
    println!(
        "tlsdoctor-tui: running the fix \"{}\":\n  $ {cmd}\n",
        run.label
    );
    tracing::info!("fix {:?} started: {:?}", run.label, run.argv);
    let started = Instant::now();
    let argv = run.argv.clone();
    let result = cooked_wait(sigtstp, move || crate::fix::run_in_terminal(&argv))
        .await
        .unwrap_or_else(|| Err("the command's thread stopped".to_string()));
    let took = crate::text::human_duration(started.elapsed());
    match &result {
        Ok(code) => tracing::info!("fix {:?} exited with {code} after {took}", run.argv),
        Err(e) => tracing::warn!("fix {:?} could not run: {e}", run.argv),
    }
    match &result {
        Ok(code) => println!("\n(exit status {code}) Press Enter to return to tlsdoctor-tui."),
        Err(e) => println!("\ncould not run it: {e}\nPress Enter to return to tlsdoctor-tui."),
    }
    cooked_wait(sigtstp, || {
        let mut line = String::new();
        let _ = io::stdin().read_line(&mut line);
    })
    .await;
    if let Err(e) = reenter(terminal) {
        tracing::error!("cannot set the terminal up again after a fix: {e}");
    }
    input.resume();
    result
}

/// Waits for `work` (blocking, on a thread of its own) while the terminal is the user's, in
/// cooked mode. SIGTSTP is handled by this process, so its default (stop) would not happen: a
/// Ctrl-Z meanwhile stops this process here, as the shell expects, together with a command
/// it runs (the same process group), and `fg` continues both.
async fn cooked_wait<T: Send + 'static>(
    sigtstp: &mut tokio::signal::unix::Signal,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let mut task = tokio::task::spawn_blocking(work);
    loop {
        tokio::select! {
            done = &mut task => return done.ok(),
            _ = sigtstp.recv() => stop_self(),
        }
    }
}

/// Stops this process until a SIGCONT (`fg`) continues it.
fn stop_self() {
    use rustix::process::{Signal, getpid, kill_process};

    if let Err(e) = kill_process(getpid(), Signal::STOP) {
        tracing::error!("cannot stop the process for SIGTSTP: {e}");
    }
}

/// Takes the terminal back after a command ran in it: raw mode, the alternate screen, a full
/// redraw.
fn reenter(terminal: &mut DefaultTerminal) -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.hide_cursor()?;
    terminal.clear()
}
