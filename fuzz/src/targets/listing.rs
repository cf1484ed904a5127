//! The client's LIST/MLSD parsers (`ftp_proto::listing`): UNIX `ls -l`, DOS/IIS and MLSD fact lines.
//!
//! Holds: no panic on any line; an entry's name is non-empty and part of the line it came from (a
//! parser never invents text); at most as many entries as lines.

use ftp_proto::listing::{dos, parse_mlsx_line, unix};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn check(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        for entry in [unix::parse(line), dos::parse(line), parse_mlsx_line(line)]
            .into_iter()
            .flatten()
        {
            assert!(!entry.name.is_empty(), "{line:?} gave an empty name");
            assert!(
                line.contains(entry.name.as_str()),
                "{line:?} gave the name {:?}, which is not in the line",
                entry.name
            );
        }
    }
}

/// `ls -l` lines, DOS lines and MLSD fact lines, with odd fields and separators.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    let unix = (
        "[-dlcbps][-rwxsStT]{9}",
        0u32..100_000,
        "[a-z0-9]{0,8}",
        any::<u64>(),
        prop::sample::select(vec!["Dec  5 10:15", "Jan 31  2024", "Feb 30 25:61", "???"]),
        "[ -~]{0,30}",
    )
        .prop_map(|(mode, links, owner, size, date, name)| {
            format!("{mode} {links} {owner} {owner} {size} {date} {name}")
        });
    let dos = (
        "[0-9]{2}-[0-9]{2}-[0-9]{2,4}",
        "[0-9]{2}:[0-9]{2}[AP]M",
        prop_oneof![Just("<DIR>".to_string()), "[0-9]{1,20}"],
        "[ -~]{0,30}",
    )
        .prop_map(|(date, time, size, name)| format!("{date}  {time}  {size} {name}"));
    let mlsd = (vec("[a-zA-Z.]{1,8}=[ -~&&[^;]]{0,20}", 0..6), "[ -~]{0,30}")
        .prop_map(|(facts, name)| format!("{}; {name}", facts.join(";")));
    vec(prop_oneof![unix, dos, mlsd], 1..6)
        .prop_map(|lines| lines.join("\r\n").into_bytes())
        .boxed()
}
