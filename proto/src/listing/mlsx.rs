//! MLSD and MLST lines (RFC 3659 §7.2): `fact=value;fact=value; name`.
//!
//! ```text
//! entry = [facts] SP pathname
//! facts = 1*(factname "=" value ";")
//! ```
//! Fact names are case-insensitive (§7.5). The facts used here: `type` (`file`, `dir`, `cdir`, `pdir`,
//! and the `OS.unix=slink:TARGET` / `OS.unix=symlink` that pure-ftpd and ProFTPD send for links),
//! `size`, `modify` (a UTC time-val) and `UNIX.mode`. Unknown facts (`perm`, `unique`, `sizd`, ...)
//! are ignored, as §7.1 says a client must.

use super::time::parse_time_val;
use super::{kind_of_name, Entry, EntryKind, Modified};

/// One MLSD line (or an MLST reply's entry line without its leading space); `None` when there is no
/// space separating facts and name, or the name is empty.
pub fn parse_mlsx_line(line: &str) -> Option<Entry> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (facts, name) = line.split_once(' ')?;
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::new(name, EntryKind::Other);
    let mut saw_type = false;
    for fact in facts.split(';').filter(|fact| !fact.is_empty()) {
        let Some((fact_name, value)) = fact.split_once('=') else {
            continue;
        };
        match fact_name.to_ascii_lowercase().as_str() {
            "type" => {
                saw_type = true;
                let (kind, target) = kind_of_type(value);
                entry.kind = kind;
                entry.link_target = target;
            }
            "size" => entry.size = value.parse().ok(),
            "modify" => entry.modified = parse_time_val(value).map(Modified::Exact),
            "unix.mode" => entry.mode = u32::from_str_radix(value, 8).ok().filter(|m| *m <= 0o7777),
            _ => {}
        }
    }
    if !saw_type {
        // No type fact: only the names `.` and `..` still say what they are.
        entry.kind = kind_of_name(name, EntryKind::Other);
    }
    Some(entry)
}

/// The kind a `type` fact's value names, with a link's target when the value gives it.
fn kind_of_type(value: &str) -> (EntryKind, Option<String>) {
    let lower = value.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "file" => EntryKind::File,
        "dir" => EntryKind::Dir,
        "cdir" => EntryKind::CurrentDir,
        "pdir" => EntryKind::ParentDir,
        "os.unix=symlink" | "os.unix=slink" => EntryKind::Link,
        _ if lower.starts_with("os.unix=slink:") => {
            let target = value.get("os.unix=slink:".len()..).unwrap_or("");
            let target = (!target.is_empty()).then(|| target.to_string());
            return (EntryKind::Link, target);
        }
        _ => EntryKind::Other,
    };
    (kind, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3659_examples() {
        // §7.7.3's MLSD example lines.
        let entry =
            parse_mlsx_line("Type=file;Size=1830;Modify=19940916055648;Perm=r; hatch.c").unwrap();
        assert_eq!(entry.name, "hatch.c");
        assert_eq!(entry.kind, EntryKind::File);
        assert_eq!(entry.size, Some(1830));
        assert_eq!(entry.modified, Some(Modified::Exact(779_695_008)));
        let cdir = parse_mlsx_line("Type=cdir;Perm=el;Unique=keVO1+ZF4; test").unwrap();
        assert!(cdir.is_self_or_parent());
        let pdir = parse_mlsx_line("type=pdir;Modify=19990112030508; ..").unwrap();
        assert_eq!(pdir.kind, EntryKind::ParentDir);
    }

    #[test]
    fn names_keep_their_spaces_and_semicolons() {
        let entry = parse_mlsx_line("type=file;size=3;  two;spaces ").unwrap();
        assert_eq!(entry.name, " two;spaces ");
        let bare = parse_mlsx_line(" no-facts").unwrap();
        assert_eq!(
            (bare.name.as_str(), bare.kind),
            ("no-facts", EntryKind::Other)
        );
    }

    #[test]
    fn link_types_and_bad_values() {
        let pure = parse_mlsx_line("type=OS.unix=slink:/etc/hosts;size=9; l").unwrap();
        assert_eq!(pure.kind, EntryKind::Link);
        assert_eq!(pure.link_target.as_deref(), Some("/etc/hosts"));
        let pro = parse_mlsx_line("type=OS.unix=symlink;UNIX.mode=0777; l").unwrap();
        assert_eq!((pro.kind, pro.mode), (EntryKind::Link, Some(0o777)));
        let bad = parse_mlsx_line("type=file;size=-1;modify=2017;UNIX.mode=99; x").unwrap();
        assert_eq!((bad.size, bad.modified, bad.mode), (None, None, None));
        assert_eq!(parse_mlsx_line("type=file;size=1;"), None);
        assert_eq!(parse_mlsx_line("type=file; "), None);
    }
}
