//! Lab peers shared by the tests (and later by examples/lab.rs): each starts on 127.0.0.1
//! port 0 and stops when dropped.

// Each test crate uses a part of the lab.
#![allow(dead_code)]

pub mod tls;
