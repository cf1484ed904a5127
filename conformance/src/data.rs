//! Data connections driven at will: PASV/EPSV addresses decoded with the shared codec and connected to
//! (optionally from a chosen source address), PORT/EPRT listeners the server connects to, full reads,
//! partial reads that then stall (a small receive buffer so the server's writes block early), and drops.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use ftp_proto::{hostport, Command, EpsvArg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control, Transcript};
use crate::tls::{Stream, TlsSession};

/// Receive buffer of stalled data connections: small, so that the server blocks after a few MiB at most.
const STALL_RCVBUF: u32 = 32 * 1024;

/// How a data connection is to be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Passive,
    Active,
}

/// An open data connection.
pub struct Data {
    stream: Stream,
    label: String,
    transcript: Transcript,
    /// Bytes read so far, by every read of this connection.
    received: u64,
    /// Under PROT P: the TLS client whose handshake is still to come. It comes at the first read or
    /// write, because a server starts its side only once the transfer command has arrived.
    pending_tls: Option<TlsSession>,
    /// How the last read of a TLS connection ended: `Some(true)` with close_notify, `Some(false)`
    /// with the TCP connection closed without it; `None` on plain TCP or before the end.
    close_notify: Option<bool>,
}

/// A prepared data connection: either the address to connect to, or a listener waiting for the server.
pub enum Prepared {
    Passive(SocketAddr),
    Active(TcpListener),
}

/// PASV: expects 227, decodes the address with the shared codec. Over IPv6 PASV cannot name the
/// address (RFC 2428 §1), so cases about PASV itself skip there.
pub async fn pasv(control: &mut Control) -> Step<SocketAddr> {
    if control.peer.is_ipv6() {
        return Err(Outcome::skip(
            "PASV carries IPv4 only and the control connection is IPv6",
        ));
    }
    let reply = control.cmd(&Command::Pasv).await?;
    if reply.code != 227 {
        return Err(Outcome::fail(
            &["PASV: 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"],
            show(&reply),
        ));
    }
    let addr = hostport::decode_pasv_reply(&reply.text()).map_err(|e| {
        Outcome::fail(
            &["a 227 text holding h1,h2,h3,h4,p1,p2"],
            format!("{}: {e}", show(&reply)),
        )
    })?;
    Ok(SocketAddr::V4(addr))
}

/// EPSV: expects 229, connects to its port on the control connection's peer (RFC 2428 §3).
pub async fn epsv(control: &mut Control) -> Step<SocketAddr> {
    let reply = control.cmd(&Command::Epsv(EpsvArg::Open)).await?;
    if reply.code != 229 {
        return Err(Outcome::fail(
            &["EPSV: 229 Entering Extended Passive Mode (|||port|)"],
            show(&reply),
        ));
    }
    let port = hostport::decode_epsv_reply(&reply.text()).map_err(|e| {
        Outcome::fail(
            &["a 229 text holding (|||port|)"],
            format!("{}: {e}", show(&reply)),
        )
    })?;
    Ok(SocketAddr::new(control.peer.ip(), port))
}

/// A listener on the control connection's local address, announced with PORT; expects 200.
pub async fn port(control: &mut Control, small_buffer: bool) -> Step<TcpListener> {
    let listener = listen(control.local.ip(), small_buffer)?;
    let addr = local_v4(&listener)?;
    let reply = control.cmd(&Command::Port(addr)).await?;
    if reply.code != 200 {
        return Err(Outcome::fail(&["PORT: 200"], show(&reply)));
    }
    Ok(listener)
}

/// EPRT: a listener on the control connection's local address, announced with EPRT; expects 200.
pub async fn eprt(control: &mut Control, small_buffer: bool) -> Step<TcpListener> {
    let listener = listen(control.local.ip(), small_buffer)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Outcome::error(e.to_string()))?;
    let reply = control.cmd(&Command::Eprt(addr)).await?;
    if reply.code != 200 {
        return Err(Outcome::fail(&["EPRT: 200"], show(&reply)));
    }
    Ok(listener)
}

