//! The integration tests, as one binary (each test binary links the whole crate graph, so one
//! links once): the lab's peers on loopback, the CLI, the headless runs, the probes against
//! real and lab peers, the pure diagnosis's scenarios, and the view's snapshots.

mod bundle;
mod cli;
mod clock;
mod config;
mod diagnose;
mod hardening;
mod headless;
mod lab;
mod props;
mod reach;
mod scenes;
mod screenshots;
mod support;
mod tls;
mod ui;
