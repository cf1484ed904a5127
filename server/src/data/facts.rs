//! MLSx facts (RFC 3659 §7): which facts a session has selected (`OPTS MLST`, the `MLST` line of FEAT),
//! and the `fact=value;` entries MLSD sends on the data connection and MLST on the control connection.
//!
//! The grammar is RFC 3659 §7.2's: `entry = [ facts ] SP pathname`, `facts = 1*( fact ";" )`,
//! `fact = factname "=" value`; a value never holds a space or `;`. Entries are appended to a caller's
//! buffer, so MLSD formats a batch at a time like LIST. The facts:
//!
//! - `type`: `file`, `dir`, `cdir` (the listed directory), `pdir` (its parent), and for what is neither
//!   file nor directory the OS-specific form §7.5.1 allows: `OS.unix=slink` (a symlink, not followed, as
//!   LIST shows it) or `OS.unix=special` (FIFO, socket, device).
//! - `size`: files only (§7.5.7: "The size fact applies to non-directory file types").
//! - `modify`: UTC `YYYYMMDDHHMMSS[.sss]` (§2.3), as MDTM.
//! - `perm`: what this session may do (§7.5.5), from the kind of object and whether the session may
//!   write; the letters are RFC 3659's: `a` APPE, `c` create in, `d` delete, `e` enter, `f` rename,
//!   `l` list, `m` MKD in, `p` purge (delete within), `r` RETR, `w` STOR.
//! - `unique`: the device and inode numbers in hex, the same for every path to one object (§7.5.2).
//! - `UNIX.mode`: the permission bits in octal, as other servers send it (fact names are
//!   case-insensitive, §7.1: clients compare them without case).

use std::io::Write;

use super::listing;
use crate::accounts::{Right, Rights};
use crate::storage::{Entry, FileKind, Stat};

/// One fact this server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fact {
    Type,
    Size,
    Modify,
    Perm,
    Unique,
    UnixMode,
}

impl Fact {
    /// Every fact, in the order entries show them.
    const ALL: [Fact; 6] = [
        Fact::Type,
        Fact::Size,
        Fact::Modify,
        Fact::Perm,
        Fact::Unique,
        Fact::UnixMode,
    ];

    fn name(self) -> &'static str {
        match self {
            Fact::Type => "type",
            Fact::Size => "size",
            Fact::Modify => "modify",
            Fact::Perm => "perm",
            Fact::Unique => "unique",
            Fact::UnixMode => "UNIX.mode",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The facts a session's MLSx entries show; all of them until `OPTS MLST` says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactSet(u8);

impl Default for FactSet {
    fn default() -> FactSet {
        FactSet(Fact::ALL.iter().fold(0, |bits, fact| bits | fact.bit()))
    }
}

impl FactSet {
    /// The selection `OPTS MLST fact;fact;` asks for. RFC 3659 §7.9: facts the server does not know are
    /// ignored, and an empty list selects none.
    pub fn from_opts(list: &str) -> FactSet {
        let bits = list
            .split(';')
            .map(str::trim)
            .filter_map(|name| {
                Fact::ALL
                    .into_iter()
                    .find(|f| f.name().eq_ignore_ascii_case(name))
            })
            .fold(0, |bits, fact| bits | fact.bit());
        FactSet(bits)
    }

    fn has(self, fact: Fact) -> bool {
        self.0 & fact.bit() != 0
    }

    /// `fact;fact;` for the selected facts: the tail of the `200 MLST OPTS` reply (RFC 3659 §7.9).
    pub fn selected(self) -> String {
        Fact::ALL
            .into_iter()
            .filter(|fact| self.has(*fact))
            .map(|fact| format!("{};", fact.name()))
            .collect()
    }

    /// Every fact offered, the selected ones marked `*`: the FEAT line's list (RFC 3659 §7.8).
    pub fn feat_list(self) -> String {
        Fact::ALL
            .into_iter()
            .map(|fact| {
                let mark = if self.has(fact) { "*" } else { "" };
                format!("{}{mark};", fact.name())
            })
            .collect()
    }
}

/// What an entry is to the listing it is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The directory being listed (MLSD's `.`, MLST without argument): `type=cdir`.
    Listed,
    /// The listed directory's parent (MLSD's `..`): `type=pdir`.
    Parent,
    /// Anything else: `type=file`, `dir`, ...
    Member,
}

impl Role {
    /// MLSD's roles by name: storage listings never hold `.` or `..`, so those two are the entries
    /// MLSD puts first for the listed directory and its parent.
    pub fn of(name: &[u8]) -> Role {
        match name {
            b"." => Role::Listed,
            b".." => Role::Parent,
            _ => Role::Member,
        }
    }
}

/// How entries are formatted for one session: its selection and the rights `perm` reports.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub selected: FactSet,
    pub rights: Rights,
}

impl Facts {
    /// Appends `fact=value;...` for `stat` (no space, no name).
    pub fn append(&self, stat: &Stat, role: Role, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail.
        for fact in Fact::ALL {
            if !self.selected.has(fact) {
                continue;
            }
            let _ = match fact {
                Fact::Type => write!(out, "type={};", type_value(stat.kind, role)),
                Fact::Size if stat.is_file() => write!(out, "size={};", stat.len),
                Fact::Size => Ok(()),
                Fact::Modify => write!(out, "modify={};", listing::mdtm_timestamp(stat.modified)),
                Fact::Perm => write!(out, "perm={};", perm_value(stat.kind, role, self.rights)),
                Fact::Unique => write!(out, "unique={:x}U{:x};", stat.dev, stat.ino),
                Fact::UnixMode => write!(out, "UNIX.mode={:04o};", stat.mode & 0o7777),
            };
        }
    }

