//! FTPS for the driver (RFC 4217, explicit: AUTH TLS, PBSZ 0, PROT P): the run's TLS settings and the
//! ends of a data connection under TLS, on top of `ftp-client`'s TLS (its library alone, no CLI):
//! [`Stream`], a connection that is plain TCP or TLS over TCP, and `TlsSession`, one FTP session's
//! rustls client (the *ring* provider, as the server uses).
//!
//! Each FTP session gets a TLS client with a session cache of its own ([`Tls::session`]), shared by
//! its control connection and all of its data connections: data connections then resume the control
//! connection's TLS session, which servers that require session reuse (ours, vsftpd's
//! `require_ssl_reuse`) insist on. A cache shared by concurrent sessions would let one session's data
//! connection present another's ticket, which such servers refuse.
//!
//! Certificates are not checked (`--insecure`): the targets are test servers with self-signed
//! certificates on loopback. Handshake signatures still are, so a handshake costs what it costs.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub use ftp_client::stream::Stream;
use ftp_client::tls::{Origin, TlsSession};
use ftp_client::{TlsMode, TlsOptions, Trust};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::error::{within, BenchError};

/// The TLS client settings of a run; [`Tls::session`] makes each FTP session's client.
#[derive(Clone)]
pub struct Tls {
    options: TlsOptions,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls { explicit, insecure }")
    }
}

impl Tls {
    /// Explicit FTPS accepting any server certificate.
    pub fn insecure() -> Result<Tls, BenchError> {
        Ok(Tls {
            options: TlsOptions {
                mode: TlsMode::Explicit,
                trust: Trust::Insecure,
                ..TlsOptions::default()
            },
        })
    }

    /// The TLS client of one FTP session with `peer`: the run's settings with a fresh session cache.
    /// The peer's address is the name every handshake of the session uses (no SNI for an address).
    pub fn session(&self, peer: SocketAddr) -> Result<TlsSession, BenchError> {
        TlsSession::new(&self.options, &peer.ip().to_string())
            .map_err(|e| BenchError::Protocol(format!("TLS client settings: {e}")))
    }
}

/// The client handshake on `tcp`, a connection of `origin`, within `timeout`; `what` names it.
pub async fn handshake(
    session: &TlsSession,
    origin: Origin,
    tcp: TcpStream,
    timeout: Duration,
    what: &str,
) -> Result<Stream, BenchError> {
    session
        .handshake(origin, tcp, timeout, what)
        .await
        .map_err(|e| BenchError::Protocol(e.to_string()))
}

/// Ends a download whose end of data has been read. Under TLS the transfer ended with the server's
/// close_notify (an end without one is an error of the read); this answers it with ours, as
/// RFC 8446 §6.1 asks. The data has all arrived by then, so a failure here (the server may have
/// closed the socket already) is no failure of the transfer.
pub async fn finish_download(mut data: Stream, timeout: Duration) {
    if data.is_tls() {
        let _ = tokio::time::timeout(timeout, data.shutdown()).await;
    }
}

/// Ends an upload: under TLS, close_notify and then the TCP shutdown, so that the server can tell a
/// complete upload from a cut one; then, under TLS, whatever the server still sends is read until
/// it closes ([`Stream::drain`]).
pub async fn finish_upload(
    mut data: Stream,
    timeout: Duration,
    what: &str,
) -> Result<(), BenchError> {
    let context = format!("{what}: close");
    within(timeout, || context.clone(), async {
        data.shutdown()
            .await
            .map_err(BenchError::io(context.clone()))
    })
    .await?;
    if data.is_tls() {
        ftp_client::stream::drain(&mut data, timeout).await;
    }
    Ok(())
}
