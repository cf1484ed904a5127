//! STAT (idle, with a path; during a transfer: see `transfers`), HELP with and without a verb, and REIN.

use ftp_testkit::TestServer;

#[tokio::test]
async fn stat_without_argument_reports_the_session() {
    let server = TestServer::start().await;
    let mut control = server.connect().await;
    // RFC 959 §5.4 lists 530 among STAT's replies: the status is for a logged-in session.
    control.expect("STAT", 530).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS x", 230).await;
    control.expect("TYPE A", 200).await;
    let status = control.expect("STAT", 211).await;
    let text = status.full_text();
    assert!(text.contains("Logged in anonymously."), "{text}");
    assert!(text.contains("TYPE: ASCII"), "{text}");
    assert!(text.contains("No data connection set up."), "{text}");
    assert_eq!(status.text(), "End of status.");
    let _data = control.pasv().await;
    let status = control.expect("STAT", 211).await;
    assert!(status
        .full_text()
        .contains("Passive mode: listening on 127.0.0.1:"));
}

#[tokio::test]
async fn stat_with_a_path_lists_on_the_control_connection() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("pub")).unwrap();
    server.write("pub/a.txt", b"12345");
    server.write("pub/.hidden", b"");
    server.write("pub/b\nc", b"");
    let mut control = server.login().await;
    control.send("STAT pub").await;
    let (reply, wire) = control.reply_and_wire().await;
    // RFC 959 §4.2.2: 212 Directory status; the listing's lines are indented so none can close it.
    assert_eq!(reply.code, 212);
    let wire = String::from_utf8(wire).unwrap();
    let lines: Vec<&str> = wire.split_inclusive("\r\n").collect();
    assert_eq!(lines.first(), Some(&"212-Status of /pub:\r\n"), "{wire:?}");
    assert_eq!(lines.last(), Some(&"212 End of status.\r\n"), "{wire:?}");
    assert_eq!(
        lines.len(),
        4,
        "a.txt and the name with a line feed: {wire:?}"
    );
    assert!(lines[1].starts_with(" -rw") && lines[1].ends_with(" a.txt\r\n"));
    assert!(
        lines[2].ends_with(" b c\r\n"),
        "LF in a name sent as a space"
    );

    let all = control.expect("STAT -a pub", 212).await;
    assert!(all.full_text().contains(" .hidden"));
    let file = control.expect("STAT pub/a.txt", 213).await;
    assert_eq!(file.lines.len(), 3, "{file:?}");
    assert!(file.lines[1].text().ends_with(" a.txt"), "{file:?}");
    // 450: RFC 959 §5.4's "file unavailable" for STAT.
    control.expect("STAT missing", 450).await;
    control.expect("NOOP", 200).await;
}

#[tokio::test]
async fn help_lists_commands_and_gives_one_verbs_syntax() {
    let server = TestServer::start().await;
    let mut control = server.connect().await;
    let help = control.expect("HELP", 214).await;
    for verb in ["APPE", "MLSD", "MLST", "REIN", "SITE", "STAT", "STOU"] {
        assert!(help.full_text().contains(verb), "{verb} in {help:?}");
    }
    assert!(!help.full_text().contains("ACCT"));
    let retr = control.expect("HELP retr", 214).await;
    assert_eq!(retr.text(), "Syntax: RETR <sp> pathname");
    assert_eq!(
        control.expect("HELP FROB", 501).await.text(),
        "Unknown command \"FROB\"."
    );
    control.expect("HELP ACCT", 502).await;
}

#[tokio::test]
async fn rein_resets_the_session_to_logged_out() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("sub")).unwrap();
    let mut control = server.login().await;
    control.expect("CWD sub", 250).await;
    control.expect("TYPE A", 200).await;
    control.expect("REST 10", 350).await;
    let _data = control.pasv().await;
    let reply = control.expect("REIN", 220).await;
    assert_eq!(reply.text(), "Service ready for new user.");
    control.expect("PWD", 530).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS x", 230).await;
    assert!(control.expect("PWD", 257).await.text().starts_with("\"/\""));
    let status = control.expect("STAT", 211).await;
    assert!(status.full_text().contains("TYPE: BINARY"));
    // The PASV plan went with the REIN.
    control.expect("LIST", 425).await;
}
