//! The fault proxy between this project's real server and a raw client, on real loopback TCP: transfers
//! stay byte-exact through 1-byte segments, and each fault kind shows on the wire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ftp_proto::hostport;
use ftp_testkit::proxy::{Direction, Fault, FaultKind, FaultMix, MixWeights};
use ftp_testkit::{pattern, Control, FaultProxy, ProxyConfig, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn proxy(server: &TestServer, control: Fault, data: Fault) -> FaultProxy {
    let config = ProxyConfig {
        seed: 1,
        control: FaultMix::Always(control),
        data: FaultMix::Always(data),
    };
    FaultProxy::start(server.addr, config).await.unwrap()
}

async fn login(proxy: &FaultProxy) -> Control {
    let mut control = Control::connect(proxy.addr()).await;
    control.expect_reply(220).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS guest@example.com", 230).await;
    control.expect("TYPE I", 200).await;
    control
}

async fn epsv(control: &mut Control, proxy: &FaultProxy) -> TcpStream {
    let reply = control.expect("EPSV", 229).await;
    let port = hostport::decode_epsv_reply(&reply.text()).unwrap();
    TcpStream::connect((proxy.addr().ip(), port)).await.unwrap()
}

/// RETR through PASV: what the client read, or the read error.
async fn retr(control: &mut Control, name: &str) -> std::io::Result<Vec<u8>> {
    let mut data = control.pasv().await;
    control.expect(&format!("RETR {name}"), 150).await;
    let mut received = Vec::new();
    tokio::time::timeout(ftp_testkit::TIMEOUT, data.read_to_end(&mut received))
        .await
        .unwrap()
        .map(|_| received)
}

#[tokio::test]
async fn transfers_through_one_byte_segments_are_byte_exact_both_ways() {
    let server = TestServer::start().await;
    let every_byte = Fault::OneByteSegments { bytes: u64::MAX };
    let proxy = proxy(&server, every_byte.clone(), every_byte).await;
    let mut control = login(&proxy).await;
    let upload = pattern(100_000);

    let mut data = epsv(&mut control, &proxy).await;
    control.expect("STOR up.bin", 150).await;
    data.write_all(&upload).await.unwrap();
    data.shutdown().await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert_eq!(std::fs::read(server.path("up.bin")).unwrap(), upload);

    let downloaded = retr(&mut control, "up.bin").await.unwrap();
    control.expect_reply(226).await;
    assert_eq!(downloaded, upload);
    // The control connection and both data connections went through the proxy, split into single bytes.
    assert_eq!(proxy.counts().connections(), 3);
    assert_eq!(proxy.counts().count(FaultKind::OneByteSegments), 3);
    assert!(proxy.counts().bytes() > 2 * upload.len() as u64);
}

#[tokio::test]
async fn a_delay_holds_the_greeting_back() {
    let server = TestServer::start().await;
    let delay = Fault::Delay {
        base: Duration::from_millis(300),
        jitter: Duration::from_millis(50),
    };
    let proxy = proxy(&server, delay, Fault::None).await;
    let started = Instant::now();
    let mut control = Control::connect(proxy.addr()).await;
    control.expect_reply(220).await;
    // A lower bound only: the proxy sleeps at least `base` before forwarding the first chunk.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(proxy.counts().count(FaultKind::Delay), 1);
}

#[tokio::test]
async fn a_stall_keeps_the_line_silent_then_resumes() {
    let server = TestServer::start().await;
    let stall = Fault::Stall {
        direction: Direction::ToClient,
        at_byte: 4,
        pause: Duration::from_secs(2),
    };
    let proxy = proxy(&server, stall, Fault::None).await;
    let mut raw = TcpStream::connect(proxy.addr()).await.unwrap();
    let mut head = [0u8; 4];
    raw.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"220 ");
    let mut rest = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), raw.read(&mut rest)).await;
    assert!(early.is_err(), "bytes came through during the stall");
    // The rest of the greeting follows once the stall ends.
    let mut greeting = Vec::new();
    while !greeting.ends_with(b"\r\n") {
        raw.read_exact(&mut rest).await.unwrap();
        greeting.push(rest[0]);
    }
    let mut control = Control::from_stream(raw);
    control.send("NOOP").await;
    control.expect_reply(200).await;
    assert_eq!(proxy.counts().count(FaultKind::Stall), 1);
}

