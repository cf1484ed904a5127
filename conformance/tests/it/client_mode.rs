//! Client mode against scripted clients: the `naive-ftp-client` binary is correct by default and
//! passes every case; with one `--bug`, the cases about that bug fail (each case shown to be able to
//! fail), while the baseline download still passes (the bug is the only difference).

use std::path::PathBuf;
use std::time::Duration;

use ftp_conformance::case::{CaseReport, Outcome};
use ftp_conformance::client_mode::command::Template;
use ftp_conformance::client_mode::{self, ClientOptions};
use rstest::rstest;

/// The scripted client (a binary of this package, built before the tests).
fn naive_client() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_naive-ftp-client"))
}

fn options(bug: Option<&str>, globs: &[&str]) -> ClientOptions {
    let client = naive_client().display().to_string();
    let mut words = vec![client.clone(), "{url}/file".into(), "{out}".into()];
    words.extend(["--timeout".into(), "{timeout}".into()]);
    let mut resume = format!("{client} {{url}}/file {{out}} --resume");
    let mut tls = format!("{client} {{url}}/file {{out}} --tls {{ca}}");
    if let Some(bug) = bug {
        words.extend(["--bug".to_string(), bug.to_string()]);
        resume.push_str(&format!(" --bug {bug}"));
        tls.push_str(&format!(" --bug {bug}"));
    }
    ClientOptions {
        command: Template::Argv(words),
        resume: Some(Template::Shell(resume)),
        tls: Some(Template::Shell(tls)),
        name: "naive".into(),
        strict: true,
        globs: globs.iter().map(|g| g.to_string()).collect(),
        client_timeout: 1,
        case_limit: Duration::from_secs(20),
        jobs: 2,
    }
}

fn outcome<'a>(reports: &'a [CaseReport], id: &str) -> &'a Outcome {
    &reports
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no report for {id}"))
        .outcome
}

#[tokio::test]
async fn a_correct_client_passes_every_case() {
    let run = client_mode::run(&options(None, &[])).await;
    assert_eq!(run.cases.len(), client_mode::cases::all().len());
    for case in &run.cases {
        assert_eq!(
            case.outcome,
            Outcome::Pass,
            "{}: {:?}\n{:#?}",
            case.id,
            case.outcome,
            case.transcript
        );
    }
}

#[rstest]
#[case::multiline_legal("digits-end-reply", "client/rfc959/4.2/multiline-odd-middle")]
#[case::multiline_unpadded("digits-end-reply", "client/rfc959/4.2/multiline-unpadded-code")]
#[case::huge_line("abort-on-long-line", "client/rfc959/4.2/huge-reply-line")]
#[case::unsolicited("crash-on-unexpected-reply", "client/rfc959/4.2/unsolicited-reply")]
#[case::login_421("goodbye-is-success", "client/rfc959/4.2/421-at-login")]
#[case::mid_session_421("goodbye-is-success", "client/rfc959/4.2/421-mid-session")]
#[case::hang_up("goodbye-is-success", "client/rfc959/3.3/truncated-no-final-reply")]
#[case::then_451("ignore-final-reply", "client/rfc959/5.4/retr-150-then-451")]
#[case::then_426("ignore-final-reply", "client/rfc959/5.4/retr-partial-then-426")]
#[case::retr_550("ignore-retr-error", "client/rfc959/5.4/retr-550")]
#[case::early_226("stop-at-final-reply", "client/rfc959/3.3/226-before-data-drained")]
#[case::foreign("pasv-trust-address", "client/rfc2428/3/pasv-foreign-address")]
#[case::foreign_no_epsv(
    "pasv-trust-address",
    "client/rfc2428/3/pasv-foreign-address-epsv-refused"
)]
#[case::epsv_only("epsv-only", "client/rfc2428/3/epsv-refused-pasv-fallback")]
#[case::no_parens("pasv-needs-parentheses", "client/rfc1123/4.1.2.6/pasv-no-parentheses")]
#[case::equals("pasv-needs-parentheses", "client/rfc1123/4.1.2.6/pasv-equals-sign")]
#[case::rest("append-after-refused-rest", "client/rfc959/4.1.3/rest-refused")]
#[case::timeout("no-timeout", "client/rfc959/5.4/slow-server-timeout")]
#[case::tls_reuse("no-session-reuse", "client/rfc4217/data/session-reuse")]
#[case::tls_close("impatient-tls-close", "client/rfc4217/data/late-close-notify")]
#[tokio::test]
async fn a_client_with_the_bug_fails_the_case(#[case] bug: &str, #[case] id: &str) {
    let baseline = "client/rfc959/3.3/plain-download";
    let run = client_mode::run(&options(Some(bug), &[id, baseline])).await;
    assert!(
        matches!(outcome(&run.cases, id), Outcome::Fail { .. }),
        "{id} with --bug {bug}: {:?}",
        outcome(&run.cases, id)
    );
    // The baseline passes unless the bug is about the PASV path the baseline does not take.
    if !matches!(bug, "stop-at-final-reply") {
        assert_eq!(
            outcome(&run.cases, baseline),
            &Outcome::Pass,
            "{bug} broke the baseline"
        );
    }
}

