//! The plain mock's sockets: the data-connection [`Plan`] a transfer opens, command lines read on a
//! thread of their own, a lingering close, and a PASV listener handed out again.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use super::Flaw;

/// Where the next transfer's data connection comes from.
pub enum Plan {
    None,
    Passive(TcpListener),
    Active(SocketAddr),
    /// The default data port: connect to this address, from the socket (bound to L-1) if any.
    Default(SocketAddr, Option<tokio::net::TcpSocket>),
}

pub async fn open(plan: Plan) -> Option<TcpStream> {
    match plan {
        Plan::None => None,
        Plan::Passive(listener) => listener.accept().await.ok().map(|(s, _)| s),
        Plan::Active(addr) => TcpStream::connect(addr).await.ok(),
        Plan::Default(addr, Some(below)) => below.connect(addr).await.ok(),
        Plan::Default(addr, None) => TcpStream::connect(addr).await.ok(),
    }
}

/// Reads command lines on a thread of its own with plain reads (tokio's reads of the line behind
/// ABOR's urgent Telnet Synch were held up until the transfer ended), and sends them without Telnet
/// bytes. The socket is shared with the tokio writer and so non-blocking: the thread polls it. With
/// [`Flaw::CrlfOnly`] a bare LF does not end a line.
pub fn read_commands(
    stream: std::net::TcpStream,
    flaw: Flaw,
) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (lines, received) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(stream);
        let mut bytes = Vec::new();
        loop {
            match reader.read_until(b'\n', &mut bytes) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if lines.is_closed() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
                Err(_) => return,
            }
            if flaw == Flaw::CrlfOnly && !bytes.ends_with(b"\r\n") {
                continue;
            }
            bytes.retain(|b| b.is_ascii());
            if lines
                .send(String::from_utf8_lossy(&bytes).into_owned())
                .is_err()
            {
                return;
            }
            bytes.clear();
        }
    });
    received
}

/// Waits (bounded) for the client's end of file on a data connection whose sending side is closed: a
/// lingering close, as ProFTPD's, which sends its final reply only afterwards.
pub async fn linger(data: &mut TcpStream) {
    let mut rest = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Ok(read)) = tokio::time::timeout_at(deadline, data.read(&mut rest)).await {
        if read == 0 {
            return;
        }
    }
}

/// A listener on the same address as `listener` for the next transfer: the mock's PASV stays open.
pub async fn reopen(listener: &TcpListener) -> TcpListener {
    // The real listener stays where it is; a transfer needs one to accept on, so the mock hands out
    // a duplicate of its socket.
    let std = socket2::SockRef::from(listener).try_clone().unwrap();
    let std: std::net::TcpListener = std.into();
    std.set_nonblocking(true).unwrap();
    TcpListener::from_std(std).unwrap()
}
