//! FTPS (RFC 4217): what the user asks for ([`TlsOptions`]: when to use TLS and which certificates to
//! trust) and one session's TLS client ([`TlsSession`]), with rustls on the *ring* provider, as the
//! server uses.
//!
//! Each FTP session builds its own rustls `ClientConfig` with a session cache of its own, shared by
//! its control connection and every data connection: a data connection then resumes the control
//! connection's TLS session, which servers that require session reuse insist on (ours by default,
//! vsftpd's `require_ssl_reuse`, ProFTPD's mod_tls). All handshakes of a session use the name the
//! user connected to (the URL's host), so that the data connections find the cached session and the
//! certificate is checked against that name every time.
//!
//! Trust: Mozilla's roots (`webpki-roots`) by default, or the certificates of a PEM file
//! (`--ca-file`), or nothing checked at all (`--insecure`, for test servers; the handshake's
//! signatures are still verified).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ftp_tls::tickets::Tickets;
use ftp_tls::AnyCertificate;
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::{Error, Result};
use crate::stream::Stream;

/// Which connection a handshake is for: the session cache counts tickets by where they arrived.
pub use ftp_tls::tickets::Origin;

/// When the control connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain FTP (the default for `ftp://` URLs).
    #[default]
    Off,
    /// AUTH TLS; if the server refuses it, plain FTP only when [`TlsOptions::fallback`] allows it.
    Auto,
    /// AUTH TLS, required: a server that refuses it is an error.
    Explicit,
    /// TLS from the first byte (`ftps://`, port 990).
    Implicit,
}

impl FromStr for TlsMode {
    type Err = Error;

    fn from_str(text: &str) -> Result<TlsMode> {
        match text.to_ascii_lowercase().as_str() {
            "off" | "no" | "none" => Ok(TlsMode::Off),
            "auto" => Ok(TlsMode::Auto),
            "explicit" | "on" | "yes" => Ok(TlsMode::Explicit),
            "implicit" => Ok(TlsMode::Implicit),
            _ => Err(Error::Usage(format!(
                "TLS mode {text:?}: expected auto, explicit, implicit or off"
            ))),
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsMode::Off => "off",
            TlsMode::Auto => "auto",
            TlsMode::Explicit => "explicit",
            TlsMode::Implicit => "implicit",
        })
    }
}

/// Which server certificates are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// Those that chain to Mozilla's root certificates (`webpki-roots`).
    #[default]
    PublicRoots,
    /// Those that chain to a certificate in this PEM file (a private or test CA).
    CaFile(PathBuf),
    /// Any certificate (test servers only: anyone in the path can read and change the session).
    Insecure,
}

/// The FTPS settings of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: TlsMode,
    pub trust: Trust,
    /// Under [`TlsMode::Auto`]: go on in plain FTP when the server refuses AUTH TLS.
    pub fallback: bool,
    /// Resume the control connection's TLS session on data connections. Always on in practice;
    /// off only to check that a server refuses data connections that do not resume.
    pub reuse_sessions: bool,
}

impl Default for TlsOptions {
    fn default() -> TlsOptions {
        TlsOptions {
            mode: TlsMode::Off,
            trust: Trust::PublicRoots,
            fallback: false,
            reuse_sessions: true,
        }
    }
}

/// One FTP session's TLS client: its settings, its session cache, and the name every handshake uses.
#[derive(Clone)]
pub struct TlsSession {
    /// For the control connection and for data connections: one configuration, seen through a view
    /// of the session cache each, so that the cache counts where its tickets came from.
    control: TlsConnector,
    data: TlsConnector,
    name: ServerName<'static>,
    /// The session cache; `None` when resumption is off.
    tickets: Option<Arc<Tickets>>,
}

