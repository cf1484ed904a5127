//! Snapshots of this project's server's replies: the brief's example session and each error-code
//! dialogue, taken from the suite's own transcripts. Every snapshot goes through [`assert_dialogue!`],
//! the one redaction helper, so that addresses, ports, byte counts and names that change from run to
//! run never show; a changed reply shows as a snapshot diff.

use ftp_conformance::target::Profile;
use rstest::rstest;

use crate::support::{options, own_server, run};

/// Snapshots a transcript with the project's redactions.
macro_rules! assert_dialogue {
    ($name:expr, $lines:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"\d+\.\d+\.\d+\.\d+:\d+", "[ADDR]"),
                (r"\(\d+,\d+,\d+,\d+,\d+,\d+\)", "([PASV])"),
                (r"PORT \d+,\d+,\d+,\d+,\d+,\d+", "PORT [PORT]"),
                (r"\|1\|[0-9.]+\|\d+\|", "|1|[EPRT]|"),
                (r"\|\|\|\d+\|", "|||[EPSV]|"),
                (r"ftp-conformance-\d+-\d+", "[SCRATCH]"),
                (r"/c\d+-", "/[CASE]-"),
                (r"read \d+ bytes", "read [BYTES] bytes"),
                (r"was \d+ bytes", "was [BYTES] bytes"),
                (r"/tmp/\S+/fault\.bin", "[ROOT]/fault.bin"),
                (r"\d+\.\d+ MB/s", "[RATE]"),
                (r"\d{14}", "[TIME]"),
            ],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $lines.join("\n"));
        });
    };
}

/// One test per dialogue, so that one changed reply does not hide the others.
#[rstest]
#[case::example_session("brief/example-session")]
#[case::pass_without_user("rfc959/4.1.1/pass-without-user-503")]
#[case::commands_before_login("rfc959/4.1.1/commands-before-login-530")]
#[case::unknown_command("rfc959/5.3/unknown-command-500")]
#[case::port_syntax("rfc959/4.1.2/port-syntax-501")]
#[case::no_port_pasv("brief/425-no-port-pasv")]
#[case::port_closed("rfc959/5.4/425-port-closed")]
#[case::reuse_after_transfer("brief/425-reuse-after-transfer")]
#[case::client_closes("rfc959/5.4/426-client-closes")]
#[case::read_failure("brief/451-read-failure")]
#[case::abor_mid_transfer("rfc959/4.1.3/abor-mid-transfer")]
#[case::port_bounce("rfc2577/3/port-bounce")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialogue_of_the_project_server(#[case] id: &str) {
    let server = own_server().await;
    let mut options = options(server.addr, Profile::Brief, false);
    options.fault_file = Some(server.root.path().join("fault.bin"));
    let run = run(&options, &[id]).await;
    let [case] = run.cases.as_slice() else {
        panic!("{id}: expected one case, got {}", run.cases.len());
    };
    assert_eq!(
        case.outcome.class(),
        "pass",
        "{}: {:?}",
        case.id,
        case.outcome
    );
    // Lines of the stalled transfers' byte counts and the big upload are not the dialogue.
    let lines: Vec<String> = case
        .transcript
        .iter()
        .filter(|l| !l.starts_with("big-upload"))
        .cloned()
        .collect();
    assert_dialogue!(case.id.replace('/', "__"), lines);
}
