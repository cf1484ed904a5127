//! FTPS (RFC 4217): the server's TLS identity and the TLS settings each session gets.
//!
//! [`TlsConfig`] is what the command line (or a test) asks for: a PEM certificate and key, or a
//! self-signed certificate made at start-up with `rcgen`, plus the policy flags. [`TlsContext::load`]
//! turns it into a checked rustls `ServerConfig` (the `ring` provider only) once, at start-up.
//!
//! Each session then gets its own copy ([`TlsContext::session_config`]) with its own session cache and
//! its own ticket key, used for its control connection and every one of its data connections. A data
//! connection whose handshake comes out `Resumed` therefore resumed a TLS session of *this* control
//! connection: nobody else holds its secrets, so a thief who wins the race to a passive port cannot
//! present it (the check vsftpd calls `require_ssl_reuse`). A ticket from another session, or from
//! before a restart, fails to decrypt and the handshake falls back to a full one, which is refused.
//!
//! TLS 1.3 tickets travel after the handshake, so a client reads them only when it reads. The control
//! connection and downloads send them (more on the control connection, for clients such as rustls that
//! use each ticket once); upload connections send none: a client that only writes never reads them, and
//! closing a socket with unread bytes makes the kernel reset it, which can lose the end of the upload
//! on the server's side (seen with curl 7.88).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::ServerSessionMemoryCache;
use rustls::ServerConfig;
use sha2::{Digest, Sha256};

/// How long a TLS handshake (control or data) may take before the connection is given up.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// TLS sessions one FTP session keeps for resumption: its control connection's and those its data
/// connections renew.
const SESSIONS_PER_CLIENT: usize = 32;

/// TLS 1.3 tickets sent on the control connection: rustls clients hold up to 8 per server and use each
/// once, so this many uploads in a row can resume before a download brings new ones.
const CONTROL_TICKETS: usize = 8;

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// A PEM certificate chain (leaf first) and its PEM private key.
    Pem { cert: PathBuf, key: PathBuf },
    /// A certificate for `localhost` and the loopback addresses, made at start-up (tests, first runs).
    SelfSigned,
}

/// The FTPS settings, grouped: set only when the server offers TLS.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub certificate: CertificateSource,
    /// A second listener where TLS starts at once, before the greeting (implicit FTPS, usually 990);
    /// 0 picks a free port.
    pub implicit_port: Option<u16>,
    /// Named (non-anonymous) users must send AUTH before USER (530 otherwise).
    pub require_tls: bool,
    /// Anonymous users too must send AUTH before USER.
    pub require_tls_anonymous: bool,
    /// A PROT P data connection must resume the control connection's TLS session (425 otherwise).
    pub require_session_reuse: bool,
}

impl TlsConfig {
    /// Explicit FTPS with `certificate`: nothing required, session reuse enforced.
    pub fn new(certificate: CertificateSource) -> TlsConfig {
        TlsConfig {
            certificate,
            implicit_port: None,
            require_tls: false,
            require_tls_anonymous: false,
            require_session_reuse: true,
        }
    }
}

/// Why TLS could not be set up at start-up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert {0}: {1}")]
    Certificate(PathBuf, String),
    #[error("--tls-key {0}: {1}")]
    Key(PathBuf, String),
    #[error("self-signed certificate: {0}")]
    SelfSigned(String),
    #[error("certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The loaded identity and policy, shared by every session.
#[derive(Debug)]
pub struct TlsContext {
    base: Arc<ServerConfig>,
    fingerprint: String,
    pub require_tls: bool,
    pub require_tls_anonymous: bool,
    pub require_session_reuse: bool,
}

