//! The client against a scripted misbehaving server (in the spirit of curl's test server): each test
//! writes the server's side of the dialogue, so odd replies are exact and the client's commands are
//! checked in order.

use ftp_client::{Client, Error};
use tokio::io::AsyncWriteExt;

use crate::support::{accept, options, scripted, Peer};

async fn client_for(addr: std::net::SocketAddr) -> Client {
    let mut client = Client::connect("127.0.0.1", addr.port(), options())
        .await
        .unwrap();
    client.login("anonymous", "x").await.unwrap();
    client
}

/// Downloads `path` into memory; the test fails if the client reports an error.
async fn retrieved(client: &mut Client, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    client.retrieve(path, &mut out, &mut |_| {}).await.unwrap();
    out
}

/// Sends `body` on a data connection from `listener` after 150, closes it, then sends `closing`.
async fn serve_download(
    peer: &mut Peer,
    listener: &tokio::net::TcpListener,
    body: &[u8],
    closing: &str,
) {
    let mut data = accept(listener).await;
    peer.send("150 here it comes\r\n").await;
    data.write_all(body).await.unwrap();
    drop(data);
    peer.send(closing).await;
}

/// The server's side of a download up to its first EPSV: login, TYPE, then SIZE answered with `size`.
async fn until_epsv(peer: &mut Peer, size: u64) {
    peer.login().await;
    peer.expect("TYPE").await;
    peer.send("200 ok\r\n").await;
    peer.expect("SIZE").await;
    peer.send(&format!("213 {size}\r\n")).await;
    peer.expect("EPSV").await;
}

/// A listener for one passive data connection, and its port.
async fn data_listener() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

