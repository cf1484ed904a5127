//! MLSD, MLST and OPTS MLST (RFC 3659 §7): every MLSD line checked against the §7 grammar, facts against
//! the files, MLST's wire form byte for byte, the fact selection, and a listing larger than the sorted one.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, UNIX_EPOCH};

use ftp_testkit::{read_to_end, Control, TestServer};

/// RFC 3659 §2.1: `RCHAR = ALPHA / DIGIT / "," / "." / ":" / "!" / "@" / "#" / "$" / "%" / "^" / "&" /
/// "(" / ")" / "-" / "_" / "+" / "?" / "/" / "\" / "'" / DQUOTE`, and `SCHAR = RCHAR / "="`.
fn is_rchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b",.:!@#$%^&()-_+?/\\'\"".contains(&byte)
}

/// Checks one MLSD line against RFC 3659 §7.2's `entry CRLF`, where `entry = [ facts ] SP pathname`,
/// `facts = 1*( fact ";" )`, `fact = factname "=" value`, `value = *SCHAR`, and a factname is one of
/// §7.5's or an `os-depend-fact` (`OS-name "." token`) or a `local-fact` (`"X." token`). Returns the
/// facts (names lower-cased, as they compare without case) and the name.
fn parse_entry(line: &[u8]) -> (HashMap<String, String>, Vec<u8>) {
    let show = String::from_utf8_lossy(line);
    let entry = line
        .strip_suffix(b"\r\n")
        .unwrap_or_else(|| panic!("entry without CRLF: {show:?}"));
    let space = entry
        .iter()
        .position(|byte| *byte == b' ')
        .unwrap_or_else(|| panic!("no SP before the pathname: {show:?}"));
    let (facts, pathname) = (&entry[..space], &entry[space + 1..]);
    assert!(!pathname.is_empty(), "empty pathname: {show:?}");
    assert!(
        !pathname.contains(&b'\r') && !pathname.contains(&b'\n'),
        "{show:?}"
    );
    let mut parsed = HashMap::new();
    if facts.is_empty() {
        return (parsed, pathname.to_vec());
    }
    let facts = facts
        .strip_suffix(b";")
        .unwrap_or_else(|| panic!("facts must end in ';': {show:?}"));
    for fact in facts.split(|byte| *byte == b';') {
        let equals = fact
            .iter()
            .position(|byte| *byte == b'=')
            .unwrap_or_else(|| panic!("fact without '=': {show:?}"));
        let (name, value) = (&fact[..equals], &fact[equals + 1..]);
        let name = std::str::from_utf8(name).unwrap();
        let known = [
            "size",
            "modify",
            "create",
            "type",
            "unique",
            "perm",
            "lang",
            "media-type",
            "charset",
        ]
        .iter()
        .any(|known| known.eq_ignore_ascii_case(name));
        let extension = name.split_once('.').is_some_and(|(prefix, token)| {
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
                && !token.is_empty()
                && token.bytes().all(is_rchar)
        });
        assert!(known || extension, "unknown fact name {name:?}: {show:?}");
        assert!(
            value.iter().all(|byte| is_rchar(*byte) || *byte == b'='),
            "value of {name} outside SCHAR: {show:?}"
        );
        let previous = parsed.insert(
            name.to_ascii_lowercase(),
            String::from_utf8(value.to_vec()).unwrap(),
        );
        assert!(previous.is_none(), "fact {name} twice: {show:?}");
    }
    (parsed, pathname.to_vec())
}

/// MLSD's data, each line checked, by name.
async fn mlsd(control: &mut Control, line: &str) -> HashMap<String, HashMap<String, String>> {
    let mut data = control.pasv().await;
    control.expect(line, 150).await;
    let bytes = read_to_end(&mut data).await;
    control.expect_reply(226).await;
    let mut entries = HashMap::new();
    for line in bytes.split_inclusive(|byte| *byte == b'\n') {
        let (facts, name) = parse_entry(line);
        let name = String::from_utf8(name).unwrap();
        assert!(
            entries.insert(name.clone(), facts).is_none(),
            "{name} twice"
        );
    }
    entries
}

