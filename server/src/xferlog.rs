//! `--xferlog FILE`: one line per file transfer in the wu-ftpd/vsftpd `xferlog` format, so that existing
//! log analysers read it. Fields, separated by single spaces:
//!
//! `current-time transfer-time remote-host file-size filename transfer-type special-action-flag
//! direction access-mode username service-name authentication-method authenticated-user-id
//! completion-status`, e.g.
//!
//! `Sat Dec  5 07:58:09 2026 1 127.0.0.1 5 /pub/hello.txt b _ o a guest@example.com ftp 0 * c`
//!
//! - current-time: `ctime(3)` form, in UTC (the server keeps no time zone data);
//! - transfer-time: whole seconds, at least 1 (as vsftpd writes it);
//! - file-size: the bytes moved; filename: the path under the server root, white space as `_` so that
//!   the line still splits into fields;
//! - transfer-type `a`/`b`; special-action-flag `_` (no compression); direction `o` (RETR) / `i` (STOR);
//! - access-mode `a` (anonymous, username: the e-mail given as password) / `r` (a named account);
//! - service-name `ftp`, authentication-method `0`, authenticated-user-id `*`;
//! - completion-status `c` complete, `i` incomplete (failed, aborted or cut short).
//!
//! Sessions never wait on the disk for it: [`XferLog::record`] puts the line on a channel to one writer
//! task, which appends it. When the writer falls far behind, lines are dropped with a warning rather than
//! slowing transfers.

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::data::listing::ctime;

/// Lines waiting for the writer before new ones are dropped.
const BACKLOG: usize = 4096;

/// The sending end of the transfer log; cheap to share.
#[derive(Debug, Clone)]
pub struct XferLog {
    lines: mpsc::Sender<String>,
}

/// Which way a file went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// RETR: from the server.
    Outgoing,
    /// STOR: to the server.
    Incoming,
}

/// Who transferred it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The guest; holds the password given (by custom an e-mail address).
    Anonymous(String),
    /// A named account.
    Real(String),
}

/// One finished (or abandoned) file transfer.
#[derive(Debug, Clone)]
pub struct TransferRecord {
    pub finished: SystemTime,
    pub elapsed: Duration,
    pub remote: IpAddr,
    pub bytes: u64,
    /// The path under the server root.
    pub path: String,
    pub ascii: bool,
    pub direction: Direction,
    pub access: Access,
    pub complete: bool,
}

impl XferLog {
    /// Opens `path` for appending (creating it) and starts the writer task on the current runtime.
    pub async fn open(path: &Path) -> std::io::Result<XferLog> {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await?;
        let (lines, mut receiver) = mpsc::channel::<String>(BACKLOG);
        tokio::spawn(async move {
            while let Some(line) = receiver.recv().await {
                let written = async {
                    file.write_all(line.as_bytes()).await?;
                    file.flush().await
                };
                if let Err(error) = written.await {
                    tracing::error!(%error, "cannot write the transfer log");
                }
            }
        });
        Ok(XferLog { lines })
    }

    /// Queues one line; never waits.
    pub fn record(&self, transfer: &TransferRecord) {
        if self.lines.try_send(line(transfer)).is_err() {
            tracing::warn!(path = %transfer.path, "transfer log behind or closed: line dropped");
        }
    }
}

/// The xferlog line for `transfer`, with its newline.
pub fn line(transfer: &TransferRecord) -> String {
    let seconds = transfer.elapsed.as_secs_f64().round().max(1.0) as u64;
    let filename: String = transfer
        .path
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let (mode, username) = match &transfer.access {
        Access::Anonymous(email) => ('a', field(email)),
        Access::Real(name) => ('r', field(name)),
    };
    format!(
        "{} {seconds} {} {} {filename} {} _ {} {mode} {username} ftp 0 * {}\n",
        ctime(transfer.finished),
        transfer.remote.to_canonical(),
        transfer.bytes,
        if transfer.ascii { 'a' } else { 'b' },
        match transfer.direction {
            Direction::Outgoing => 'o',
            Direction::Incoming => 'i',
        },
        if transfer.complete { 'c' } else { 'i' },
    )
}

/// A value that must stay one field: white space and control characters become `_`, and nothing at all
/// becomes `*`.
fn field(text: &str) -> String {
    if text.is_empty() {
        return "*".to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_fourteen_fields_in_order() {
        let record = TransferRecord {
            finished: SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_921_489),
            elapsed: Duration::from_millis(200),
            remote: "::ffff:127.0.0.1".parse().unwrap(),
            bytes: 42,
            path: "/pub/my file.txt".into(),
            ascii: false,
            direction: Direction::Incoming,
            access: Access::Real("alice".into()),
            complete: false,
        };
        assert_eq!(
            line(&record),
            "Fri Dec  5 07:58:09 2025 1 127.0.0.1 42 /pub/my_file.txt b _ i r alice ftp 0 * i\n"
        );
        let guest = TransferRecord {
            access: Access::Anonymous(String::new()),
            ascii: true,
            direction: Direction::Outgoing,
            complete: true,
            elapsed: Duration::from_millis(2600),
            ..record
        };
        assert!(line(&guest).ends_with(" 3 127.0.0.1 42 /pub/my_file.txt a _ o a * ftp 0 * c\n"));
    }
}