#[tokio::test]
async fn epsv_refused_then_pasv_with_a_private_address_uses_the_control_peer() {
    let (addr, script) = scripted(|mut peer| async move {
        until_epsv(&mut peer, 5).await;
        peer.send("500 EPSV not understood\r\n").await;
        let (listener, port) = data_listener().await;
        // A NATed server announcing its private address: the client must not go there.
        peer.expect("PASV").await;
        peer.send(&format!(
            "227 Entering Passive Mode (10,1,2,3,{},{})\r\n",
            port >> 8,
            port & 255
        ))
        .await;
        assert_eq!(peer.expect("RETR").await, "f.txt");
        serve_download(&mut peer, &listener, b"hello", "226 done\r\n").await;
        // EPSV was refused once: the next transfer goes straight to PASV.
        peer.expect("SIZE").await;
        peer.send("213 2\r\n").await;
        peer.expect("PASV").await;
        peer.send(&format!("227 =10,1,2,3,{},{}\r\n", port >> 8, port & 255))
            .await;
        peer.expect("RETR").await;
        serve_download(&mut peer, &listener, b"ok", "226 done\r\n").await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    assert_eq!(retrieved(&mut client, "f.txt").await, b"hello");
    assert_eq!(retrieved(&mut client, "g.txt").await, b"ok");
    client.quit().await.unwrap();
    script.await.unwrap();
}

/// proftpd answers `425 EPSV: Address already in use` when two of its sessions draw the same passive
/// port at once: a 4yz the client asks again (RFC 959 §4.2), twice at most, and then reports.
#[tokio::test]
async fn a_transient_refusal_of_epsv_is_asked_again_twice_at_most() {
    let (addr, script) = scripted(|mut peer| async move {
        until_epsv(&mut peer, 5).await;
        peer.send("425 EPSV: Address already in use\r\n").await;
        let (listener, port) = data_listener().await;
        peer.expect("EPSV").await;
        peer.send(&format!(
            "229 Entering Extended Passive Mode (|||{port}|)\r\n"
        ))
        .await;
        assert_eq!(peer.expect("RETR").await, "f.txt");
        serve_download(&mut peer, &listener, b"hello", "226 done\r\n").await;
        // Refused for now three times in a row: the third refusal is the answer.
        peer.expect("SIZE").await;
        peer.send("213 2\r\n").await;
        for _ in 0..3 {
            peer.expect("EPSV").await;
            peer.send("425 EPSV: Address already in use\r\n").await;
        }
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    assert_eq!(retrieved(&mut client, "f.txt").await, b"hello");
    let error = client
        .retrieve("g.txt", &mut Vec::new(), &mut |_| {})
        .await
        .unwrap_err();
    match &error {
        Error::Refused { command, reply } => {
            assert_eq!((command.as_str(), reply.code), ("EPSV", 425), "{error}");
        }
        other => panic!("expected the EPSV refusal, got {other:?}"),
    }
    client.quit().await.unwrap();
    script.await.unwrap();
}

#[tokio::test]
async fn odd_multi_line_replies_are_read_to_their_closing_line() {
    // Inner lines that start with digits or another code, an empty line and non-UTF-8 bytes; a
    // 500-line 230; a 257 whose path has a doubled quote.
    let (addr, script) = scripted(|mut peer| async move {
        peer.send_bytes(b"220-Welcome\r\n  220 indented\r\n230 another code\r\n\r\n\xff\xfe latin\r\n220-still going\r\n220 ready\r\n").await;
        peer.expect("USER").await;
        peer.send("331 pw\r\n").await;
        peer.expect("PASS").await;
        let mut long = String::new();
        for index in 0..500 {
            long.push_str(&format!("230-line {index}\r\n"));
        }
        long.push_str("230 logged in\r\n");
        peer.send(&long).await;
        peer.expect("PWD").await;
        peer.send("257-\"/odd\"\"dir\" is current\r\n257 \"/odd\"\"dir\" is current\r\n").await;
        peer.expect("FEAT").await;
        peer.send("211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n").await;
        peer.finish().await;
    })
    .await;
    let mut client = Client::connect("127.0.0.1", addr.port(), options())
        .await
        .unwrap();
    assert_eq!(client.greeting().lines.len(), 7, "{:?}", client.greeting());
    assert_eq!(client.greeting().text(), "ready");
    client.login("anonymous", "x").await.unwrap();
    assert_eq!(client.pwd().await.unwrap(), "/odd\"dir");
    assert_eq!(client.feat().await.unwrap(), ["EPSV", "SIZE"]);
    client.quit().await.unwrap();
    script.await.unwrap();
}

#[tokio::test]
async fn an_unsolicited_421_ends_the_session_with_a_connection_error() {
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        peer.send("421 Timeout: closing control connection.\r\n")
            .await;
        // The server hangs up; the client's next command meets the 421 waiting for it.
    })
    .await;
    let mut client = client_for(addr).await;
    script.await.unwrap();
    let error = client.pwd().await.unwrap_err();
    assert!(
        matches!(&error, Error::ServiceClosing(reply) if reply.code == 421),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), ftp_client::error::exit::CONNECTION);
    assert!(error.to_string().contains("421 Timeout"), "{error}");
}

#[tokio::test]
async fn a_data_connection_closed_early_with_226_is_a_short_transfer() {
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        let listener = peer.passive_setup(Some(1000)).await;
        peer.expect("RETR").await;
        serve_download(
            &mut peer,
            &listener,
            &[7u8; 10],
            "226 all good (not really)\r\n",
        )
        .await;
        peer.expect("PWD").await;
        peer.send("257 \"/\"\r\n").await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    let work = tempfile::tempdir().unwrap();
    let error = client
        .get_file("f", &work.path().join("f"), false, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transfer { reason, .. } if reason.contains("10 of 1000")),
        "{error}"
    );
    assert_eq!(error.exit_code(), ftp_client::error::exit::TRANSFER);
    assert_eq!(
        client.pwd().await.unwrap(),
        "/",
        "the control connection stays in step"
    );
    client.quit().await.unwrap();
    script.await.unwrap();
}

#[tokio::test]
async fn a_server_that_drops_mid_transfer_with_426_fails_the_transfer() {
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        // No SIZE: the client cannot know the length, so only the 426 tells it.
        let listener = peer.passive_setup(None).await;
        peer.expect("RETR").await;
        serve_download(
            &mut peer,
            &listener,
            &[1u8; 4096],
            "426 Connection closed; transfer aborted.\r\n",
        )
        .await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    let mut out = Vec::new();
    let error = client
        .retrieve("f", &mut out, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transfer { reason, .. } if reason.contains("426")),
        "{error}"
    );
    client.quit().await.unwrap();
    script.await.unwrap();
}

