//! Directory listings as the client reads them: one [`Entry`] per line, whatever the server's format.
//!
//! - [`mlsx`]: MLSD/MLST fact lines (RFC 3659 §7), the one machine-readable format.
//! - [`unix`]: `ls -l` lines as vsftpd, pure-ftpd, ProFTPD and this project's server send them for LIST.
//! - [`dos`]: the DOS/IIS format (`12-05-26  10:15AM  <DIR>  name`).
//! - [`time`]: calendar dates to Unix seconds and back, and the `YYYYMMDDHHMMSS` form of MDTM and `modify`.
//!
//! Every parser takes any text and returns `None` for a line it does not recognise (a `total 12`
//! header, a blank line, garbage): none of them panics, which the property tests check.

pub mod dos;
pub mod mlsx;
pub mod time;
pub mod unix;

#[cfg(test)]
mod tests;

pub use mlsx::parse_mlsx_line;

/// What a listed name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// A symbolic link; [`Entry::link_target`] names its target when the listing tells it.
    Link,
    /// Anything else: a device, FIFO, socket, or a type the server calls something we do not know.
    Other,
    /// The listed directory itself: MLSD's `type=cdir`, or `.` in `ls -a` output. Callers skip it.
    CurrentDir,
    /// The parent directory: MLSD's `type=pdir`, or `..`. Callers skip it.
    ParentDir,
}

/// When an entry was last modified, as precisely as the listing says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modified {
    /// An exact time in UTC (MLSx `modify`, MDTM): seconds since the Unix epoch.
    Exact(i64),
    /// A calendar time from a LIST line, to the minute, in the server's local time (UTC on most
    /// servers). `year` is `None` for the `Mon dd HH:MM` form, which `ls` uses for the last six months.
    Civil {
        year: Option<i32>,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
    },
}

impl Modified {
    /// Seconds since the Unix epoch, taking the server's clock to be UTC. A missing year is the one
    /// that puts the date within a day after `now` or before it, as `ls` chose it.
    pub fn unix_seconds(self, now: i64) -> i64 {
        match self {
            Modified::Exact(seconds) => seconds,
            Modified::Civil {
                year,
                month,
                day,
                hour,
                minute,
            } => {
                let at = |year| time::unix_from_civil(year, month, day, hour, minute, 0);
                match year {
                    Some(year) => at(year),
                    None => {
                        let this_year = time::civil_from_unix(now).0;
                        let guess = at(this_year);
                        if guess > now + 86_400 {
                            at(this_year - 1)
                        } else {
                            guess
                        }
                    }
                }
            }
        }
    }

    /// True when the time is known to the second (MLSx, MDTM), false for LIST's minutes.
    pub fn is_exact(self) -> bool {
        matches!(self, Modified::Exact(_))
    }
}

/// One listed name and what the listing says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name, as given (no directory part; may contain spaces).
    pub name: String,
    pub kind: EntryKind,
    /// Size in bytes, when given (not for devices, nor for directories in MLSx).
    pub size: Option<u64>,
    pub modified: Option<Modified>,
    /// UNIX permission bits (`0o644`), when given.
    pub mode: Option<u32>,
    /// A symbolic link's target, when given.
    pub link_target: Option<String>,
}

impl Entry {
    /// An entry with only a name and a kind.
    pub fn new(name: impl Into<String>, kind: EntryKind) -> Entry {
        Entry {
            name: name.into(),
            kind,
            size: None,
            modified: None,
            mode: None,
            link_target: None,
        }
    }

    /// True for the listed directory itself and its parent (`type=cdir`/`pdir`, `.` and `..`).
    pub fn is_self_or_parent(&self) -> bool {
        matches!(self.kind, EntryKind::CurrentDir | EntryKind::ParentDir)
    }
}

/// A LIST line in any format this module knows (UNIX `ls -l`, then DOS); `None` for anything else.
pub fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim_end_matches(['\r', '\n']);
    unix::parse(line).or_else(|| dos::parse(line))
}

/// A whole LIST reply: the entries of every line that parses, `.` and `..` left out.
pub fn parse_listing(text: &str) -> Vec<Entry> {
    text.lines()
        .filter_map(parse_line)
        .filter(|entry| !entry.is_self_or_parent())
        .collect()
}

/// A whole MLSD reply: the entries of every line that parses, `cdir` and `pdir` left out.
pub fn parse_mlsd(text: &str) -> Vec<Entry> {
    text.lines()
        .filter_map(|line| parse_mlsx_line(line.trim_end_matches('\r')))
        .filter(|entry| !entry.is_self_or_parent())
        .collect()
}

/// The kind of `.` and `..` (which name the directory and its parent), else `kind`.
pub(crate) fn kind_of_name(name: &str, kind: EntryKind) -> EntryKind {
    match name {
        "." => EntryKind::CurrentDir,
        ".." => EntryKind::ParentDir,
        _ => kind,
    }
}