/// Prepares the next data connection in the given mode, as a real client does: PASV or PORT on IPv4,
/// and EPSV or EPRT (RFC 2428) on IPv6 or when the IPv4 command is refused. When both fail, the first
/// failure is the verdict.
pub async fn prepare(control: &mut Control, mode: Mode, small_buffer: bool) -> Step<Prepared> {
    let ipv6 = control.peer.is_ipv6();
    Ok(match mode {
        Mode::Passive if ipv6 => Prepared::Passive(epsv(control).await?),
        Mode::Passive => match pasv(control).await {
            Ok(addr) => Prepared::Passive(addr),
            Err(refused) => Prepared::Passive(epsv(control).await.map_err(|_| refused)?),
        },
        Mode::Active if ipv6 => Prepared::Active(eprt(control, small_buffer).await?),
        Mode::Active => match port(control, small_buffer).await {
            Ok(listener) => Prepared::Active(listener),
            Err(refused) => {
                Prepared::Active(eprt(control, small_buffer).await.map_err(|_| refused)?)
            }
        },
    })
}

/// A listener on `ip`, any port; its accepted sockets inherit the receive buffer size.
pub fn listen(ip: IpAddr, small_buffer: bool) -> Step<TcpListener> {
    let setup = || -> std::io::Result<TcpListener> {
        let socket = if ip.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if small_buffer {
            socket.set_recv_buffer_size(STALL_RCVBUF)?;
        }
        socket.bind(SocketAddr::new(ip, 0))?;
        socket.listen(8)
    };
    setup().map_err(|e| Outcome::error(format!("cannot listen on {ip}: {e}")))
}

/// The IPv4 address of a listener (PORT carries IPv4 only).
pub fn local_v4(listener: &TcpListener) -> Step<SocketAddrV4> {
    match listener.local_addr() {
        Ok(SocketAddr::V4(addr)) => Ok(addr),
        Ok(other) => Err(Outcome::skip(format!(
            "PORT needs IPv4, the control connection is {other}"
        ))),
        Err(e) => Err(Outcome::error(e.to_string())),
    }
}

impl Prepared {
    /// Makes the data connection: connects (passive) or waits for the server (active).
    pub async fn open(self, control: &Control, small_buffer: bool) -> Step<Data> {
        let label = format!("{}-data", control.label());
        let transcript = control.transcript().clone();
        let wait = control.reply_timeout;
        match self {
            Prepared::Passive(addr) => {
                let options = ConnectOptions {
                    small_buffer,
                    tls: control.data_tls(),
                    ..ConnectOptions::new(&label, transcript, wait)
                };
                connect(addr, options).await
            }
            Prepared::Active(listener) => accept(&listener, control).await,
        }
    }
}

/// Waits for the server to connect to a PORT/EPRT listener, which stays open (for cases that check
/// whether the server comes back to the same address).
pub async fn accept(listener: &TcpListener, control: &Control) -> Step<Data> {
    accept_within(listener, control, control.reply_timeout).await
}

/// Like [`accept`], waiting at most `wait`.
pub async fn accept_within(
    listener: &TcpListener,
    control: &Control,
    wait: Duration,
) -> Step<Data> {
    let label = format!("{}-data", control.label());
    let transcript = control.transcript().clone();
    let (stream, peer) = tokio::time::timeout(wait, listener.accept())
        .await
        .map_err(|_| {
            Outcome::fail(
                &["the server connects to the PORT address"],
                format!("no connection within {wait:?}"),
            )
        })?
        .map_err(|e| Outcome::error(format!("accept failed: {e}")))?;
    transcript.push(format!("{label}: server connected from {peer}"));
    Ok(Data::new(stream, label, transcript, control.data_tls()))
}

/// How [`connect`] connects to a passive data port: where the connection is recorded and how long it
/// may take, plus the two things cases vary. [`ConnectOptions::new`] gives a plain connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions<'a> {
    /// The connection's name in the transcript, e.g. `c1-data`.
    pub label: &'a str,
    pub transcript: Transcript,
    /// Limit for connecting.
    pub wait: Duration,
    /// Connect from this address (to test who may connect); the system picks one when `None`.
    pub source: Option<IpAddr>,
    /// A small receive buffer, so that the server's writes stall early (for transfers held stalled).
    pub small_buffer: bool,
    /// Under PROT P: TLS on the connection, resuming the control connection's session.
    pub tls: Option<TlsSession>,
}

impl<'a> ConnectOptions<'a> {
    /// From any source address, with the normal receive buffer.
    pub fn new(label: &'a str, transcript: Transcript, wait: Duration) -> Self {
        ConnectOptions {
            label,
            transcript,
            wait,
            source: None,
            small_buffer: false,
            tls: None,
        }
    }

