//! Each case added for issue 12's breadth (RFC 959 §5.4's remaining rows, TYPE A/L 8, Telnet, RFC 2389,
//! RFC 3659 MDTM/REST/MLSx, RFC 2640) fails when one flaw is injected in front of this project's server
//! (which passes them all, see `own_server`), and only the cases meant to catch it fail.

use ftp_conformance::case::Outcome;
use ftp_conformance::target::Profile;

use crate::flaw_proxy::{self, Action, Rule};
use crate::support::{ids_with, options, own_server, run};

const fn rule(verb: &'static str, contains: &'static str, action: Action) -> Rule {
    Rule {
        verb,
        contains,
        action,
    }
}

const NAME: &str = "ünïcødé-файл-名前";

/// A flaw and the cases that must fail with it.
const CAUGHT: &[(Rule, &[&str])] = &[
    (
        rule("ACCT", "", Action::Answer("200 ok\r\n")),
        &["rfc959/5.4/acct"],
    ),
    (
        rule("SMNT", "", Action::Answer("200 ok\r\n")),
        &["rfc959/5.4/smnt"],
    ),
    (
        rule("REIN", "", Action::Answer("220 Still logged in.\r\n")),
        &["rfc959/5.4/rein"],
    ),
    (
        rule("ALLO", "", Action::Answer("250 ok\r\n")),
        &["rfc959/5.4/allo", "rfc959/5.4/allo-record"],
    ),
    (
        rule("REST", "", Action::Answer("200 ok\r\n")),
        &[
            "rfc959/5.4/rest-350",
            "rfc959/5.4/rest-then-noop",
            "rfc3659/5/rest-retr",
            "rfc3659/5/rest-stor",
        ],
    ),
    (
        rule("STOU", "", Action::Replace("200 done\r\n")),
        &["rfc959/5.4/stou", "rfc1123/4.1.2.9/stou-file-name"],
    ),
    (
        rule(
            "STOU",
            "",
            Action::Replace("150 Opening data connection.\r\n"),
        ),
        &["rfc1123/4.1.2.9/stou-file-name"],
    ),
    (
        rule("APPE", "", Action::Rewrite("APPE", "STOR")),
        &["rfc959/5.4/appe"],
    ),
    (
        rule("APPE", "", Action::Replace("550 No such file.\r\n")),
        &["rfc959/5.4/appe", "rfc959/5.4/appe-creates"],
    ),
    (
        rule("RNTO", "", Action::Answer("200 Renamed.\r\n")),
        &[
            "rfc959/5.4/rnfr-rnto",
            "rfc959/5.4/rnto-without-rnfr-503",
            "rfc959/5.4/rnfr-interrupted",
            "rfc2640/3/utf8-rename",
        ],
    ),
    (
        rule("RNFR", "", Action::Answer("350 Ready.\r\n")),
        &["rfc959/5.4/rnfr-missing-550"],
    ),
    (
        rule("STAT", "", Action::Answer("200 ok\r\n")),
        &[
            "rfc959/5.4/stat-idle",
            "rfc959/5.4/stat-path",
            "rfc959/5.4/stat-during-transfer",
        ],
    ),
    (
        rule("SITE", "", Action::Answer("550 Permission denied.\r\n")),
        &["rfc959/5.4/site-help", "rfc959/5.4/site-unknown"],
    ),
    (
        rule("HELP", "", Action::Answer("200 ok\r\n")),
        &["rfc959/5.4/help", "rfc959/5.4/help-command"],
    ),
    (
        rule("NLST", "no-such-dir", Action::Answer("200 Nothing.\r\n")),
        &["rfc959/5.4/nlst-missing"],
    ),
    (
        rule("LIST", "no-such-dir", Action::Answer("200 Nothing.\r\n")),
        &["rfc959/5.4/list-missing"],
    ),
    (
        rule("CWD", "not-a-dir", Action::Answer("250 ok\r\n")),
        &["rfc959/5.4/cwd-file-550"],
    ),
    (
        rule("MKD", "twice", Action::Answer("257 \"twice\" created.\r\n")),
        &["rfc959/5.4/mkd-exists-550"],
    ),
    (
        rule("RMD", "never-made", Action::Answer("250 ok\r\n")),
        &["rfc959/5.4/rmd-missing-550"],
    ),
    (
        rule("RETR", "a-directory", Action::Rewrite("RETR", "LIST")),
        &["rfc959/5.4/retr-directory-550"],
    ),
    (
        rule("STOR", "no-such-dir", Action::Answer("150 ok\r\n")),
        &["rfc959/5.4/stor-missing-dir"],
    ),
    (
        rule("DELE", "not-a-file", Action::Answer("250 ok\r\n")),
        &["rfc959/5.4/dele-directory"],
    ),
    (
        rule("XPWD", "", Action::Answer("257 \"/elsewhere\"\r\n")),
        &["rfc1123/4.1.3.1/xpwd"],
    ),
    (
        rule("XCWD", "", Action::Answer("250 ok\r\n")),
        &["rfc1123/4.1.3.1/xmkd-xcwd-xcup-xrmd"],
    ),
    (
        rule(
            "MKD",
            "uote",
            Action::Replace("257 \"/q\"uote\" created.\r\n"),
        ),
        &["rfc959/appendix-2/mkd-quote-doubled"],
    ),
    (
        rule("TYPE A", "", Action::Rewrite("TYPE A", "TYPE I")),
        &[
            "rfc959/3.1.1.1/type-a-upload",
            "rfc959/3.1.1.1/type-a-download",
        ],
    ),
    (
        rule("TYPE A", "", Action::Rewrite("TYPE A", "TYPE E")),
        &[
            "rfc959/3.1.1.1/type-a-round-trip",
            "rfc959/3.1.1.1/type-a-upload",
            "rfc959/3.1.1.1/type-a-download",
        ],
    ),
    (
        rule("TYPE L 8", "", Action::Rewrite("TYPE L 8", "TYPE A")),
        &["rfc959/3.1.1.4/type-l-8"],
    ),
    (
        rule("", "", Action::Bytes(b"with  spaces", b"with__spaces")),
        &["rfc959/4.1.3/space-in-name"],
    ),
    (
        rule("", "", Action::Bytes(b"\xff\xf4", b"X")),
        &["rfc959/2.2/telnet-ip-before-command"],
    ),
    (
        rule("", "", Action::Bytes(b"\xff\xff", b"\xff\xff\xff\xff")),
        &["rfc959/2.2/iac-iac-in-pathname"],
    ),
    (
        rule(
            "FEAT",
            "",
            Action::Answer("211-Features:\r\nSIZE\r\n211 End\r\n"),
        ),
        &["rfc2389/3.2/feat-grammar", "rfc2389/3.2/feat-before-login"],
    ),
    (
        rule(
            "FEAT",
            "",
            Action::Answer("211-Features:\r\n PASV\r\n211 End\r\n"),
        ),
        &["rfc2389/3.2/feat-lists-extensions"],
    ),
    (
        rule("OPTS NOOP", "", Action::Answer("200 ok\r\n")),
        &["rfc2389/4/opts-unknown-501"],
    ),
    (
        rule("MDTM", "", Action::Answer("213 2026-12-05 11:00:00\r\n")),
        &[
            "rfc3659/3/mdtm-format",
            "rfc3659/3/mdtm-missing-550",
            "rfc3659/7.5/modify-matches-mdtm",
        ],
    ),
    (
        rule("SIZE", "", Action::Answer("213 1\r\n")),
        &["rfc3659/4/size-type-a"],
    ),
    (
        rule("REST", "", Action::Rewrite("REST 4000", "REST 0")),
        &["rfc3659/5/rest-retr", "rfc3659/5/rest-stor"],
    ),
    (
        rule(
            "MLST",
            "",
            Action::Answer("250-Listing\r\ntype=file; x\r\n250 End\r\n"),
        ),
        &[
            "rfc3659/7.2/mlst-grammar",
            "rfc3659/7.5/mlst-file-facts",
            "rfc3659/7.5/mlst-directory",
            "rfc3659/7.2/mlst-missing-550",
            "rfc3659/7.9/opts-mlst-selects",
            "rfc3659/7.5/modify-matches-mdtm",
        ],
    ),
    (
        rule(
            "MLST",
            "",
            Action::Answer("250-Listing\r\n type=file;size=3; x\r\n250 End\r\n"),
        ),
        &[
            "rfc3659/7.5/mlst-file-facts",
            "rfc3659/7.5/mlst-directory",
            "rfc3659/7.2/mlst-missing-550",
            "rfc3659/7.2/mlst-grammar",
        ],
    ),
    (
        rule("MLSD", "", Action::Rewrite("MLSD", "NLST")),
        &[
            "rfc3659/7.2/mlsd-grammar",
            "rfc3659/7.5/mlsd-types",
            "rfc3659/7.8/mlsd-starred-facts",
            "rfc3659/7.2/mlsd-file-501",
            "rfc2640/3/utf8-mlsd",
        ],
    ),
    (
        rule(
            "OPTS MLST",
            "",
            Action::Answer("200 MLST OPTS type;size;\r\n"),
        ),
        &["rfc3659/7.9/opts-mlst-selects"],
    ),
    (
        rule("OPTS UTF8", "", Action::Answer("550 No.\r\n")),
        &["rfc2640/3/opts-utf8-on"],
    ),
    (
        rule("", "", Action::Bytes(NAME.as_bytes(), b"unicode")),
        &[
            "rfc2640/3/utf8-stor-nlst-retr",
            "rfc2640/3/utf8-mkd-cwd-pwd",
            "rfc2640/3/utf8-list",
            "rfc2640/3/utf8-mlsd",
            "rfc2640/3/utf8-rename",
        ],
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_injected_flaw_fails_the_new_cases_meant_to_catch_it() {
    let server = own_server().await;
    let mut problems = Vec::new();
    for (rule, cases) in CAUGHT {
        let proxy = flaw_proxy::start(server.addr, *rule).await;
        let mut options = options(proxy, Profile::Rfc, true);
        options.name = Some("flawed".into());
        let run = run(&options, cases).await;
        let mut failed = ids_with(&run, "fail");
        failed.sort();
        let mut expected: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
        expected.sort();
        if failed != expected {
            let outcomes: Vec<String> = run
                .cases
                .iter()
                .filter(|c| c.outcome.class() != "fail")
                .map(|c| format!("  {}: {}", c.id, c.outcome.summary()))
                .collect();
            problems.push(format!(
                "{rule:?}: failed {failed:?}\n{}",
                outcomes.join("\n")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_proxy_without_a_flaw_every_new_case_passes() {
    let server = own_server().await;
    let harmless = rule("NO-SUCH-VERB", "", Action::Answer("500 no\r\n"));
    let proxy = flaw_proxy::start(server.addr, harmless).await;
    // The proxy does not pass TCP urgent data on, so the Synch before STAT never reaches the server.
    let cases: Vec<&str> = CAUGHT
        .iter()
        .flat_map(|(_, cases)| cases.iter().copied())
        .filter(|id| *id != "rfc959/5.4/stat-during-transfer")
        .collect();
    let run = run(&options(proxy, Profile::Rfc, true), &cases).await;
    let not_passed: Vec<String> = run
        .cases
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::NonStrict { .. }))
        .map(|c| format!("{}: {}", c.id, c.outcome.summary()))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:#?}");
}

/// `rfc959/5.4/server-full-421`: the scripted mock limits connections per address only, so with
/// `--max-clients 3` and the case's connections spread over loopback addresses it never says 421: the
/// case fails; our server with a limit of 4 gives the 421 and then takes a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_full_421_needs_a_server_wide_limit() {
    let case = ["rfc959/5.4/server-full-421"];
    let mock = crate::mock::start(crate::mock::Flaw::None).await;
    let mut unlimited = options(mock, Profile::Rfc, false);
    unlimited.max_clients = Some(3);
    let run_mock = run(&unlimited, &case).await;
    assert_eq!(ids_with(&run_mock, "fail"), case, "{:?}", run_mock.cases);
    let server = ftp_testkit::TestServer::start_with(|config| config.max_connections = 4).await;
    let mut limited = options(server.addr, Profile::Rfc, false);
    limited.max_clients = Some(4);
    let run_limited = run(&limited, &case).await;
    assert_eq!(
        ids_with(&run_limited, "pass"),
        case,
        "{:?}",
        run_limited.cases
    );
    let skipped = run(&options(server.addr, Profile::Rfc, false), &case).await;
    assert_eq!(ids_with(&skipped, "skip"), case);
}
