//! The FTP wire codec shared by `ftp-server`, `ftp-client` and `ftp-conformance`, so that no two of them
//! write the same parser twice.
//!
//! - [`reply`]: reply codes and texts, formatting (single and multi-line, RFC 959 §4.2) and an incremental
//!   parser that turns received lines into [`Reply`] values.
//! - [`hostport`]: the address encodings of PORT/227 (RFC 959 §4.1.2), EPRT/229 (RFC 2428).
//! - [`verb`]: the command verbs this toolkit knows, by their wire names.

// In unit tests a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod hostport;
pub mod reply;
pub mod verb;

pub use hostport::HostPortError;
pub use reply::{Reply, ReplyError, ReplyParser};
pub use verb::Verb;
