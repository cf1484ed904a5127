//! Integration tests: the real server in-process on 127.0.0.1:0, spoken to over raw TCP.
//! One binary, one module per topic; `ftp_testkit` starts servers and speaks the protocol.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod basic_commands;
mod brief_session;
mod cli;
mod cli_accounts;
mod concurrency;
mod directories;
mod jail_model;
mod jail_races;
mod lifecycle;
mod machine_listings;
mod malformed_input;
mod network;
mod security;
mod shutdown;
mod status;
mod storage;
mod tls;
mod transfer_errors;
mod transfers;
mod uploads;
mod xferlog;
mod zero_copy;
