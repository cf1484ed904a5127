//! A download under PROT P that ends without the server's close_notify is a cut transfer, even when
//! the server then says 226: a scripted implicit-FTPS server (tokio-rustls) sends the file and either
//! ends TLS properly or just closes the socket.

use std::net::SocketAddr;
use std::sync::Arc;

use ftp_client::{Client, Error, Options, TlsMode, TlsOptions, Trust};
use ftp_testkit::TestPki;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::support::{options, pattern, TIMEOUT};

const FILE_LEN: usize = 200_000;

fn acceptor(pki: &TestPki) -> TlsAcceptor {
    let chain = vec![CertificateDer::from_pem_slice(pki.cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let config = ServerConfig::builder_with_provider(ftp_tls::ring_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// Reads one command line and checks its verb.
async fn expect<S: AsyncRead + AsyncWrite + Unpin>(control: &mut BufReader<S>, verb: &str) {
    let mut line = String::new();
    tokio::time::timeout(TIMEOUT, control.read_line(&mut line))
        .await
        .unwrap()
        .unwrap();
    assert!(
        line.starts_with(verb),
        "wanted {verb}, the client sent {line:?}"
    );
}

async fn reply<S: AsyncRead + AsyncWrite + Unpin>(control: &mut BufReader<S>, line: &str) {
    let writer = control.get_mut();
    writer
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    writer.flush().await.unwrap();
}

/// The scripted server: one session, one RETR; `close_notify` says how the data connection ends.
async fn scripted_server(pki: &TestPki, close_notify: bool) -> SocketAddr {
    let acceptor = acceptor(pki);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut control = BufReader::new(acceptor.accept(tcp).await.unwrap());
        reply(&mut control, "220 scripted FTPS").await;
        expect(&mut control, "USER").await;
        reply(&mut control, "230 in").await;
        expect(&mut control, "TYPE").await;
        reply(&mut control, "200 binary").await;
        // No SIZE: the client cannot tell a short file from the byte count.
        expect(&mut control, "SIZE").await;
        reply(&mut control, "502 no SIZE here").await;
        expect(&mut control, "PBSZ").await;
        reply(&mut control, "200 PBSZ=0").await;
        expect(&mut control, "PROT").await;
        reply(&mut control, "200 private").await;
        let data = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = data.local_addr().unwrap().port();
        expect(&mut control, "EPSV").await;
        reply(
            &mut control,
            &format!("229 Entering Extended Passive Mode (|||{port}|)"),
        )
        .await;
        expect(&mut control, "RETR").await;
        reply(&mut control, "150 here it comes").await;
        let (tcp, _) = data.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        tls.write_all(&pattern(FILE_LEN)).await.unwrap();
        tls.flush().await.unwrap();
        if close_notify {
            tls.shutdown().await.unwrap();
        } else {
            // The TCP connection ends with no TLS close_notify: a cut the client cannot see otherwise.
            let (mut tcp, _) = tls.into_inner();
            tcp.shutdown().await.unwrap();
        }
        reply(&mut control, "226 all sent (or so the server says)").await;
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(
            TIMEOUT,
            tokio::io::AsyncReadExt::read_to_end(&mut control, &mut rest),
        )
        .await;
    });
    addr
}

fn implicit_options(pki: &TestPki, dir: &std::path::Path) -> Options {
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    Options {
        tls: TlsOptions {
            mode: TlsMode::Implicit,
            trust: Trust::CaFile(ca),
            ..TlsOptions::default()
        },
        ..options()
    }
}

async fn download(close_notify: bool) -> Result<Vec<u8>, Error> {
    let pki = TestPki::new();
    let addr = scripted_server(&pki, close_notify).await;
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::connect("127.0.0.1", addr.port(), implicit_options(&pki, dir.path()))
        .await
        .unwrap();
    client.login("anonymous", "x").await.unwrap();
    let mut out = Vec::new();
    client.retrieve("file.bin", &mut out, &mut |_| {}).await?;
    Ok(out)
}

#[tokio::test]
async fn a_download_that_ends_with_close_notify_succeeds() {
    assert_eq!(download(true).await.unwrap(), pattern(FILE_LEN));
}

#[tokio::test]
async fn a_download_cut_without_close_notify_fails_despite_226() {
    let error = download(false).await.err().unwrap();
    assert!(matches!(error, Error::Transfer { .. }), "{error:?}");
    assert!(
        error.to_string().contains("without close_notify"),
        "{error}"
    );
}
