//! FTPS (RFC 4217): AUTH TLS/SSL, PBSZ/PROT, TLS data connections byte-exact, implicit TLS, the
//! session-resumption rule for data connections, --require-tls, CCC, ABOR and close_notify, against
//! certificates of a test authority made here, with tokio-rustls as the client.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use ftp_proto::hostport;
use ftp_testkit::tls::resumed;
use ftp_testkit::{pattern, sparse_file, Control, TestPki, TestServer, TlsClient, TIMEOUT};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A server with a test authority's certificate, a client trusting it, and a session logged in under
/// TLS with PROT P.
async fn logged_in_over_tls() -> (TestServer, TlsClient, Control) {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    let control = server.login_tls(&client).await;
    (server, client, control)
}

/// PASV, connect, send `command` and take its 150, then the TLS handshake on the data connection.
async fn tls_data(
    control: &mut Control,
    client: &TlsClient,
    command: &str,
) -> TlsStream<TcpStream> {
    let data = pasv_socket(control).await;
    control.expect(command, 150).await;
    client.handshake(data).await
}

async fn pasv_socket(control: &mut Control) -> TcpStream {
    let reply = control.expect("PASV", 227).await;
    let addr = hostport::decode_pasv_reply(&reply.text()).unwrap();
    TcpStream::connect(addr).await.unwrap()
}

/// Reads to the end, which must be the server's close_notify: a bare TCP close is an error here.
async fn read_tls_to_end(data: &mut TlsStream<TcpStream>) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(TIMEOUT, data.read_to_end(&mut received))
        .await
        .expect("data did not end")
        .expect("the server ends a TLS download with close_notify");
    received
}

/// Sends `contents`, then close_notify and the FIN.
async fn send_tls(data: &mut TlsStream<TcpStream>, contents: &[u8]) {
    data.write_all(contents).await.unwrap();
    data.shutdown().await.unwrap();
}

#[tokio::test]
async fn feat_offers_tls_only_with_a_certificate() {
    let pki = TestPki::new();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    let mut control = server.connect().await;
    let lines = control.expect("FEAT", 211).await.lines;
    for feature in [" AUTH TLS", " PBSZ", " PROT"] {
        assert!(
            lines.iter().any(|line| line == feature),
            "{feature} in {lines:?}"
        );
    }
    let plain = TestServer::start().await;
    let mut control = plain.connect().await;
    let lines = control.expect("FEAT", 211).await.lines;
    assert!(
        !lines.iter().any(|line| line.text().contains("AUTH")),
        "{lines:?}"
    );
    control.expect("AUTH TLS", 502).await;
}

#[tokio::test]
async fn stor_retr_and_list_under_prot_p_are_byte_exact_and_resume_the_session() {
    let (server, client, mut control) = logged_in_over_tls().await;
    control.expect("TYPE I", 200).await;
    let contents = pattern(3 * 1024 * 1024 + 7);

    let mut data = tls_data(&mut control, &client, "STOR up.bin").await;
    assert!(
        resumed(&data),
        "the data connection resumes the control session"
    );
    send_tls(&mut data, &contents).await;
    control.expect_reply(226).await;
    assert!(
        std::fs::read(server.path("up.bin")).unwrap() == contents,
        "bytes on disk differ"
    );

    let mut data = tls_data(&mut control, &client, "RETR up.bin").await;
    assert!(
        read_tls_to_end(&mut data).await == contents,
        "bytes received differ"
    );
    control.expect_reply(226).await;

    // Active mode: the server connects, and is the TLS server all the same.
    let listener = control.port().await;
    control.expect("RETR up.bin", 150).await;
    let mut data = client.handshake(ftp_testkit::accept(&listener).await).await;
    assert!(resumed(&data));
    assert!(
        read_tls_to_end(&mut data).await == contents,
        "bytes received differ (active)"
    );
    control.expect_reply(226).await;

    let mut data = tls_data(&mut control, &client, "NLST").await;
    assert_eq!(read_tls_to_end(&mut data).await, b"up.bin\r\n");
    control.expect_reply(226).await;
    let mut data = tls_data(&mut control, &client, "LIST").await;
    let listing = String::from_utf8(read_tls_to_end(&mut data).await).unwrap();
    assert!(
        listing.contains(&contents.len().to_string()) && listing.contains("up.bin"),
        "{listing}"
    );
    control.expect_reply(226).await;

    let goodbye = format!("{:?}", control.expect("QUIT", 221).await);
    assert!(goodbye.contains("in 3 files"), "{goodbye}");
}

