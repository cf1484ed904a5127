//! Hostile input to the three servers: malformed, truncated and oversized datagrams get an error or
//! are dropped and the server serves on; TFTP's Sorcerer's Apprentice (RFC 1123 §4.2.3.1), write
//! requests outside the jail or over files they may not replace, and a flood of requests from many
//! source ports against the limit on concurrent transfers.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use udp_tools::chat::client::{ChatClient, ClientConfig as MemberConfig, Event};
use udp_tools::chat::server::{self as chat_server, ChatConfig};
use udp_tools::echo::{self, EchoClient, EchoMode, RetryPolicy};
use udp_tools::tftp::client::{self, ClientConfig};
use udp_tools::tftp::options::Requested;
use udp_tools::tftp::packet::{ErrorCode, Mode, Packet};
use udp_tools::tftp::server::ServerConfig;
use udp_tools::tftp::transfer::TransferError;

use crate::cli::ServerProcess;
use crate::support::Running;
use crate::tftp::{content, Fixture};

/// The largest UDP payload over IPv4.
const LARGEST: usize = 65_507;

/// Datagrams no server should choke on.
fn hostile_datagrams() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        vec![0],
        vec![0xFF; 3],
        b"\x00\x01".to_vec(),
        b"JOIN".to_vec(),
        b"SAY 1".to_vec(),
        vec![0xC3, 0x28, 0xA0, 0xA1],
        vec![b'A'; 1201],
        vec![b'x'; LARGEST],
        [b"JOIN 1 ".as_slice(), &[b'n'; 5000]].concat(),
    ]
}

async fn spray(target: SocketAddr, datagrams: &[Vec<u8>]) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for datagram in datagrams {
        socket.send_to(datagram, target).await.unwrap();
    }
}

#[tokio::test]
async fn echo_serves_on_after_hostile_datagrams() {
    let server = Running::start(|s, stop| echo::serve(s, EchoMode::Upper, stop)).await;
    spray(server.addr, &hostile_datagrams()).await;
    let policy = RetryPolicy {
        timeout: Duration::from_millis(200),
        retries: 10,
    };
    let client = EchoClient::connect(server.addr, policy).await.unwrap();
    assert_eq!(client.request(b"still here").await.unwrap(), b"STILL HERE");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_chat_relay_refuses_or_drops_hostile_datagrams_and_serves_on() {
    let config = ChatConfig {
        drop_after: Duration::from_secs(5),
        retransmit: Duration::from_millis(40),
        retries: 30,
    };
    let relay = Running::start(|s, stop| chat_server::serve(s, config, stop)).await;
    // Every hostile datagram gets at most a short NO (never an echo of a huge input), or nothing.
    let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut buffer = vec![0u8; 70_000];
    for datagram in hostile_datagrams() {
        raw.send_to(&datagram, relay.addr).await.unwrap();
        if let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_millis(100), raw.recv_from(&mut buffer)).await
        {
            assert!(
                n <= 1200,
                "a {}-byte datagram got a {n}-byte answer",
                datagram.len()
            );
            assert!(
                buffer.starts_with(b"NO "),
                "{:?}",
                String::from_utf8_lossy(&buffer[..n])
            );
        }
    }
    let members = MemberConfig {
        retransmit: Duration::from_millis(40),
        retries: 30,
        keepalive: Duration::from_millis(200),
    };
    let (alice, _) = ChatClient::join(relay.addr, "alice", members)
        .await
        .unwrap();
    let (_bob, mut bob_events) = ChatClient::join(relay.addr, "bob", members).await.unwrap();
    alice.say("after the storm").await.unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), bob_events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::Message { nick, text } = event {
            assert_eq!((nick.as_str(), text.as_str()), ("alice", "after the storm"));
            break;
        }
    }
}

/// A TFTP server that takes uploads, its defaults otherwise changed by `adjust`.
async fn tftp(adjust: impl FnOnce(&mut ServerConfig)) -> Fixture {
    crate::tftp::serve(|config| {
        config.allow_write = true;
        adjust(config);
    })
    .await
}

