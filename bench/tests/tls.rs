//! `--tls explicit` through the library API against this project's server started in-process with FTPS
//! (a test certificate authority's certificate, session reuse required): the big transfers must move
//! every byte under PROT P and report themselves as `-tls` scenarios. The server refuses a data
//! connection that does not resume the control connection's TLS session, so a pass also shows the
//! driver resumes it. No assertion on speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ftp_bench::progress::Progress;
use ftp_bench::size::ByteSize;
use ftp_bench::{run, BenchError, RunResult, Scenario, Settings, Target, Tls, Until};
use ftp_testkit::{TestPki, TestServer};

const BIG: u64 = (3 << 20) + 12_345;

fn settings(server: &TestServer) -> Settings {
    Settings {
        target: Target::parse(&format!("ftp://127.0.0.1:{}/", server.addr.port()), false).unwrap(),
        label: "ours".into(),
        ours: true,
        timeout: Duration::from_secs(20),
        tls: Some(Tls::insecure().unwrap()),
    }
}

async fn bench(server: &TestServer, scenario: Scenario) -> Result<RunResult, BenchError> {
    tokio::time::timeout(
        Duration::from_secs(60),
        run(&scenario, &settings(server), &Progress::hidden()),
    )
    .await
    .expect("scenario hung")
}

fn check(result: &RunResult, name: &str) {
    assert_eq!(result.scenario, name);
    assert_eq!(result.errors, 0, "{result:?}");
    let headline = result.headline().expect("a headline figure");
    assert!(
        headline.value.is_finite() && headline.value > 0.0,
        "{result:?}"
    );
}

async fn start() -> TestServer {
    let pki = TestPki::new();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    std::fs::create_dir_all(server.path("bench")).unwrap();
    server.write("bench/big.bin", &ftp_testkit::pattern(BIG as usize));
    server.write("bench/small.bin", &[1u8; 4096]);
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_and_stor_under_prot_p() {
    let server = start().await;
    // RETR checks the byte count itself (a short file is an error, see `retr_of_the_wrong_size_fails`).
    let retr = bench(
        &server,
        Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG),
        },
    )
    .await
    .unwrap();
    check(&retr, "retr-big-tls");
    assert_eq!(retr.figures[0].unit, "MB/s");
    // STOR checks the server's SIZE of the upload before deleting it.
    let stor = bench(
        &server,
        Scenario::StorBig {
            file: "bench/upload.bin".into(),
            size: ByteSize(BIG),
        },
    )
    .await
    .unwrap();
    check(&stor, "stor-big-tls");
    assert!(!server.path("bench/upload.bin").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_of_the_wrong_size_fails() {
    let server = start().await;
    let error = bench(
        &server,
        Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG - 1),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, BenchError::WrongSize { actual: BIG, .. }),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sessions_each_resume_their_own() {
    // One session cache per FTP session: with a shared one, a data connection could present another
    // session's ticket, which the server refuses.
    let server = start().await;
    let result = bench(
        &server,
        Scenario::Sessions {
            file: "bench/small.bin".into(),
            concurrency: 4,
            until: Until::Count(12),
        },
    )
    .await
    .unwrap();
    check(&result, "sessions-tls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_tls_is_a_clear_error() {
    let server = TestServer::start().await;
    let error = bench(
        &server,
        Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG),
        },
    )
    .await
    .unwrap_err();
    assert!(error.to_string().starts_with("AUTH TLS"), "{error}");
}
