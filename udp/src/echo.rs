//! Echo over UDP: the server answers every datagram, the client sends lines and waits for the
//! answer with a timeout and a bounded number of retransmissions.
//!
//! UDP gives no delivery guarantee, so the client cannot simply block on `recv`: a lost request
//! or a lost reply would hang it forever. Instead it resends after `timeout` and, after
//! `retries` resends, reports [`EchoError::Lost`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

/// Largest payload a UDP datagram can carry over IPv4.
pub const MAX_DATAGRAM: usize = 65_507;

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EchoMode {
    /// The classic exercise: the reply is the text with ASCII letters upper-cased.
    #[default]
    Upper,
    /// The reply is the datagram verbatim.
    Plain,
}

impl EchoMode {
    /// The reply the server sends for `request`.
    ///
    /// ASCII-only upper-casing keeps the reply the same length as the request and works for any
    /// bytes, UTF-8 or not; that is also what lets the client recognise its own reply.
    pub fn reply(self, request: &[u8]) -> Vec<u8> {
        match self {
            EchoMode::Upper => request.to_ascii_uppercase(),
            EchoMode::Plain => request.to_vec(),
        }
    }
}

/// Serve echo on `socket` until `shutdown` completes.
pub async fn serve(
    socket: UdpSocket,
    mode: EchoMode,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            received = socket.recv_from(&mut buf) => {
                let (len, peer) = match received {
                    Ok(r) => r,
                    // A failed receive (e.g. an ICMP error surfaced by the OS) concerns one
                    // peer, never the server: log it and keep serving.
                    Err(e) => {
                        tracing::debug!("echo: receive failed: {e}");
                        continue;
                    }
                };
                let reply = mode.reply(&buf[..len]);
                if let Err(e) = socket.send_to(&reply, peer).await {
                    tracing::debug!("echo: reply to {peer} failed: {e}");
                }
            }
        }
    }
}

/// Retransmission policy of the client.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// How long to wait for a reply before resending.
    pub timeout: Duration,
    /// How many times to resend before giving up (so `retries + 1` sends in all).
    pub retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            timeout: Duration::from_secs(1),
            retries: 3,
        }
    }
}

/// Why an echo request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EchoError {
    /// No matching reply arrived after every retransmission.
    #[error("no reply after {attempts} attempts: datagram or reply lost")]
    Lost {
        /// How many datagrams were sent for this request.
        attempts: u32,
    },
    /// The request does not fit in one datagram.
    #[error("message of {0} bytes does not fit in one datagram (max {MAX_DATAGRAM})")]
    TooLong(usize),
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] io::Error),
}

/// An echo client talking to one server.
pub struct EchoClient {
    socket: UdpSocket,
    server: SocketAddr,
    policy: RetryPolicy,
}

impl EchoClient {
    /// Bind an ephemeral local socket of the server's address family.
    pub async fn connect(server: SocketAddr, policy: RetryPolicy) -> io::Result<Self> {
        let local: SocketAddr = if server.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        Ok(EchoClient {
            socket,
            server,
            policy,
        })
    }

    /// Send `text` and wait for its reply, resending on timeout.
    ///
    /// A reply is accepted only if it is the request itself or its upper-cased form, so a late
    /// reply to an earlier, already given-up request is not mistaken for this one.
    pub async fn request(&self, text: &[u8]) -> Result<Vec<u8>, EchoError> {
        if text.len() > MAX_DATAGRAM {
            return Err(EchoError::TooLong(text.len()));
        }
        let upper = EchoMode::Upper.reply(text);
        let mut buf = vec![0u8; MAX_DATAGRAM + 1];
        for attempt in 1..=self.policy.retries + 1 {
            self.socket.send_to(text, self.server).await?;
            let deadline = tokio::time::Instant::now() + self.policy.timeout;
            loop {
                match tokio::time::timeout_at(deadline, self.socket.recv_from(&mut buf)).await {
                    Err(_elapsed) => break,
                    Ok(Err(e)) => {
                        // Linux reports an ICMP "port unreachable" here; treat it like loss so
                        // the retry budget still bounds the wait.
                        tracing::debug!("echo: attempt {attempt}: receive failed: {e}");
                        break;
                    }
                    Ok(Ok((len, from))) => {
                        let reply = &buf[..len];
                        if from == self.server && (reply == text || reply == upper.as_slice()) {
                            return Ok(reply.to_vec());
                        }
                        tracing::debug!("echo: ignoring unrelated datagram from {from}");
                    }
                }
            }
        }
        Err(EchoError::Lost {
            attempts: self.policy.retries + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_mode_changes_only_ascii_letters() {
        assert_eq!(EchoMode::Upper.reply(b"hi there 1!"), b"HI THERE 1!");
        assert_eq!(EchoMode::Upper.reply("é".as_bytes()), "é".as_bytes());
        assert_eq!(EchoMode::Plain.reply(b"hi"), b"hi");
    }
}
