//! Bad input never panics, hangs or kills a session: long lines, empty lines, random bytes.

use proptest::prelude::*;

use ftp_testkit::TestServer;

#[tokio::test]
async fn long_and_empty_lines_get_500_and_the_session_goes_on() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    let mut long = vec![b'A'; 10_000];
    long.extend_from_slice(b"\r\n");
    control.send_raw(&long).await;
    assert_eq!(
        control.expect_reply(500).await.text(),
        "Command line too long."
    );
    control.send_raw(b"\r\n").await;
    assert_eq!(
        control.expect_reply(500).await.text(),
        "Empty command line."
    );
    // A huge line without any LF is never buffered whole; the session answers once it ends.
    control.send_raw(&vec![b'B'; 1_000_000]).await;
    control.send_raw(b"\nNOOP\r\n").await;
    control.expect_reply(500).await;
    control.expect_reply(200).await;
}

#[tokio::test]
async fn telnet_interrupt_before_abor_is_understood() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    control.send_raw(b"\xff\xf4\xff\xf2ABOR\r\n").await;
    control.expect_reply(225).await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_lines_never_break_a_session(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..6)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = TestServer::start_with(|config| config.writable = false).await;
            let mut control = server.login().await;
            for line in &lines {
                // Keep each as one line: LF inside would split it, and a QUIT would end the session.
                let line: Vec<u8> = line.iter().map(|b| if *b == b'\n' { b' ' } else { *b }).collect();
                if String::from_utf8_lossy(&line).to_ascii_uppercase().trim_start_matches(|c: char| !c.is_ascii()).starts_with("QUIT") {
                    continue;
                }
                control.send_raw(&line).await;
                control.send_raw(b"\r\n").await;
            }
            // Whatever those did (a PASV, a refused RETR...), the session still answers in order.
            control.send("NOOP").await;
            let mut last = control.reply().await;
            for _ in 0..lines.len() {
                if last.code == 200 && last.text() == "NOOP ok." {
                    break;
                }
                last = control.reply().await;
            }
            assert_eq!(last.text(), "NOOP ok.");
        });
    }
}