    /// Appends one MLSD line: the facts, one space, the name, CRLF (RFC 3659 §7.2 `data-response`).
    pub fn mlsd_line(&self, entry: &Entry, out: &mut Vec<u8>) {
        self.append(&entry.stat, Role::of(&entry.name), out);
        out.push(b' ');
        out.extend_from_slice(&entry.name);
        out.extend_from_slice(b"\r\n");
    }
}

fn type_value(kind: FileKind, role: Role) -> &'static str {
    match (role, kind) {
        (Role::Listed, _) => "cdir",
        (Role::Parent, _) => "pdir",
        (Role::Member, FileKind::File) => "file",
        (Role::Member, FileKind::Directory) => "dir",
        (Role::Member, FileKind::Symlink) => "OS.unix=slink",
        (Role::Member, FileKind::Other) => "OS.unix=special",
    }
}

/// RFC 3659 §7.5.5's letters for what this session may do with the object, each present only when the
/// session holds the right the command behind it needs (`e`, entering a directory, needs none).
fn perm_value(kind: FileKind, role: Role, rights: Rights) -> String {
    use Right::{Delete, Mkdir, Read, Rename, Write};
    let letters: &[(char, Option<Right>)] = match (kind, role) {
        (FileKind::File, _) => &[
            ('a', Some(Write)),
            ('d', Some(Delete)),
            ('f', Some(Rename)),
            ('r', Some(Read)),
            ('w', Some(Write)),
        ],
        // The listed directory and its parent are changed through their own names, not these entries.
        (FileKind::Directory, Role::Listed | Role::Parent) => &[
            ('c', Some(Write)),
            ('e', None),
            ('l', Some(Read)),
            ('m', Some(Mkdir)),
            ('p', Some(Delete)),
        ],
        (FileKind::Directory, Role::Member) => &[
            ('c', Some(Write)),
            ('d', Some(Delete)),
            ('e', None),
            ('f', Some(Rename)),
            ('l', Some(Read)),
            ('m', Some(Mkdir)),
            ('p', Some(Delete)),
        ],
        // A symlink or special file can only be removed or renamed (as itself).
        (FileKind::Symlink | FileKind::Other, _) => &[('d', Some(Delete)), ('f', Some(Rename))],
    };
    letters
        .iter()
        .filter(|(_, right)| right.is_none_or(|right| rights.has(right)))
        .map(|(letter, _)| *letter)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn stat(kind: FileKind, mode: u32) -> Stat {
        Stat {
            kind,
            mode,
            links: 1,
            uid: 0,
            gid: 0,
            len: 26,
            modified: UNIX_EPOCH + Duration::new(1_507_898_096, 250_000_000),
            dev: 0x803,
            ino: 0x1f,
        }
    }

    fn line(facts: Facts, name: &str, stat: Stat) -> String {
        let mut out = Vec::new();
        facts.mlsd_line(
            &Entry {
                name: name.as_bytes().to_vec(),
                stat,
            },
            &mut out,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn entries_follow_the_grammar() {
        let read_only = Facts {
            selected: FactSet::default(),
            rights: Rights::anonymous(false),
        };
        assert_eq!(
            line(read_only, "robots.txt", stat(FileKind::File, 0o644)),
            "type=file;size=26;modify=20171013123456.250;perm=r;unique=803U1f;UNIX.mode=0644; robots.txt\r\n"
        );
        assert_eq!(
            line(read_only, ".", stat(FileKind::Directory, 0o755)),
            "type=cdir;modify=20171013123456.250;perm=el;unique=803U1f;UNIX.mode=0755; .\r\n"
        );
        let writable = Facts {
            selected: FactSet::from_opts("Type;perm;bogus;"),
            rights: Rights::all(),
        };
        assert_eq!(
            line(writable, "..", stat(FileKind::Directory, 0o755)),
            "type=pdir;perm=celmp; ..\r\n"
        );
        assert_eq!(
            line(writable, "l", stat(FileKind::Symlink, 0o777)),
            "type=OS.unix=slink;perm=df; l\r\n"
        );
        let none = Facts {
            selected: FactSet::from_opts(""),
            rights: Rights::all(),
        };
        assert_eq!(line(none, "a b", stat(FileKind::File, 0)), " a b\r\n");
    }

    #[test]
    fn selections_show_in_opts_and_feat() {
        assert_eq!(
            FactSet::default().feat_list(),
            "type*;size*;modify*;perm*;unique*;UNIX.mode*;"
        );
        let chosen = FactSet::from_opts("size; unix.MODE;type;x.other;");
        assert_eq!(chosen.selected(), "type;size;UNIX.mode;");
        assert_eq!(
            chosen.feat_list(),
            "type*;size*;modify;perm;unique;UNIX.mode*;"
        );
        assert_eq!(FactSet::from_opts("").selected(), "");
    }
}
