//! FTPS for the suite (RFC 4217): how the target is reached over TLS ([`TlsSetup`]: implicit or
//! explicit, trusting `--ca-file` or, with `--insecure`, any certificate), and [`Stream`], the one byte
//! stream control and data connections run over, plain TCP or TLS over it.
//!
//! Every control connection gets its own TLS session store ([`TlsSetup::session`], [`Tickets`]): its data
//! connections then resume *its* session, as RFC 4217 §10.2 and servers such as vsftpd
//! (`require_ssl_reuse`) and ours expect, and never a session another case's connection left in a
//! shared cache. The store counts TLS 1.3 tickets, so a data connection that finds none left says so.

use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ftp_tls::tickets::{Origin, TicketCount, Tickets};
use ftp_tls::{ring_provider, AnyCertificate};
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// How TLS starts on the control connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// `AUTH TLS` after the greeting (RFC 4217 §4), on the FTP port.
    Explicit,
    /// TLS from the first byte, before the greeting (`ftps://`, usually port 990).
    Implicit,
}

/// How the suite reaches a TLS target, as the command line asks.
#[derive(Clone)]
pub struct TlsSetup {
    pub mode: TlsMode,
    /// The target refuses USER before AUTH TLS (`--tls-required`): a case checks that it does.
    pub required: bool,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("mode", &self.mode)
            .field("required", &self.required)
            .field("name", &self.name)
            .finish()
    }
}

/// Why TLS cannot be set up from the command line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    /// The CA file cannot be read or holds no certificate.
    #[error("--ca-file {0}: {1}")]
    CaFile(String, String),
    /// Neither `--ca-file` nor `--insecure`: the suite has no roots to check the server against.
    #[error("a TLS target needs --ca-file PEM (the server's CA) or --insecure")]
    NoTrust,
    /// The host is not a valid TLS server name.
    #[error("{0:?} is not a TLS server name")]
    Name(String),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

impl TlsSetup {
    /// Trusts the certificates in `ca_file`, or any certificate when `insecure` (signatures are still
    /// checked, so the handshake is real); `host` is the name the certificate is checked against.
    pub fn new(
        mode: TlsMode,
        host: &str,
        ca_file: Option<&Path>,
        insecure: bool,
        required: bool,
    ) -> Result<TlsSetup, TlsSetupError> {
        let builder = ClientConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()?;
        let config = match (ca_file, insecure) {
            (Some(path), _) => {
                let shown = path.display().to_string();
                let mut roots = RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| TlsSetupError::CaFile(shown.clone(), e.to_string()))?;
                for cert in certs {
                    let cert =
                        cert.map_err(|e| TlsSetupError::CaFile(shown.clone(), e.to_string()))?;
                    roots
                        .add(cert)
                        .map_err(|e| TlsSetupError::CaFile(shown.clone(), e.to_string()))?;
                }
                if roots.is_empty() {
                    return Err(TlsSetupError::CaFile(shown, "no certificate".into()));
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            (None, true) => builder
                .dangerous()
                .with_custom_certificate_verifier(AnyCertificate::new(ring_provider()))
                .with_no_client_auth(),
            (None, false) => return Err(TlsSetupError::NoTrust),
        };
        let name = match host.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(host.to_string())
                .map_err(|_| TlsSetupError::Name(host.to_string()))?,
        };
        Ok(TlsSetup {
            mode,
            required,
            config: Arc::new(config),
            name,
        })
    }

    /// A client for one control connection and its data connections: its own session store, so the
    /// data connections resume this control connection's session and no other.
    pub fn session(&self) -> TlsSession {
        let tickets = Tickets::new();
        let connector = |origin| {
            let mut config = (*self.config).clone();
            config.resumption = Resumption::store(tickets.view(origin));
            TlsConnector::from(Arc::new(config))
        };
        TlsSession {
            control: connector(Origin::Control),
            data: connector(Origin::Data),
            tickets,
            name: self.name.clone(),
        }
    }
}

/// One control connection's TLS client; data connections made with it can resume its session.
#[derive(Clone)]
pub struct TlsSession {
    control: TlsConnector,
    data: TlsConnector,
    tickets: Arc<Tickets>,
    name: ServerName<'static>,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("name", &self.name)
            .finish()
    }
}

impl TlsSession {
    /// The client handshake of the control connection on `tcp`, within `wait`.
    pub async fn handshake(&self, tcp: TcpStream, wait: Duration) -> io::Result<Stream> {
        self.connect(&self.control, tcp, wait).await
    }

    /// The client handshake of a data connection on `tcp`, within `wait`: it resumes with a ticket
    /// (or TLS 1.2 session) the control connection or an earlier data connection got.
    pub async fn data_handshake(&self, tcp: TcpStream, wait: Duration) -> io::Result<Stream> {
        self.connect(&self.data, tcp, wait).await
    }

    /// The TLS 1.3 tickets this session got and used so far.
    pub fn tickets(&self) -> TicketCount {
        self.tickets.count()
    }

    async fn connect(
        &self,
        connector: &TlsConnector,
        tcp: TcpStream,
        wait: Duration,
    ) -> io::Result<Stream> {
        let connecting = connector.connect(self.name.clone(), tcp);
        match tokio::time::timeout(wait, connecting).await {
            Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no TLS handshake within {wait:?}"),
            )),
        }
    }
}

/// The byte stream of a connection: plain TCP, or TLS over it.
pub use ftp_tls::stream::ClientStream as Stream;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_target_needs_trust_and_a_readable_ca_file() {
        let none = TlsSetup::new(TlsMode::Explicit, "127.0.0.1", None, false, false);
        assert!(matches!(none, Err(TlsSetupError::NoTrust)));
        let missing = Path::new("/nonexistent/ca.pem");
        let error = TlsSetup::new(TlsMode::Explicit, "h", Some(missing), false, false).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("--ca-file /nonexistent/ca.pem"),
            "{error}"
        );
        let empty = tempfile_with(b"not a certificate\n");
        let error = TlsSetup::new(TlsMode::Explicit, "h", Some(&empty), false, false).unwrap_err();
        assert!(error.to_string().contains("no certificate"), "{error}");
        let _ = std::fs::remove_file(empty);
        let insecure = TlsSetup::new(TlsMode::Implicit, "::1", None, true, true).unwrap();
        assert_eq!(
            (insecure.mode, insecure.required),
            (TlsMode::Implicit, true)
        );
        assert!(TlsSetup::new(TlsMode::Explicit, "bad name!", None, true, false).is_err());
    }

    fn tempfile_with(bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("ftp-conformance-ca-{}.pem", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }
}
