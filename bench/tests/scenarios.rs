//! Every scenario, tiny, through the library API against this project's server started in-process on
//! 127.0.0.1:0 with a temporary root: each must produce its headline figure and no errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ftp_bench::progress::Progress;
use ftp_bench::size::ByteSize;
use ftp_bench::{run, RunResult, Scenario, Settings, Target, Until};
use ftp_testkit::TestServer;

const BIG: u64 = 3 << 20;

/// A writable server whose root holds what `bench.sh` prepares, in small.
async fn start() -> TestServer {
    let server = TestServer::start_with(|config| config.max_connections = 1000).await;
    let bench = server.path("bench");
    std::fs::create_dir_all(bench.join("many")).unwrap();
    std::fs::write(bench.join("big.bin"), vec![7u8; BIG as usize]).unwrap();
    std::fs::write(bench.join("small.bin"), vec![1u8; 4096]).unwrap();
    for i in 0..200 {
        std::fs::write(bench.join("many").join(format!("f{i:05}")), b"").unwrap();
    }
    server
}

async fn bench(server: &TestServer, scenario: Scenario) -> RunResult {
    let settings = Settings {
        target: Target::parse(&format!("ftp://127.0.0.1:{}/", server.addr.port()), false).unwrap(),
        label: "ours".into(),
        ours: true,
        timeout: Duration::from_secs(20),
        tls: None,
    };
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        run(&scenario, &settings, &Progress::hidden()),
    )
    .await
    .expect("scenario hung")
    .unwrap_or_else(|e| panic!("{}: {e}", scenario.name()));
    assert_eq!(result.scenario, scenario.name());
    assert_eq!(result.errors, 0, "{result:?}");
    let headline = result.headline().expect("a headline figure");
    // CPU time is counted in 10 ms ticks: a tiny LIST may cost none.
    let may_be_zero = headline.name == "server CPU";
    assert!(
        headline.value.is_finite() && (headline.value > 0.0 || may_be_zero),
        "{result:?}"
    );
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_big_moves_the_whole_file() {
    let server = start().await;
    let result = bench(
        &server,
        Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG),
        },
    )
    .await;
    assert_eq!(result.figures[0].unit, "MB/s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_big_of_the_wrong_size_fails() {
    let server = start().await;
    let settings = Settings {
        target: Target::parse(&format!("ftp://127.0.0.1:{}/", server.addr.port()), false).unwrap(),
        label: "ours".into(),
        ours: true,
        timeout: Duration::from_secs(20),
        tls: None,
    };
    let scenario = Scenario::RetrBig {
        file: "bench/big.bin".into(),
        size: ByteSize(BIG + 1),
    };
    let error = run(&scenario, &settings, &Progress::hidden())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("expected"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stor_big_uploads_then_deletes() {
    let server = start().await;
    bench(
        &server,
        Scenario::StorBig {
            file: "bench/upload.bin".into(),
            size: ByteSize(BIG),
        },
    )
    .await;
    assert!(!server.path("bench/upload.bin").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_files_gives_percentiles() {
    let server = start().await;
    let result = bench(
        &server,
        Scenario::SmallFiles {
            file: "bench/small.bin".into(),
            count: 5,
        },
    )
    .await;
    assert_eq!(result.figures[1].name, "p99");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_by_count_and_by_time() {
    let server = start().await;
    let result = bench(
        &server,
        Scenario::Sessions {
            file: "bench/small.bin".into(),
            concurrency: 4,
            until: Until::Count(20),
        },
    )
    .await;
    let completed = result
        .figures
        .iter()
        .find(|f| f.name == "completed")
        .unwrap();
    assert_eq!(completed.value, 20.0);
    bench(
        &server,
        Scenario::Sessions {
            file: "bench/small.bin".into(),
            concurrency: 4,
            until: Until::Elapsed(Duration::from_millis(300)),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_measures_the_server_process() {
    let server = start().await;
    // The server runs in this test process, so this process is the one to measure.
    let result = bench(
        &server,
        Scenario::Idle {
            count: 30,
            concurrency: 10,
            server_pid: Some(std::process::id()),
        },
    )
    .await;
    assert!(result.figures[0].name.starts_with("memory"), "{result:?}");
    let open = result.figures.iter().find(|f| f.name == "open").unwrap();
    assert_eq!(open.value, 30.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_big_counts_every_entry() {
    let server = start().await;
    let result = bench(
        &server,
        Scenario::ListBig {
            dir: "bench/many".into(),
            count: 2,
            server_pid: Some(std::process::id()),
        },
    )
    .await;
    let lines = result.figures.iter().find(|f| f.name == "lines").unwrap();
    assert_eq!(lines.value, 200.0);
}
