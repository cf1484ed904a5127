//! Reply codes by name (RFC 959 §4.2.1 and §4.2.2, RFC 2428, RFC 3659, RFC 2228), after libunftp's `ReplyCode`.
//!
//! [`Reply`](crate::Reply) keeps its code as a plain `u16`, because a client or the suite must be able to
//! hold any code a third-party server sends; this enum names the codes this toolkit sends or checks.
//! Each variant's doc comment starts with its number, so `grep -rn 550` still finds every use's name.

use std::fmt;

macro_rules! reply_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// A named reply code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ReplyCode {
            $($(#[doc = $doc])* $variant = $code,)*
        }

        impl ReplyCode {
            /// Every named code, in ascending order.
            pub const ALL: &'static [ReplyCode] = &[$(ReplyCode::$variant,)*];
        }
    };
}

reply_codes! {
    /// 110: Restart marker reply.
    RestartMarker = 110,
    /// 120: Service ready in nnn minutes.
    ServiceReadySoon = 120,
    /// 125: Data connection already open; transfer starting.
    DataConnectionAlreadyOpen = 125,
    /// 150: File status okay; about to open data connection.
    FileStatusOk = 150,
    /// 200: Command okay.
    CommandOk = 200,
    /// 202: Command not implemented, superfluous at this site.
    CommandSuperfluous = 202,
    /// 211: System status, or system help reply (FEAT's answer, RFC 2389).
    SystemStatus = 211,
    /// 212: Directory status.
    DirectoryStatus = 212,
    /// 213: File status (SIZE and MDTM answers, RFC 3659).
    FileStatus = 213,
    /// 214: Help message.
    HelpMessage = 214,
    /// 215: NAME system type.
    SystemType = 215,
    /// 220: Service ready for new user.
    ServiceReady = 220,
    /// 221: Service closing control connection.
    ClosingControlConnection = 221,
    /// 225: Data connection open; no transfer in progress.
    DataConnectionOpen = 225,
    /// 226: Closing data connection; requested file action successful.
    ClosingDataConnection = 226,
    /// 227: Entering Passive Mode (h1,h2,h3,h4,p1,p2).
    EnteringPassiveMode = 227,
    /// 229: Entering Extended Passive Mode (|||port|) (RFC 2428).
    EnteringExtendedPassiveMode = 229,
    /// 230: User logged in, proceed.
    UserLoggedIn = 230,
    /// 234: Security data exchange complete: AUTH accepted, the TLS handshake follows (RFC 2228, 4217).
    SecurityExchangeComplete = 234,
    /// 250: Requested file action okay, completed.
    FileActionOk = 250,
    /// 257: "PATHNAME" created (also PWD's answer).
    PathCreated = 257,
    /// 331: User name okay, need password.
    NeedPassword = 331,
    /// 332: Need account for login.
    NeedAccount = 332,
    /// 350: Requested file action pending further information.
    FileActionPending = 350,
    /// 421: Service not available, closing control connection.
    ServiceNotAvailable = 421,
    /// 425: Can't open data connection.
    CantOpenDataConnection = 425,
    /// 426: Connection closed; transfer aborted.
    ConnectionClosed = 426,
    /// 450: Requested file action not taken; file unavailable (e.g. busy).
    FileBusy = 450,
    /// 451: Requested action aborted: local error in processing.
    LocalError = 451,
    /// 452: Requested action not taken; insufficient storage space in system.
    InsufficientStorage = 452,
    /// 500: Syntax error, command unrecognized (also: command line too long).
    SyntaxError = 500,
    /// 501: Syntax error in parameters or arguments.
    ParameterSyntaxError = 501,
    /// 502: Command not implemented.
    CommandNotImplemented = 502,
    /// 503: Bad sequence of commands.
    BadSequence = 503,
    /// 504: Command not implemented for that parameter.
    ParameterNotImplemented = 504,
    /// 522: Network protocol not supported (RFC 2428 §2).
    NetworkProtocolNotSupported = 522,
    /// 530: Not logged in.
    NotLoggedIn = 530,
    /// 532: Need account for storing files.
    NeedAccountForStoring = 532,
    /// 534: Request denied for policy reasons (RFC 2228): e.g. TLS required, CCC refused.
    DeniedForPolicy = 534,
    /// 536: Requested PROT level not supported by mechanism (RFC 2228, RFC 4217 §9).
    ProtLevelNotSupported = 536,
    /// 550: Requested action not taken; file unavailable (not found, no access).
    FileUnavailable = 550,
    /// 551: Requested action aborted: page type unknown.
    PageTypeUnknown = 551,
    /// 552: Requested file action aborted; exceeded storage allocation.
    ExceededStorageAllocation = 552,
    /// 553: Requested action not taken; file name not allowed.
    FileNameNotAllowed = 553,
    /// 554: Requested action not taken: invalid REST parameter (RFC 3659 §5.4).
    InvalidRestParameter = 554,
}

impl ReplyCode {
    /// The three-digit number.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The named code for `code`, if it has a name here.
    pub fn from_code(code: u16) -> Option<ReplyCode> {
        ReplyCode::ALL
            .iter()
            .copied()
            .find(|named| named.code() == code)
    }
}

/// What [`Reply::new`](crate::Reply::new) takes as a code: a [`ReplyCode`] or a plain `u16`. (A trait of
/// its own rather than `Into<u16>`, so that an integer literal still means `u16`.)
pub trait IntoCode {
    fn into_code(self) -> u16;
}

impl IntoCode for u16 {
    fn into_code(self) -> u16 {
        self
    }
}

impl IntoCode for ReplyCode {
    fn into_code(self) -> u16 {
        self.code()
    }
}

impl From<ReplyCode> for u16 {
    fn from(code: ReplyCode) -> u16 {
        code.code()
    }
}

impl PartialEq<u16> for ReplyCode {
    fn eq(&self, other: &u16) -> bool {
        self.code() == *other
    }
}

impl PartialEq<ReplyCode> for u16 {
    fn eq(&self, other: &ReplyCode) -> bool {
        *self == other.code()
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_ascending_and_round_trip() {
        for pair in ReplyCode::ALL.windows(2) {
            assert!(pair[0].code() < pair[1].code(), "{pair:?}");
        }
        for code in ReplyCode::ALL {
            assert_eq!(ReplyCode::from_code(code.code()), Some(*code));
            assert!((100..600).contains(&code.code()));
        }
        assert_eq!(ReplyCode::FileActionOk, 250);
        assert_eq!(ReplyCode::from_code(299), None);
    }
}
