//! The client's one error type and its single mapping to process exit codes.
//!
//! Every variant says what failed in words a user can act on; those that come from a server reply carry
//! the [`Reply`], so the message can quote it once and add one plain [`hint`] that fits it.

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
    /// Could not connect, the connection was lost or closed (421), a timeout, an unreadable reply, or
    /// TLS failed (refused AUTH TLS, untrusted certificate, failed handshake).
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

/// Everything that can go wrong in the client. The `#[error]` texts are what the binary prints after
/// `ftp-client: `; tests pin them word for word.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line, URL or shell command was malformed.
    #[error("usage: {0}")]
    Usage(String),
    /// The TCP connection to the server could not be made.
    #[error("could not connect to {address}: {source}")]
    Connect { address: String, source: io::Error },
    /// The control connection broke or the server closed it without a 421.
    #[error("control connection lost: {0}")]
    ConnectionLost(#[source] io::Error),
    /// The server said it is closing the control connection (421), solicited or not.
    #[error("the connection was closed: {}", quote(.0))]
    ServiceClosing(Reply),
    /// TLS could not be set up or broke: a refused AUTH TLS, an untrusted certificate, a failed
    /// handshake on the control or a data connection.
    #[error("{0}")]
    Tls(String),
    /// No reply (or no data) within the timeout.
    #[error("timed out {0}")]
    Timeout(String),
    /// A reply line did not follow RFC 959 §4.2, or a reply could not be decoded (227, 229, 257...).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// USER/PASS was refused (530, 532, or an unexpected reply to the login).
    #[error("login denied: {}", quote(.0))]
    LoginDenied(Reply),
    /// A command naming an existing file or directory got 550 (or 450 on a listing).
    #[error("{path}: {}", quote(.reply))]
    NotFound { path: String, reply: Reply },
    /// Any other refusal of a command.
    #[error("{command} refused: {}", quote(.reply))]
    Refused { command: String, reply: Reply },
    /// A data transfer did not complete: the reply that ended it, or the reason it broke.
    #[error("transfer failed: {what}: {reason}")]
    Transfer { what: String, reason: String },
    /// A local file could not be read or written.
    #[error("{}: {source}", .path.display())]
    LocalIo { path: PathBuf, source: io::Error },
    /// An operation that needs a connection ran without one (shell before `open`).
    #[error("not connected (use `open URL` first)")]
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
            | Error::Tls(_)
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

/// One plain hint for a refusal: what the user can do about it, chosen by the code and, for 550, by
/// the server's own words, so that `550 Permission denied.` is not called "not found". `None` when the
/// reply says it all.
pub fn hint(reply: &Reply) -> Option<&'static str> {
    let text = reply.text().to_ascii_lowercase();
    let says = |words: &[&str]| words.iter().any(|word| text.contains(word));
    Some(match reply.code {
        421 => "the server is closing the session; connect again later",
        425 => "the data connection could not be made; try --active, or passive mode (the default)",
        426 => "the transfer was cut off; `get -c` resumes a download",
        450 | 451 => "a temporary problem on the server; try again",
        452 | 552 => "the server is out of space or over a quota",
        500 | 502 | 504 => "the server does not support this command",
        501 => "the server did not accept the argument",
        503 => "the commands came in an order the server did not expect",
        530 => {
            "check the user and password (URL, --user or ~/.netrc); some servers are anonymous-only"
        }
        532 => "the server wants an account for this",
        553 => "the server does not allow this file name there",
        550 if says(&[
            "permission",
            "denied",
            "access",
            "not allowed",
            "read-only",
            "forbidden",
        ]) =>
        {
            "the server does not let you do this: it is read-only, or you have no rights there"
        }
        550 if says(&["exist"]) && !says(&["not exist", "no such"]) => "it already exists",
        550 if says(&["not empty"]) => "remove what is inside first",
        550 if says(&["no such", "not found", "not exist", "doesn't exist"]) => {
            "check the path; `ls` lists what is there"
        }
        550 => "the file or directory is missing, or you have no access to it",
        _ => return None,
    })
}

/// The server's reply, quoted once, then its hint: `the server replied "550 No such file."; check ...`.
pub fn quote(reply: &Reply) -> String {
    let quoted = format!("the server replied \"{} {}\"", reply.code, reply.text());
    match hint(reply) {
        Some(hint) => format!("{quoted}; {hint}"),
        None => quoted,
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
    fn messages_quote_the_reply_once_then_one_fitting_hint() {
        let missing = Error::NotFound {
            path: "a.txt".into(),
            reply: Reply::new(550, "No such file or directory."),
        }
        .to_string();
        assert_eq!(
            missing,
            "a.txt: the server replied \"550 No such file or directory.\"; check the path; `ls` lists what is there"
        );
        // Issue 15: a refusal for lack of rights must not be called "not found".
        let denied = Error::NotFound {
            path: "secret".into(),
            reply: Reply::new(550, "Permission denied."),
        }
        .to_string();
        assert!(denied.contains("\"550 Permission denied.\""), "{denied}");
        assert!(!denied.contains("not found"), "{denied}");
        assert!(denied.contains("does not let you"), "{denied}");
        for text in [missing, denied] {
            assert_eq!(text.matches("550").count(), 1, "{text}");
            assert_eq!(text.matches('(').count(), 0, "no nested meaning: {text}");
        }
    }

    #[test]
    fn a_reply_that_already_explains_itself_gets_no_hint() {
        assert_eq!(hint(&Reply::new(227, "Entering Passive Mode")), None);
        let refused = Error::Refused {
            command: "MKD".into(),
            reply: Reply::new(550, "File exists."),
        };
        assert_eq!(
            refused.to_string(),
            "MKD refused: the server replied \"550 File exists.\"; it already exists"
        );
    }
}