impl TlsSession {
    /// The TLS client for a session with `host` (a name or an address, as in the URL).
    pub fn new(options: &TlsOptions, host: &str) -> Result<TlsSession> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| Error::Usage(format!("{host:?} is not a host name TLS can check")))?;
        let provider = ftp_tls::ring_provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::Tls(format!("TLS client settings: {error}")))?;
        let mut config = match &options.trust {
            Trust::PublicRoots => {
                let roots = RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                };
                builder.with_root_certificates(roots)
            }
            Trust::CaFile(path) => builder.with_root_certificates(read_ca_file(path)?),
            Trust::Insecure => builder
                .dangerous()
                .with_custom_certificate_verifier(AnyCertificate::new(provider)),
        }
        .with_no_client_auth();
        let tickets = options.reuse_sessions.then(Tickets::new);
        let mut connector = |origin| {
            config.resumption = match &tickets {
                Some(tickets) => Resumption::store(tickets.view(origin)),
                None => Resumption::disabled(),
            };
            TlsConnector::from(Arc::new(config.clone()))
        };
        Ok(TlsSession {
            control: connector(Origin::Control),
            data: connector(Origin::Data),
            name,
            tickets,
        })
    }

    /// True when the next data connection has no TLS 1.3 ticket to resume with (see
    /// [`ftp_tls::tickets`]).
    pub fn out_of_tls13_tickets(&self) -> bool {
        self.tickets
            .as_ref()
            .is_some_and(|tickets| tickets.count().ran_out())
    }

    /// The client handshake on `tcp`, a connection of `origin`, within `timeout`; `what` names the
    /// connection in errors.
    pub async fn handshake(
        &self,
        origin: Origin,
        tcp: TcpStream,
        timeout: Duration,
        what: &str,
    ) -> Result<Stream> {
        let connector = match origin {
            Origin::Control => &self.control,
            Origin::Data => &self.data,
        };
        let connecting = connector.connect(self.name.clone(), tcp);
        match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
            Ok(Err(error)) => Err(handshake_error(&error, what)),
            Err(_) => Err(Error::Timeout(format!("in the TLS handshake on {what}"))),
        }
    }
}

/// The roots of a PEM file: every certificate in it; a file with none is an error.
fn read_ca_file(path: &PathBuf) -> Result<RootCertStore> {
    let bad = |why: String| Error::Usage(format!("--ca-file {}: {why}", path.display()));
    let mut roots = RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(path).map_err(|error| match error {
        rustls::pki_types::pem::Error::Io(source) => Error::local(path, source),
        other => bad(other.to_string()),
    })?;
    for certificate in certificates {
        let certificate = certificate.map_err(|error| bad(error.to_string()))?;
        roots
            .add(certificate)
            .map_err(|error| bad(format!("not a usable CA certificate: {error}")))?;
    }
    if roots.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(roots)
}

/// A failed handshake in words a user can act on: an untrusted certificate says how to trust it.
fn handshake_error(error: &std::io::Error, what: &str) -> Error {
    let inner = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let hint = match inner {
        Some(rustls::Error::InvalidCertificate(cert)) => match cert {
            rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature => {
                "; the server's certificate is not signed by a trusted CA: give that CA with \
                 --ca-file, or use --insecure for a test server"
            }
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. } => {
                "; the server's certificate is for another name: connect with the name it is for"
            }
            _ => "; the server's certificate was refused",
        },
        _ => "",
    };
    Error::Tls(format!("TLS handshake on {what} failed: {error}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_the_words_the_cli_documents() {
        for (word, mode) in [
            ("auto", TlsMode::Auto),
            ("EXPLICIT", TlsMode::Explicit),
            ("implicit", TlsMode::Implicit),
            ("off", TlsMode::Off),
        ] {
            assert_eq!(word.parse::<TlsMode>().unwrap(), mode);
            assert_eq!(mode.to_string().parse::<TlsMode>().unwrap(), mode);
        }
        assert!(matches!(
            "sometimes".parse::<TlsMode>(),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let options = |path: PathBuf| TlsOptions {
            trust: Trust::CaFile(path),
            ..TlsOptions::default()
        };
        match TlsSession::new(&options(empty), "h") {
            Err(Error::Usage(message)) => {
                assert!(message.contains("no PEM certificate"), "{message}")
            }
            other => panic!("{:?}", other.err()),
        }
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            TlsSession::new(&options(missing), "h"),
            Err(Error::LocalIo { .. })
        ));
    }
}
