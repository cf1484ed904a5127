//! MKD, CWD, CDUP, PWD, RMD, DELE, RNFR/RNTO, SIZE, MDTM and listings.

use ftp_testkit::{read_to_end, TestServer};

#[tokio::test]
async fn mkd_cwd_pwd_cdup_rmd_round_trip() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    assert_eq!(
        control.expect("MKD pub", 257).await.text(),
        "\"/pub\" created."
    );
    assert!(server.path("pub").is_dir());
    control.expect("CWD pub", 250).await;
    assert_eq!(
        control.expect("PWD", 257).await.text(),
        "\"/pub\" is the current directory."
    );
    assert_eq!(
        control.expect("MKD docs", 257).await.text(),
        "\"/pub/docs\" created."
    );
    control.expect("MKD docs", 550).await;
    control.expect("CDUP", 250).await;
    assert_eq!(
        control.expect("PWD", 257).await.text(),
        "\"/\" is the current directory."
    );
    control.expect("CDUP", 250).await;
    assert_eq!(
        control.expect("XPWD", 257).await.text(),
        "\"/\" is the current directory."
    );
    let refused = control.expect("RMD pub", 550).await;
    assert_eq!(refused.text(), "Directory not empty.");
    control.expect("RMD pub/docs", 250).await;
    control.expect("RMD pub", 250).await;
    assert!(!server.path("pub").exists());
    control.expect("RMD pub", 550).await;
    control.expect("CWD pub", 550).await;
    control.expect("CWD", 501).await;
}

#[tokio::test]
async fn pathnames_with_quotes_are_doubled_in_257() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    assert_eq!(
        control.expect("MKD say \"hi\"", 257).await.text(),
        "\"/say \"\"hi\"\"\" created."
    );
    assert!(server.path("say \"hi\"").is_dir());
    control.expect("CWD say \"hi\"", 250).await;
    assert_eq!(
        control.expect("PWD", 257).await.text(),
        "\"/say \"\"hi\"\"\" is the current directory."
    );
}

#[tokio::test]
async fn dele_rename_size_mdtm() {
    let server = TestServer::start().await;
    server.write("a.txt", b"12345");
    std::fs::create_dir(server.path("dir")).unwrap();
    let mut control = server.login().await;
    assert_eq!(control.expect("SIZE a.txt", 213).await.text(), "5");
    let mdtm = control.expect("MDTM a.txt", 213).await;
    // RFC 3659 §2.3: time-val = 14DIGIT [ "." 1*DIGIT ], in UTC; here the fraction is milliseconds.
    let text = mdtm.text();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "000"));
    assert!(
        whole.len() == 14
            && fraction.len() == 3
            && (whole.to_string() + fraction)
                .bytes()
                .all(|b| b.is_ascii_digit()),
        "YYYYMMDDHHMMSS[.sss]: {mdtm:?}"
    );
    control.expect("SIZE dir", 550).await;
    control.expect("SIZE missing", 550).await;
    control.expect("RNTO b.txt", 503).await;
    control.expect("RNFR a.txt", 350).await;
    control.expect("RNTO b.txt", 250).await;
    assert_eq!(std::fs::read(server.path("b.txt")).unwrap(), b"12345");
    control.expect("DELE dir", 550).await;
    control.expect("DELE b.txt", 250).await;
    control.expect("DELE b.txt", 550).await;
    assert!(!server.path("b.txt").exists());
}

#[tokio::test]
async fn read_only_server_refuses_changes() {
    let server = TestServer::start_with(|config| config.writable = false).await;
    server.write("keep.txt", b"keep");
    let mut control = server.login().await;
    for line in [
        "MKD new",
        "RMD x",
        "DELE keep.txt",
        "RNFR keep.txt",
        "STOR new.txt",
    ] {
        assert_eq!(
            control.expect(line, 550).await.text(),
            "Permission denied.",
            "{line}"
        );
    }
    assert_eq!(std::fs::read(server.path("keep.txt")).unwrap(), b"keep");
    assert!(!server.path("new").exists() && !server.path("new.txt").exists());
}

#[tokio::test]
async fn list_shows_ls_style_lines_and_nlst_names() {
    let server = TestServer::start().await;
    server.write("robots.txt", &[b'x'; 26]);
    server.write(".hidden", b"");
    std::fs::create_dir(server.path("pub")).unwrap();
    let mut control = server.login().await;

    let mut data = control.pasv().await;
    assert_eq!(control.command("LIST").await.code, 150);
    let listing = String::from_utf8(read_to_end(&mut data).await).unwrap();
    control.expect_reply(226).await;
    let lines: Vec<&str> = listing.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 2, "{listing:?}");
    let dir: Vec<&str> = lines[0].split_whitespace().collect();
    let file: Vec<&str> = lines[1].split_whitespace().collect();
    assert!(
        dir[0].starts_with('d') && dir[0].len() == 10 && dir.last() == Some(&"pub"),
        "{dir:?}"
    );
    assert_eq!(
        file.len(),
        9,
        "mode links owner group size month day time name: {file:?}"
    );
    assert!(file[0].starts_with("-rw"));
    assert_eq!((file[4], file[8]), ("26", "robots.txt"));

    let mut data = control.pasv().await;
    control.expect("LIST -la", 150).await;
    let all = String::from_utf8(read_to_end(&mut data).await).unwrap();
    control.expect_reply(226).await;
    assert!(all.contains(".hidden"), "{all}");

    let mut data = control.pasv().await;
    control.expect("NLST", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"pub\r\nrobots.txt\r\n");
    control.expect_reply(226).await;

    let mut data = control.pasv().await;
    control.expect("LIST robots.txt", 150).await;
    let single = String::from_utf8(read_to_end(&mut data).await).unwrap();
    assert!(
        single.ends_with(" robots.txt\r\n") && single.lines().count() == 1,
        "{single}"
    );
    control.expect_reply(226).await;

    control.pasv().await;
    control.expect("LIST missing", 550).await;
}
