//! Every scenario, tiny, through the library API against this project's server started in-process on
//! 127.0.0.1:0 with a temporary root: each must produce its headline figure and no errors. Then
//! `--tls explicit` against the server started with FTPS (a test authority's certificate, session reuse
//! required): the big transfers must move every byte under PROT P and name themselves `-tls`. That
//! server refuses a data connection that does not resume its control connection's TLS session, so a
//! pass also shows that the driver resumes it. No assertion on speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ftp_bench::progress::Progress;
use ftp_bench::size::ByteSize;
use ftp_bench::Scenario::{RetrBig, StorBig};
use ftp_bench::{run, BenchError, RunResult, Scenario, Settings, Target, Tls, Until};
use ftp_testkit::{TestPki, TestServer};

/// Not a multiple of the driver's buffer, nor of a TLS record.
const BIG: u64 = (3 << 20) + 12_345;

/// A writable server whose root holds what `bench.sh` prepares, in small.
async fn start() -> TestServer {
    seed(TestServer::start_with(|config| config.max_connections = 1000).await)
}

/// Like [`start`], offering explicit FTPS.
async fn start_tls() -> TestServer {
    seed(TestServer::start_tls(&TestPki::new(), |_| {}).await)
}

fn seed(server: TestServer) -> TestServer {
    let bench = server.path("bench");
    std::fs::create_dir_all(bench.join("many")).unwrap();
    std::fs::write(bench.join("big.bin"), ftp_testkit::pattern(BIG as usize)).unwrap();
    std::fs::write(bench.join("small.bin"), vec![1u8; 4096]).unwrap();
    for i in 0..200 {
        std::fs::write(bench.join("many").join(format!("f{i:05}")), b"").unwrap();
    }
    server
}

/// Runs `scenario` against `server`, under `--tls explicit --insecure` when `tls` is set.
async fn try_bench(
    server: &TestServer,
    scenario: &Scenario,
    tls: bool,
) -> Result<RunResult, BenchError> {
    let settings = Settings {
        target: Target::parse(&format!("ftp://127.0.0.1:{}/", server.addr.port()), false).unwrap(),
        label: "ours".into(),
        ours: true,
        timeout: Duration::from_secs(20),
        tls: tls.then(|| Tls::insecure().unwrap()),
    };
    tokio::time::timeout(
        Duration::from_secs(60),
        run(scenario, &settings, &Progress::hidden()),
    )
    .await
    .expect("scenario hung")
}

/// Runs `scenario` in plain FTP and checks its result.
async fn bench(server: &TestServer, scenario: Scenario) -> RunResult {
    check(server, scenario, false, "").await
}

/// Runs `scenario` (under TLS when `tls`), and checks that it ran without errors and gave a headline
/// figure, under its name plus `suffix`.
async fn check(server: &TestServer, scenario: Scenario, tls: bool, suffix: &str) -> RunResult {
    let result = try_bench(server, &scenario, tls)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", scenario.name()));
    assert_eq!(result.scenario, format!("{}{suffix}", scenario.name()));
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
            runs: 1,
        },
    )
    .await;
    assert_eq!(result.figures[0].unit, "MB/s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_bulk_runs_report_the_median_between_the_extremes() {
    let server = start().await;
    for scenario in [
        Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG),
            runs: 3,
        },
        Scenario::StorBig {
            file: "bench/upload.bin".into(),
            size: ByteSize(BIG),
            runs: 3,
        },
    ] {
        let result = bench(&server, scenario).await;
        assert!(result.params.ends_with("median of 3 runs"), "{result:?}");
        let figure = |name: &str| {
            result
                .figures
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.value)
                .unwrap_or_else(|| panic!("no {name} in {result:?}"))
        };
        let (fastest, median, slowest) =
            (figure("fastest"), figure("throughput"), figure("slowest"));
        assert!(fastest >= median && median >= slowest, "{result:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_big_of_the_wrong_size_fails() {
    let (plain, tls) = (start().await, start_tls().await);
    for (server, tls) in [(&plain, false), (&tls, true)] {
        let scenario = Scenario::RetrBig {
            file: "bench/big.bin".into(),
            size: ByteSize(BIG + 1),
            runs: 1,
        };
        let error = try_bench(server, &scenario, tls).await.unwrap_err();
        assert!(
            matches!(error, BenchError::WrongSize { actual: BIG, .. }),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stor_big_uploads_then_deletes() {
    let server = start().await;
    bench(
        &server,
        Scenario::StorBig {
            file: "bench/upload.bin".into(),
            size: ByteSize(BIG),
            runs: 1,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_and_stor_big_under_prot_p() {
    let server = start_tls().await;
    // RETR checks the byte count itself (see `retr_big_of_the_wrong_size_fails`).
    let retr = RetrBig {
        file: "bench/big.bin".into(),
        size: ByteSize(BIG),
        runs: 1,
    };
    let result = check(&server, retr, true, "-tls").await;
    assert_eq!(result.figures[0].unit, "MB/s");
    assert!(result.params.ends_with(", resumed"), "{result:?}");
    // STOR checks the server's SIZE of the upload before deleting it.
    let stor = StorBig {
        file: "bench/upload.bin".into(),
        size: ByteSize(BIG),
        runs: 1,
    };
    let result = check(&server, stor, true, "-tls").await;
    assert!(result.params.ends_with(", resumed"), "{result:?}");
    assert!(!server.path("bench/upload.bin").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tls_sessions_each_resume_their_own() {
    // One TLS session cache per FTP session: with a shared one, a data connection could present
    // another session's ticket, which the server refuses.
    let server = start_tls().await;
    let sessions = Scenario::Sessions {
        file: "bench/small.bin".into(),
        concurrency: 4,
        until: Until::Count(12),
    };
    check(&server, sessions, true, "-tls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_against_a_server_without_it_is_a_clear_error() {
    let server = start().await;
    let retr = RetrBig {
        file: "bench/big.bin".into(),
        size: ByteSize(BIG),
        runs: 1,
    };
    let error = try_bench(&server, &retr, true).await.unwrap_err();
    assert!(error.to_string().starts_with("AUTH TLS"), "{error}");
}