/// 2017-10-13 12:34:56.250 UTC.
fn known_time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_507_898_096_250)
}

fn set_mtime(path: &std::path::Path, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

#[tokio::test]
async fn mlsd_lines_follow_the_grammar_and_the_files() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("sub")).unwrap();
    server.write("sub/a.txt", b"0123456789");
    server.write("sub/my file.txt", b"x");
    server.write("sub/.hidden", b"");
    std::fs::create_dir(server.path("sub/dir")).unwrap();
    std::os::unix::fs::symlink("a.txt", server.path("sub/link")).unwrap();
    std::fs::hard_link(server.path("sub/a.txt"), server.path("sub/hard")).unwrap();
    set_mtime(&server.path("sub/a.txt"), known_time());
    set_mtime(
        &server.path("sub/my file.txt"),
        UNIX_EPOCH + Duration::from_secs(951_782_400),
    );
    std::fs::set_permissions(server.path("sub/a.txt"), PermissionsExt::from_mode(0o640)).unwrap();
    let mut control = server.login().await;
    let entries = mlsd(&mut control, "MLSD sub").await;

    let mut names: Vec<&str> = entries.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            ".",
            "..",
            ".hidden",
            "a.txt",
            "dir",
            "hard",
            "link",
            "my file.txt"
        ]
    );
    let a = &entries["a.txt"];
    assert_eq!(a["type"], "file");
    assert_eq!(a["size"], "10");
    assert_eq!(a["modify"], "20171013123456.250");
    assert_eq!(a["perm"], "adfrw");
    assert_eq!(a["unix.mode"], "0640");
    // A whole second has no fraction (RFC 3659 §2.3: no precision that is not there).
    assert_eq!(entries["my file.txt"]["modify"], "20000229000000");
    // The same object under two names has one unique value; different objects differ.
    assert_eq!(a["unique"], entries["hard"]["unique"]);
    assert_ne!(a["unique"], entries["dir"]["unique"]);
    assert_eq!(entries["."]["type"], "cdir");
    assert_eq!(entries[".."]["type"], "pdir");
    assert_eq!(entries["dir"]["type"], "dir");
    assert_eq!(entries["dir"]["perm"], "cdeflmp");
    assert!(!entries["dir"].contains_key("size"));
    assert_eq!(entries["link"]["type"], "OS.unix=slink");

    // At the root there is no parent; the listing is of the current directory without an argument.
    let root = mlsd(&mut control, "MLSD").await;
    assert!(root.contains_key(".") && root.contains_key("sub") && !root.contains_key(".."));
}

#[tokio::test]
async fn mlsd_refuses_what_is_not_a_directory() {
    let server = TestServer::start().await;
    server.write("a.txt", b"x");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    // RFC 3659 §7: "MLSD ... lists the contents of a directory if a directory is named, otherwise a
    // 501 reply is returned."
    control.expect("MLSD a.txt", 501).await;
    control.expect("MLSD missing", 550).await;
    // Refusals leave the PASV plan for the next command; `..` stops at the root.
    control.expect("MLSD ../../..", 150).await;
    let listing = String::from_utf8(read_to_end(&mut data).await).unwrap();
    assert!(listing.contains("type=file;") && listing.contains(" a.txt\r\n"));
    control.expect_reply(226).await;
}

#[tokio::test]
async fn perm_shows_what_a_read_only_session_may_do() {
    let server = TestServer::start_with(|config| config.writable = false).await;
    server.write("a.txt", b"x");
    std::fs::create_dir(server.path("dir")).unwrap();
    let mut control = server.login().await;
    let entries = mlsd(&mut control, "MLSD").await;
    assert_eq!(entries["a.txt"]["perm"], "r");
    assert_eq!(entries["dir"]["perm"], "el");
    assert_eq!(entries["."]["perm"], "el");
}