    /// For `control`'s next data connection: its label and transcript, and TLS when PROT P is on.
    pub fn of(control: &'a Control, label: &'a str) -> Self {
        ConnectOptions {
            tls: control.data_tls(),
            ..ConnectOptions::new(label, control.transcript().clone(), control.reply_timeout)
        }
    }
}

/// Connects to a passive data port as `options` say.
pub async fn connect(addr: SocketAddr, options: ConnectOptions<'_>) -> Step<Data> {
    let ConnectOptions {
        label,
        transcript,
        wait,
        source,
        small_buffer,
        tls,
    } = options;
    let attempt = async {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if small_buffer {
            socket.set_recv_buffer_size(STALL_RCVBUF)?;
        }
        if let Some(source) = source {
            socket.bind(SocketAddr::new(source, 0))?;
        }
        socket.connect(addr).await
    };
    let stream = tokio::time::timeout(wait, attempt)
        .await
        .map_err(|_| {
            Outcome::fail(
                &["the passive port accepts a connection"],
                format!("connecting to {addr} timed out"),
            )
        })?
        .map_err(|e| {
            Outcome::fail(
                &["the passive port accepts a connection"],
                format!("connecting to {addr}: {e}"),
            )
        })?;
    transcript.push(format!("{label}: connected to {addr}"));
    Ok(Data::new(stream, label.to_string(), transcript, tls))
}

/// How a read of a data connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// Orderly end of file.
    Eof,
    /// Reset or another error.
    Broken(String),
    /// Nothing more within the wait.
    Timeout,
}

/// How long the unread bytes of a stalled transfer must stay the same to count as stalled.
const SETTLE: Duration = Duration::from_millis(250);

/// More than any socket receive buffer holds on Linux (tcp_rmem's maximum is 6 MiB by default), so a
/// peek sees every queued byte.
const PEEK_LIMIT: usize = 16 * 1024 * 1024;

impl Data {
    fn new(
        stream: TcpStream,
        label: String,
        transcript: Transcript,
        tls: Option<TlsSession>,
    ) -> Data {
        Data {
            stream: Stream::Plain(stream),
            label,
            transcript,
            received: 0,
            pending_tls: tls,
            close_notify: None,
        }
    }

    /// Makes the TLS handshake if PROT P asked for one and it has not happened yet.
    pub async fn secure(&mut self, wait: Duration) -> std::io::Result<()> {
        let Some(session) = self.pending_tls.take() else {
            return Ok(());
        };
        let Some(tcp) = self.stream.take_plain() else {
            return Ok(());
        };
        match session.data_handshake(tcp, wait).await {
            Ok(stream) => {
                let protocol = stream.protocol().unwrap_or_default();
                // Under TLS 1.3 each resumption spends a ticket: the count shows why one could not.
                let tickets = match protocol.as_str() {
                    "TLSv1_3" => format!("; {}", session.tickets()),
                    _ => String::new(),
                };
                self.transcript.push(format!(
                    "{}: TLS handshake done ({protocol}, {}{tickets})",
                    self.label,
                    if stream.resumed() == Some(true) {
                        "resumed the control session"
                    } else {
                        "full handshake"
                    },
                ));
                self.stream = stream;
                Ok(())
            }
            Err(e) => {
                self.transcript
                    .push(format!("{}: TLS handshake failed: {e}", self.label));
                Err(e)
            }
        }
    }

    /// The stream (TLS facts: resumption, certificates).
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// On TLS: whether the server ended the data with close_notify (after a read to the end).
    pub fn close_notify(&self) -> Option<bool> {
        self.close_notify
    }

    /// Waits until the server has stopped sending: the bytes queued unread on this connection stop growing
    /// for [`SETTLE`], because the receive window is full and the server's writes block. Bounded by
    /// `max`. Cases that act on a stalled transfer wait for this, so a server that reads the control
    /// connection only between writes is judged the same way every run (not by how fast it filled the
    /// buffers before the command arrived).
    pub async fn wait_until_stalled(&mut self, max: Duration) {
        let mut probe = vec![0u8; PEEK_LIMIT];
        let deadline = tokio::time::Instant::now() + max;
        let mut last = None;
        while tokio::time::Instant::now() < deadline {
            let Some(tcp) = self.stream.tcp() else {
                return;
            };
            // Over TLS the queued bytes are records, not data: still a measure that stops growing.
            let queued = match tokio::time::timeout(SETTLE, tcp.peek(&mut probe)).await {
                Ok(Ok(queued)) => queued,
                // Nothing queued yet, or the connection ended: nothing to wait for.
                Ok(Err(_)) | Err(_) => return,
            };
            if last == Some(queued) {
                return;
            }
            last = Some(queued);
            tokio::time::sleep(SETTLE).await;
        }
    }