#[tokio::test]
async fn auth_ssl_after_login_and_then_prot_c_goes_back_to_plain_data() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    server.write("f.txt", b"hello over the wire");
    let mut control = server.login().await.auth(&client, "SSL").await;
    control.expect("AUTH TLS", 503).await;
    control.expect("PBSZ 0", 200).await;
    control.expect("PROT P", 200).await;
    let mut data = tls_data(&mut control, &client, "RETR f.txt").await;
    assert_eq!(read_tls_to_end(&mut data).await, b"hello over the wire");
    control.expect_reply(226).await;

    control.expect("PROT C", 200).await;
    let mut data = pasv_socket(&mut control).await;
    control.expect("RETR f.txt", 150).await;
    assert_eq!(
        ftp_testkit::read_to_end(&mut data).await,
        b"hello over the wire"
    );
    control.expect_reply(226).await;
}

#[tokio::test]
async fn implicit_tls_serves_protected_data_from_the_first_byte() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |tls| tls.implicit_port = Some(0)).await;
    server.write("f.bin", &pattern(70_000));
    let addr = server.implicit_tls.expect("an implicit listener");
    let mut control = Control::connect_implicit_tls(addr, &client).await;
    control.expect_reply(220).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS x@example.com", 230).await;
    control.expect("AUTH TLS", 503).await;
    // No PBSZ/PROT needed: data is protected by default on this port.
    let mut data = tls_data(&mut control, &client, "RETR f.bin").await;
    assert!(read_tls_to_end(&mut data).await == pattern(70_000));
    control.expect_reply(226).await;

    // A plaintext client on the implicit port gets no greeting.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"USER anonymous\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, plain.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"220"), "{answer:?}");
}

/// The PASV thief: a data connection that does not resume this control connection's TLS session (a
/// fresh client, or a client holding another FTP session's tickets) is refused with 425.
#[tokio::test]
async fn a_data_connection_that_does_not_resume_the_session_is_refused() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    server.write("secret", b"top secret");
    let mut control = server.login_tls(&client).await;

    let thief = pki.client();
    let data = pasv_socket(&mut control).await;
    control.expect("RETR secret", 150).await;
    let mut stolen = thief.handshake(data).await;
    assert!(!resumed(&stolen));
    let mut received = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, stolen.read_to_end(&mut received)).await;
    assert!(received.is_empty(), "the thief got {received:?}");
    let refusal = control.expect_reply(425).await;
    assert!(refusal.text().contains("TLS session"), "{refusal:?}");

    // A client with tickets of another FTP session of the same server cannot resume here either.
    let other_session = server.login_tls(&thief).await;
    let data = pasv_socket(&mut control).await;
    control.expect("RETR secret", 150).await;
    let mut stolen = thief.handshake(data).await;
    assert!(!resumed(&stolen));
    let _ = tokio::time::timeout(TIMEOUT, stolen.read_to_end(&mut received)).await;
    assert!(received.is_empty(), "the thief got {received:?}");
    control.expect_reply(425).await;
    drop(other_session);

    // The rightful client still can.
    let mut data = tls_data(&mut control, &client, "RETR secret").await;
    assert_eq!(read_tls_to_end(&mut data).await, b"top secret");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn with_resumption_optional_a_fresh_tls_session_is_accepted() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |tls| tls.require_session_reuse = false).await;
    server.write("f", b"relaxed");
    let mut control = server.login_tls(&client).await;
    let fresh = pki.client();
    let mut data = tls_data(&mut control, &fresh, "RETR f").await;
    assert!(!resumed(&data));
    assert_eq!(read_tls_to_end(&mut data).await, b"relaxed");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn require_tls_refuses_user_before_auth() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |tls| tls.require_tls = true).await;
    let mut control = server.connect().await;
    let refusal = control.expect("USER alice", 530).await;
    assert!(refusal.text().contains("AUTH TLS"), "{refusal:?}");
    // Anonymous may stay plaintext unless --require-tls-anonymous.
    control.expect("USER anonymous", 331).await;

    let server = TestServer::start_tls(&pki, |tls| tls.require_tls_anonymous = true).await;
    let mut control = server.connect().await;
    let refusal = control.expect("USER anonymous", 530).await;
    assert!(refusal.text().contains("AUTH TLS"), "{refusal:?}");
    let mut control = control.auth_tls(&client).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS a@example.com", 230).await;
}

#[tokio::test]
async fn ccc_is_refused_and_pbsz_prot_keep_their_order() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    let mut control = server.connect().await;
    control.expect("PBSZ 0", 503).await;
    control.expect("PROT P", 503).await;
    control.expect("AUTH KERBEROS_V4", 504).await;
    let mut control = control.auth_tls(&client).await;
    control.expect("PROT P", 503).await;
    control.expect("CCC", 534).await;
    control.expect("PBSZ 0", 200).await;
    control.expect("PROT E", 536).await;
    control.expect("PROT X", 504).await;
    control.expect("PROT P", 200).await;
    control.expect("NOOP", 200).await;
}

