//! Integration tests for `ftp-client`, one binary split by topic: the library against this project's
//! server in-process (`library`), against a scripted misbehaving server (`scripted`), and the binary
//! (`cli`). Everything speaks real TCP on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod library;
mod refused_get;
mod scripted;
mod shell_commands;
mod streamed_get;
mod support;
mod tls;
mod tls_truncated;
