//! [`Stream`]: one connection to the server, control or data, as plain TCP or as TLS over TCP.
//!
//! The rest of the client reads and writes a `Stream` without asking which it is; only the ends of
//! a data connection differ (see [`crate::transfer`]): under TLS an upload ends with close_notify
//! and a download must have ended with the server's.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A connection: plain TCP, or TLS over it.
pub enum Stream {
    /// No protection (no AUTH, or a plain data connection).
    Plain(TcpStream),
    /// TLS (boxed: the state is large and moves with the connection).
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Whether the connection is under TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref().0,
        }
    }

    /// Whether the TLS handshake resumed an earlier session; `None` in plain.
    pub fn tls_resumed(&self) -> Option<bool> {
        let Stream::Tls(tls) = self else { return None };
        Some(tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed))
    }

    /// After an upload's close_notify: reads what the server still sends (its close_notify, TLS 1.3
    /// tickets) until it closes, since closing a socket with unread bytes makes the kernel reset it,
    /// which can lose the end of the upload on the server's side. Bounded by a count and `timeout`;
    /// an error here is the server closing without close_notify after our end of data, and the
    /// final reply decides about the upload.
    pub async fn drain(&mut self, timeout: Duration) {
        let mut sink = [0u8; 4096];
        let reading = async {
            for _ in 0..1024 {
                match self.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        let _ = tokio::time::timeout(timeout, reading).await;
    }

    /// `TLSv1_3 TLS13_AES_256_GCM_SHA384, resumed` (for the transcript); `None` in plain.
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
}
