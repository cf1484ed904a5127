//! The client's one error type and its single mapping to process exit codes.
//!
//! Every variant says what failed in words a user can act on; those that come from a server reply carry
//! the [`Reply`] so the message can quote it and say what its code means (RFC 959 §4.2.2).

use std::fmt;
use std::io;
use std::path::PathBuf;

use ftp_proto::Reply;

/// Exit codes of the `ftp-client` binary, one per kind of failure (documented in `--help`).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// The server refused a command for a reason not covered below (e.g. 553 name not allowed).
    pub const REFUSED: i32 = 1;
    /// Bad command line, URL or shell command.
    pub const USAGE: i32 = 2;
    /// Could not connect, the connection was lost or closed (421), a timeout, or an unreadable reply.
    pub const CONNECTION: i32 = 3;
    /// The server refused the login (530, 532).
    pub const LOGIN: i32 = 4;
    /// The remote file or directory does not exist or is unavailable (550 on an existing-path command).
    pub const NOT_FOUND: i32 = 5;
    /// A data transfer failed or was cut short (425, 426, 451, a short file, a broken data connection).
    pub const TRANSFER: i32 = 6;
    /// Reading or writing a local file failed.
    pub const LOCAL_IO: i32 = 7;
}

/// Everything that can go wrong in the client.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The command line, URL or shell command was malformed.
    Usage(String),
    /// The TCP connection to the server could not be made.
    Connect { address: String, source: io::Error },
    /// The control connection broke or the server closed it without a 421.
    ConnectionLost(io::Error),
    /// The server said it is closing the control connection (421), solicited or not.
    ServiceClosing(Reply),
    /// No reply (or no data) within the timeout.
    Timeout(String),
    /// A reply line did not follow RFC 959 §4.2, or a reply could not be decoded (227, 229, 257...).
    Protocol(String),
    /// USER/PASS was refused (530, 532, or an unexpected reply to the login).
    LoginDenied(Reply),
    /// A command naming an existing file or directory got 550 (or 450 on a listing).
    NotFound { path: String, reply: Reply },
    /// Any other refusal of a command.
    Refused { command: String, reply: Reply },
    /// A data transfer did not complete: the reply that ended it, or the reason it broke.
    Transfer { what: String, reason: String },
    /// A local file could not be read or written.
    LocalIo { path: PathBuf, source: io::Error },
    /// An operation that needs a connection ran without one (shell before `open`).
    NotConnected,
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The process exit code for this error (the one mapping; see [`exit`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Connect { .. }
            | Error::ConnectionLost(_)
            | Error::ServiceClosing(_)
            | Error::Timeout(_)
            | Error::Protocol(_)
            | Error::NotConnected => exit::CONNECTION,
            Error::LoginDenied(_) => exit::LOGIN,
            Error::NotFound { .. } => exit::NOT_FOUND,
            Error::Refused { .. } => exit::REFUSED,
            Error::Transfer { .. } => exit::TRANSFER,
            Error::LocalIo { .. } => exit::LOCAL_IO,
        }
    }

    /// A local I/O error on `path`.
    pub fn local(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::LocalIo {
            path: path.into(),
            source,
        }
    }
}

/// What a reply code means, in a few words (RFC 959 §4.2.2 and RFC 2428).
pub fn meaning(code: u16) -> &'static str {
    match code {
        421 => "service not available, closing control connection",
        425 => "can't open data connection",
        426 => "connection closed; transfer aborted",
        450 => "file unavailable (busy or not found)",
        451 => "action aborted: local error in processing",
        452 => "insufficient storage space",
        500 => "syntax error, command unrecognized",
        501 => "syntax error in parameters",
        502 => "command not implemented",
        503 => "bad sequence of commands",
        504 => "command not implemented for that parameter",
        522 => "network protocol not supported",
        530 => "not logged in",
        532 => "need account for storing files",
        550 => "file unavailable (not found or no access)",
        551 => "page type unknown",
        552 => "exceeded storage allocation",
        553 => "file name not allowed",
        _ if code >= 500 => "permanent negative reply",
        _ if code >= 400 => "transient negative reply",
        _ => "unexpected reply",
    }
}

fn quote(reply: &Reply) -> String {
    format!(
        "\"{} {}\" ({})",
        reply.code,
        reply.text(),
        meaning(reply.code)
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(why) => write!(f, "usage: {why}"),
            Error::Connect { address, source } => {
                write!(f, "could not connect to {address}: {source}")
            }
            Error::ConnectionLost(source) => write!(f, "control connection lost: {source}"),
            Error::ServiceClosing(reply) => {
                write!(f, "the server closed the connection: {}", quote(reply))
            }
            Error::Timeout(what) => write!(f, "timed out {what}"),
            Error::Protocol(why) => write!(f, "protocol error: {why}"),
            Error::LoginDenied(reply) => write!(f, "login denied: {}", quote(reply)),
            Error::NotFound { path, reply } => {
                write!(
                    f,
                    "remote file or directory not found: {path}: {}",
                    quote(reply)
                )
            }
            Error::Refused { command, reply } => {
                write!(f, "the server refused {command}: {}", quote(reply))
            }
            Error::Transfer { what, reason } => write!(f, "transfer failed: {what}: {reason}"),
            Error::LocalIo { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NotConnected => f.write_str("not connected (use `open URL` first)"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connect { source, .. }
            | Error::ConnectionLost(source)
            | Error::LocalIo { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_exit_code() {
        let reply = || Reply::new(550, "No such file.");
        let codes = [
            Error::Usage("x".into()).exit_code(),
            Error::Timeout("x".into()).exit_code(),
            Error::LoginDenied(Reply::new(530, "no")).exit_code(),
            Error::NotFound {
                path: "f".into(),
                reply: reply(),
            }
            .exit_code(),
            Error::Transfer {
                what: "f".into(),
                reason: "r".into(),
            }
            .exit_code(),
            Error::local("f", io::Error::other("x")).exit_code(),
            Error::Refused {
                command: "MKD".into(),
                reply: reply(),
            }
            .exit_code(),
        ];
        let mut sorted = codes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "{codes:?}");
        assert!(!codes.contains(&exit::OK));
    }

    #[test]
    fn messages_quote_the_reply_and_its_meaning() {
        let error = Error::NotFound {
            path: "a.txt".into(),
            reply: Reply::new(550, "No such file."),
        };
        let text = error.to_string();
        assert!(
            text.contains("a.txt") && text.contains("550 No such file."),
            "{text}"
        );
        assert!(text.contains("not found"), "{text}");
    }
}
