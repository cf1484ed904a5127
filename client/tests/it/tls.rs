//! FTPS against this project's server with a test CA: explicit and implicit, byte-exact both ways in
//! both data modes, data connections that resume the control connection's TLS session (which the
//! server requires by default), trust (CA file, wrong CA, --insecure), `auto` and its fallback.

use std::path::PathBuf;

use ftp_client::{Client, DataMode, Error, Options, TlsMode, TlsOptions, Trust};
use ftp_proto::Command;
use ftp_testkit::TestPki;
use rstest::rstest;

use crate::support::{options, pattern, sha256, TestServer};

/// A server offering explicit FTPS on its port and implicit FTPS on a second one, AUTH required of
/// every user (so that a client that silently stayed plain would fail).
async fn tls_server(pki: &TestPki) -> TestServer {
    TestServer::start_tls(pki, |tls| {
        tls.implicit_port = Some(0);
        tls.require_tls = true;
        tls.require_tls_anonymous = true;
    })
    .await
}

/// The CA's PEM in a file of its own (kept alive by the returned directory).
fn ca_file(pki: &TestPki) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, &pki.ca_pem).unwrap();
    (dir, path)
}

fn tls_options(mode: TlsMode, trust: Trust) -> Options {
    Options {
        tls: TlsOptions {
            mode,
            trust,
            ..TlsOptions::default()
        },
        ..options()
    }
}

async fn connect(port: u16, options: Options) -> Result<Client, Error> {
    let mut client = Client::connect("127.0.0.1", port, options).await?;
    client.login("anonymous", "test@").await?;
    Ok(client)
}

/// A TLS server and a client logged in to it over explicit FTPS (the CA file's directory kept alive).
async fn explicit_session() -> (TestServer, tempfile::TempDir, Client) {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let (dir, ca) = ca_file(&pki);
    let client = connect(
        server.addr.port(),
        tls_options(TlsMode::Explicit, Trust::CaFile(ca)),
    )
    .await
    .unwrap();
    (server, dir, client)
}

