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