#[tokio::test]
async fn abor_under_tls_stops_the_transfer_and_other_commands_are_ignored_meanwhile() {
    let pki = TestPki::new();
    let client = pki.client();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    sparse_file(&server.path("big"), 256 * 1024 * 1024);
    let mut control = server.login_tls(&client).await;
    let mut data = tls_data(&mut control, &client, "RETR big").await;
    let mut first = [0u8; 1024];
    data.read_exact(&mut first).await.unwrap();
    control.send("PWD").await;
    assert!(
        control
            .silent_for(std::time::Duration::from_millis(300))
            .await,
        "PWD is ignored"
    );
    control.send("ABOR").await;
    control.expect_reply(426).await;
    control.expect_reply(226).await;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, data.read_to_end(&mut rest)).await;
    assert!(
        rest.len() < 256 * 1024 * 1024 - 1024,
        "the data connection was cut"
    );
    control.expect("NOOP", 200).await;
    let goodbye = format!("{:?}", control.expect("QUIT", 221).await);
    assert!(
        goodbye.contains("in 0 files") && goodbye.contains("in 1 transfers"),
        "{goodbye}"
    );
}

/// curl closes an upload's socket right after its close_notify, reading nothing: any byte the server had
/// sent on that connection (TLS 1.3 tickets) would turn the close into a reset and cost the upload's end.
#[tokio::test]
async fn an_upload_closed_at_once_after_close_notify_is_complete() {
    let (server, client, mut control) = logged_in_over_tls().await;
    let contents = pattern(4 * 1024 * 1024 + 3);
    for round in 0..3 {
        let name = format!("quick-{round}.bin");
        let mut data = tls_data(&mut control, &client, &format!("STOR {name}")).await;
        send_tls(&mut data, &contents).await;
        drop(data);
        control.expect_reply(226).await;
        assert!(
            std::fs::read(server.path(&name)).unwrap() == contents,
            "{name} differs"
        );
    }
}

/// An upload is complete only with the client's close_notify: a bare TCP close may be a truncation, so
/// it is a broken transfer (426) and nothing is stored.
#[tokio::test]
async fn an_upload_ended_without_close_notify_is_not_stored() {
    let (server, client, mut control) = logged_in_over_tls().await;
    let mut data = tls_data(&mut control, &client, "STOR cut.bin").await;
    data.write_all(&pattern(100_000)).await.unwrap();
    data.flush().await.unwrap();
    // The FIN without a close_notify.
    data.get_mut().0.shutdown().await.unwrap();
    control.expect_reply(426).await;
    assert!(
        !server.path("cut.bin").exists(),
        "a truncated upload was stored"
    );

    // With close_notify the same upload is stored, and the server answers with its own close_notify.
    let mut data = tls_data(&mut control, &client, "STOR whole.bin").await;
    send_tls(&mut data, &pattern(100_000)).await;
    let mut after = Vec::new();
    tokio::time::timeout(TIMEOUT, data.read_to_end(&mut after))
        .await
        .unwrap()
        .expect("the server's close_notify after the upload");
    control.expect_reply(226).await;
    assert!(std::fs::read(server.path("whole.bin")).unwrap() == pattern(100_000));
}

/// The stall limit holds under TLS: a download the client stops reading, an upload it stops sending
/// (426), and a data connection that never starts its handshake (425, after the data timeout).
#[tokio::test]
async fn stalled_tls_transfers_and_handshakes_are_given_up() {
    let pki = TestPki::new();
    let client = pki.client();
    let pem_dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(|config| {
        config.idle_timeout = std::time::Duration::from_secs(1);
        config.data_timeout = std::time::Duration::from_secs(1);
        config.tls = Some(ftp_server::TlsConfig::new(pki.write(pem_dir.path())));
    })
    .await;
    sparse_file(&server.path("big"), 256 * 1024 * 1024);
    let mut control = server.login_tls(&client).await;

    let _unread = tls_data(&mut control, &client, "RETR big").await;
    control.expect_reply(426).await;

    let mut silent = tls_data(&mut control, &client, "STOR stalled.bin").await;
    silent.write_all(b"a few bytes").await.unwrap();
    silent.flush().await.unwrap();
    control.expect_reply(426).await;
    assert!(!server.path("stalled.bin").exists());

    let _no_hello = pasv_socket(&mut control).await;
    control.expect("RETR big", 150).await;
    control.expect_reply(425).await;
    control.expect("NOOP", 200).await;
}
