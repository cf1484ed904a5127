//! The naive client's FTPS: a rustls client (the *ring* provider) that trusts the CA file it is
//! given, for the control connection after AUTH TLS and for PROT P data connections. One config is
//! shared, so data connections resume the control connection's session, unless the bug says not to.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A byte stream the client reads and writes: plain TCP or TLS over it.
pub trait Channel: Read + Write + Send {}
impl<T: Read + Write + Send> Channel for T {}

/// The TLS client side: the trusted roots and the shared configuration.
pub struct Tls {
    roots: RootCertStore,
    shared: Arc<ClientConfig>,
}

fn config(roots: &RootCertStore) -> Result<Arc<ClientConfig>, String> {
    Ok(Arc::new(
        ClientConfig::builder_with_provider(ftp_tls::ring_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots.clone())
            .with_no_client_auth(),
    ))
}

impl Tls {
    /// Trusts the PEM certificates in `ca_file`.
    pub fn new(ca_file: &str) -> Result<Tls, String> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file).map_err(|e| e.to_string())? {
            roots
                .add(cert.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        }
        let shared = config(&roots)?;
        Ok(Tls { roots, shared })
    }

    /// TLS over `tcp` to 127.0.0.1; `fresh` uses a new configuration, with no session to resume.
    pub fn wrap(&self, tcp: TcpStream, fresh: bool) -> Result<Box<dyn Channel>, String> {
        let config = if fresh {
            config(&self.roots)?
        } else {
            self.shared.clone()
        };
        let name = ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
        let mut connection = ClientConnection::new(config, name).map_err(|e| e.to_string())?;
        let mut tcp = tcp;
        // Handshake now, so that a refused certificate is an error here, not on the first read.
        while connection.is_handshaking() {
            connection
                .complete_io(&mut tcp)
                .map_err(|e| e.to_string())?;
        }
        Ok(Box::new(StreamOwned::new(connection, tcp)))
    }
}
