//! `ftp-testkit`: what the tests of every crate share, so that they read like the protocol (model: h2's
//! `support` crate). Dev-only, with one exception: `ftp-bench soak`
//! drives its sessions through the fault [`proxy`].
//!
//! - [`server`]: this project's server in-process on `127.0.0.1:0` with a temporary root
//!   ([`TestServer`]), or the built binary started with `--port 0` ([`spawn_listening`]).
//! - [`control`]: a raw control connection ([`Control`]) that reads replies with the shared parser and
//!   counts every byte.
//! - [`scripted`]: a scripted server for one connection ([`scripted()`], [`Peer`]), for tests of clients.
//! - [`data`]: test data ([`pattern`], [`sparse_file`]) and data-connection helpers.
//! - [`proxy`]: a fault-injecting TCP proxy ([`FaultProxy`]) for control and passive data connections.
//! - [`tls`]: a test certificate authority ([`TestPki`]) and a TLS client ([`TlsClient`]) that resumes
//!   sessions, for FTPS.
//!
//! Every wait is bounded by [`TIMEOUT`]; every address is on loopback.

// Test support: a panic is how a helper fails the test that called it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod control;
pub mod data;
pub mod proxy;
pub mod scripted;
pub mod server;
pub mod tls;

use std::time::Duration;

pub use control::Control;
pub use data::{accept, connect_from, pattern, port_listener, read_to_end, sparse_file};
pub use proxy::{FaultProxy, ProxyConfig};
pub use scripted::{scripted, Peer};
pub use server::{spawn_listening, TestServer};
pub use tls::{TestPki, TlsClient};

/// Generous: only a hang should ever reach it.
pub const TIMEOUT: Duration = Duration::from_secs(20);
