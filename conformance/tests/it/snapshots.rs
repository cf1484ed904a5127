//! Snapshots of this project's server's replies: the brief's example session and each error-code
//! dialogue, taken from the suite's own transcripts, and the wire form of the informational replies
//! (FEAT, HELP, MLST, STAT). Every snapshot goes through [`assert_dialogue!`],
//! the one redaction helper, so that addresses, ports, byte counts and names that change from run to
//! run never show; a changed reply shows as a snapshot diff.

use ftp_conformance::target::Profile;
use rstest::rstest;

use crate::support::{options, own_server, run};
use ftp_testkit::TestServer;

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
                (r"unique=[0-9a-f]+U[0-9a-f]+;", "unique=[UNIQUE];"),
                // Owner and group of `ls -l` lines (STAT), which depend on who runs the tests.
                (r"( [-dl][rwx-]{9} +\d+) \d+ +\d+ ", "$1 [UID] [GID] "),
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

/// The exact wire form of informational replies, each after the line that asked for it.
#[rstest]
#[case::feat("feat", &["FEAT"])]
#[case::help("help", &["HELP", "HELP stor", "SITE HELP"])]
#[case::mlst("mlst", &["MLST pub/notes.txt", "OPTS MLST type;size;", "MLST pub", "MLST"])]
#[case::stat("stat", &["STAT", "STAT pub/notes.txt", "STAT missing"])]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informational_replies_of_the_project_server(#[case] name: &str, #[case] lines: &[&str]) {
    let server = own_server().await;
    prepare_tree(&server);
    let mut control = server.login().await;
    let mut transcript = Vec::new();
    for line in lines {
        control.send(line).await;
        let (_, wire) = control.reply_and_wire().await;
        transcript.push(format!("C> {line}"));
        transcript.extend(
            String::from_utf8(wire)
                .unwrap()
                .lines()
                .map(|reply| format!("S> {reply}")),
        );
    }
    assert_dialogue!(format!("replies__{name}"), transcript);
}

/// `pub/notes.txt`, 26 bytes, mode 644, modified 2017-10-13 12:34:56.250 UTC.
fn prepare_tree(server: &TestServer) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir(server.path("pub")).unwrap();
    std::fs::set_permissions(server.path("pub"), PermissionsExt::from_mode(0o755)).unwrap();
    server.write("pub/notes.txt", b"Notes for the snapshots.\r\n");
    let notes = std::fs::File::options()
        .write(true)
        .open(server.path("pub/notes.txt"))
        .unwrap();
    let modified = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_507_898_096_250);
    notes.set_modified(modified).unwrap();
    notes
        .set_permissions(PermissionsExt::from_mode(0o644))
        .unwrap();
}
