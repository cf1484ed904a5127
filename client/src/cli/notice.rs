//! Success lines, one convention for every command (lftp's): when a person is at a terminal (stdin and
//! stdout both terminals), each command that succeeds says so in one line on stdout; in scripts, pipes
//! and cron nothing is printed on success, so stdout carries only what was asked for (`ls`, `nlist`,
//! `pwd`, `status`, `help`, `get -o -`) and failures go to stderr. The texts live here so the shell and
//! the one-shot commands word them alike.

use std::fmt::Display;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::url::FtpUrl;

/// Whether success lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notices {
    on: bool,
}

impl Notices {
    /// On when stdin and stdout are both terminals: someone is typing and watching.
    pub fn for_this_process() -> Notices {
        Notices {
            on: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        }
    }

    /// Never prints (for stdout that carries data, and for library use).
    pub fn off() -> Notices {
        Notices { on: false }
    }

    /// Prints `line` on stdout if notices are on.
    pub fn say(&self, line: impl Display) {
        if self.on {
            println!("{line}");
        }
    }
}

/// The connection, as both `open` and `status` show it: the URL's host and the port connected to
/// (not the URL's: `--tls implicit` moves a URL's default port to 990).
pub fn connected(url: &FtpUrl, peer: SocketAddr) -> String {
    format!("Connected to {}:{} ({peer}).", url.host, peer.port())
}

/// A finished download: `REMOTE -> LOCAL: N bytes [(resumed at N)] in S s`.
pub fn downloaded(
    remote: &str,
    local: &Path,
    received: u64,
    offset: u64,
    took: Duration,
) -> String {
    let from = if offset > 0 {
        format!(" (resumed at {offset})")
    } else {
        String::new()
    };
    format!(
        "{remote} -> {}: {received} bytes{from} in {:.2}s",
        local.display(),
        took.as_secs_f64()
    )
}

/// A finished upload: `LOCAL -> REMOTE: N bytes in S s`.
pub fn uploaded(local: &Path, remote: &str, sent: u64, took: Duration) -> String {
    format!(
        "{} -> {remote}: {sent} bytes in {:.2}s",
        local.display(),
        took.as_secs_f64()
    )
}

/// A reply as the server sent it, every line, with local line ends (what `quote` prints).
pub fn reply_text(reply: &ftp_proto::Reply) -> String {
    String::from_utf8_lossy(&reply.to_bytes_bare()).replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_names_host_port_and_peer() {
        let url = FtpUrl::parse("ftp://localhost:2121/pub").unwrap();
        let peer: SocketAddr = "127.0.0.1:2121".parse().unwrap();
        assert_eq!(
            connected(&url, peer),
            "Connected to localhost:2121 (127.0.0.1:2121)."
        );
    }
}
