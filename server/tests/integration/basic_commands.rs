//! Login sequences and the commands that only set or report state, with their reply codes.

use std::os::unix::ffi::OsStrExt;

use rstest::rstest;

use ftp_testkit::TestServer;

#[tokio::test]
async fn login_sequences() {
    let server = TestServer::start_with(|config| {
        config.failed_login_delay = std::time::Duration::from_millis(10)
    })
    .await;
    let mut control = server.connect().await;
    control.expect("PASS secret", 503).await;
    control.expect("PWD", 530).await;
    control.expect("LIST", 530).await;
    control.expect("RETR x", 530).await;
    // Every USER gets 331 (no account enumeration); the refusal is PASS's.
    control.expect("USER root", 331).await;
    control.expect("PASS secret", 530).await;
    control.expect("PASS secret", 503).await;
    control.expect("USER ftp", 331).await;
    control.expect("PWD", 530).await;
    control.expect("PASS x@y", 230).await;
    control.expect("PWD", 257).await;
    control.expect("USER anonymous", 530).await;
    control.expect("PASS again", 230).await;
}

#[tokio::test]
async fn verbs_are_case_insensitive_and_bare_lf_is_accepted() {
    let server = TestServer::start().await;
    let mut control = server.connect().await;
    control.send_raw(b"user anonymous\n").await;
    assert_eq!(control.reply().await.code, 331);
    control.send_raw(b"pAsS me@example.com\n").await;
    assert_eq!(control.reply().await.code, 230);
    control.send_raw(b"syst\n").await;
    assert_eq!(control.reply().await.text(), "UNIX Type: L8");
}

#[rstest]
#[case("SYST", 215, "UNIX Type: L8")]
#[case("TYPE I", 200, "Type set to I.")]
#[case("TYPE A", 200, "Type set to A.")]
#[case("TYPE L 8", 200, "Type set to I.")]
#[case("TYPE E", 504, "TYPE not implemented for that parameter.")]
#[case("TYPE X", 504, "TYPE not implemented for that parameter.")]
#[case("TYPE", 501, "TYPE needs an argument.")]
#[case("MODE S", 200, "Mode set to S.")]
#[case("MODE B", 504, "MODE not implemented for that parameter.")]
#[case("MODE", 501, "MODE needs an argument.")]
#[case("STRU F", 200, "Structure set to F.")]
#[case("STRU R", 504, "STRU not implemented for that parameter.")]
#[case("NOOP", 200, "NOOP ok.")]
#[case("ALLO 100", 202, "ALLO command ignored.")]
#[case("OPTS UTF8 ON", 200, "Always in UTF8 mode.")]
#[case("OPTS MLST type", 200, "MLST OPTS type;")]
#[case("OPTS FROB", 501, "Option not understood.")]
#[case("FROB", 500, "Unknown command \"FROB\".")]
#[case("SITE CHMOD 644 x", 550, "No such file or directory.")]
#[case(
    "SITE FROB",
    501,
    "Illegal SITE command: unknown SITE command \"FROB\", see SITE HELP."
)]
#[case("STOU", 425, "Use PORT or PASV first.")]
#[case("ACCT x", 502, "ACCT not implemented.")]
#[case("PASV extra", 501, "Illegal PASV command: takes no argument.")]
#[case("REST abc", 501, "Illegal REST command: \"abc\" is not a byte offset.")]
#[case("REST 10", 350, "Restart position accepted (10).")]
#[tokio::test]
async fn replies_to_simple_commands(#[case] line: &str, #[case] code: u16, #[case] text: &str) {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    let reply = control.command(line).await;
    assert_eq!((reply.code, &*reply.text()), (code, text), "{line}");
    control.expect("NOOP", 200).await;
}

#[tokio::test]
async fn feat_and_help_are_multi_line() {
    let server = TestServer::start().await;
    let mut control = server.connect().await;
    let feat = control.expect("FEAT", 211).await;
    for feature in ["EPSV", "PASV", "SIZE", "REST STREAM", "MDTM"] {
        assert!(
            feat.lines.iter().any(|line| line.text().trim() == feature),
            "{feature} in {feat:?}"
        );
    }
    let help = control.expect("HELP", 214).await;
    assert!(help.lines.len() > 2);
    // RFC 2389 §3.2: feature lines are `SP feature CRLF`, without the code.
    control.send("FEAT").await;
    let (_, wire) = control.reply_and_wire().await;
    let wire = String::from_utf8(wire).unwrap();
    assert!(wire.starts_with("211-Features:\r\n EPRT\r\n"), "{wire:?}");
    assert!(wire.ends_with("\r\n UTF8\r\n211 End\r\n"), "{wire:?}");
}

/// RFC 3659 §4: SIZE counts the octets a transfer in the current TYPE sends. In TYPE A they are not
/// known without converting the file, so SIZE is refused there (550, §4.2) and exact in TYPE I.
/// (ftp-conformance `rfc3659/4/size-type-a` once caught the on-disk length given in TYPE A.)
#[tokio::test]
async fn size_is_exact_in_type_i_and_refused_in_type_a() {
    let server = TestServer::start().await;
    server.write("lines.txt", b"one\ntwo\n");
    let mut control = server.login().await;
    control.expect("TYPE A", 200).await;
    control.expect("SIZE lines.txt", 550).await;
    control.expect("TYPE I", 200).await;
    let reply = control.expect("SIZE lines.txt", 213).await;
    assert_eq!(reply.text(), "8");
}

/// RFC 854 via RFC 959 §2.2: a byte 255 in a name travels as IAC IAC and is one byte on disk.
/// (ftp-conformance `rfc959/2.2/iac-iac-in-pathname` once found both bytes kept.)
#[tokio::test]
async fn iac_iac_in_a_pathname_is_one_byte_255() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    control.send_raw(b"MKD a\xff\xffb\r\n").await;
    let reply = control.reply().await;
    assert_eq!(reply.code, 257, "{reply:?}");
    assert!(server
        .path("")
        .join(std::ffi::OsStr::from_bytes(b"a\xffb"))
        .is_dir());
}
