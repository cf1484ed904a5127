//! The suite against this project's server, in-process: every case runs for real (the 451 case with a
//! fault file in the server's root) and every failure must be a listed known deviation of `ftp-server`.

use ftp_conformance::target::Profile;

use ftp_testkit::TestServer;

use crate::support::{ids_with, options, run, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_server_passes_every_case_or_has_it_listed() {
    // Small limits, given to the suite too, so that the cases that fill the server (all of it, or an
    // address's share) run with the others: the runner keeps them for last, alone, and no other case
    // may meet a full server. As in `just interop-conformance`, the per-address limit is the lower.
    const MAX_CLIENTS: usize = 30;
    const MAX_PER_IP: usize = 20;
    let server = TestServer::start_with(|config| {
        config.welcome = ftp_server::config::default_welcome("test.example");
        config.max_connections = MAX_CLIENTS;
        config.max_per_ip = MAX_PER_IP;
    })
    .await;
    let mut options = options(server.addr, Profile::Brief, true);
    options.max_clients = Some(MAX_CLIENTS);
    options.max_per_ip = Some(MAX_PER_IP);
    options.name = Some("ftp-server".into());
    options.fault_file = Some(server.root.path().join("fault.bin"));
    // The operator options of the outside-link cases: a link from the root to a directory outside it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), b"outside the root\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), server.root.path().join("out")).unwrap();
    options.outside_link = Some("out".into());
    options.outside_file = Some("secret.txt".into());
    let run = run(&options, &[]).await;
    std::fs::remove_file(server.root.path().join("out")).unwrap();
    let unlisted = crate::support::unlisted(&run, "ftp-server");
    assert!(unlisted.is_empty(), "{}", unlisted.join("\n\n"));
    // The FTPS cases need a TLS target (tests/it/modern.rs runs them).
    let skipped: Vec<String> = ids_with(&run, "skip")
        .into_iter()
        .filter(|id| !id.starts_with("rfc4217/"))
        // Needs a named account; the test logs in anonymously.
        .filter(|id| id != "rfc2577/7/no-user-enumeration")
        .collect();
    assert_eq!(
        skipped,
        Vec::<String>::new(),
        "every case applies to the project's server"
    );
    assert!(ids_with(&run, "pass")
        .iter()
        .any(|id| id == "rfc959/5.4/server-full-421"));
    assert!(run.cases.len() >= 50, "{} cases ran", run.cases.len());
    // The scratch directory is gone afterwards: only the suite's own fault file was ever left, and removed.
    let left: Vec<_> = std::fs::read_dir(server.root.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_case_leaves_the_server_as_found_round_after_round() {
    // Each round's first connection must not meet a server that still counts the connections the
    // round before dropped: with --repeat the rounds run back to back, and the case was once unstable.
    const MAX_PER_IP: usize = 8;
    let server = TestServer::start_with(|config| config.max_per_ip = MAX_PER_IP).await;
    let mut options = options(server.addr, Profile::Rfc, true);
    options.max_per_ip = Some(MAX_PER_IP);
    options.repeat = 8;
    let run = run(&options, &["rfc2577/5/per-address-limit-421"]).await;
    assert_eq!(run.cases.len(), 1);
    for case in &run.cases {
        assert_eq!(
            case.outcome.class(),
            "pass",
            "{}: {:?}\n{}",
            case.id,
            case.outcome,
            case.transcript.join("\n")
        );
    }
}

#[tokio::test]
async fn a_read_only_target_skips_the_write_cases_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("file.txt"), b"read me\r\n").unwrap();
    let addr = serve(root.path(), "127.0.0.1:0", false).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.retr_file = Some("file.txt".into());
    let run = run(
        &options,
        &[
            "rfc959/4.1.3/round-trip-*",
            "rfc959/4.1.2/port-active",
            "rfc959/5.4/425-*",
            "brief/425-*",
        ],
    )
    .await;
    let skipped = ids_with(&run, "skip");
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(
        skipped.iter().all(|id| id.contains("round-trip")),
        "{skipped:?}"
    );
    for case in &run.cases {
        if let ftp_conformance::case::Outcome::Skip { reason } = &case.outcome {
            assert!(reason.contains("read-only target"), "{reason}");
        }
    }
    assert_eq!(
        ids_with(&run, "pass").len(),
        5,
        "port-active and the four 425 cases read --retr-file: {:?}",
        run.cases
    );
}

/// Issue 12, defect 10: on an IPv6 target (the server on `[::1]`) the suite uses EPSV and EPRT, as
/// real clients do: no case fails or errs (cases about PASV, PORT and 127.0.0.2 skip, with the reason).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_runs_over_ipv6() {
    let root = tempfile::tempdir().unwrap();
    let addr = serve(root.path(), "[::1]:0", true).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.url = format!("ftp://[::1]:{}/", addr.port());
    let run = run(&options, &[]).await;
    let broken: Vec<String> = run
        .cases
        .iter()
        .filter(|c| c.outcome.is_failure())
        .map(|c| format!("{}: {:?}\n{}", c.id, c.outcome, c.transcript.join("\n")))
        .collect();
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
    // The transfers themselves ran, over EPSV/EPRT.
    let passed = ids_with(&run, "pass");
    for id in [
        "rfc959/4.1.3/round-trip-8mib",
        "rfc959/4.1.3/abor-mid-transfer",
        "rfc959/4.1.3/list-nlst-uploaded",
    ] {
        let outcomes: Vec<String> = run
            .cases
            .iter()
            .filter(|c| c.outcome != ftp_conformance::case::Outcome::Pass)
            .map(|c| format!("{}: {:?}", c.id, c.outcome))
            .collect();
        assert!(passed.iter().any(|p| p == id), "{id}: {outcomes:#?}");
    }
}

/// Issue 12, defect 13: on a read-only target a large `--retr-file` serves the stalled-transfer cases;
/// one too small for them makes them skip with its size (they skipped always before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_retr_file_serves_the_stalled_transfer_cases_on_a_read_only_target() {
    let root = tempfile::tempdir().unwrap();
    let big = ftp_conformance::target::BIG_FILE;
    std::fs::write(root.path().join("big.bin"), vec![7u8; big]).unwrap();
    std::fs::write(root.path().join("small.bin"), b"small").unwrap();
    let addr = serve(root.path(), "127.0.0.1:0", false).await;
    let stalled = [
        "rfc959/4.1.3/abor-mid-transfer",
        "rfc959/4.1.3/noop-during-transfer",
        "rfc959/4.1.3/concurrent-session",
        "rfc959/5.4/426-client-closes",
    ];
    let mut options = options(addr, Profile::Rfc, false);
    options.retr_file = Some("big.bin".into());
    let run_big = run(&options, &stalled).await;
    assert_eq!(ids_with(&run_big, "pass").len(), 4, "{:?}", run_big.cases);
    options.retr_file = Some("small.bin".into());
    let run_small = run(&options, &stalled).await;
    for case in &run_small.cases {
        let ftp_conformance::case::Outcome::Skip { reason } = &case.outcome else {
            panic!("{}: {:?}", case.id, case.outcome);
        };
        assert!(reason.contains("is 5 bytes"), "{reason}");
    }
}