impl TlsContext {
    /// Loads (or makes) the certificate and checks that it fits its key.
    pub fn load(config: &TlsConfig) -> Result<TlsContext, TlsError> {
        let (chain, key) = match &config.certificate {
            CertificateSource::Pem { cert, key } => (read_chain(cert)?, read_key(key)?),
            CertificateSource::SelfSigned => self_signed()?,
        };
        let fingerprint = chain.first().map(fingerprint).unwrap_or_default();
        let base = ServerConfig::builder_with_provider(ftp_tls::ring_provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(TlsContext {
            base: Arc::new(base),
            fingerprint,
            require_tls: config.require_tls,
            require_tls_anonymous: config.require_tls_anonymous,
            require_session_reuse: config.require_session_reuse,
        })
    }

    /// The SHA-256 fingerprint of the certificate, `AB:CD:...`, to compare with what a client shows.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The configurations for one FTP session: the shared identity with a session cache and a ticket key
    /// of its own, so that only this session's connections can resume its TLS sessions.
    pub fn session_config(&self) -> Result<SessionTls, rustls::Error> {
        let mut config = (*self.base).clone();
        config.session_storage = ServerSessionMemoryCache::new(SESSIONS_PER_CLIENT);
        // Stateless tickets (TLS 1.3, and 1.2 clients that ask) may be presented again by each data
        // connection; the key is this session's alone, and goes when the session ends.
        config.ticketer = rustls::crypto::ring::Ticketer::new()?;
        let mut upload = config.clone();
        upload.send_tls13_tickets = 0;
        config.send_tls13_tickets = CONTROL_TICKETS;
        Ok(SessionTls {
            control: Arc::new(config),
            upload: Arc::new(upload),
        })
    }
}

/// One FTP session's TLS configurations; both share its session cache and ticket key.
#[derive(Debug, Clone)]
pub struct SessionTls {
    /// The control connection and data connections the server sends on: they send TLS 1.3 tickets.
    pub control: Arc<ServerConfig>,
    /// Upload data connections: no tickets (see the module documentation).
    pub upload: Arc<ServerConfig>,
}

fn read_chain(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let error = |why: String| TlsError::Certificate(path.clone(), why);
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if chain.is_empty() {
        return Err(error("no PEM certificate in the file".into()));
    }
    Ok(chain)
}

fn read_key(path: &PathBuf) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::Key(path.clone(), e.to_string()))
}

/// A new key and a certificate for the names a local client may use.
fn self_signed() -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| TlsError::SelfSigned(e.to_string()))?;
    let key = PrivateKeyDer::try_from(made.signing_key.serialize_der())
        .map_err(|e| TlsError::SelfSigned(e.to_string()))?;
    Ok((vec![made.cert.der().clone()], key))
}

/// `AB:CD:...`: SHA-256 over the DER certificate, as `openssl x509 -fingerprint -sha256` prints it.
fn fingerprint(certificate: &CertificateDer<'_>) -> String {
    let digest = Sha256::digest(certificate.as_ref());
    let hex: Vec<String> = digest.iter().map(|byte| format!("{byte:02X}")).collect();
    hex.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_identity_loads_with_a_fingerprint() {
        let context = TlsContext::load(&TlsConfig::new(CertificateSource::SelfSigned)).unwrap();
        assert_eq!(context.fingerprint().len(), 32 * 3 - 1);
        assert!(context.require_session_reuse);
        let one = context.session_config().unwrap();
        let two = context.session_config().unwrap();
        assert!(!Arc::ptr_eq(
            &one.control.session_storage,
            &two.control.session_storage
        ));
        assert!(Arc::ptr_eq(
            &one.control.session_storage,
            &one.upload.session_storage
        ));
        assert!(Arc::ptr_eq(&one.control.ticketer, &one.upload.ticketer));
        assert_eq!(one.upload.send_tls13_tickets, 0);
    }

    #[test]
    fn missing_or_empty_pem_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let config = TlsConfig::new(CertificateSource::Pem {
            cert: empty.clone(),
            key: dir.path().join("missing.pem"),
        });
        let error = TlsContext::load(&config).unwrap_err().to_string();
        assert!(error.contains("empty.pem"), "{error}");
        std::fs::write(
            &empty,
            rcgen::generate_simple_self_signed(vec!["x".into()])
                .unwrap()
                .cert
                .pem(),
        )
        .unwrap();
        let error = TlsContext::load(&config).unwrap_err().to_string();
        assert!(error.contains("missing.pem"), "{error}");
    }
}