#[tokio::test]
async fn a_half_close_ends_the_download_at_its_byte_and_the_session_goes_on() {
    let server = TestServer::start().await;
    server.write("file.bin", &pattern(10_000));
    let half_close = Fault::HalfClose {
        direction: Direction::ToClient,
        at_byte: 100,
    };
    let proxy = proxy(&server, Fault::None, half_close).await;
    let mut control = login(&proxy).await;
    let received = retr(&mut control, "file.bin").await.unwrap();
    assert_eq!(received, pattern(10_000)[..100]);
    // The server wrote everything into the proxy's buffers, so it reports success; the control
    // connection, untouched, still answers.
    control.expect_reply(226).await;
    control.expect("NOOP", 200).await;
    assert_eq!(proxy.counts().count(FaultKind::HalfClose), 1);
}

#[tokio::test]
async fn a_reset_reaches_the_client_as_connection_reset() {
    let server = TestServer::start().await;
    server.write("file.bin", &pattern(50_000));
    let reset = Fault::Reset {
        direction: Direction::ToClient,
        at_byte: 1000,
    };
    let proxy = proxy(&server, Fault::None, reset).await;
    let mut control = login(&proxy).await;
    let error = retr(&mut control, "file.bin").await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(proxy.counts().count(FaultKind::Reset), 1);
}

#[tokio::test]
async fn a_drop_closes_the_control_connection_cleanly_at_its_byte() {
    let server = TestServer::start().await;
    let drop_at = Fault::Drop {
        direction: Direction::ToClient,
        at_byte: 10,
    };
    let proxy = proxy(&server, drop_at, Fault::None).await;
    let mut raw = TcpStream::connect(proxy.addr()).await.unwrap();
    let mut received = Vec::new();
    raw.read_to_end(&mut received).await.unwrap();
    assert_eq!(received.len(), 10);
    assert!(received.starts_with(b"220 "));
    assert_eq!(proxy.counts().count(FaultKind::Drop), 1);
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let server = TestServer::start().await;
    let mix = FaultMix::Random {
        weights: MixWeights {
            one_byte: 150,
            delay: 150,
            stall: 0,
            half_close: 150,
            reset: 150,
            drop: 150,
        },
        max_at_byte: 30,
        max_stall: Duration::ZERO,
    };
    let run = |seed: u64| {
        let mix = mix.clone();
        let upstream = server.addr;
        async move {
            let config = ProxyConfig {
                seed,
                control: mix,
                data: FaultMix::Always(Fault::None),
            };
            let proxy = FaultProxy::start(upstream, config).await.unwrap();
            let mut lengths = Vec::new();
            for _ in 0..12 {
                let mut raw = TcpStream::connect(proxy.addr()).await.unwrap();
                raw.write_all(b"QUIT\r\n").await.ok();
                let mut received = Vec::new();
                let _ = raw.read_to_end(&mut received).await;
                lengths.push(received.len());
            }
            let counts: Vec<u64> = FaultKind::ALL
                .iter()
                .map(|kind| proxy.counts().count(*kind))
                .collect();
            (lengths, counts)
        }
    };
    let first = run(7).await;
    assert_eq!(first, run(7).await);
    assert_ne!(first, run(8).await);
}

#[tokio::test]
async fn only_loopback_upstreams_are_relayed() {
    let refused = FaultProxy::start("192.0.2.1:21".parse().unwrap(), ProxyConfig::clean(1)).await;
    assert!(refused.is_err());
}
