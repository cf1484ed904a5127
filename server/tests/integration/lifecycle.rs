//! Session limits and server shutdown: idle timeout, connection limits (in all, per address), clients
//! that never read, the failed-login delay, draining on shutdown.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use ftp_testkit::{pattern, Control, TestServer};

#[tokio::test]
async fn an_idle_session_gets_421_and_is_closed() {
    let server =
        TestServer::start_with(|config| config.idle_timeout = Duration::from_secs(1)).await;
    let mut control = server.login().await;
    let reply = control.expect_reply(421);
    assert_eq!(reply.await.text(), "Timeout: closing control connection.");
    assert!(control.closed().await);
}

#[tokio::test]
async fn connections_over_the_limit_get_421_at_once() {
    let server = TestServer::start_with(|config| config.max_connections = 2).await;
    let _first = server.connect().await;
    let mut second = server.connect().await;
    let mut third = Control::connect(server.addr).await;
    assert_eq!(
        third.expect_reply(421).await.text(),
        "Too many connections; try again later."
    );
    assert!(third.closed().await);
    // A slot frees up when a session ends.
    second.expect("QUIT", 221).await;
    assert!(second.closed().await);
    assert!(
        greeted_within_a_second(server.addr).await,
        "a freed slot is reused"
    );
}

#[tokio::test]
async fn shutdown_lets_a_running_transfer_finish_and_tells_idle_sessions() {
    let server = TestServer::start().await;
    let contents = pattern(16 * 1024 * 1024);
    server.write("big", &contents);
    let mut idle = server.login().await;
    let mut busy = server.login().await;
    let mut data = busy.pasv().await;
    busy.expect("RETR big", 150).await;
    let addr = server.addr;
    let stopping = tokio::spawn(server.shutdown());

    assert_eq!(
        idle.expect_reply(421).await.text(),
        "Service not available, server shutting down."
    );
    let mut received = Vec::new();
    data.read_to_end(&mut received).await.unwrap();
    assert!(received == contents, "the running transfer completes");
    busy.expect_reply(226).await;
    busy.expect_reply(421).await;
    tokio::time::timeout(ftp_testkit::TIMEOUT, stopping)
        .await
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

/// Issue 8: a client that pipelines commands and never reads the replies blocked its session in a write
/// forever; it was still held after 18 idle timeouts, and new clients got 421. Now a reply left unread
/// for the idle timeout ends the session, and its slot goes to the next client.
#[tokio::test]
async fn a_client_that_never_reads_its_replies_loses_its_slot() {
    let server = TestServer::start_with(|config| {
        config.idle_timeout = Duration::from_secs(1);
        config.max_connections = 1;
    })
    .await;
    // A small receive window, so that the unread replies fill the buffers quickly.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stuck = socket.connect(server.addr).await.unwrap();
    let (stuck_reader, mut stuck_writer) = stuck.into_split();
    let pipelining = tokio::spawn(async move {
        let burst = b"HELP\r\n".repeat(1000);
        let mut bursts = 0u32;
        // Until the server stops reading (its reply write is blocked) or closes the connection.
        while let Ok(Ok(())) =
            tokio::time::timeout(Duration::from_secs(2), stuck_writer.write_all(&burst)).await
        {
            bursts += 1;
        }
        (bursts, stuck_writer)
    });
    let started = Instant::now();
    let mut accepted = None;
    while started.elapsed() < ftp_testkit::TIMEOUT {
        let mut attempt = Control::connect(server.addr).await;
        if attempt.reply().await.code == 220 {
            accepted = Some(attempt);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let waited = started.elapsed();
    let (bursts, _writer) = pipelining.await.unwrap();
    eprintln!("stuck writer: {bursts} bursts of 1000 HELP sent; slot free after {waited:?}");
    assert!(
        accepted.is_some(),
        "the stuck session still held the only slot after {waited:?}"
    );
    drop(stuck_reader);
}

#[tokio::test]
async fn connections_over_the_per_address_limit_get_421() {
    let server = TestServer::start_with(|config| config.max_per_ip = 2).await;
    let _first = server.connect().await;
    let mut second = server.connect().await;
    let mut third = Control::connect(server.addr).await;
    assert_eq!(
        third.expect_reply(421).await.text(),
        "Too many connections from your address; try again later."
    );
    assert!(third.closed().await);
    // Another address has its own count.
    let elsewhere = ftp_testkit::connect_from("127.0.0.2", server.addr)
        .await
        .unwrap();
    let mut greeting = String::new();
    tokio::time::timeout(
        ftp_testkit::TIMEOUT,
        tokio::io::AsyncBufReadExt::read_line(
            &mut tokio::io::BufReader::new(elsewhere),
            &mut greeting,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(greeting.starts_with("220 "), "{greeting:?}");
    // A slot for this address frees up when one of its sessions ends.
    second.expect("QUIT", 221).await;
    assert!(second.closed().await);
    assert!(
        greeted_within_a_second(server.addr).await,
        "a freed per-address slot is reused"
    );
}

/// Issue 8, like vsftpd's `delay_failed_login`: a refused PASS is answered after about a second, and
/// that wait is the guessing session's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_pass_waits_a_second_without_slowing_other_sessions() {
    let server = TestServer::start().await;
    let mut guesser = server.connect().await;
    guesser.expect("USER root", 331).await;
    let mut other = server.login().await;
    let started = Instant::now();
    guesser.send("PASS guess").await;
    let noop_started = Instant::now();
    other.expect("NOOP", 200).await;
    let noop = noop_started.elapsed();
    let refusal = guesser.reply().await;
    let delay = started.elapsed();
    eprintln!(
        "refused PASS answered after {delay:?}; another session's NOOP meanwhile took {noop:?}"
    );
    assert_eq!(refusal.code, 530, "{refusal:?}");
    assert!(delay >= Duration::from_millis(900), "{delay:?}");
    assert!(delay < Duration::from_secs(10), "{delay:?}");
    assert!(noop < Duration::from_millis(500), "{noop:?}");
    // A good login is not delayed.
    let login_started = Instant::now();
    guesser.expect("USER anonymous", 331).await;
    guesser.expect("PASS me@example.com", 230).await;
    assert!(login_started.elapsed() < Duration::from_millis(500));
}

/// Whether a new connection gets a 220 within about a second: the server frees a slot only once it
/// has seen the old session end, a moment after the client saw its 221.
async fn greeted_within_a_second(addr: std::net::SocketAddr) -> bool {
    for _ in 0..50 {
        let mut attempt = Control::connect(addr).await;
        if attempt.reply().await.code == 220 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