#[tokio::test]
async fn mlsd_streams_a_directory_larger_than_the_sorted_listing() {
    let server = TestServer::start().await;
    let count = 3000;
    for index in 0..count {
        std::fs::write(server.path(&format!("f{index:05}")), b"").unwrap();
    }
    let mut control = server.login().await;
    let entries = mlsd(&mut control, "MLSD").await;
    assert_eq!(entries.len(), count + 1, "every file and the cdir entry");
    assert!(entries.values().all(|facts| facts.contains_key("type")));
}

#[tokio::test]
async fn mlst_reply_has_the_rfc_3659_form() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("pub")).unwrap();
    server.write("pub/a b.txt", b"hello");
    set_mtime(&server.path("pub/a b.txt"), known_time());
    std::fs::set_permissions(server.path("pub/a b.txt"), PermissionsExt::from_mode(0o644)).unwrap();
    let mut control = server.login().await;
    control.expect("CWD pub", 250).await;
    control.send("MLST a b.txt").await;
    let (reply, wire) = control.reply_and_wire().await;
    assert_eq!(reply.code, 250);
    let wire = String::from_utf8(wire).unwrap();
    let lines: Vec<&str> = wire.split_inclusive("\r\n").collect();
    // RFC 3659 §7.2: "250-" [ response-message ] CRLF 1*( SP entry CRLF ) "250" [ SP response-message ]
    assert_eq!(lines.len(), 3, "{wire:?}");
    assert_eq!(lines[0], "250-Listing /pub/a b.txt\r\n");
    assert_eq!(lines[2], "250 End\r\n");
    let entry = lines[1]
        .strip_prefix(' ')
        .expect("the entry line starts with one space");
    let (facts, name) = parse_entry(entry.as_bytes());
    assert_eq!(name, b"/pub/a b.txt");
    assert_eq!(facts["type"], "file");
    assert_eq!(facts["size"], "5");
    assert_eq!(facts["modify"], "20171013123456.250");
    assert_eq!(facts["unix.mode"], "0644");

    // Without an argument: the current directory, as cdir.
    control.send("MLST").await;
    let (_, wire) = control.reply_and_wire().await;
    let wire = String::from_utf8(wire).unwrap();
    assert!(
        wire.starts_with("250-Listing /pub\r\n type=cdir;"),
        "{wire:?}"
    );
    assert!(wire.ends_with(" /pub\r\n250 End\r\n"), "{wire:?}");
    control.expect("MLST missing", 550).await;
}

#[tokio::test]
async fn opts_mlst_selects_the_facts_until_rein() {
    let server = TestServer::start().await;
    server.write("a.txt", b"abc");
    let mut control = server.login().await;
    // RFC 3659 §7.9: unknown facts are ignored; the reply lists those now selected.
    let reply = control.expect("OPTS MLST size;Type;bogus;", 200).await;
    assert_eq!(reply.text(), "MLST OPTS type;size;");
    let feat = control.expect("FEAT", 211).await;
    assert!(
        feat.lines
            .iter()
            .any(|line| line.text() == " MLST type*;size*;modify;perm;unique;UNIX.mode;"),
        "{feat:?}"
    );
    control.send("MLST a.txt").await;
    let (_, wire) = control.reply_and_wire().await;
    assert!(String::from_utf8(wire)
        .unwrap()
        .contains("\r\n type=file;size=3; /a.txt\r\n"),);
    let entries = mlsd(&mut control, "MLSD").await;
    assert_eq!(entries["a.txt"].len(), 2);

    // No facts at all: the entry is a space and the name.
    assert_eq!(control.expect("OPTS MLST", 200).await.text(), "MLST OPTS");
    control.send("MLST a.txt").await;
    let (_, wire) = control.reply_and_wire().await;
    assert!(String::from_utf8(wire)
        .unwrap()
        .contains("\r\n  /a.txt\r\n"));

    control.expect("REIN", 220).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS x", 230).await;
    let feat = control.expect("FEAT", 211).await;
    assert!(feat
        .lines
        .iter()
        .any(|line| line.text() == " MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;"));
}
