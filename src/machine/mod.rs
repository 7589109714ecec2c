//! Facts about this machine that explain a failing handshake, as data: the security and
//! inspection agents that run on Linux ([`security`]), and the minimum versions of the VPN
//! clients and the TLS stack with what breaks below each ([`clients`]). The tables and their
//! parsers are pure; `probe::machine` reads `/proc` and runs the programs, and
//! `diagnose::machine` turns what it saw into findings.

pub mod clients;
pub mod security;
