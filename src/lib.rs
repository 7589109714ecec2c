//! tlsdoctor-tui: find out why TLS handshakes fail, and walk the user to the fix.
//!
//! A functional core with an imperative shell. Probes ([`probe`]) run as async tasks and post
//! [`probe::ProbeEvent`]s; the runtime turns input and probe events into [`app::Msg`]s;
//! [`app::update()`] records them into the [`diagnose::Observations`] and returns
//! [`app::Effect`]s for the runtime to carry out; [`diagnose`] derives the clock's verdict,
//! each target's judged chain and the findings from the observations, once per change
//! ([`diagnose::Derived`]); [`ui`] and [`report`] only read what was observed and derived.
//!
//! # Layers
//!
//! Imports point down this list, never up, and no two modules import each other:
//!
//! ```text
//! main · runtime · headless       the shell: terminal, tasks, signals, effects
//! bundle                          the support bundle: reads app's model and report's output,
//!                                 gathers the environment (fixed commands, bounded), redacts
//! mouse                           mouse capture, crossterm's events as messages (via ui)
//! usage                           --help's keys and sections, completions, the man page
//! ui · report                     read app's model (report uses ui::format for the same words)
//! app                             model, messages, update, the key table
//! diagnose                        observations → derived (consensus, judged chains, findings)
//! probe                           one async check per file; slots of runs; the HTTP client
//! config · cli                    value types parsed once; defaults only in defaults.toml
//! interception · machine · fix · limits   data tables (machine: security products, client
//!                                 minimums), the one process runner, the process's limits
//! text                            prose helpers: sanitising, durations, bytes, shell quoting
//! ```
//!
//! # Where things go
//!
//! - **A probe kind** (8 files): the check in `probe/<kind>.rs`; in `probe/mod.rs` its
//!   `ProbeId` and `ProbeOutcome` variants, its arm in `run` and where it is scheduled
//!   (`all_probes`, or `after_dns` for a check that uses a target's lookup); its slot in
//!   `diagnose/observations.rs` (the field and its arms in `run_state`, `run_state_mut`,
//!   `record`); its rules in `diagnose/<area>.rs`; how it shows in `ui/<pane>/mod.rs` and
//!   `details.rs`; its keys in `report/json.rs` and `report/text.rs`; and, when a config can
//!   name it, its `ProbeSpec` in `config/mod.rs`.
//! - **A finding code** (2 files, the README and a test): the `Code` variant and its name in
//!   `diagnose/mod.rs`; one function named for it in `diagnose/<area>.rs`, called from that
//!   file's `rules`; its row in the README's table; a scenario in `tests/it/diagnose.rs`.
//! - **A pane** (6 files, 2 of them new): the `Pane` variant, its title and its row count in
//!   `app/model.rs`; its focus key in `app/keys.rs` and what `r` re-runs there in
//!   `app/update.rs`; its arm in `ui::view`; `ui/<pane>/mod.rs` (implementing
//!   [`ui::PaneView`]) and `ui/<pane>/details.rs`.
//! - **A config key** (2 files and the README): its default in `config/defaults.toml`; its
//!   raw field, its typed field and how a file's value is laid over the default in
//!   `config/mod.rs`; its line in the README's config section.

pub mod app;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod fix;
pub mod headless;
pub mod interception;
pub mod limits;
pub mod logging;
pub mod machine;
pub mod mouse;
pub mod probe;
pub mod report;
pub mod runtime;
pub mod text;
pub mod ui;
pub mod usage;
