//! Issue 12: the suite's verdicts must be true on every real server. Each test runs the cases a defect
//! was about against a scripted server that behaves as the real server did, and shows the verdict the
//! suite gave before was wrong (a correct server failed or skipped, a wrong one passed).

use std::time::Duration;

use ftp_conformance::case::Outcome;
use ftp_conformance::target::{Options, Profile};

use crate::mock::{self, Flaw};
use crate::support::{ids_with, options, run};

/// The outcome of the single case `id` against the mock with `flaw`.
async fn verdict_with(flaw: Flaw, id: &str, adjust: impl FnOnce(&mut Options)) -> Outcome {
    let addr = mock::start(flaw).await;
    let mut options = options(addr, Profile::Brief, false);
    adjust(&mut options);
    let run = run(&options, &[id]).await;
    let [case] = run.cases.as_slice() else {
        panic!("{id}: {} cases", run.cases.len());
    };
    if std::env::var_os("SHOW_TRANSCRIPT").is_some() {
        eprintln!("{}", case.transcript.join("\n"));
    }
    case.outcome.clone()
}

/// Runs `ids` one at a time (the mock serves only a few connections from one address at once, and
/// `--repeat` runs a case's rounds side by side otherwise); `Err` from the suite fails the test.
async fn run_one_job(options: &Options, ids: &[&str]) -> ftp_conformance::report::Run {
    ftp_conformance::runner::run_suite(
        options,
        ids.iter().map(|id| id.to_string()).collect(),
        1,
        &mut ftp_conformance::runner::Silent,
    )
    .await
    .expect("a verdict, not an error")
}

async fn verdict(flaw: Flaw, id: &str) -> Outcome {
    verdict_with(flaw, id, |_| {}).await
}

fn assert_class(outcome: &Outcome, class: &str, evidence: &str) {
    assert_eq!(outcome.class(), class, "{outcome:?}");
    assert!(format!("{outcome:?}").contains(evidence), "{outcome:?}");
}

/// Defect 1: the upload's PASV listener, kept open (as RFC 959 allows), served the "RETR without PORT
/// or PASV", and the case failed; set up in a session of its own, the case passes. The reuse itself
/// is still caught where it belongs, by the one-shot case.
#[tokio::test]
async fn a_kept_pasv_listener_does_not_fail_425_without_port_or_pasv() {
    assert_class(
        &verdict(Flaw::ReusesPasv, "brief/425-no-port-pasv").await,
        "pass",
        "",
    );
    assert_class(
        &verdict(Flaw::ReusesPasv, "brief/425-reuse-after-transfer").await,
        "fail",
        // The kept listener waits for a connection the suite never makes.
        "a reply to RETR",
    );
}

/// Defect 2: a server that answers 221 and still sends the whole file, then 226 after the 221, passed.
#[tokio::test]
async fn quit_that_lets_the_transfer_run_on_fails() {
    assert_class(
        &verdict(Flaw::None, "brief/quit-mid-transfer").await,
        "pass",
        "",
    );
    assert_class(
        &verdict(Flaw::QuitFinishesTransfer, "brief/quit-mid-transfer").await,
        "fail",
        "ran on after QUIT",
    );
}

/// Defect 3: no case caught a reused PORT address, nor PORT to a privileged port.
#[tokio::test]
async fn a_reused_port_and_a_privileged_port_are_caught() {
    assert_class(
        &verdict(Flaw::None, "brief/port-one-shot").await,
        "pass",
        "",
    );
    assert_class(
        &verdict(Flaw::ReusesPort, "brief/port-one-shot").await,
        "fail",
        "226",
    );
    assert_class(
        &verdict(Flaw::None, "rfc2577/3/port-privileged").await,
        "pass",
        "",
    );
    assert_class(
        &verdict(Flaw::AcceptsPrivilegedPort, "rfc2577/3/port-privileged").await,
        "fail",
        "tried to connect",
    );
}

/// Defect 4: a server that ends lines at CRLF only gives `NOOP<LF>SYST<CRLF>` one reply; that is legal.
#[tokio::test]
async fn one_reply_to_noop_lf_syst_crlf_passes() {
    assert_class(
        &verdict(Flaw::CrlfOnly, "rfc959/5.3/bare-lf").await,
        "pass",
        "",
    );
    assert_class(&verdict(Flaw::None, "rfc959/5.3/bare-lf").await, "pass", "");
}

/// Defect 6: a server that closes lingering (226 once the client has closed its side, as ProFTPD) made
/// every transfer case wait for the reply timeout and fail.
#[tokio::test]
async fn a_lingering_close_gets_its_226() {
    for id in [
        "rfc959/4.1.3/round-trip-1",
        "rfc959/4.1.3/list-nlst-uploaded",
        // 426 at once, 226 once the client has closed the data connection.
        "rfc959/4.1.3/abor-mid-transfer",
    ] {
        assert_class(&verdict(Flaw::LingeringClose, id).await, "pass", "");
    }
}

