//! The lab: scenario peers that run in-process on 127.0.0.1 ephemeral ports, so every
//! diagnosis can be produced without a broken network. Each peer returns its address and stops
//! when dropped. Shared by the tests (`mod lab;`) and `examples/lab.rs`.

// Each test crate uses only some of the peers.
#![allow(dead_code)]

pub mod dns;
pub mod http;
pub mod ntp;
pub mod openvpn;
pub mod openvpn_tls;
pub mod ports;
pub mod tls;
pub mod udp;