#[tokio::test]
async fn rest_refused_falls_back_to_a_full_download() {
    let full = b"hello, whole world";
    let (addr, script) = scripted(move |mut peer| async move {
        peer.login().await;
        // The client checks the size first to see whether the local part is already whole.
        peer.expect("SIZE").await;
        peer.send(&format!("213 {}\r\n", full.len())).await;
        peer.expect("TYPE").await;
        peer.send("200 ok\r\n").await;
        peer.expect("SIZE").await;
        peer.send(&format!("213 {}\r\n", full.len())).await;
        assert_eq!(peer.expect("REST").await, "5");
        peer.send("502 REST not implemented\r\n").await;
        let listener = peer.epsv().await;
        peer.expect("RETR").await;
        serve_download(&mut peer, &listener, full, "226 done\r\n").await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("f");
    std::fs::write(&target, b"XXXXX").unwrap();
    let done = client
        .get_file("f", &target, true, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(done.offset, 0);
    assert_eq!(std::fs::read(&target).unwrap(), full);
    client.quit().await.unwrap();
    script.await.unwrap();
}

#[tokio::test]
async fn active_mode_falls_back_from_eprt_to_port() {
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        peer.expect("TYPE").await;
        peer.send("200 ok\r\n").await;
        peer.expect("EPRT").await;
        peer.send("502 EPRT not implemented\r\n").await;
        let target = ftp_proto::hostport::decode_port(&peer.expect("PORT").await).unwrap();
        assert!(target.ip().is_loopback());
        peer.send("200 PORT ok\r\n").await;
        peer.expect("STOR").await;
        peer.send("150 send it\r\n").await;
        let mut data = tokio::net::TcpStream::connect(target).await.unwrap();
        let mut received = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut data, &mut received)
            .await
            .unwrap();
        assert_eq!(received, b"uploaded");
        peer.send("226 stored\r\n").await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    client.set_mode(ftp_client::DataMode::Active);
    client
        .store("f", &mut &b"uploaded"[..], Some(8), &mut |_| {})
        .await
        .unwrap();
    client.quit().await.unwrap();
    script.await.unwrap();
}

/// The client gathers a download into 1 MiB buffers: bytes that arrive before a pause must still
/// reach the output during the pause (a pipe reader, the progress bar), not when the buffer fills.
#[tokio::test]
async fn bytes_before_a_pause_reach_the_output_during_it() {
    let (written, mut arrived) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        let listener = peer.passive_setup(None).await;
        peer.expect("RETR").await;
        let mut data = accept(&listener).await;
        peer.send("150 here it comes\r\n").await;
        data.write_all(b"first").await.unwrap();
        // Nothing more until the client has written what it got.
        let first = tokio::time::timeout(std::time::Duration::from_secs(10), arrived.recv())
            .await
            .expect("the first bytes reach the output while the server pauses");
        assert_eq!(first.unwrap(), b"first");
        data.write_all(b", then the rest").await.unwrap();
        drop(data);
        peer.send("226 done\r\n").await;
        peer.finish().await;
    })
    .await;

    /// Passes each write on to the script.
    struct Tell(tokio::sync::mpsc::UnboundedSender<Vec<u8>>);
    impl std::io::Write for Tell {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.send(bytes.to_vec());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let mut client = client_for(addr).await;
    let received = client
        .get_stream("f", Tell(written), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(received, 20);
    client.quit().await.unwrap();
    script.await.unwrap();
}

/// Serves one resumable upload: the server's copy has `have` bytes and REST is answered `rest`;
/// returns what the data connection carried.
async fn serve_resumed_upload(peer: &mut Peer, have: u64, rest: &str) -> Vec<u8> {
    peer.expect("TYPE").await;
    peer.send("200 ok\r\n").await;
    assert_eq!(peer.expect("SIZE").await, "f");
    peer.send(&format!("213 {have}\r\n")).await;
    assert_eq!(peer.expect("REST").await, have.to_string());
    peer.send(rest).await;
    take_upload(peer).await
}

/// Takes one upload on a new EPSV listener (STOR, 150, the data, 226); returns the data.
async fn take_upload(peer: &mut Peer) -> Vec<u8> {
    let listener = peer.epsv().await;
    peer.expect("STOR").await;
    peer.send("150 send it\r\n").await;
    let mut data = accept(&listener).await;
    let mut received = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut data, &mut received)
        .await
        .unwrap();
    peer.send("226 stored\r\n").await;
    received
}

/// Answers the SIZE a client sends after a binary STOR to check the server's copy.
async fn confirm_size(peer: &mut Peer, stored: usize) {
    assert_eq!(peer.expect("SIZE").await, "f");
    peer.send(&format!("213 {stored}\r\n")).await;
}

async fn resume_upload_against(rest: &'static str, sent_before: u64) -> (u64, Vec<u8>) {
    let (carried, mut got) = tokio::sync::mpsc::unbounded_channel();
    let sent = resume_with(sent_before, move |mut peer| async move {
        peer.login().await;
        let received = serve_resumed_upload(&mut peer, 4, rest).await;
        let kept = if rest.starts_with("350") { 4 } else { 0 };
        confirm_size(&mut peer, kept + received.len()).await;
        carried.send(received).unwrap();
        peer.finish().await;
    })
    .await;
    (sent, got.recv().await.unwrap())
}

#[tokio::test]
async fn a_resumed_upload_sends_only_what_the_server_lacks() {
    let (sent, carried) = resume_upload_against("350 Restarting at 4\r\n", 4).await;
    assert_eq!(carried, b"456789");
    assert_eq!(sent, 6);
}

#[tokio::test]
async fn a_resumed_upload_sends_everything_when_rest_is_refused() {
    let (sent, carried) = resume_upload_against("554 REST before STOR not supported\r\n", 4).await;
    assert_eq!(carried, b"0123456789");
    assert_eq!(sent, 10);
}

/// Runs `put_file_resuming` of `0123456789` (with `sent_before`) against `script`; returns the bytes
/// the client says it sent.
async fn resume_with<F, Fut>(sent_before: u64, script: F) -> u64
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (addr, script) = scripted(script).await;
    let mut client = client_for(addr).await;
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("f");
    std::fs::write(&local, b"0123456789").unwrap();
    let sent = client
        .put_file_resuming(&local, "f", sent_before, &mut |_| {})
        .await
        .unwrap();
    client.quit().await.unwrap();
    script.await.unwrap();
    sent
}