/// Defect 8: in the RFC profile a legal answer passes (non-strict at worst); the brief's stricter
/// rule lives under a `brief/` id. Defect 9: under --strict a legal alternative is non-strict, never
/// a failure of the run.
#[tokio::test]
async fn legal_alternatives_are_non_strict_even_under_strict() {
    let addr = mock::start(Flaw::Refuses500).await;
    let run = run(&options(addr, Profile::Rfc, true), &["rfc959/4.1.2/type"]).await;
    assert_eq!(ids_with(&run, "non-strict"), ["rfc959/4.1.2/type"]);
    assert!(!run.failed(), "{:?}", run.summary);
    assert_eq!(run.summary.failed, 0);
}

/// Defect 8: 425 without a preceding 150 is legal under RFC 959, so the rfc959 id passes it (non-strict,
/// even under --strict); the brief's "150, then 425" lives under a brief/ id, which fails it.
#[tokio::test]
async fn direct_425_passes_the_rfc_id_and_fails_the_brief_id() {
    let addr = mock::start(Flaw::Direct425).await;
    let run = run(
        &options(addr, Profile::Brief, true),
        &[
            "rfc959/5.4/425-port-closed",
            "brief/425-port-closed-after-150",
        ],
    )
    .await;
    assert_eq!(ids_with(&run, "non-strict"), ["rfc959/5.4/425-port-closed"]);
    assert_eq!(ids_with(&run, "fail"), ["brief/425-port-closed-after-150"]);
}

/// Defect 11: an MKD answered with something other than 257 or a refusal skipped every write case as
/// "read-only"; it is a failure.
#[tokio::test]
async fn a_wrong_mkd_reply_fails_instead_of_skipping() {
    assert_class(
        &verdict(Flaw::WrongMkdReply, "rfc959/4.1.3/round-trip-1").await,
        "fail",
        "250 Directory made.",
    );
}

/// Defect 12: a malformed login reply made the suite give up (exit 2, no report); it is the verdict of
/// the reply-grammar case.
#[tokio::test]
async fn a_malformed_login_reply_is_a_verdict() {
    let addr = mock::start(Flaw::MalformedLogin).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.case_timeout = Duration::from_secs(4);
    let run = run_one_job(&options, &["rfc959/4.1.3/syst-215"]).await;
    assert!(run.failed());
    let grammar = run
        .cases
        .iter()
        .find(|c| c.id == "rfc959/4.2/reply-grammar")
        .expect("the grammar case reported");
    assert_eq!(grammar.outcome.class(), "fail", "{:?}", grammar.outcome);
    assert!(
        grammar
            .transcript
            .iter()
            .any(|l| l.contains("231 Logged in.")),
        "{:?}",
        grammar.transcript
    );
    assert_eq!(ids_with(&run, "error"), ["rfc959/4.1.3/syst-215"]);
}

/// Defect 14: a reply that never comes names what the case waited for.
#[tokio::test]
async fn a_missing_reply_names_the_command() {
    let outcome = verdict_with(Flaw::IgnoresSyst, "rfc959/4.1.3/syst-215", |options| {
        options.case_timeout = Duration::from_secs(4);
    })
    .await;
    assert_class(&outcome, "fail", "a reply to SYST");
}

/// Defect 15: a server that answers ABOR with 426 and 226 but still sends the whole file passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abor_that_lets_the_transfer_run_on_fails() {
    assert_class(
        &verdict(Flaw::None, "rfc959/4.1.3/abor-mid-transfer").await,
        "pass",
        "",
    );
    assert_class(
        &verdict(Flaw::AborKeepsSending, "rfc959/4.1.3/abor-mid-transfer").await,
        "fail",
        "ran on after ABOR",
    );
}

/// Defect 7: a server that answers ABOR only once the data has drained gets the same verdict, with
/// the same words, every run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abor_answered_after_the_drain_is_reported_the_same_way_every_run() {
    let addr = mock::start(Flaw::AborAfterDrain).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.repeat = 3;
    let run = run_one_job(&options, &["rfc959/4.1.3/abor-mid-transfer"]).await;
    assert_class(
        &run.cases[0].outcome,
        "fail",
        "answered only after the data drained: 426 ABORT",
    );
}

/// `--repeat`: a case whose verdict changes between runs is `unstable`, with each run's verdict.
#[tokio::test]
async fn repeat_marks_a_flipping_verdict_unstable() {
    let addr = mock::start(Flaw::FlipsSyst).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.repeat = 2;
    let run = run_one_job(
        &options,
        &["rfc959/4.1.3/syst-215", "rfc959/4.1.3/noop-200"],
    )
    .await;
    assert_eq!(ids_with(&run, "unstable"), ["rfc959/4.1.3/syst-215"]);
    assert_eq!(ids_with(&run, "pass"), ["rfc959/4.1.3/noop-200"]);
    let Outcome::Unstable { actual } = &run.cases[0].outcome else {
        unreachable!()
    };
    assert!(
        actual.contains("run 1: ") && actual.contains("run 2: "),
        "{actual}"
    );
    assert!(run.failed());
    let json = ftp_conformance::report::json::render(&run);
    assert!(json.contains("\"outcome\": \"unstable\""), "{json}");
    let junit = ftp_conformance::report::junit::render(&run);
    assert!(junit.contains("unstable: "), "{junit}");
}
