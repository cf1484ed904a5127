//! A check that cannot fail is worthless: each flaw of the scripted server must make exactly the cases
//! meant to catch it fail, while the same cases pass against the flawless mock.

use ftp_conformance::case::Outcome;
use ftp_conformance::target::Profile;

use crate::mock::{self, Flaw};
use crate::support::{ids_with, options, run};

/// Runs `cases` against the mock with `flaw`; returns the ids that failed and the runs' actual texts.
async fn failures(flaw: Flaw, cases: &[&str]) -> (Vec<String>, String) {
    let addr = mock::start(flaw).await;
    let run = run(&options(addr, Profile::Brief, false), cases).await;
    let actuals: Vec<String> = run
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Fail { actual, .. } => Some(format!("{}: {actual}", c.id)),
            _ => None,
        })
        .collect();
    (ids_with(&run, "fail"), actuals.join("\n"))
}

const CAUGHT: &[(Flaw, &[&str], &str)] = &[
    (
        Flaw::WrongCodes,
        &["rfc959/4.1.3/syst-215", "rfc959/4.1.3/noop-200"],
        "250",
    ),
    (
        Flaw::UnclosedMultiline,
        &["rfc959/4.2/reply-grammar"],
        "multi-line reply was still open",
    ),
    (
        Flaw::BareLf,
        &["rfc959/4.1.3/syst-215", "rfc959/4.2/reply-grammar"],
        "bare LF",
    ),
    (
        Flaw::Bounce,
        &["rfc2577/3/port-bounce"],
        "connected to 127.0.0.2",
    ),
    (
        Flaw::AnswersNoopMidTransfer,
        &[
            "rfc959/4.1.3/noop-during-transfer",
            "brief/noop-ignored-during-transfer",
        ],
        "200 NOOP ok.",
    ),
];

#[tokio::test]
async fn the_flawless_mock_passes_the_cases_that_catch_flaws() {
    let all: Vec<&str> = CAUGHT
        .iter()
        .flat_map(|(_, cases, _)| cases.iter().copied())
        .collect();
    let (failed, actuals) = failures(Flaw::None, &all).await;
    assert!(failed.is_empty(), "{actuals}");
}

#[tokio::test]
async fn each_flaw_fails_its_cases() {
    for (flaw, cases, evidence) in CAUGHT {
        let (failed, actuals) = failures(*flaw, cases).await;
        let mut expected: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
        expected.sort();
        let mut failed = failed;
        failed.sort();
        assert_eq!(failed, expected, "{flaw:?}: {actuals}");
        assert!(actuals.contains(evidence), "{flaw:?}: {actuals}");
    }
}

#[tokio::test]
async fn wrong_codes_do_not_fail_unrelated_cases() {
    let (failed, actuals) = failures(
        Flaw::WrongCodes,
        &[
            "rfc959/4.2/greeting-220",
            "rfc959/4.1.2/pasv-227",
            "rfc959/4.1.1/pass-without-user-503",
        ],
    )
    .await;
    // The mock answers PASS without USER with 230, a real failure of its own; the other two pass.
    assert_eq!(
        failed,
        vec!["rfc959/4.1.1/pass-without-user-503".to_string()],
        "{actuals}"
    );
}

/// Options for the mock with the operator's facts the issue-8 cases need: its per-address limit, and its
/// link out of the root with the file behind it.
fn operator_options(addr: std::net::SocketAddr) -> ftp_conformance::target::Options {
    let mut options = options(addr, Profile::Rfc, false);
    options.max_per_ip = Some(mock::MAX_PER_IP);
    options.outside_link = Some(mock::OUTSIDE_LINK.into());
    options.outside_file = Some(mock::OUTSIDE_FILE.into());
    options
}

#[tokio::test]
async fn the_issue_8_cases_pass_the_flawless_mock_and_catch_their_flaw() {
    for (flaw, case, class, evidence) in [
        (
            Flaw::NoPerAddressLimit,
            "rfc2577/5/per-address-limit-421",
            "fail",
            "220 mock FTP server ready.",
        ),
        // SHOULD: the case runs only under --strict, where a recommendation not followed fails.
        (
            Flaw::InstantLoginFailure,
            "rfc2577/5/failed-login-delay",
            "fail",
            "530 Login incorrect.",
        ),
        (
            Flaw::FollowsOutsideLink,
            "rfc2577/9/outside-link-refused",
            "fail",
            "CWD out: 250",
        ),
    ] {
        let good = run(&operator_options(mock::start(Flaw::None).await), &[case]).await;
        assert_eq!(ids_with(&good, "pass"), [case], "{:?}", good.cases);
        let bad = run(&operator_options(mock::start(flaw).await), &[case]).await;
        let outcome = &bad.cases[0].outcome;
        assert_eq!(outcome.class(), class, "{flaw:?}: {outcome:?}");
        assert!(outcome.is_failure(), "{flaw:?}: {outcome:?}");
        assert!(
            format!("{outcome:?}").contains(evidence),
            "{flaw:?}: {outcome:?}"
        );
    }
}

/// A 421 among the first N connections is tried again (a server may still count, for a moment, one
/// that has just closed), but one that lasts is still a failure: here the operator declares one more
/// than the mock's limit.
#[tokio::test]
async fn a_per_address_limit_lower_than_declared_still_fails() {
    let mut options = operator_options(mock::start(Flaw::None).await);
    options.max_per_ip = Some(mock::MAX_PER_IP + 1);
    // The retries last one reply timeout: a quarter of this, clamped to at least 1 s.
    options.case_timeout = std::time::Duration::from_secs(4);
    let run = run(&options, &["rfc2577/5/per-address-limit-421"]).await;
    let outcome = &run.cases[0].outcome;
    assert!(outcome.is_failure(), "{outcome:?}");
    let evidence = format!("connection {}: 421", mock::MAX_PER_IP + 1);
    assert!(format!("{outcome:?}").contains(&evidence), "{outcome:?}");
}

#[tokio::test]
async fn the_operator_option_cases_skip_with_a_reason_without_their_options() {
    let addr = mock::start(Flaw::None).await;
    let run = run(
        &options(addr, Profile::Rfc, false),
        &["rfc2577/5/per-address-limit-421", "rfc2577/9/*"],
    )
    .await;
    assert_eq!(
        ids_with(&run, "skip").len(),
        run.cases.len(),
        "{:?}",
        run.cases
    );
    assert!(run.cases.len() >= 3);
    for case in &run.cases {
        if let Outcome::Skip { reason } = &case.outcome {
            // MLSD and MLST through the link also need MLST in FEAT, which the mock does not list.
            assert!(
                reason.contains("--max-per-ip")
                    || reason.contains("--outside-link")
                    || reason.contains("MLST not advertised"),
                "{}: {reason}",
                case.id
            );
        }
    }
}