    /// Reads until end of file (or error, or `wait` without progress ending the read); at most `limit` bytes.
    /// At end of file our side is closed too.
    pub async fn read_to_end(&mut self, limit: usize, wait: Duration) -> (Vec<u8>, End) {
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        if let Err(e) = self.secure(wait).await {
            return (out, End::Broken(format!("TLS handshake: {e}")));
        }
        let tls = self.stream.is_tls();
        let end = loop {
            match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
                Err(_) => break End::Timeout,
                Ok(Ok(0)) => {
                    self.close_notify = tls.then_some(true);
                    break End::Eof;
                }
                // TCP closed without close_notify: the data is all there (the suite judges the
                // missing close_notify in its own case), so this is an end of file too.
                Ok(Err(e)) if tls && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.close_notify = Some(false);
                    self.transcript.push(format!(
                        "{}: TCP closed without TLS close_notify",
                        self.label
                    ));
                    break End::Eof;
                }
                Ok(Ok(read)) => {
                    self.received += read as u64;
                    out.extend_from_slice(&chunk[..read]);
                    if out.len() > limit {
                        break End::Broken(format!("more than {limit} bytes"));
                    }
                }
                Ok(Err(e)) => break End::Broken(e.to_string()),
            }
        };
        // At end of file the suite closes its side at once, as real clients do: a server that closes
        // lingering (waiting for the client's FIN before it sends 226) must not be kept waiting.
        let closed = if end == End::Eof {
            let _ = self.stream.shutdown().await;
            ", closed"
        } else {
            ""
        };
        self.transcript.push(format!(
            "{}: read {} bytes, then {end:?}{closed}",
            self.label,
            out.len()
        ));
        (out, end)
    }

    /// Reads at least `count` bytes (or until the end), then stops reading: the server's writes stall.
    pub async fn read_some(&mut self, count: usize, wait: Duration) -> Step<usize> {
        let mut total = 0;
        let mut chunk = vec![0u8; 16 * 1024];
        self.secure(wait).await.map_err(|e| {
            Outcome::fail(&["a TLS handshake on the data connection"], e.to_string())
        })?;
        while total < count {
            match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
                Err(_) => {
                    return Err(Outcome::fail(
                        &["data to flow"],
                        format!("no data within {wait:?} after {total} bytes"),
                    ))
                }
                Ok(Ok(0)) => break,
                Ok(Ok(read)) => {
                    total += read;
                    self.received += read as u64;
                }
                Ok(Err(e)) => {
                    return Err(Outcome::fail(
                        &["data to flow"],
                        format!("data connection error after {total} bytes: {e}"),
                    ))
                }
            }
        }
        self.transcript
            .push(format!("{}: read {total} bytes, now stalling", self.label));
        Ok(total)
    }

    /// Bytes read from this connection so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Sends all bytes, then closes our side so the server sees end of file.
    pub async fn write_and_close(mut self, bytes: &[u8]) -> Step<()> {
        let wait = Duration::from_secs(15);
        let result = async {
            self.secure(wait).await?;
            self.stream.write_all(bytes).await?;
            self.stream.shutdown().await?;
            if self.stream.is_tls() {
                // TLS 1.3 servers send session tickets after the handshake, which an upload never
                // reads; closing with them unread makes the kernel reset the connection, and the server
                // may lose the end of the file. Read to the server's close first (bounded).
                let mut sink = [0u8; 4096];
                let drain = async {
                    while let Ok(read) = self.stream.read(&mut sink).await {
                        if read == 0 {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(wait, drain).await;
            }
            Ok::<(), std::io::Error>(())
        }
        .await;
        self.transcript.push(format!(
            "{}: wrote {} bytes and closed",
            self.label,
            bytes.len()
        ));
        result.map_err(|e| {
            Outcome::fail(
                &["the server to read the upload"],
                format!("data connection error: {e}"),
            )
        })
    }

    /// Closes at once, as a client that gives up does; with unread data in the receive buffer, the
    /// kernel answers with a reset, so the server's next write fails.
    pub fn drop_hard(self) {
        self.transcript
            .push(format!("{}: closed (reset) by the suite", self.label));
    }
}
