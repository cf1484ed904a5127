//! [`Stream`]: one connection to the server, control or data, as plain TCP or as TLS over TCP (the
//! workspace's [`ftp_tls::stream::MaybeTls`]).
//!
//! The rest of the client reads and writes a `Stream` without asking which it is; only the ends of
//! a data connection differ (see [`crate::transfer`]): under TLS an upload ends with close_notify
//! and a download must have ended with the server's.

use std::time::Duration;

use tokio::io::AsyncReadExt;

/// A connection: plain TCP, or TLS over it.
pub use ftp_tls::stream::ClientStream as Stream;

/// After an upload's close_notify: reads what the server still sends (its close_notify, TLS 1.3
/// tickets) until it closes, since closing a socket with unread bytes makes the kernel reset it,
/// which can lose the end of the upload on the server's side. Bounded by a count and `timeout`;
/// an error here is the server closing without close_notify after our end of data, and the
/// final reply decides about the upload.
pub async fn drain(stream: &mut Stream, timeout: Duration) {
    let mut sink = [0u8; 4096];
    let reading = async {
        for _ in 0..1024 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    let _ = tokio::time::timeout(timeout, reading).await;
}
