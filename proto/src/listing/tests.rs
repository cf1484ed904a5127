//! The parsers against real listings captured from vsftpd, pure-ftpd, ProFTPD and this project's server,
//! plus an IIS-style DOS listing (`fixtures/listings/`, see its README): every entry checked.

use super::*;

/// What a test expects of one entry: name, kind, size, mode, link target.
type Expected<'a> = (
    &'a str,
    EntryKind,
    Option<u64>,
    Option<u32>,
    Option<&'a str>,
);

fn fixture(name: &str) -> String {
    let path = format!("{}/../fixtures/listings/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Checks every entry of `entries` against `expected` (in the listing's order), and the times.
fn check(entries: &[Entry], expected: &[Expected], time_of: impl Fn(&str) -> Option<Modified>) {
    let got: Vec<Expected> = entries
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.kind,
                e.size,
                e.mode,
                e.link_target.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    for entry in entries {
        assert_eq!(entry.modified, time_of(&entry.name), "{}", entry.name);
    }
}

const F: EntryKind = EntryKind::File;
const D: EntryKind = EntryKind::Dir;
const L: EntryKind = EntryKind::Link;
const O: EntryKind = EntryKind::Other;

/// LIST times: `old.iso` and `pub` show their year, the rest `Dec  5 HH:MM` of the capture.
fn list_time(minute: u8) -> impl Fn(&str) -> Option<Modified> {
    move |name| {
        let civil = |year, month, day, hour, minute| Modified::Civil {
            year,
            month,
            day,
            hour,
            minute,
        };
        Some(match name {
            "old.iso" => civil(Some(2024), 3, 7, 0, 0),
            "pub" => civil(Some(2024), 12, 31, 0, 0),
            _ => civil(None, 12, 5, 11, minute),
        })
    }
}

fn unix_expected(with_fifo: bool, link_target: Option<&'static str>) -> Vec<Expected<'static>> {
    let mut expected = vec![
        ("empty", F, Some(0), Some(0o644), None),
        ("fifo", O, Some(0), Some(0o644), None),
        ("hello.txt", F, Some(6), Some(0o644), None),
        ("link to hello", L, Some(9), Some(0o777), link_target),
        (
            "name with  two spaces.bin",
            F,
            Some(123456),
            Some(0o644),
            None,
        ),
        ("old.iso", F, Some(1048576), Some(0o644), None),
        ("pub", D, Some(4096), Some(0o755), None),
        ("sub dir", D, Some(4096), Some(0o755), None),
    ];
    if !with_fifo {
        expected.remove(1);
    }
    expected
}

#[test]
fn vsftpd_list() {
    let entries = parse_listing(&fixture("vsftpd.list"));
    check(
        &entries,
        &unix_expected(true, Some("hello.txt")),
        list_time(47),
    );
}

#[test]
fn pure_ftpd_list() {
    let entries = parse_listing(&fixture("pure-ftpd.list"));
    check(
        &entries,
        &unix_expected(false, Some("hello.txt")),
        list_time(47),
    );
}

#[test]
fn proftpd_list() {
    let entries = parse_listing(&fixture("proftpd.list"));
    check(
        &entries,
        &unix_expected(true, Some("hello.txt")),
        list_time(47),
    );
}

#[test]
fn ftp_server_list() {
    let entries = parse_listing(&fixture("ftp-server.list"));
    let mut expected = unix_expected(true, None);
    // This server lists a FIFO as a plain file (its mode says 0644 and its type `-`).
    expected[1].1 = F;
    check(&entries, &expected, list_time(49));
}

#[test]
fn iis_list() {
    let entries = parse_listing(&fixture("iis.list"));
    let expected: Vec<Expected> = vec![
        ("sub dir", D, None, None, None),
        ("pub", D, None, None, None),
        ("empty", F, Some(0), None, None),
        ("hello.txt", F, Some(6), None, None),
        ("name with  two spaces.bin", F, Some(123456), None, None),
        ("old.iso", F, Some(1048576), None, None),
        ("big.vhd", F, Some(4294967296), None, None),
    ];
    check(&entries, &expected, |name| {
        let civil = |year, month, day, hour, minute| {
            Some(Modified::Civil {
                year: Some(year),
                month,
                day,
                hour,
                minute,
            })
        };
        match name {
            "pub" => civil(2024, 12, 31, 23, 59),
            "old.iso" => civil(2024, 3, 7, 8, 9),
            "big.vhd" => civil(2000, 1, 1, 0, 0),
            "name with  two spaces.bin" => civil(2026, 12, 5, 10, 16),
            _ => civil(2026, 12, 5, 10, 15),
        }
    });
}

/// MLSD times are exact: `old.iso` and `pub` as seeded, the rest the capture's second.
fn mlsd_time(captured: &'static str) -> impl Fn(&str) -> Option<Modified> {
    move |name| {
        let at = match name {
            "old.iso" => "20240307080910",
            "pub" => "20241231235959",
            _ => captured,
        };
        time::parse_time_val(at).map(Modified::Exact)
    }
}

/// pure-ftpd's and ProFTPD's MLSD entries, in their order; they differ in what they call a FIFO.
fn mlsd_expected(fifo: EntryKind) -> Vec<Expected<'static>> {
    vec![
        ("sub dir", D, None, Some(0o755), None),
        ("fifo", fifo, Some(0), Some(0o644), None),
        ("old.iso", F, Some(1048576), Some(0o644), None),
        ("empty", F, Some(0), Some(0o644), None),
        ("hello.txt", F, Some(6), Some(0o644), None),
        ("pub", D, None, Some(0o755), None),
        (
            "name with  two spaces.bin",
            F,
            Some(123456),
            Some(0o644),
            None,
        ),
        // pure-ftpd's `OS.unix=slink:` leaves the target empty; ProFTPD's `OS.unix=symlink` has none.
        ("link to hello", L, Some(9), Some(0o777), None),
    ]
}

#[test]
fn pure_ftpd_mlsd() {
    let entries = parse_mlsd(&fixture("pure-ftpd.mlsd"));
    // pure-ftpd calls a FIFO `type=unknown`.
    check(&entries, &mlsd_expected(O), mlsd_time("20261205114740"));
}

#[test]
fn proftpd_mlsd() {
    let entries = parse_mlsd(&fixture("proftpd.mlsd"));
    // ProFTPD calls a FIFO a file.
    check(&entries, &mlsd_expected(F), mlsd_time("20261205114741"));
}

#[test]
fn ftp_server_mlsd() {
    let entries = parse_mlsd(&fixture("ftp-server.mlsd"));
    let expected: Vec<Expected> = vec![
        ("empty", F, Some(0), Some(0o644), None),
        ("fifo", O, None, Some(0o644), None),
        ("hello.txt", F, Some(6), Some(0o644), None),
        ("link to hello", L, None, Some(0o777), None),
        (
            "name with  two spaces.bin",
            F,
            Some(123456),
            Some(0o644),
            None,
        ),
        ("old.iso", F, Some(1048576), Some(0o644), None),
        ("pub", D, None, Some(0o755), None),
        ("sub dir", D, None, Some(0o755), None),
    ];
    check(&entries, &expected, mlsd_time("20261205114929"));
}

#[test]
fn self_and_parent_are_reported_then_left_out() {
    let text = fixture("proftpd.mlsd");
    let all: Vec<Entry> = text.lines().filter_map(parse_mlsx_line).collect();
    assert_eq!(all.iter().filter(|e| e.is_self_or_parent()).count(), 2);
    assert_eq!(parse_mlsd(&text).len(), all.len() - 2);
}

#[test]
fn a_year_less_date_is_in_the_last_year() {
    let now = time::unix_from_civil(2026, 1, 10, 12, 0, 0);
    let recent = Modified::Civil {
        year: None,
        month: 1,
        day: 9,
        hour: 8,
        minute: 0,
    };
    assert_eq!(
        recent.unix_seconds(now),
        time::unix_from_civil(2026, 1, 9, 8, 0, 0)
    );
    let december = Modified::Civil {
        year: None,
        month: 12,
        day: 20,
        hour: 8,
        minute: 0,
    };
    assert_eq!(
        december.unix_seconds(now),
        time::unix_from_civil(2025, 12, 20, 8, 0, 0)
    );
}

proptest::proptest! {
    /// No input panics a parser (the fuzz targets go further).
    #[test]
    fn no_line_panics(line in "\\PC{0,120}") {
        let _ = parse_line(&line);
        let _ = parse_mlsx_line(&line);
    }

    #[test]
    fn no_listing_like_line_panics(
        perms in "[-dlcbp?][rwxsStT-]{9}[+@.]?",
        middle in "( +[0-9a-z,]{1,6}){0,6}",
        date in " +[A-Za-z]{3} +[0-9]{1,2} +([0-9]{1,2}:[0-9]{1,2}|[0-9]{4})",
        name in "( .{0,20})?",
    ) {
        let _ = parse_line(&format!("{perms}{middle}{date}{name}"));
    }
}
