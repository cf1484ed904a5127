//! The built binary's command line: usage errors are one line (issue 15), help and the case list work.

use assert_cmd::Command;

fn conformance() -> Command {
    Command::cargo_bin("ftp-conformance").unwrap()
}

#[test]
fn usage_errors_are_one_line() {
    for args in [
        vec!["--bogus"],
        vec!["ftp://127.0.0.1:1/", "--format", "xml"],
    ] {
        let output = conformance().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("ftp-conformance: ") && stderr.contains("--help"),
            "{stderr}"
        );
    }
}

#[test]
fn help_and_list_still_print() {
    conformance()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicates::str::contains("Examples:"));
    conformance()
        .arg("--list")
        .assert()
        .success()
        .stdout(predicates::str::contains("rfc959/"));
}

/// Issue 15: `--progress` off a terminal prints one line per finished case, `NAME: DONE/TOTAL ...`, on
/// stderr, so that a long run is not silent; stdout keeps only the report.
#[test]
fn progress_counts_cases_done_of_total_on_stderr() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(crate::support::own_server());
    let url = format!("ftp://127.0.0.1:{}/", server.addr.port());
    let output = conformance()
        .args([
            &url,
            "--name",
            "own",
            "--progress",
            "--case",
            "rfc959/4.1.1/*",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let total = lines.len();
    assert!(total >= 2, "{stderr}");
    for (index, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("own: {}/{total} ", index + 1)),
            "{line:?} in\n{stderr}"
        );
    }
    assert!(!String::from_utf8_lossy(&output.stdout).contains("own: 1/"));
}
