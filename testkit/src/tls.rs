//! TLS for tests of FTPS: a throw-away certificate authority and server certificate made with `rcgen`,
//! and a client (tokio-rustls, the *ring* provider, as the server) that trusts it and keeps TLS
//! sessions, so that data connections resume the control connection's session as real clients do.

use std::path::Path;
use std::sync::Arc;

use ftp_server::CertificateSource;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::TIMEOUT;

/// Any byte stream a connection can run over: a socket, or TLS over one.
pub trait AnyStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AnyStream for T {}

/// A certificate authority and a server certificate it signed for `localhost` and `127.0.0.1`.
pub struct TestPki {
    ca: CertificateDer<'static>,
    /// The authority's certificate, PEM: what a client given a CA file trusts.
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestPki {
    pub fn new() -> TestPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        TestPki {
            ca: ca.der().clone(),
            ca_pem: ca.pem(),
            cert_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    }

    /// Writes the server's PEM files into `dir`, for `TlsConfig`.
    pub fn write(&self, dir: &Path) -> CertificateSource {
        let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
        std::fs::write(&cert, &self.cert_pem).unwrap();
        std::fs::write(&key, &self.key_pem).unwrap();
        CertificateSource::Pem { cert, key }
    }

    /// A client that trusts this authority, with a session cache of its own.
    pub fn client(&self) -> TlsClient {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        let config = ClientConfig::builder_with_provider(ftp_tls::ring_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
        }
    }
}

impl Default for TestPki {
    fn default() -> TestPki {
        TestPki::new()
    }
}

/// One TLS client: every handshake it makes can resume a session an earlier one got.
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
}

impl TlsClient {
    /// The client handshake (server name `127.0.0.1`) on `stream`, within [`TIMEOUT`].
    pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: S) -> TlsStream<S> {
        self.try_handshake(stream).await.unwrap()
    }

    /// Like [`TlsClient::handshake`], the error returned.
    pub async fn try_handshake<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
    ) -> std::io::Result<TlsStream<S>> {
        let name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
        tokio::time::timeout(TIMEOUT, self.connector.connect(name, stream))
            .await
            .expect("no TLS handshake in time")
    }
}

/// Whether the handshake resumed an earlier session.
pub fn resumed<S>(stream: &TlsStream<S>) -> bool {
    stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}