/// Takes an upload that must be the whole file, and confirms its size.
async fn take_whole_upload(peer: &mut Peer) {
    take_whole_upload_reporting(peer, 10).await;
}

/// A server that confirms an upload (226) but kept fewer bytes than were sent: the client checks
/// with SIZE and reports the upload as failed, never as done.
#[tokio::test]
async fn an_upload_the_server_kept_short_despite_226_fails() {
    let (addr, script) = scripted(|mut peer| async move {
        peer.login().await;
        peer.expect("TYPE").await;
        peer.send("200 ok\r\n").await;
        take_whole_upload_reporting(&mut peer, 7).await;
        peer.finish().await;
    })
    .await;
    let mut client = client_for(addr).await;
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("f");
    std::fs::write(&local, b"0123456789").unwrap();
    match client.put_file(&local, "f", &mut |_| {}).await {
        Err(Error::Transfer { what, reason }) => {
            assert_eq!(what, "f");
            assert!(reason.contains("has 7 bytes, not 10"), "{reason}");
        }
        other => panic!("a short server copy passed as {other:?}"),
    }
    client.quit().await.unwrap();
    script.await.unwrap();
}

/// Takes the whole file, then answers SIZE with `stored`.
async fn take_whole_upload_reporting(peer: &mut Peer, stored: usize) {
    assert_eq!(take_upload(peer).await, b"0123456789", "the whole file");
    confirm_size(peer, stored).await;
}

/// A server copy longer than what earlier attempts sent is not their prefix (an older file): no REST.
#[tokio::test]
async fn a_server_copy_that_is_not_ours_is_replaced_whole() {
    let sent = resume_with(2, |mut peer| async move {
        peer.login().await;
        peer.expect("TYPE").await;
        peer.send("200 ok\r\n").await;
        peer.expect("SIZE").await;
        peer.send("213 4\r\n").await;
        take_whole_upload(&mut peer).await;
        peer.finish().await;
    })
    .await;
    assert_eq!(sent, 10);
}

/// REST taken, but the STOR after it refused (as this project's server does): the whole file again.
#[tokio::test]
async fn a_refused_resumed_stor_is_followed_by_the_whole_file() {
    let sent = resume_with(4, |mut peer| async move {
        peer.login().await;
        peer.expect("TYPE").await;
        peer.send("200 ok\r\n").await;
        peer.expect("SIZE").await;
        peer.send("213 4\r\n").await;
        peer.expect("REST").await;
        peer.send("350 Restarting at 4\r\n").await;
        let _refused_listener = peer.epsv().await;
        peer.expect("STOR").await;
        peer.send("554 Restarted uploads are not supported\r\n")
            .await;
        take_whole_upload(&mut peer).await;
        peer.finish().await;
    })
    .await;
    assert_eq!(sent, 10);
}
