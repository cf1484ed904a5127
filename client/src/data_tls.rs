//! TLS on data connections (RFC 4217): PBSZ 0 and PROT P once per session, the handshake of each
//! data connection (which resumes the control connection's TLS session), the error when it fails,
//! and fetching new TLS 1.3 tickets before an upload that would have none to resume with.

use ftp_proto::{Command, ProtectionLevel};
use tokio::net::TcpStream;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::stream::Stream;
use crate::tls::Origin;

impl Client {
    /// PBSZ 0 and PROT P (RFC 4217 §8-9), once, before the first data connection of a session under
    /// TLS: from then on every data connection is TLS too. Sent after the login rather than before,
    /// as curl does: some servers refuse them before USER.
    pub(crate) async fn ensure_protected(&mut self) -> Result<()> {
        if self.tls.is_none() || self.data_protected {
            return Ok(());
        }
        self.expect_on(Command::Pbsz(0), &[200], None).await?;
        self.expect_on(Command::Prot(ProtectionLevel::Private), &[200], None)
            .await?;
        self.data_protected = true;
        Ok(())
    }

    /// The data connection as the transfer uses it: under PROT P, TLS after the client's handshake
    /// (the client is the TLS client whoever connected, RFC 4217 §7); else the plain socket.
    pub(crate) async fn protect_data_connection(&mut self, tcp: TcpStream) -> Result<Stream> {
        let timeout = self.control.timeout();
        let stream = match &self.tls {
            Some(tls) if self.data_protected => {
                match tls
                    .handshake(Origin::Data, tcp, timeout, "the data connection")
                    .await
                {
                    Ok(stream) => stream,
                    Err(error) => return Err(self.after_failed_data_handshake(error).await),
                }
            }
            _ => Stream::Plain(tcp),
        };
        if let Some(description) = stream.description() {
            self.control
                .note(&format!("-- data connection under TLS: {description}"));
        }
        Ok(stream)
    }

    /// Before an upload under TLS 1.3 with no ticket left to resume with (see
    /// [`ftp_tls::tickets`]): a listing of the current directory, whose data connection brings
    /// new tickets. Without it, a long run of uploads to a server that sends no tickets on upload
    /// connections ends in a refused data connection. A failure here only means the upload may fail.
    pub(crate) async fn top_up_tls_tickets(&mut self) {
        let out = self.data_protected
            && self
                .tls
                .as_ref()
                .is_some_and(|tls| tls.out_of_tls13_tickets());
        if out {
            self.control.note(
                "-- no TLS 1.3 ticket left for the next data connection: a listing fetches new ones",
            );
            let _ = Box::pin(self.nlst(None)).await;
        }
    }

    /// The error of a data connection whose TLS handshake failed, with the server's final reply
    /// (read so that the session stays in step) when it gives one in time.
    async fn after_failed_data_handshake(&mut self, error: Error) -> Error {
        match (self.control.reply().await, error) {
            (Ok(reply), Error::Tls(message)) if !reply.is_completion() => Error::Tls(format!(
                "{message}; {}; a server that requires TLS session reuse refuses data \
                 connections that do not resume the control connection's session",
                crate::error::quote(&reply)
            )),
            (_, error) => error,
        }
    }
}
