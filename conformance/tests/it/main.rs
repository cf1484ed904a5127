//! Tests of the suite itself, one binary split by topic: the suite against this project's server
//! (it must pass), against small scripted servers with deliberate flaws (the right cases must fail),
//! snapshots of the server's replies, and property tests of the codecs and PORT/PASV channels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod broken_servers;
mod cli;
mod client_mode;
mod default_port;
mod flaw_proxy;
mod mock;
mod modern;
mod modern_mock;
mod new_cases_can_fail;
mod own_server;
mod properties;
mod snapshots;
mod support;
mod truthfulness;