#[rstest]
#[case::explicit_passive(TlsMode::Explicit, DataMode::Passive)]
#[case::explicit_active(TlsMode::Explicit, DataMode::Active)]
#[case::implicit_passive(TlsMode::Implicit, DataMode::Passive)]
#[tokio::test]
async fn put_then_get_under_tls_is_byte_exact_and_resumes_the_session(
    #[case] tls_mode: TlsMode,
    #[case] data_mode: DataMode,
    #[values(0, 3 * 1024 * 1024 + 7)] len: usize,
) {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let (_dir, ca) = ca_file(&pki);
    let port = match tls_mode {
        TlsMode::Implicit => server.implicit_tls.unwrap().port(),
        _ => server.addr.port(),
    };
    let mut options = tls_options(tls_mode, Trust::CaFile(ca));
    options.mode = data_mode;
    let mut client = connect(port, options).await.unwrap();
    assert!(client.is_tls());

    let work = tempfile::tempdir().unwrap();
    let data = pattern(len);
    let source = work.path().join("source.bin");
    std::fs::write(&source, &data).unwrap();
    let sent = client
        .put_file(&source, "up.bin", &mut |_| {})
        .await
        .unwrap();
    assert_eq!(sent, len as u64);
    assert_eq!(
        sha256(&std::fs::read(server.path("up.bin")).unwrap()),
        sha256(&data)
    );

    let target = work.path().join("back.bin");
    let done = client
        .get_file("up.bin", &target, false, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(done.received, len as u64);
    assert_eq!(sha256(&std::fs::read(&target).unwrap()), sha256(&data));

    // The data connection itself says it resumed the control connection's session.
    let transfer = client
        .open_transfer(Command::Retr("up.bin".into()), 0)
        .await
        .unwrap();
    assert_eq!(transfer.tls_resumed(), Some(true));
    let mut sink = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut transfer = transfer;
    loop {
        let count = transfer.read(&mut buffer).await.unwrap();
        if count == 0 {
            break;
        }
        sink.extend_from_slice(&buffer[..count]);
    }
    transfer.finish().await.unwrap();
    assert_eq!(sink.len(), len);
    client.quit().await.unwrap();
}

/// More transfers in one session than the server hands out TLS 1.3 tickets at login (8): uploads and
/// listings alternate as in a real `mput`, every data connection resuming.
#[tokio::test]
async fn many_transfers_in_one_session_all_resume() {
    let (_server, _ca, mut client) = explicit_session().await;
    let work = tempfile::tempdir().unwrap();
    for index in 0..12 {
        let source = work.path().join(format!("f{index}.bin"));
        std::fs::write(&source, pattern(1000 + index)).unwrap();
        client
            .put_file(&source, &format!("f{index}.bin"), &mut |_| {})
            .await
            .unwrap_or_else(|error| panic!("upload {index}: {error}"));
    }
    assert_eq!(client.nlst(None).await.unwrap().len(), 12);
    client.quit().await.unwrap();
}

/// Regression (mirror -R to ProFTPD over FTPS left files that differed): once the session ran out
/// of TLS 1.3 tickets, the listing that fetches new ones ran after the upload's TYPE I, left the
/// session in TYPE A, and the upload went in ASCII: the server turned its CR LF into LF and the
/// client reported success. Every upload of a long run must land byte for byte.
#[tokio::test]
async fn uploads_after_a_ticket_top_up_are_binary_and_byte_exact() {
    let (server, _ca, mut client) = explicit_session().await;
    let work = tempfile::tempdir().unwrap();
    for index in 0..20 {
        let mut data = pattern(2000 + index);
        // Line ends that TYPE A would change on the way in.
        data.extend_from_slice(b"line\r\nend\r\n");
        let source = work.path().join(format!("f{index}.bin"));
        std::fs::write(&source, &data).unwrap();
        let name = format!("f{index}.bin");
        client
            .put_file(&source, &name, &mut |_| {})
            .await
            .unwrap_or_else(|error| panic!("upload {index}: {error}"));
        let landed = std::fs::read(server.path(&name)).unwrap();
        assert_eq!(
            (landed.len(), sha256(&landed)),
            (data.len(), sha256(&data)),
            "upload {index} differs on the server's disk"
        );
    }
    client.quit().await.unwrap();
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_with_advice() {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let other = TestPki::new();
    let (_dir, wrong_ca) = ca_file(&other);
    let error = connect(
        server.addr.port(),
        tls_options(TlsMode::Explicit, Trust::CaFile(wrong_ca)),
    )
    .await
    .err()
    .unwrap();
    let message = error.to_string();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
    assert!(message.contains("not signed by a trusted CA"), "{message}");
    assert!(message.contains("--ca-file"), "{message}");
    // Public roots do not know the test CA either.
    let error = connect(
        server.addr.port(),
        tls_options(TlsMode::Explicit, Trust::PublicRoots),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
}

#[tokio::test]
async fn insecure_accepts_any_certificate_and_still_encrypts() {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let mut client = connect(
        server.addr.port(),
        tls_options(TlsMode::Explicit, Trust::Insecure),
    )
    .await
    .unwrap();
    assert!(client.is_tls());
    server.write("a.txt", b"hello over TLS\n");
    let mut out = Vec::new();
    client
        .retrieve("a.txt", &mut out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(out, b"hello over TLS\n");
    client.quit().await.unwrap();
}

/// The server's session-reuse check catches a client that does not resume: with resumption off the
/// data connection is refused, and the error says why.
#[tokio::test]
async fn a_client_that_does_not_resume_is_refused_by_the_server() {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let (_dir, ca) = ca_file(&pki);
    let mut options = tls_options(TlsMode::Explicit, Trust::CaFile(ca));
    options.tls.reuse_sessions = false;
    let mut client = connect(server.addr.port(), options).await.unwrap();
    server.write("a.txt", b"x");
    let error = client
        .retrieve("a.txt", &mut Vec::new(), &mut |_| {})
        .await
        .err()
        .unwrap();
    let message = error.to_string();
    assert!(message.contains("session"), "{message}");
}

#[tokio::test]
async fn auto_uses_tls_when_offered() {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let (_dir, ca) = ca_file(&pki);
    let client = connect(
        server.addr.port(),
        tls_options(TlsMode::Auto, Trust::CaFile(ca)),
    )
    .await
    .unwrap();
    assert!(client.is_tls());
    client.quit().await.unwrap();
}

#[tokio::test]
async fn auto_falls_back_to_plain_only_when_allowed() {
    // A server without TLS: AUTH TLS gets a refusal.
    let server = TestServer::start().await;
    let error = connect(
        server.addr.port(),
        tls_options(TlsMode::Auto, Trust::Insecure),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
    assert!(error.to_string().contains("--tls-fallback"), "{error}");

    let mut options = tls_options(TlsMode::Auto, Trust::Insecure);
    options.tls.fallback = true;
    let mut client = connect(server.addr.port(), options).await.unwrap();
    assert!(!client.is_tls());
    server.write("plain.txt", b"in the clear");
    let mut out = Vec::new();
    client
        .retrieve("plain.txt", &mut out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(out, b"in the clear");
    client.quit().await.unwrap();

    // Explicit never falls back.
    let mut options = tls_options(TlsMode::Explicit, Trust::Insecure);
    options.tls.fallback = true;
    let error = connect(server.addr.port(), options).await.err().unwrap();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
}

/// `auto` falls back only on a refused AUTH TLS, never on a failed handshake: an untrusted
/// certificate must not turn into a plain session, whatever --tls-fallback says.
#[tokio::test]
async fn auto_never_falls_back_after_a_failed_handshake() {
    let pki = TestPki::new();
    let server = tls_server(&pki).await;
    let (_dir, wrong_ca) = ca_file(&TestPki::new());
    let mut options = tls_options(TlsMode::Auto, Trust::CaFile(wrong_ca));
    options.tls.fallback = true;
    let error = connect(server.addr.port(), options).await.err().unwrap();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
    assert!(
        error.to_string().contains("not signed by a trusted CA"),
        "{error}"
    );
}
