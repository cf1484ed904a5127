//! Chat: three members, join/leave/keepalive drop, unique nicks, the member list, loss
//! repaired by resending, duplicates shown once, and the size limit.

use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc::Receiver;
use udp_tools::chat::client::{ChatClient, ChatError, ClientConfig, Event};
use udp_tools::chat::protocol::MAX_TEXT;
use udp_tools::chat::server::{self, ChatConfig};

use crate::support::{Faults, Relay, Running};

fn relay_config() -> ChatConfig {
    ChatConfig {
        drop_after: Duration::from_millis(600),
        retransmit: Duration::from_millis(40),
        retries: 30,
    }
}

fn member_config() -> ClientConfig {
    ClientConfig {
        retransmit: Duration::from_millis(40),
        retries: 30,
        keepalive: Duration::from_millis(100),
    }
}

async fn next(rx: &mut Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no event within 10 s")
        .expect("closed")
}

/// Events until `n` messages have arrived; join/leave notices are skipped.
async fn messages(rx: &mut Receiver<Event>, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < n {
        if let Event::Message { nick, text } = next(rx).await {
            out.push(format!("{nick}: {text}"));
        }
    }
    out
}

#[tokio::test]
async fn three_members_chat_join_and_leave() {
    let relay = Running::start(|s, stop| server::serve(s, relay_config(), stop)).await;
    let (ann, mut ann_rx) = ChatClient::join(relay.addr, "ann", member_config())
        .await
        .unwrap();
    let (bob, mut bob_rx) = ChatClient::join(relay.addr, "bob", member_config())
        .await
        .unwrap();
    assert_eq!(
        next(&mut ann_rx).await,
        Event::Joined { nick: "bob".into() }
    );
    let (cat, mut cat_rx) = ChatClient::join(relay.addr, "cat", member_config())
        .await
        .unwrap();
    assert_eq!(
        next(&mut ann_rx).await,
        Event::Joined { nick: "cat".into() }
    );
    assert_eq!(
        next(&mut bob_rx).await,
        Event::Joined { nick: "cat".into() }
    );
    assert_eq!(ann.who().await.unwrap(), ["ann", "bob", "cat"]);

    ann.say("hi from ann").await.unwrap();
    bob.say("hi from bob").await.unwrap();
    assert_eq!(
        messages(&mut cat_rx, 2).await,
        ["ann: hi from ann", "bob: hi from bob"]
    );
    assert_eq!(messages(&mut bob_rx, 1).await, ["ann: hi from ann"]);
    assert_eq!(messages(&mut ann_rx, 1).await, ["bob: hi from bob"]);

    let dup = ChatClient::join(relay.addr, "ann", member_config()).await;
    assert!(
        matches!(&dup, Err(ChatError::Refused(r)) if r.contains("taken")),
        "{:?}",
        dup.err()
    );

    cat.leave().await.unwrap();
    assert_eq!(
        next(&mut ann_rx).await,
        Event::Left {
            nick: "cat".into(),
            reason: "quit".into()
        }
    );
    assert_eq!(bob.who().await.unwrap(), ["ann", "bob"]);
}

#[tokio::test]
async fn silent_member_is_dropped_after_missed_keepalives() {
    let relay = Running::start(|s, stop| server::serve(s, relay_config(), stop)).await;
    let (ann, mut ann_rx) = ChatClient::join(relay.addr, "ann", member_config())
        .await
        .unwrap();
    // A member that joins by hand and then never speaks again.
    let ghost = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ghost.send_to(b"JOIN 1 ghost", relay.addr).await.unwrap();
    assert_eq!(
        next(&mut ann_rx).await,
        Event::Joined {
            nick: "ghost".into()
        }
    );
    assert_eq!(
        next(&mut ann_rx).await,
        Event::Left {
            nick: "ghost".into(),
            reason: "timeout".into()
        }
    );
    // ann kept sending keepalives, so she is still a member.
    assert_eq!(ann.who().await.unwrap(), ["ann"]);
}

#[tokio::test]
async fn loss_is_repaired_and_duplicates_are_shown_once() {
    let relay = Running::start(|s, stop| server::serve(s, relay_config(), stop)).await;
    let lossy = Relay::start(
        relay.addr,
        Faults {
            drop_every: Some(4),
            duplicate: false,
            drop_one_in: None,
        },
    )
    .await;
    let doubled = Relay::start(
        relay.addr,
        Faults {
            drop_every: None,
            duplicate: true,
            drop_one_in: None,
        },
    )
    .await;
    let (ann, _ann_rx) = ChatClient::join(relay.addr, "ann", member_config())
        .await
        .unwrap();
    let (_bob, mut bob_rx) = ChatClient::join(lossy.addr, "bob", member_config())
        .await
        .unwrap();
    let (cat, mut cat_rx) = ChatClient::join(doubled.addr, "cat", member_config())
        .await
        .unwrap();
    let sent: Vec<String> = (0..20).map(|i| format!("ann: message {i}")).collect();
    for i in 0..20 {
        ann.say(&format!("message {i}")).await.unwrap();
    }
    // cat's own messages arrive at the relay twice but are relayed once.
    cat.say("only once").await.unwrap();

    let mut at_bob = messages(&mut bob_rx, 21).await;
    at_bob.sort();
    let mut want = sent.clone();
    want.push("cat: only once".into());
    want.sort();
    assert_eq!(at_bob, want, "each message exactly once despite loss");
    let mut at_cat = messages(&mut cat_rx, 20).await;
    at_cat.sort();
    let mut want_cat = sent;
    want_cat.sort();
    assert_eq!(
        at_cat, want_cat,
        "each message exactly once despite duplication"
    );
    assert!(
        lossy
            .stats()
            .dropped
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
    );
    // Nothing more is pending: a duplicate would show up here.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), cat_rx.recv())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn too_long_messages_are_refused_clearly() {
    let relay = Running::start(|s, stop| server::serve(s, relay_config(), stop)).await;
    let (ann, _rx) = ChatClient::join(relay.addr, "ann", member_config())
        .await
        .unwrap();
    let err = ann.say(&"x".repeat(MAX_TEXT + 1)).await.unwrap_err();
    assert!(err.to_string().contains("too long"), "{err}");
    ann.say(&"x".repeat(MAX_TEXT)).await.unwrap();
    // The relay refuses an oversized datagram with a reason, too.
    let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    raw.send_to(&[b'x'; 1300], relay.addr).await.unwrap();
    let mut buf = [0u8; 2000];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), raw.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        reply.starts_with("NO 0 ") && reply.contains("exceeds 1200"),
        "{reply}"
    );
    // Speaking without joining gets a clear refusal.
    raw.send_to(b"SAY 5 hello", relay.addr).await.unwrap();
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), raw.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..n], b"NO 5 not joined: send JOIN first");
}
