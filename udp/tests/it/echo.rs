//! Echo: replies, upper-casing, retransmission through a lossy relay, and reported loss.

use std::time::Duration;

use udp_tools::echo::{self, EchoClient, EchoError, EchoMode, RetryPolicy};

use crate::support::{Faults, Relay, Running};

fn quick(retries: u32) -> RetryPolicy {
    RetryPolicy {
        timeout: Duration::from_millis(100),
        retries,
    }
}

#[tokio::test]
async fn upper_mode_replies_upper_cased() {
    let server = Running::start(|s, stop| echo::serve(s, EchoMode::Upper, stop)).await;
    let client = EchoClient::connect(server.addr, quick(3)).await.unwrap();
    assert_eq!(client.request(b"hello, udp").await.unwrap(), b"HELLO, UDP");
    assert_eq!(client.request(b"").await.unwrap(), b"");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn plain_mode_replies_verbatim() {
    let server = Running::start(|s, stop| echo::serve(s, EchoMode::Plain, stop)).await;
    let client = EchoClient::connect(server.addr, quick(3)).await.unwrap();
    let big = vec![b'x'; 60_000];
    assert_eq!(client.request(b"MiXeD").await.unwrap(), b"MiXeD");
    assert_eq!(client.request(&big).await.unwrap(), big);
}

#[tokio::test]
async fn lost_datagrams_are_retransmitted() {
    let server = Running::start(|s, stop| echo::serve(s, EchoMode::Upper, stop)).await;
    // Every 3rd datagram in either direction is dropped; 20 requests must all come back.
    let relay = Relay::start(
        server.addr,
        Faults {
            drop_every: Some(3),
            duplicate: false,
            drop_one_in: None,
        },
    )
    .await;
    let client = EchoClient::connect(relay.addr, quick(5)).await.unwrap();
    for i in 0..20 {
        let text = format!("line {i}");
        let reply = client.request(text.as_bytes()).await.unwrap();
        assert_eq!(reply, text.to_uppercase().as_bytes());
    }
    assert!(
        relay
            .stats()
            .dropped
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
    );
}

#[tokio::test]
async fn total_loss_is_reported_not_hung() {
    let server = Running::start(|s, stop| echo::serve(s, EchoMode::Upper, stop)).await;
    let relay = Relay::start(
        server.addr,
        Faults {
            drop_every: Some(1),
            duplicate: false,
            drop_one_in: None,
        },
    )
    .await;
    let client = EchoClient::connect(relay.addr, quick(2)).await.unwrap();
    let err = client.request(b"anyone?").await.unwrap_err();
    assert!(matches!(err, EchoError::Lost { attempts: 3 }), "{err}");
    assert!(err.to_string().contains("no reply after 3 attempts"));
}

#[tokio::test]
async fn works_over_ipv6_loopback() {
    let Ok(socket) = tokio::net::UdpSocket::bind("[::1]:0").await else {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    };
    let addr = socket.local_addr().unwrap();
    let task = tokio::spawn(echo::serve(socket, EchoMode::Upper, std::future::pending()));
    let client = EchoClient::connect(addr, quick(3)).await.unwrap();
    assert_eq!(client.request(b"v6").await.unwrap(), b"V6");
    task.abort();
}
