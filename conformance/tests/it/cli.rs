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

/// `--list --format json`: every case with its id, level, title and requirement.
#[test]
fn list_as_json() {
    let output = conformance()
        .args(["--list", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let cases: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), ftp_conformance::cases::all().len());
    let abor = cases
        .iter()
        .find(|c| c["id"] == "rfc959/4.1.3/abor-mid-transfer")
        .unwrap();
    assert_eq!(abor["level"], "MUST");
    assert!(abor["requirement"].as_str().unwrap().contains("RFC 959"));
}

/// Issue 12, defect 12: a malformed login reply gives a report (JSON written, grammar case failed) and
/// exit 1, not exit 2 without a report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_login_reply_writes_the_report_and_exits_1() {
    let addr = crate::mock::start(crate::mock::Flaw::MalformedLogin).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let args = vec![
        format!("ftp://127.0.0.1:{}/", addr.port()),
        "--timeout".into(),
        "4".into(),
        "--format".into(),
        "json".into(),
        "--output".into(),
        report.display().to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || conformance().args(&args).output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let grammar = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "rfc959/4.2/reply-grammar")
        .unwrap();
    assert_eq!(grammar["outcome"], "fail");
}

/// FTPS settings that contradict each other, or trust given to a plain target, stop before connecting.
#[test]
fn contradictory_tls_options_are_usage_errors() {
    for (args, says) in [
        (
            vec!["ftps://127.0.0.1:1/", "--tls", "explicit", "--insecure"],
            "ftps:// URL is implicit",
        ),
        (
            vec!["ftp://127.0.0.1:1/", "--insecure"],
            "need --tls or an ftps:// URL",
        ),
        (
            vec!["ftp://127.0.0.1:1/", "--tls", "explicit"],
            "--ca-file PEM",
        ),
    ] {
        let output = conformance().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    conformance()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicates::str::contains("--tls explicit --ca-file"))
        .stdout(predicates::str::contains("--format html"));
}
