//! Session limits and server shutdown: idle timeout, connection limit, draining on shutdown.

use std::time::Duration;

use tokio::io::AsyncReadExt;

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
    let mut again = None;
    for _ in 0..50 {
        let mut attempt = Control::connect(server.addr).await;
        if attempt.reply().await.code == 220 {
            again = Some(attempt);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a freed slot is reused");
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