fn client_config() -> ClientConfig {
    ClientConfig {
        mode: Mode::Octet,
        options: Requested::default(),
        timeout: Duration::from_millis(200),
        retries: 10,
        dedicated_thread: false,
    }
}

async fn recv_packet(socket: &UdpSocket, wait: Duration) -> Option<(Packet, SocketAddr)> {
    let mut buffer = vec![0u8; 70_000];
    let (n, from) = tokio::time::timeout(wait, socket.recv_from(&mut buffer))
        .await
        .ok()?
        .ok()?;
    Some((Packet::parse(&buffer[..n]).ok()?, from))
}

#[tokio::test]
async fn every_ack_sent_twice_does_not_double_the_data_sent() {
    // RFC 1123 §4.2.3.1: a sender that answers each duplicate ACK with the next block again sends
    // every block twice from then on (the Sorcerer's Apprentice). Each ACK goes out twice here;
    // the server's timeout is long, so any extra DATA is that bug, not a retransmission.
    let fx = tftp(|config| config.timeout = Duration::from_secs(3)).await;
    let blocks = 60u16;
    let data = content(512 * usize::from(blocks) - 1, 3);
    std::fs::write(fx.dir.path().join("f"), &data).unwrap();
    let me = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    me.send_to(b"\x00\x01f\0octet\0", fx.server.addr)
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut data_packets = 0u32;
    let mut last_block = 0u16;
    while let Some((packet, tid)) = recv_packet(&me, Duration::from_millis(1500)).await {
        let Packet::Data { block, data } = packet else {
            panic!("expected DATA, got {packet:?}");
        };
        data_packets += 1;
        if block == last_block.wrapping_add(1) {
            received.extend_from_slice(&data);
            last_block = block;
        }
        let ack = Packet::Ack { block }.encode();
        me.send_to(&ack, tid).await.unwrap();
        me.send_to(&ack, tid).await.unwrap();
        if block == blocks && data.len() < 512 {
            break;
        }
    }
    assert!(received == data, "the file arrived damaged");
    assert_eq!(
        data_packets,
        u32::from(blocks),
        "{data_packets} DATA packets for {blocks} blocks: duplicated ACKs drew extra DATA"
    );
}

#[tokio::test]
async fn stopping_the_server_ends_a_transfer_blocked_on_its_own_thread() {
    // The transfer's thread waits in a blocking recvfrom with a long timeout; aborting its task
    // cannot reach it, so without the server stopping it, it would answer the ACK below.
    let fx = tftp(|config| {
        config.timeout = Duration::from_secs(5);
        config.threaded_transfers = 1;
    })
    .await;
    std::fs::write(fx.dir.path().join("f"), content(5000, 9)).unwrap();
    let me = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    me.send_to(b"\x00\x01f\0octet\0", fx.server.addr)
        .await
        .unwrap();
    let Some((Packet::Data { block: 1, .. }, tid)) =
        recv_packet(&me, Duration::from_secs(10)).await
    else {
        panic!("no DATA 1");
    };
    tokio::time::timeout(Duration::from_secs(30), fx.server.stop())
        .await
        .expect("the server did not stop")
        .unwrap();
    me.send_to(&Packet::Ack { block: 1 }.encode(), tid)
        .await
        .unwrap();
    let after = recv_packet(&me, Duration::from_secs(1)).await;
    assert!(after.is_none(), "the stopped server still sent {after:?}");
}

async fn put(addr: SocketAddr, name: &str, bytes: &[u8]) -> Result<u64, TransferError> {
    client::put(addr, name, bytes, &client_config())
        .await
        .map(|o| o.bytes)
}

fn refused(result: Result<u64, TransferError>) -> ErrorCode {
    match result {
        Err(TransferError::Peer { code, .. }) => code,
        other => panic!("expected an ERROR from the server, got {other:?}"),
    }
}