#[tokio::test]
async fn a_missing_command_is_an_error_and_the_cases_that_need_one_skip() {
    let mut opts = options(
        None,
        &[
            "client/rfc959/4.1.3/rest-refused",
            "client/rfc959/5.4/slow-server-timeout",
            "client/rfc4217/*",
        ],
    );
    opts.resume = None;
    opts.tls = None;
    opts.command = Template::Argv(vec![
        naive_client().display().to_string(),
        "{url}/file".into(),
        "{out}".into(),
    ]);
    let run = client_mode::run(&opts).await;
    for case in &run.cases {
        assert!(
            matches!(case.outcome, Outcome::Skip { .. }),
            "{}: {:?}",
            case.id,
            case.outcome
        );
    }
    opts.command = Template::Argv(vec!["/nonexistent/ftp-client".into(), "{url}".into()]);
    opts.globs = vec!["client/rfc959/3.3/plain-download".into()];
    let run = client_mode::run(&opts).await;
    assert!(
        matches!(run.cases[0].outcome, Outcome::Error { .. }),
        "{:?}",
        run.cases[0].outcome
    );
}

/// The binary end to end: `client` runs the cases, renders the chosen format and exits 1 on a failure.
#[test]
fn the_client_subcommand_reports_and_exits_by_verdict() {
    let naive = naive_client().display().to_string();
    let run = |bug: Option<&str>, format: &str| {
        let mut command = assert_cmd::Command::cargo_bin("ftp-conformance").unwrap();
        command.args([
            "client",
            "--case",
            "client/rfc959/5.4/retr-550",
            "--format",
            format,
        ]);
        command.args(["--", &naive, "{url}/file", "{out}"]);
        if let Some(bug) = bug {
            command.args(["--bug", bug]);
        }
        command.assert()
    };
    let json = run(None, "json").success();
    let report: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(report["server"], "naive-ftp-client");
    assert_eq!(report["cases"][0]["outcome"], "pass");
    let junit = run(Some("ignore-retr-error"), "junit").code(1);
    let xml = String::from_utf8_lossy(&junit.get_output().stdout).into_owned();
    assert!(
        xml.contains("<failure message=\"exit status 0; an empty output file"),
        "{xml}"
    );
}

#[test]
fn the_client_subcommand_needs_a_command_and_documents_its_placeholders() {
    let mut help = assert_cmd::Command::cargo_bin("ftp-conformance").unwrap();
    let help = help.args(["client", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    for needed in [
        "{url}",
        "{out}",
        "{timeout}",
        "{ca}",
        "--resume",
        "--tls",
        "Examples:",
    ] {
        assert!(text.contains(needed), "--help lacks {needed}:\n{text}");
    }
    let mut bare = assert_cmd::Command::cargo_bin("ftp-conformance").unwrap();
    bare.arg("client")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("a client command is needed"));
    let mut list = assert_cmd::Command::cargo_bin("ftp-conformance").unwrap();
    let listed = list.args(["client", "--list"]).assert().success();
    let lines = String::from_utf8_lossy(&listed.get_output().stdout)
        .lines()
        .count();
    assert_eq!(lines, client_mode::cases::all().len());
}

/// A client killed at the limit takes what it started with it: the shell's background child too.
#[tokio::test]
async fn a_hung_client_is_killed_with_its_process_group() {
    let scratch = tempfile::tempdir().unwrap();
    let pid_file = scratch.path().join("pid");
    let mut opts = options(None, &["client/rfc959/3.3/plain-download"]);
    opts.command = Template::Shell(format!(
        "sleep 300 & echo $! > {}; sleep 300",
        pid_file.display()
    ));
    opts.case_limit = Duration::from_secs(1);
    let run = client_mode::run(&opts).await;
    assert!(
        matches!(run.cases[0].outcome, Outcome::Fail { .. }),
        "{:?}",
        run.cases[0].outcome
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    // The orphan is reaped by init once killed; allow it a moment (bounded).
    for _ in 0..50 {
        if !proc_dir.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the background child {} outlived the case", pid.trim());
}
