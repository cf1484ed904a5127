//! The suite against this project's server, in-process: every case runs for real (the 451 case with a
//! fault file in the server's root) and every failure must be a listed known deviation of `ftp-server`.

use ftp_conformance::deviations;
use ftp_conformance::target::Profile;

use crate::support::{ids_with, options, own_server, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_server_passes_every_case_or_has_it_listed() {
    let server = own_server().await;
    let mut options = options(server.addr, Profile::Brief, true);
    options.name = Some("ftp-server".into());
    options.fault_file = Some(server.root.path().join("fault.bin"));
    // The operator options of the per-address and outside-link cases: the server's default limit, and a
    // link from the root to a directory outside it.
    options.max_per_ip = Some(ftp_server::Config::new(server.root.path()).max_per_ip);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), b"outside the root\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), server.root.path().join("out")).unwrap();
    options.outside_link = Some("out".into());
    options.outside_file = Some("secret.txt".into());
    let run = run(&options, &[]).await;
    std::fs::remove_file(server.root.path().join("out")).unwrap();
    let known = deviations::parse(include_str!("../../known-deviations.toml")).unwrap();
    let unlisted: Vec<String> = run
        .cases
        .iter()
        .filter(|c| {
            c.outcome.is_failure(true) && deviations::find(&known, "ftp-server", &c.id).is_none()
        })
        .map(|c| format!("{}: {:?}\n{}", c.id, c.outcome, c.transcript.join("\n")))
        .collect();
    assert!(unlisted.is_empty(), "{}", unlisted.join("\n\n"));
    assert_eq!(
        ids_with(&run, "skip"),
        Vec::<String>::new(),
        "every case applies to the project's server"
    );
    assert!(run.cases.len() >= 50, "{} cases ran", run.cases.len());
    // The scratch directory is gone afterwards: only the suite's own fault file was ever left, and removed.
    let left: Vec<_> = std::fs::read_dir(server.root.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_read_only_target_skips_the_write_cases_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("file.txt"), b"read me\r\n").unwrap();
    let config = ftp_server::Config::new(root.path());
    let server = ftp_server::Server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
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
        4,
        "port-active and the three 425 cases read --retr-file: {:?}",
        run.cases
    );
}
