//! [`MaybeTls`]: one TCP connection, plain or under TLS, that the code above it reads and writes without
//! asking which. The server's data connections, the client's control and data connections, and the
//! suite's (as a client of servers, and as the scripted server that judges clients) are all this type,
//! so that the delegation to the socket or to TLS over it is written once.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use rustls::pki_types::CertificateDer;
use rustls::{CommonState, HandshakeKind};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A connection: plain TCP, or TLS (of either side) over it.
pub enum MaybeTls<S> {
    /// No protection (no AUTH, or a plain data connection).
    Plain(TcpStream),
    /// TLS (boxed: the state is large and moves with the connection).
    Tls(Box<S>),
    /// Only while the socket is out for a TLS handshake (AUTH TLS): every operation fails.
    Gone,
}

/// A client's connection (TLS as the client).
pub type ClientStream = MaybeTls<tokio_rustls::client::TlsStream<TcpStream>>;

/// A server's connection (TLS as the server).
pub type ServerStream = MaybeTls<tokio_rustls::server::TlsStream<TcpStream>>;

/// What a TLS stream of either side has: the socket under it and the session's negotiated state.
pub trait TlsLayer {
    fn socket(&self) -> &TcpStream;
    fn state(&self) -> &CommonState;
}

impl TlsLayer for tokio_rustls::client::TlsStream<TcpStream> {
    fn socket(&self) -> &TcpStream {
        self.get_ref().0
    }

    fn state(&self) -> &CommonState {
        self.get_ref().1
    }
}

impl TlsLayer for tokio_rustls::server::TlsStream<TcpStream> {
    fn socket(&self) -> &TcpStream {
        self.get_ref().0
    }

    fn state(&self) -> &CommonState {
        self.get_ref().1
    }
}

impl<S> MaybeTls<S> {
    /// Whether the connection is under TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, MaybeTls::Tls(_))
    }

    /// Takes the TCP socket out to start TLS on it; the stream is [`MaybeTls::Gone`] until replaced.
    /// `None` (and the stream as it was) when it is not plain.
    pub fn take_plain(&mut self) -> Option<TcpStream> {
        match std::mem::replace(self, MaybeTls::Gone) {
            MaybeTls::Plain(tcp) => Some(tcp),
            other => {
                *self = other;
                None
            }
        }
    }
}

impl<S: TlsLayer> MaybeTls<S> {
    /// The TCP socket underneath (addresses, socket options, urgent data); `None` while gone.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            MaybeTls::Plain(tcp) => Some(tcp),
            MaybeTls::Tls(tls) => Some(tls.socket()),
            MaybeTls::Gone => None,
        }
    }

    /// The TLS session's negotiated state; `None` in plain.
    pub fn tls_state(&self) -> Option<&CommonState> {
        match self {
            MaybeTls::Tls(tls) => Some(tls.state()),
            _ => None,
        }
    }

    /// Whether the TLS handshake resumed an earlier session; `None` in plain.
    pub fn resumed(&self) -> Option<bool> {
        self.tls_state()
            .map(|state| state.handshake_kind() == Some(HandshakeKind::Resumed))
    }

    /// The negotiated TLS version, e.g. `TLSv1_3`; `None` in plain.
    pub fn protocol(&self) -> Option<String> {
        self.tls_state()?
            .protocol_version()
            .map(|version| format!("{version:?}"))
    }

    /// `TLSv1_3 TLS13_AES_256_GCM_SHA384, resumed` (for a transcript); `None` in plain.
    pub fn description(&self) -> Option<String> {
        let state = self.tls_state()?;
        let version = self.protocol().unwrap_or_else(|| "?".to_string());
        let suite = state
            .negotiated_cipher_suite()
            .map_or_else(|| "?".to_string(), |suite| format!("{:?}", suite.suite()));
        let kind = match state.handshake_kind() {
            Some(HandshakeKind::Resumed) => "resumed",
            _ => "full handshake",
        };
        Some(format!("{version} {suite}, {kind}"))
    }

    /// The peer's certificate chain, leaf first (empty in plain, or when the peer sent none).
    pub fn peer_certificates(&self) -> Vec<CertificateDer<'static>> {
        self.tls_state()
            .and_then(|state| state.peer_certificates())
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default()
    }
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the connection was lost in a TLS upgrade",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for MaybeTls<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            MaybeTls::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for MaybeTls<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            MaybeTls::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            MaybeTls::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }

    /// Under TLS, tokio-rustls sends close_notify (RFC 4217 §10.2 wants it at the end of a transfer),
    /// flushes, then shuts the socket's write side.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            MaybeTls::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn plain_bytes_pass_through_and_a_gone_stream_fails_clearly() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connecting = TcpStream::connect(address);
        let (accepted, connected) = tokio::join!(listener.accept(), connecting);
        let mut server: ServerStream = MaybeTls::Plain(accepted.unwrap().0);
        let mut client: ClientStream = MaybeTls::Plain(connected.unwrap());
        assert!(!client.is_tls());
        assert_eq!(client.resumed(), None);
        assert_eq!(client.description(), None);
        assert!(client.peer_certificates().is_empty());
        assert_eq!(
            client.tcp().unwrap().peer_addr().unwrap(),
            server.tcp().unwrap().local_addr().unwrap()
        );

        client.write_all(b"ping").await.unwrap();
        client.shutdown().await.unwrap();
        let mut received = Vec::new();
        server.read_to_end(&mut received).await.unwrap();
        assert_eq!(received, b"ping");

        let tcp = client.take_plain().unwrap();
        assert!(client.take_plain().is_none(), "gone is not plain");
        assert!(client.tcp().is_none());
        let error = client.write_all(b"x").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
        assert!(error.to_string().contains("TLS upgrade"), "{error}");
        assert_eq!(
            client.read(&mut [0u8; 4]).await.unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
        client = MaybeTls::Plain(tcp);
        assert!(client.tcp().is_some());
    }
}
