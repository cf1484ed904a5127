//! The brief's example session, end to end, in PORT and in PASV mode, with its exact texts.

use ftp_testkit::{accept, read_to_end, TestServer};

const ROBOTS: &[u8] = b"User-agent: *\nDisallow: /\n";

#[tokio::test]
async fn example_session_port_then_pasv_with_exact_texts_and_statistics() {
    let server = TestServer::start().await;
    server.write("robots.txt", ROBOTS);
    assert_eq!(ROBOTS.len(), 26, "the brief's robots.txt is 26 bytes");

    let mut control = server.connect().await;
    // (The greeting was read by connect(); check its text on a second connection.)
    let mut other = ftp_testkit::Control::connect(server.addr).await;
    assert_eq!(
        other.reply().await.to_wire(),
        "220 test.example FTP server ready.\r\n"
    );

    let reply = control.command("USER anonymous").await;
    assert_eq!(
        reply.to_wire(),
        "331 Guest login ok, send your complete e-mail address as password.\r\n"
    );
    let welcome = control.command("PASS dangfan@163.com").await;
    assert_eq!(welcome.code, 230);
    assert!(welcome.lines.len() > 1, "the welcome is multi-line");
    assert_eq!(welcome.text(), "Guest login ok, access restrictions apply.");
    assert!(welcome.to_wire().starts_with("230-"));

    assert_eq!(
        control.command("SYST").await.to_wire(),
        "215 UNIX Type: L8\r\n"
    );
    assert_eq!(
        control.command("TYPE I").await.to_wire(),
        "200 Type set to I.\r\n"
    );

    let listener = ftp_testkit::port_listener().await;
    let port_line = format!("PORT {}", ftp_proto::hostport::encode_port(listener.1));
    assert_eq!(
        control.command(&port_line).await.to_wire(),
        "200 PORT command successful.\r\n"
    );
    control.send("RETR robots.txt").await;
    assert_eq!(
        control.reply().await.to_wire(),
        "150 Opening BINARY mode data connection for robots.txt (26 bytes).\r\n"
    );
    let mut data = accept(&listener.0).await;
    assert_eq!(read_to_end(&mut data).await, ROBOTS);
    assert_eq!(
        control.reply().await.to_wire(),
        "226 Transfer complete.\r\n"
    );

    let pasv = control.command("PASV").await;
    let text = pasv.to_wire();
    assert!(
        text.starts_with("227 Entering Passive Mode (127,0,0,1,") && text.ends_with(")\r\n"),
        "{text}"
    );
    let addr = ftp_proto::hostport::decode_pasv_reply(&pasv.text()).unwrap();
    let mut data = tokio::net::TcpStream::connect(addr).await.unwrap();
    control.send("RETR robots.txt").await;
    assert_eq!(
        control.reply().await.to_wire(),
        "150 Opening BINARY mode data connection for robots.txt (26 bytes).\r\n"
    );
    assert_eq!(read_to_end(&mut data).await, ROBOTS);
    assert_eq!(
        control.reply().await.to_wire(),
        "226 Transfer complete.\r\n"
    );

    control.send("QUIT").await;
    // Everything on the control connection up to QUIT, plus both files, is the session's traffic.
    let traffic = control.bytes_sent + control.bytes_received + 2 * ROBOTS.len() as u64;
    let goodbye = control.reply().await;
    assert_eq!(
        goodbye.lines,
        vec![
            "You have transferred 52 bytes in 2 files.".to_string(),
            format!("Total traffic for this session was {traffic} bytes in 2 transfers."),
            "Thank you for using the FTP service on test.example.".to_string(),
            "Goodbye.".to_string(),
        ]
    );
    assert_eq!(goodbye.code, 221);
    assert!(control.closed().await, "QUIT closes the control connection");
}
