//! One proxied connection, control or data: both directions forwarded through [`FaultyPipe`]s until
//! each sender closes or the fault cuts the connection; on a control connection, passive replies are
//! rewritten and their data connections relayed too.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::fault::{Direction, Fault};
use super::pipe::{Cut, FaultCounter, FaultyPipe};
use super::rewrite::{passive_target, rewritten, LineSplitter};
use super::rng::SeededRng;
use super::Shared;

/// A data listener that nobody connects to gives up after this long.
const DATA_ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);

const CHUNK: usize = 16 * 1024;

/// What a control connection needs to follow passive replies.
pub(crate) struct Passive {
    pub(crate) shared: Arc<Shared>,
    pub(crate) connection: u64,
    pub(crate) data_opened: u64,
}

/// Relays `client` <-> `server` with `fault` until both directions end or the fault kills the connection.
pub(crate) async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    fault: Fault,
    rng: SeededRng,
    shared: Arc<Shared>,
    mut passive: Option<Passive>,
) {
    if matches!(fault, Fault::OneByteSegments { .. }) {
        // Without it, Nagle would merge the single bytes back into full segments.
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
    }
    shared.counts.connection();
    let server_ip = server
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.ip());
    let mut up_rng = rng.clone();
    let up_seed = up_rng.next_u64();
    let reset = {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let fired = AtomicBool::new(false);
        let counter = FaultCounter {
            counts: &shared.counts,
            fired: &fired,
        };
        let mut up_pipe = FaultyPipe::new(
            &fault,
            Direction::ToServer,
            counter,
            SeededRng::new(up_seed),
        );
        let mut down_pipe = FaultyPipe::new(&fault, Direction::ToClient, counter, rng);
        let up = pump(
            &mut client_read,
            &mut server_write,
            &mut up_pipe,
            None,
            server_ip,
        );
        let down = pump(
            &mut server_read,
            &mut client_write,
            &mut down_pipe,
            passive.as_mut(),
            server_ip,
        );
        tokio::pin!(up, down);
        let (mut up_done, mut down_done) = (false, false);
        loop {
            let cut = tokio::select! {
                cut = &mut up, if !up_done => { up_done = true; cut }
                cut = &mut down, if !down_done => { down_done = true; cut }
            };
            if let Some(Cut::Kill { reset }) = cut {
                break reset;
            }
            if up_done && down_done {
                break false;
            }
        }
    };
    if reset {
        // SO_LINGER 0: closing sends RST instead of FIN.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
}

/// Forwards one direction until its sender's EOF (passed on as a FIN) or a cut. An I/O error on either
/// side resets the connection, so the peers see abruptness as abruptness.
async fn pump<R, W>(
    reader: &mut R,
    writer: &mut W,
    pipe: &mut FaultyPipe<'_>,
    mut passive: Option<&mut Passive>,
    server_ip: IpAddr,
) -> Option<Cut>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let errored = Some(Cut::Kill { reset: true });
    match pipe.send(writer, &[]).await {
        Ok(None) => {}
        Ok(cut) => return cut,
        Err(_) => return errored,
    }
    let mut lines = LineSplitter::default();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = match reader.read(&mut buffer).await {
            Ok(0) => {
                let tail = lines.finish();
                if let Ok(Some(cut)) = pipe.send(writer, &tail).await {
                    return Some(cut);
                }
                let _ = writer.shutdown().await;
                return None;
            }
            Ok(read) => read,
            Err(_) => return errored,
        };
        let chunk = &buffer[..read];
        let result = match passive.as_deref_mut() {
            None => pipe.send(writer, chunk).await,
            Some(passive) => send_lines(writer, pipe, &mut lines, chunk, passive, server_ip).await,
        };
        match result {
            Ok(None) => {}
            Ok(cut) => return cut,
            Err(_) => return errored,
        }
    }
}

/// Forwards the complete lines in `chunk`, each passive reply rewritten to a fresh data listener.
async fn send_lines<W: AsyncWrite + Unpin>(
    writer: &mut W,
    pipe: &mut FaultyPipe<'_>,
    lines: &mut LineSplitter,
    chunk: &[u8],
    passive: &mut Passive,
    server_ip: IpAddr,
) -> io::Result<Option<Cut>> {
    for line in lines.push(chunk) {
        let line = match passive_target(&line, server_ip) {
            Some((form, target)) => {
                let listener = open_data_listener(passive, target).await?;
                rewritten(form, listener)
            }
            None => line,
        };
        if let Some(cut) = pipe.send(writer, &line).await? {
            return Ok(Some(cut));
        }
    }
    Ok(None)
}

/// Binds a loopback listener for one data connection and relays it to `target` with its own fault.
async fn open_data_listener(passive: &mut Passive, target: SocketAddr) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    passive.data_opened += 1;
    let shared = Arc::clone(&passive.shared);
    let stream = (passive.connection << 20) | (passive.data_opened & 0xF_FFFF);
    let mut rng = SeededRng::derive(shared.seed ^ 0xDA7A_DA7A, stream);
    let fault = shared.data_mix.pick(&mut rng);
    let task = tokio::spawn(data_task(listener, target, fault, rng, shared));
    passive.shared.track(task.abort_handle());
    Ok(addr)
}

/// The relay of one data connection, boxed: a data relay is a relay, and the recursion needs a named,
/// `Send` future type.
fn data_task(
    listener: TcpListener,
    target: SocketAddr,
    fault: Fault,
    rng: SeededRng,
    shared: Arc<Shared>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let Ok(Ok((client, _))) =
            tokio::time::timeout(DATA_ACCEPT_TIMEOUT, listener.accept()).await
        else {
            return;
        };
        drop(listener);
        let Ok(server) = TcpStream::connect(target).await else {
            return;
        };
        relay(client, server, fault, rng, shared, None).await;
    })
}
