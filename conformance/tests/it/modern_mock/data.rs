//! The modern mock's data connections: accepted on the PASV/EPSV listener or opened to the PORT/EPRT
//! address, TLS under PROT P (the mock is the TLS server whichever side connected) unless a flaw says
//! clear, one file or listing sent or one upload read, then close_notify unless a flaw says no.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Flaw, State};

/// How long a clear upload may idle before the flawed mock ends it (a TLS client waiting for its
/// ServerHello sends nothing more).
const CLEAR_IDLE: Duration = Duration::from_millis(500);

/// The final reply of a transfer the mock refuses after its 150.
pub type Refusal = &'static str;

/// Serves one data transfer: `send` sent, or the upload read and returned.
pub async fn transfer(state: &mut State, send: Option<&[u8]>) -> Result<Vec<u8>, Refusal> {
    let flaw = state.flaw;
    let active = state.active.is_some();
    let Some(tcp) = open(state).await else {
        return Err("425 No data connection.\r\n");
    };
    let clear_anyway =
        flaw == Flaw::ClearDataUnderProtP || (active && flaw == Flaw::ClearDataOverPort);
    let tls = (state.private && !clear_anyway) || (state.tls && flaw == Flaw::TlsUnderProtC);
    match (tls, state.acceptor.clone()) {
        (true, Some(acceptor)) => {
            let Ok(mut data) = acceptor.accept(tcp).await else {
                return Err("425 TLS handshake failed.\r\n");
            };
            let resumed = data.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
            if !resumed {
                match flaw {
                    Flaw::RequiresResumption => {
                        return Err("522 Data connections must resume the control session.\r\n")
                    }
                    Flaw::RefusesFreshSessionWith550 => {
                        return Err("550 Data connections must resume the control session.\r\n")
                    }
                    _ => {}
                }
            }
            if send.is_some() && flaw == Flaw::NoCloseNotify {
                let _ = data.write_all(send.unwrap_or_default()).await;
                let _ = data.flush().await;
                let _ = data.get_mut().0.shutdown().await;
                return Ok(Vec::new());
            }
            Ok(exchange(&mut data, send, false).await)
        }
        _ => {
            let mut data = tcp;
            Ok(exchange(&mut data, send, active && flaw == Flaw::ClearDataOverPort).await)
        }
    }
}

/// The data connection: the passive listener's next connection, or one to the active address.
async fn open(state: &mut State) -> Option<TcpStream> {
    if let Some(addr) = state.active.take() {
        return TcpStream::connect(addr).await.ok();
    }
    let listener = state.passive.take()?;
    listener.accept().await.ok().map(|(tcp, _)| tcp)
}

/// Sends `send` or reads the upload (until end of file, or `CLEAR_IDLE` of silence when `idle_ends`),
/// then closes.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    data: &mut S,
    send: Option<&[u8]>,
    idle_ends: bool,
) -> Vec<u8> {
    let mut sink = Vec::new();
    match send {
        Some(bytes) => {
            let _ = data.write_all(bytes).await;
        }
        None if idle_ends => {
            let mut chunk = [0u8; 4096];
            while let Ok(Ok(read)) = tokio::time::timeout(CLEAR_IDLE, data.read(&mut chunk)).await {
                if read == 0 {
                    break;
                }
                sink.extend_from_slice(&chunk[..read]);
            }
        }
        None => {
            let _ = data.read_to_end(&mut sink).await;
        }
    }
    let _ = data.shutdown().await;
    sink
}
