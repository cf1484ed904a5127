//! Command verbs by their wire names (RFC 959 §4.1, RFC 2428, RFC 3659, RFC 2389, RFC 2228).
//!
//! Verbs are case-insensitive on the wire; [`Verb::parse`] accepts any case and [`Verb::as_str`] gives the
//! canonical upper-case spelling a client sends.

use std::fmt;

macro_rules! verbs {
    ($($variant:ident => $name:literal,)*) => {
        /// A command verb this toolkit knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Verb { $($variant,)* }

        impl Verb {
            /// Every known verb, in declaration order.
            pub const ALL: &'static [Verb] = &[$(Verb::$variant,)*];

            /// The canonical upper-case wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Verb::$variant => $name,)* }
            }
        }
    };
}

verbs! {
    User => "USER", Pass => "PASS", Acct => "ACCT", Cwd => "CWD", Cdup => "CDUP", Smnt => "SMNT",
    Rein => "REIN", Quit => "QUIT", Port => "PORT", Pasv => "PASV", Eprt => "EPRT", Epsv => "EPSV",
    Type => "TYPE", Stru => "STRU", Mode => "MODE", Retr => "RETR", Stor => "STOR", Stou => "STOU",
    Appe => "APPE", Allo => "ALLO", Rest => "REST", Rnfr => "RNFR", Rnto => "RNTO", Abor => "ABOR",
    Dele => "DELE", Rmd => "RMD", Mkd => "MKD", Pwd => "PWD", List => "LIST", Nlst => "NLST",
    Site => "SITE", Syst => "SYST", Stat => "STAT", Help => "HELP", Noop => "NOOP", Feat => "FEAT",
    Opts => "OPTS", Size => "SIZE", Mdtm => "MDTM", Mlsd => "MLSD", Mlst => "MLST",
    Xcwd => "XCWD", Xcup => "XCUP", Xpwd => "XPWD", Xmkd => "XMKD", Xrmd => "XRMD",
    // RFC 2228 / RFC 4217: FTP over TLS.
    Auth => "AUTH", Pbsz => "PBSZ", Prot => "PROT", Ccc => "CCC",
}

impl Verb {
    /// Parses a verb in any letter case; `None` for an unknown word.
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::ALL
            .iter()
            .copied()
            .find(|verb| verb.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_round_trips() {
        for verb in Verb::ALL {
            assert_eq!(Verb::parse(verb.as_str()), Some(*verb));
            assert_eq!(
                Verb::parse(&verb.as_str().to_ascii_lowercase()),
                Some(*verb)
            );
        }
        assert_eq!(Verb::parse("ReTr"), Some(Verb::Retr));
        assert_eq!(Verb::parse("BOGUS"), None);
        assert_eq!(Verb::parse(""), None);
    }
}
