//! The workspace's TLS ground: its one crypto provider ([`ring_provider`]), the verifier behind
//! `--insecure` ([`AnyCertificate`]), the plain-or-TLS connection ([`stream::MaybeTls`]) and the
//! session cache of one FTP session ([`tickets::Tickets`]). The server, the client, the conformance
//! suite (as a client of servers and as the server of clients) and the naive client build their
//! rustls configurations on these, so that all of them offer the same cipher suites and check
//! handshake signatures alike.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::sync::Arc;

pub mod stream;
pub mod tickets;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// rustls with *ring*: the build stays light (no aws-lc, no OpenSSL). rustls 0.23.48 deprecates this
/// provider because it has no post-quantum key exchange; X25519 and the NIST curves remain, which every
/// FTPS server and client speaks.
#[allow(deprecated)]
pub fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts any certificate (`--insecure`, for self-signed test servers), but checks the handshake's
/// signatures with the provider's algorithms, so that the connection is still really TLS: a peer
/// without the certificate's private key cannot complete the handshake.
#[derive(Debug)]
pub struct AnyCertificate(Arc<CryptoProvider>);

impl AnyCertificate {
    pub fn new(provider: Arc<CryptoProvider>) -> Arc<AnyCertificate> {
        Arc::new(AnyCertificate(provider))
    }
}

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
        let algorithms = &self.0.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use rustls::server::{ClientHello, ResolvesServerCert};
    use rustls::sign::CertifiedKey;
    use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

    /// Presents `cert` but signs with a key of its own choosing (a matching one, or not).
    #[derive(Debug)]
    struct Presents(Arc<CertifiedKey>);

    impl ResolvesServerCert for Presents {
        fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            Some(self.0.clone())
        }
    }

    fn self_signed() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let key = PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
        (made.cert.der().clone(), key.into())
    }

    /// Runs a TLS 1.2 or 1.3 handshake in memory: the server shows `cert`, signing with `key`.
    fn handshake(
        version: &'static rustls::SupportedProtocolVersion,
        cert: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
    ) -> Result<(), rustls::Error> {
        let provider = ring_provider();
        let signing = provider.key_provider.load_private_key(key).unwrap();
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[version])
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Presents(Arc::new(CertifiedKey::new(
                vec![cert],
                signing,
            )))));
        let client = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[version])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(AnyCertificate::new(provider))
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = Connection::from(ClientConnection::new(Arc::new(client), name).unwrap());
        let mut server = Connection::from(ServerConnection::new(Arc::new(server)).unwrap());
        // Each turn moves every pending record one way and then the other; a handshake takes a few.
        for _ in 0..10 {
            if !client.is_handshaking() && !server.is_handshaking() {
                return Ok(());
            }
            deliver(&mut client, &mut server)?;
            deliver(&mut server, &mut client)?;
        }
        panic!("the handshake did not finish in 10 turns");
    }

    /// Moves every record `from` has to send into `to`, which processes them.
    fn deliver(from: &mut Connection, to: &mut Connection) -> Result<(), rustls::Error> {
        let mut wire = Vec::new();
        from.write_tls(&mut wire).unwrap();
        to.read_tls(&mut wire.as_slice()).unwrap();
        to.process_new_packets().map(|_| ())
    }

    #[test]
    fn a_self_signed_certificate_is_accepted_under_tls_1_2_and_1_3() {
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            let (cert, key) = self_signed();
            assert_eq!(handshake(version, cert, key), Ok(()));
        }
    }

    #[test]
    fn a_server_without_the_certificates_key_fails_the_handshake() {
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            let (cert, _) = self_signed();
            let (_, someone_elses_key) = self_signed();
            assert!(
                matches!(
                    handshake(version, cert, someone_elses_key),
                    Err(rustls::Error::InvalidCertificate(_) | rustls::Error::PeerMisbehaved(_))
                ),
                "{version:?}"
            );
        }
    }
}
