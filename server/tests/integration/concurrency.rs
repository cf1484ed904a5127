//! Many clients at once: a stalled transfer never delays anyone else.

use ftp_testkit::{pattern, read_to_end, sparse_file, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_finish_while_one_transfer_is_stalled() {
    let server = TestServer::start().await;
    sparse_file(&server.path("huge"), 1024 * 1024 * 1024);
    let small = pattern(200_000);
    server.write("small", &small);

    // The stalled client: RETR of 1 GiB, and it never reads.
    let mut stalled = server.login().await;
    let _stalled_data = stalled.pasv().await;
    stalled.expect("RETR huge", 150).await;

    let mut clients = tokio::task::JoinSet::new();
    for index in 0..49 {
        let addr = server.addr;
        let small = small.clone();
        clients.spawn(async move {
            let mut control = ftp_testkit::Control::connect(addr).await;
            control.expect_reply(220).await;
            control.expect("USER anonymous", 331).await;
            control.expect("PASS client@example.com", 230).await;
            let mut data = control.pasv().await;
            control.expect("LIST", 150).await;
            read_to_end(&mut data).await;
            control.expect_reply(226).await;
            let mut data = control.pasv().await;
            control.expect("RETR small", 150).await;
            assert!(
                read_to_end(&mut data).await == small,
                "client {index} got different bytes"
            );
            control.expect_reply(226).await;
            control.expect("QUIT", 221).await;
            index
        });
    }
    let mut finished = 0;
    while let Some(result) = tokio::time::timeout(ftp_testkit::TIMEOUT, clients.join_next())
        .await
        .unwrap()
    {
        result.unwrap();
        finished += 1;
    }
    assert_eq!(finished, 49);
    // The stalled transfer is still running: it ignores NOOP, and ABOR stops it.
    stalled.send("ABOR").await;
    stalled.expect_reply(426).await;
    stalled.expect_reply(226).await;
}
