//! Integration tests for udp-tools: one binary, one module per topic. Every test speaks real
//! UDP on loopback to servers started in-process on port 0 (or to the built binaries).

// Tests fail loudly on purpose: an unwrap here is an assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod chat;
mod cli;
mod echo;
mod hostile;
mod support;
mod tftp;
