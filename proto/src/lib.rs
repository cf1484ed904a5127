//! The FTP wire codec shared by `ftp-server`, `ftp-client` and `ftp-conformance`, so that no two of them
//! write the same parser twice (after mini-redis's `cmd/*.rs`, used by its server and its client alike).
//!
//! - [`command`]: [`Command`], the typed commands: parsed from a line by a server, encoded by a client.
//! - [`verb`]: the command verbs this toolkit knows, by their wire names.
//! - [`reply`]: replies ([`Reply`], text kept as bytes), formatting (single and multi-line, RFC 959 §4.2)
//!   and an incremental parser that turns received lines into replies.
//! - [`reply_code`]: [`ReplyCode`], the reply codes by name.
//! - [`pathname`]: the quoted pathname of a 257 reply, both ways.
//! - [`hostport`]: the address encodings of PORT/227 (RFC 959 §4.1.2), EPRT/229 (RFC 2428).
//! - [`ascii`]: TYPE A line-end conversion as streaming converters, for either direction.
//! - [`url`]: [`FtpUrl`], `ftp://` URLs with percent-decoding, as the client opens and the suite tests them.

// In unit tests a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod ascii;
pub mod command;
pub mod hostport;
pub mod pathname;
pub mod reply;
pub mod reply_code;
pub mod url;
pub mod verb;

pub use command::{
    AuthMechanism, Command, CommandError, EpsvArg, ListingArg, Password, PathArg, ProtectionLevel,
    SiteCommand, TransferType,
};
pub use hostport::HostPortError;
pub use reply::{Reply, ReplyError, ReplyLine, ReplyParser};
pub use reply_code::ReplyCode;
pub use url::{FtpUrl, Scheme, UrlError};
pub use verb::Verb;
