//! Test data and data-connection helpers: deterministic bytes, cheap large files, accepting, reading and
//! connecting from a chosen loopback address.

use std::net::{SocketAddr, SocketAddrV4};
use std::path::Path;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::TIMEOUT;

/// Deterministic pseudo-random bytes (xorshift32): binary data with every byte value, the same in every
/// run and every crate's tests.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

/// A sparse file of `len` bytes: large, but cheap to create.
pub fn sparse_file(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// A listener on 127.0.0.1 for active mode, and its address.
pub async fn port_listener() -> (TcpListener, SocketAddrV4) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
        unreachable!("bound to IPv4")
    };
    (listener, addr)
}

/// Connects to `target` from a chosen loopback source address.
pub async fn connect_from(source: &str, target: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().unwrap())?;
    socket.connect(target).await
}

/// Accepts one connection within the timeout.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    tokio::time::timeout(TIMEOUT, listener.accept())
        .await
        .expect("no data connection")
        .unwrap()
        .0
}

/// Reads a data connection to its end.
pub async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut data = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut data))
        .await
        .expect("data did not end")
        .unwrap();
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_is_deterministic_and_uses_every_byte_value() {
        let bytes = pattern(64 * 1024);
        assert_eq!(bytes, pattern(64 * 1024));
        let mut seen = [false; 256];
        for byte in &bytes {
            seen[usize::from(*byte)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
