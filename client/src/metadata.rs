//! Commands on a remote file's attributes: its modification time (MDTM, RFC 3659 §3) and its
//! permission bits (`SITE CHMOD`, a widespread extension). SIZE lives with the other basics in
//! [`crate::client`].

use std::fmt;

use ftp_proto::{Command, PathArg, SiteCommand};

use crate::client::Client;
use crate::error::{Error, Result};

/// A file's modification time as MDTM gives it: UTC, to the second (a fraction is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ModTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl ModTime {
    /// Reads MDTM's `YYYYMMDDHHMMSS[.sss]` (RFC 3659 §2.3); `None` for anything else.
    pub fn parse(text: &str) -> Option<ModTime> {
        let digits = text.trim().split('.').next()?;
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let field = |range: std::ops::Range<usize>| digits[range].parse::<u16>().ok();
        let small = |range| field(range).and_then(|v| u8::try_from(v).ok());
        let time = ModTime {
            year: field(0..4)?,
            month: small(4..6)?,
            day: small(6..8)?,
            hour: small(8..10)?,
            minute: small(10..12)?,
            second: small(12..14)?,
        };
        let valid = (1..=12).contains(&time.month)
            && (1..=31).contains(&time.day)
            && time.hour < 24
            && time.minute < 60
            && time.second < 61;
        valid.then_some(time)
    }
}

/// `2026-12-05 11:57:03 UTC`.
impl fmt::Display for ModTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl Client {
    /// MDTM `path`: when the file was last modified.
    pub async fn modification_time(&mut self, path: &str) -> Result<ModTime> {
        let reply = self
            .expect_on(Command::Mdtm(path.into()), &[213], Some(path))
            .await?;
        ModTime::parse(&reply.text()).ok_or_else(|| {
            Error::Protocol(format!("the 213 reply {:?} is not a time", reply.text()))
        })
    }

    /// `SITE CHMOD mode path`: sets the permission bits (`mode` at most 0o777).
    pub async fn chmod(&mut self, mode: u32, path: &str) -> Result<()> {
        if mode > 0o777 {
            return Err(Error::Usage(format!(
                "mode {mode:o} is more than 777 (permission bits only)"
            )));
        }
        let command = Command::Site(SiteCommand::Chmod {
            mode,
            path: PathArg::from(path),
        });
        self.expect_on(command, &[200, 250], Some(path))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdtm_times_parse_and_display() {
        let time = ModTime::parse("20261205115703").unwrap();
        assert_eq!(time.to_string(), "2026-12-05 11:57:03 UTC");
        assert_eq!(
            ModTime::parse("19980101000000.123"),
            ModTime::parse("19980101000000")
        );
        for bad in [
            "",
            "2026120511570",
            "2026-12-05 11:57",
            "20261305115703",
            "2026120511570x",
        ] {
            assert_eq!(ModTime::parse(bad), None, "{bad:?}");
        }
    }
}
