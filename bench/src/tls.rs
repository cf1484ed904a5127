//! FTPS for the driver (RFC 4217, explicit: AUTH TLS, PBSZ 0, PROT P): the rustls client settings of a
//! run (the *ring* provider, as the server uses), and [`Stream`], a control or data connection that is
//! plain TCP or TLS over TCP.
//!
//! Each FTP session gets a client configuration with a TLS session cache of its own
//! ([`Tls::connector`]), shared by its control connection and all of its data connections: data
//! connections then resume the control connection's TLS session, which servers that require session
//! reuse (ours, vsftpd's `require_ssl_reuse`) insist on. A cache shared by concurrent sessions would let
//! one session's data connection present another's ticket, which such servers refuse.
//!
//! Certificates are not checked (`--insecure`): the targets are test servers with self-signed
//! certificates on loopback. Handshake signatures still are, so a handshake costs what it costs.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{within, BenchError};

/// TLS sessions one FTP session keeps: its control connection's and those its data connections renew.
const SESSIONS_PER_CLIENT: usize = 32;

/// The TLS client settings of a run; [`Tls::connector`] makes each FTP session's.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls { explicit, insecure }")
    }
}

impl Tls {
    /// Explicit FTPS accepting any server certificate.
    pub fn insecure() -> Result<Tls, BenchError> {
        let provider = ring_provider();
        let verifier = Arc::new(AnyCertificate(provider.clone()));
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| BenchError::Protocol(format!("TLS client settings: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Tls {
            config: Arc::new(config),
        })
    }

    /// The connector of one FTP session: the run's settings with a fresh session cache.
    pub fn connector(&self) -> TlsConnector {
        let mut config = (*self.config).clone();
        config.resumption = Resumption::in_memory_sessions(SESSIONS_PER_CLIENT);
        TlsConnector::from(Arc::new(config))
    }
}

/// The client handshake on `tcp`, connected to `peer`, within `timeout`; `what` names the connection.
pub async fn handshake(
    connector: &TlsConnector,
    tcp: TcpStream,
    peer: SocketAddr,
    timeout: Duration,
    what: &str,
) -> Result<Stream, BenchError> {
    // An IP address as the name: rustls sends no SNI for it, and the certificate is not checked.
    let name = ServerName::IpAddress(peer.ip().into());
    let context = format!("TLS handshake on {what}");
    let tls = within(timeout, || context.clone(), async {
        connector
            .connect(name, tcp)
            .await
            .map_err(BenchError::io(context.clone()))
    })
    .await?;
    Ok(Stream::Tls(Box::new(tls)))
}

/// rustls with *ring*, as the server: no aws-lc, no OpenSSL. rustls 0.23.48 deprecates this provider
/// for its lack of post-quantum key exchange, which loopback benchmarks do not need.
#[allow(deprecated)]
fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A connection to the server: plain TCP, or TLS over it.
pub enum Stream {
    /// No protection (no AUTH, or PROT C).
    Plain(TcpStream),
    /// TLS (boxed: the state is large and moved around with the session).
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Whether the connection is under TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// The TLS version and cipher suite, and whether the handshake resumed a session; `None` in plain.
    pub fn tls_description(&self) -> Option<String> {
        let Stream::Tls(tls) = self else { return None };
        let connection = tls.get_ref().1;
        let version = connection
            .protocol_version()
            .map_or_else(|| "?".to_string(), |v| format!("{v:?}"));
        let suite = connection
            .negotiated_cipher_suite()
            .map_or_else(|| "?".to_string(), |s| format!("{:?}", s.suite()));
        let kind = match connection.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => "resumed",
            _ => "full handshake",
        };
        Some(format!("{version} {suite}, {kind}"))
    }

    /// Ends a download whose end of data has been read. Under TLS the transfer ended with the server's
    /// close_notify (an end without one is an error of the read); this answers it with ours, as
    /// RFC 8446 §6.1 asks. The data has all arrived by then, so a failure here (the server may have
    /// closed the socket already) is no failure of the transfer.
    pub async fn finish_download(mut self, timeout: Duration) {
        if self.is_tls() {
            let _ = tokio::time::timeout(timeout, self.shutdown()).await;
        }
    }

    /// Ends an upload: under TLS, close_notify and then the TCP shutdown, so that the server can tell a
    /// complete upload from a cut one; then, under TLS, whatever the server still sends (its
    /// close_notify, TLS 1.3 tickets) is read until it closes, since closing a socket with unread bytes
    /// makes the kernel reset it, which can lose the end of the upload on the server's side.
    pub async fn finish_upload(mut self, timeout: Duration, what: &str) -> Result<(), BenchError> {
        let context = format!("{what}: close");
        within(timeout, || context.clone(), async {
            self.shutdown()
                .await
                .map_err(BenchError::io(context.clone()))
        })
        .await?;
        if self.is_tls() {
            let mut sink = [0u8; 4096];
            // Bounded by the byte count and the deadline; an error is the server closing without
            // close_notify or resetting, after our end of data: the 226 decides about the upload.
            let drain = async {
                for _ in 0..1024 {
                    match self.read(&mut sink).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            };
            let _ = tokio::time::timeout(timeout, drain).await;
        }
        Ok(())
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            // tokio-rustls sends close_notify, flushes, then shuts the socket's write side.
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(tcp) => tcp.is_write_vectored(),
            Stream::Tls(tls) => tls.is_write_vectored(),
        }
    }
}

/// Accepts any certificate, but checks the handshake's signatures with the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
