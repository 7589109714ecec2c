//! tlsdoctor-tui: find out why TLS handshakes fail, and walk the user to the fix.
//!
//! The shape is a functional core with an imperative shell: probes (`probe`) run as async
//! tasks and post [`probe::ProbeEvent`]s; the runtime turns input and probe events into
//! [`app::Msg`]s; [`app::update`] changes the [`app::Model`] and returns [`app::Effect`]s
//! for the runtime to carry out; [`diagnose::diagnose`] and [`ui::render`] only read the model.

pub mod app;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod fix;
pub mod headless;
pub mod interception;
pub mod logging;
pub mod probe;
pub mod report;
pub mod runtime;
pub mod text;
pub mod ui;
