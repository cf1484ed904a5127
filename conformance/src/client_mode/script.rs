//! What a scripted server does in one case, as data: how it greets, answers login, EPSV, PASV and REST,
//! and how it carries out RETR. Every knob has a `Plain` (well-behaved) value; a case changes the one
//! or two it is about. The file served is [`content`], the same bytes for every case.

/// How the server opens the control connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Greeting {
    /// `220 ready`.
    Plain,
    /// A multi-line 220 whose middle lines are legal but odd: other codes with a hyphen, a padded
    /// `ddd `, digits, the reply's own code with a hyphen.
    OddMiddleLines,
    /// As `OddMiddleLines`, plus one middle line `123 xyz` that the server should have padded.
    UnpaddedCodeLine,
    /// A multi-line 220 with one middle line of this many bytes.
    HugeLine(usize),
    /// `220 ready` and, in the same write, an unsolicited `200` no command asked for.
    Unsolicited,
    /// `421` and the connection closes.
    ServiceUnavailable,
}

/// How the server answers PASS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// `230 logged in`.
    Plain,
    /// A multi-line 230 with middle lines that look like other replies.
    OddMiddleLines,
}

/// How the server answers EPSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epsv {
    /// `229 (|||port|)`.
    Offer,
    /// `502`: the client must fall back to PASV.
    Refuse,
}

/// The text of the 227 reply to PASV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pasv {
    /// `227 Entering Passive Mode (127,0,0,1,p1,p2)`.
    Standard,
    /// The standard text naming 127.0.0.2, where a trap listens, instead of the control connection's
    /// peer 127.0.0.1 (a server behind NAT naming its private address, kept on loopback).
    ForeignAddress,
    /// `227 Entering Passive Mode 127,0,0,1,p1,p2.` (no parentheses).
    NoParentheses,
    /// `227 =127,0,0,1,p1,p2`.
    EqualsSign,
}

/// How the server answers REST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rest {
    /// `350` and the next RETR starts at the offset.
    Accept,
    /// `502`: no restart.
    Refuse,
}

/// How the server carries out RETR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retr {
    /// 150, all data, close, 226.
    Complete,
    /// `550` at once.
    FileUnavailable,
    /// 150, close the data connection without data, `451`.
    PreliminaryThenLocalError,
    /// 150, half the data, close, `426`.
    PartialThenAborted,
    /// 150, half the data, close the data connection and then the control connection, no final reply.
    PartialThenHangUp,
    /// 150, `226` at once, then all data, then close: the final reply overtakes the data.
    FinalReplyBeforeData,
    /// `421` and the control connection closes.
    ServiceClosing,
    /// 150, half the data, then nothing on either connection until the case ends.
    StallAfterHalf,
}

/// FTPS (RFC 4217): off, or AUTH TLS offered with a twist on the data connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// AUTH is not implemented (502).
    Off,
    /// A PROT P data connection that does not resume the control connection's TLS session is
    /// refused (`522`), as vsftpd's `require_ssl_reuse` does.
    RequireSessionReuse,
    /// The data's TLS close_notify comes a second after the 226 on the control connection.
    LateCloseNotify,
}

/// A scripted server's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    pub greeting: Greeting,
    pub login: Login,
    pub epsv: Epsv,
    pub pasv: Pasv,
    pub rest: Rest,
    pub retr: Retr,
    pub tls: Tls,
    /// Size of the served file.
    pub size: usize,
}

impl Script {
    /// A well-behaved server serving 256 KiB.
    pub const PLAIN: Script = Script {
        greeting: Greeting::Plain,
        login: Login::Plain,
        epsv: Epsv::Offer,
        pasv: Pasv::Standard,
        rest: Rest::Accept,
        retr: Retr::Complete,
        tls: Tls::Off,
        size: 256 * 1024,
    };
}

/// The served file: `size` bytes of a pattern that no shifted or repeated slice of itself matches
/// (a byte counter mixed with its block number), so truncation, duplication and offsets all show.
pub fn content(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| (i as u8) ^ ((i >> 8) as u8).wrapping_mul(31) ^ ((i >> 16) as u8))
        .collect()
}
