//! TLS for the scripted servers' FTPS cases: a certificate authority and a server certificate for
//! 127.0.0.1 made with rcgen once per run (the CA's PEM goes to the client as `{ca}`), a rustls server
//! configuration (the *ring* provider, as the project's server) with a session cache and a ticket key
//! so that data connections can resume the control connection's session, and [`Stream`], a connection
//! that is plain TCP or TLS over it.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::ServerSessionMemoryCache;
use rustls::ServerConfig;

/// TLS sessions the server keeps for resumption (one case's control and data connections).
const SESSIONS: usize = 64;
/// TLS 1.3 tickets sent after each handshake, so that every data connection has one to resume.
const TICKETS: usize = 4;

/// The scripted servers' TLS identity and configuration.
#[derive(Clone)]
pub struct ScriptedTls {
    pub config: Arc<ServerConfig>,
    /// The certificate authority, PEM, that the client must trust.
    pub ca_pem: String,
}

impl std::fmt::Debug for ScriptedTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScriptedTls")
    }
}

/// Makes a CA, a certificate it signs for `127.0.0.1` and `localhost`, and the server configuration.
pub fn make() -> Result<ScriptedTls, String> {
    let error = |e: rcgen::Error| e.to_string();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(error)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: with rcgen's one default name for both, OpenSSL takes the leaf for self-signed.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ftp-conformance client-mode CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(error)?)
        .map_err(error)?;
    let leaf_key = KeyPair::generate().map_err(error)?;
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(error)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(error)?;
    let chain = vec![CertificateDer::from(leaf.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(ftp_tls::ring_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| e.to_string())?;
    config.session_storage = ServerSessionMemoryCache::new(SESSIONS);
    config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(|e| e.to_string())?;
    config.send_tls13_tickets = TICKETS;
    Ok(ScriptedTls {
        config: Arc::new(config),
        ca_pem: ca.pem(),
    })
}

/// A connection: plain TCP, TLS over TCP, or gone (while a control connection is being upgraded).
pub use ftp_tls::stream::ServerStream as Stream;
