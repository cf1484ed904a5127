//! Directory listings as typed entries: MLSD when the server's FEAT names MLST (RFC 3659 §7), else
//! LIST read by the shared parsers of [`ftp_proto::listing`]; MDTM for one file's exact time.

use ftp_proto::listing::{self, time::parse_time_val, Entry};
use ftp_proto::{Command, ReplyCode};

use crate::client::Client;
use crate::error::Result;
use crate::transfer::{pump_down, Transfer};

/// Which command lists a directory on this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingStyle {
    /// MLSD: machine-readable facts, exact UTC times.
    Mlsd,
    /// LIST, parsed as UNIX `ls -l` or DOS lines; times to the minute (or the day).
    List,
}

impl Client {
    /// MLSD if FEAT names MLST, else LIST. One FEAT: callers that list often ask once and keep it.
    pub async fn listing_style(&mut self) -> Result<ListingStyle> {
        let features = self.feat().await?;
        let has_mlst = features.iter().any(|feature| {
            feature
                .split_whitespace()
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("MLST"))
        });
        Ok(if has_mlst {
            ListingStyle::Mlsd
        } else {
            ListingStyle::List
        })
    }

    /// The entries of directory `path` (or the current one), `.`/`..` and `cdir`/`pdir` left out.
    pub async fn entries(&mut self, path: Option<&str>) -> Result<Vec<Entry>> {
        let style = self.listing_style().await?;
        self.entries_with(path, style).await
    }

    /// [`Client::entries`] with the style already known.
    pub async fn entries_with(
        &mut self,
        path: Option<&str>,
        style: ListingStyle,
    ) -> Result<Vec<Entry>> {
        let path_arg = path.map(ftp_proto::PathArg::from);
        Ok(match style {
            ListingStyle::Mlsd => {
                let bytes = self.listing_bytes(Command::Mlsd(path_arg)).await?;
                listing::parse_mlsd(&String::from_utf8_lossy(&bytes))
            }
            ListingStyle::List => {
                let text = self.list(path).await?;
                listing::parse_listing(&text)
            }
        })
    }

    /// MDTM (RFC 3659 §3): the file's modification time in Unix seconds, `None` when the server
    /// does not say (no MDTM, or not a plain file).
    pub async fn remote_mtime(&mut self, path: &str) -> Result<Option<i64>> {
        let reply = self.control.command(&Command::Mdtm(path.into())).await?;
        if reply.code != ReplyCode::FileStatus {
            return Ok(None);
        }
        Ok(parse_time_val(&reply.text()))
    }

    async fn listing_bytes(&mut self, command: Command) -> Result<Vec<u8>> {
        let transfer: Transfer<'_> = self.open_transfer(command, 0).await?;
        let mut out = Vec::new();
        pump_down(
            transfer,
            crate::local::AsyncSink(&mut out),
            "the listing",
            |_| {},
        )
        .await?;
        Ok(out)
    }
}

/// One entry as a normalised `ls -l` line: type and mode, size, UTC time, name (and link target),
/// the same whatever the server's format. `now` resolves LIST dates that leave out the year.
pub fn long_line(entry: &Entry, now: i64) -> String {
    let kind = match entry.kind {
        listing::EntryKind::Dir
        | listing::EntryKind::CurrentDir
        | listing::EntryKind::ParentDir => 'd',
        listing::EntryKind::Link => 'l',
        listing::EntryKind::File => '-',
        listing::EntryKind::Other => '?',
    };
    let mode = entry.mode.map_or_else(|| "?????????".to_string(), rwx);
    let size = entry
        .size
        .map_or_else(|| "-".to_string(), |size| size.to_string());
    let when = entry.modified.map_or_else(
        || "-                ".to_string(),
        |modified| {
            let (y, mo, d, h, mi, _) = listing::time::civil_from_unix(modified.unix_seconds(now));
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
        },
    );
    let target = entry
        .link_target
        .as_deref()
        .map_or_else(String::new, |target| format!(" -> {target}"));
    format!("{kind}{mode} {size:>12} {when} {}{target}", entry.name)
}

/// `rwxr-xr-x` for permission bits.
fn rwx(mode: u32) -> String {
    (0..9)
        .map(|bit| {
            let set = mode & (1 << (8 - bit)) != 0;
            match (set, bit % 3) {
                (false, _) => '-',
                (true, 0) => 'r',
                (true, 1) => 'w',
                (true, _) => 'x',
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_proto::listing::{parse_line, parse_mlsx_line};

    #[test]
    fn long_lines_are_the_same_for_list_and_mlsd() {
        let now = listing::time::unix_from_civil(2026, 12, 5, 12, 0, 0);
        let from_list = parse_line("-rw-r--r--   1 ftp ftp  123 Dec  5 11:47 a file").unwrap();
        let from_mlsd =
            parse_mlsx_line("type=file;size=123;modify=20261205114700;UNIX.mode=0644; a file")
                .unwrap();
        let line = "-rw-r--r--          123 2026-12-05 11:47 a file";
        assert_eq!(long_line(&from_list, now), line);
        assert_eq!(long_line(&from_mlsd, now), line);
        let link = parse_line("lrwxrwxrwx 1 u g 9 Mar  7  2024 l -> t").unwrap();
        assert_eq!(
            long_line(&link, now),
            "lrwxrwxrwx            9 2024-03-07 00:00 l -> t"
        );
    }
}