#[tokio::test]
async fn write_requests_outside_the_jail_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let fx = tftp(|_| {}).await;
    std::fs::create_dir(fx.dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(outside.path(), fx.dir.path().join("escape")).unwrap();
    let escape_name = format!(
        "../{}/x",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    let escaping = [
        "../x".to_string(),
        "sub/../../x".to_string(),
        escape_name,
        "escape/x".to_string(),
        "/".to_string(),
    ];
    for name in &escaping {
        let code = refused(put(fx.server.addr, name, b"evil").await);
        assert_eq!(code, ErrorCode::AccessViolation, "{name}");
    }
    // An absolute name is taken below the root (as tftpd -s does): there it names no directory.
    let absolute = format!("{}/x", outside.path().display());
    let code = refused(put(fx.server.addr, &absolute, b"evil").await);
    assert_eq!(code, ErrorCode::FileNotFound);
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "a file landed outside"
    );
}

#[tokio::test]
async fn write_requests_over_existing_files_need_permission() {
    let strict = tftp(|_| {}).await;
    std::fs::write(strict.dir.path().join("kept"), b"old").unwrap();
    assert_eq!(
        refused(put(strict.server.addr, "kept", b"new").await),
        ErrorCode::FileExists
    );
    assert_eq!(
        std::fs::read(strict.dir.path().join("kept")).unwrap(),
        b"old"
    );
    // New names are fine.
    assert_eq!(put(strict.server.addr, "fresh", b"new").await.unwrap(), 3);

    let lenient = tftp(|config| config.allow_overwrite = true).await;
    let path = lenient.dir.path().join("readonly");
    std::fs::write(&path, b"old").unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    assert_eq!(
        refused(put(lenient.server.addr, "readonly", b"new").await),
        ErrorCode::AccessViolation
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    std::fs::write(lenient.dir.path().join("writable"), b"old").unwrap();
    put(lenient.server.addr, "writable", b"new").await.unwrap();
    assert_eq!(
        std::fs::read(lenient.dir.path().join("writable")).unwrap(),
        b"new"
    );
}

/// Sends an RRQ from each of `count` sockets (never acknowledging) and counts the first answers.
async fn flood(server: SocketAddr, count: usize) -> (usize, usize) {
    let mut sockets = Vec::new();
    for _ in 0..count {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.send_to(b"\x00\x01f\0octet\0", server).await.unwrap();
        sockets.push(socket);
    }
    let (mut transfers, mut busy) = (0, 0);
    for socket in &sockets {
        match recv_packet(socket, Duration::from_secs(2)).await {
            Some((Packet::Data { block: 1, .. }, _)) => transfers += 1,
            Some((
                Packet::Error {
                    code: ErrorCode::NotDefined,
                    message,
                },
                _,
            )) => {
                assert!(message.contains("busy"), "{message}");
                busy += 1;
            }
            other => panic!("unexpected answer to a flood RRQ: {other:?}"),
        }
    }
    (transfers, busy)
}

#[tokio::test]
async fn a_flood_of_read_requests_is_bounded_by_the_transfer_limit() {
    let fx = tftp(|config| {
        config.max_transfers = 4;
        config.timeout = Duration::from_millis(100);
        config.retries = 2;
    })
    .await;
    std::fs::write(fx.dir.path().join("f"), content(100_000, 1)).unwrap();
    assert_eq!(flood(fx.server.addr, 40).await, (4, 36));
    // The abandoned transfers time out and free their places: a real client is served.
    let mut served = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Ok(result) = client::get(fx.server.addr, "f", Vec::new(), &client_config()).await {
            served = Some(result);
            break;
        }
    }
    assert!(served.is_some(), "never served after the flood");
}

#[test]
fn the_binary_takes_its_transfer_limit_from_the_command_line() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("f"), content(100_000, 2)).unwrap();
    let root_arg = root.path().to_str().unwrap();
    let server = ServerProcess::start(&[
        "tftp",
        "--port",
        "0",
        "--root",
        root_arg,
        "--max-transfers",
        "2",
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(flood(server.addr, 6)), (2, 4));
}
