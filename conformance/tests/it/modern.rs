//! The FTPS, certificate, RFC 2428 and outside-link cases can fail: each flaw of the modern mock makes the case meant
//! to catch it fail, and the flawless mock passes the same case. This project's server passes them all
//! for real, over explicit and implicit FTPS (in [`the_project_server_passes_over_ftps`]).

use ftp_conformance::report::Run;
use ftp_conformance::runner;
use ftp_conformance::target::{Profile, TlsOptions};
use ftp_conformance::tls::TlsMode;
use ftp_testkit::{TestPki, TestServer};

use crate::modern_mock::{self, Flaw};
use crate::support::{ids_with, options};

/// How a mock run is set up: TLS or not, TLS required, strict.
#[derive(Clone, Copy)]
struct Setup {
    tls: bool,
    required: bool,
    strict: bool,
}

const PLAIN: Setup = Setup {
    tls: false,
    required: false,
    strict: true,
};
const TLS: Setup = Setup {
    tls: true,
    required: false,
    strict: true,
};
const TLS_REQUIRED: Setup = Setup {
    tls: true,
    required: true,
    strict: true,
};

fn tls_options(mode: TlsMode, required: bool) -> TlsOptions {
    TlsOptions {
        mode,
        ca_file: None,
        insecure: true,
        required,
    }
}

async fn against_mock(flaw: Flaw, setup: Setup, case: &str) -> Run {
    against_mock_with(&TestPki::new(), flaw, setup, case).await
}

/// Like [`against_mock`], the mock presenting `pki`'s certificate.
async fn against_mock_with(pki: &TestPki, flaw: Flaw, setup: Setup, case: &str) -> Run {
    let addr = modern_mock::start(flaw, pki, setup.required).await;
    let mut options = options(addr, Profile::Rfc, setup.strict);
    // Flaws that leave the suite waiting (a TLS handshake nobody answers) cost a reply timeout, a
    // quarter of this; the mock answers at once otherwise.
    options.case_timeout = std::time::Duration::from_secs(8);
    // A named account, for the user-enumeration case (the mock takes any password).
    options.url = format!("ftp://alice:secret@127.0.0.1:{}/", addr.port());
    options.outside_link = Some(modern_mock::LINK.into());
    options.outside_file = Some(modern_mock::FILE.into());
    if setup.tls {
        options.tls = Some(tls_options(TlsMode::Explicit, setup.required));
    }
    runner::run_suite(&options, vec![case.into()], 2, &mut runner::Silent)
        .await
        .unwrap()
}

/// Each flaw, how to run against it, and the case that must catch it.
const CAUGHT: &[(Flaw, Setup, &str)] = &[
    (
        Flaw::AcceptsAnyMechanism,
        PLAIN,
        "rfc4217/4/auth-unknown-504",
    ),
    (Flaw::ProtWithoutPbsz, TLS, "rfc4217/9/prot-before-pbsz-503"),
    (Flaw::AcceptsProtS, TLS, "rfc4217/9/prot-s-e-536"),
    (
        Flaw::UserWithoutTls,
        TLS_REQUIRED,
        "rfc4217/4/user-before-auth-refused",
    ),
    (Flaw::CccOdd, TLS, "rfc4217/5/ccc-reply"),
    (Flaw::FeatWithoutTls, TLS, "rfc4217/6/feat-lists-tls"),
    (Flaw::EpsvAllIgnored, PLAIN, "rfc2428/4/epsv-all"),
    (Flaw::Bare522, PLAIN, "rfc2428/2/eprt-522-lists-protocols"),
    (
        Flaw::Epsv9Served,
        PLAIN,
        "rfc2428/3/epsv-unknown-protocol-522",
    ),
    (Flaw::EprtSyntaxAccepted, PLAIN, "rfc2428/2/eprt-syntax-501"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-mdtm"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-mlst"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-mkd"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-stat"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-rnto"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-nlst"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-mlsd"),
    (Flaw::FollowsLink, PLAIN, "rfc2577/9/outside-link-appe"),
    (Flaw::BounceAccepted, PLAIN, "rfc2428/2/eprt-bounce"),
    (
        Flaw::PlaintextAfterHandshake,
        TLS,
        "rfc4217/4/plaintext-after-handshake",
    ),
    (
        Flaw::ClearDataOverPort,
        TLS,
        "rfc4217/7/prot-p-active-round-trip",
    ),
    (
        Flaw::SecurityBeforeAuth,
        TLS,
        "rfc4217/9/pbsz-before-auth-503",
    ),
    (
        Flaw::SecurityBeforeAuth,
        TLS,
        "rfc4217/9/prot-before-auth-503",
    ),
    (
        Flaw::TellsUnknownUsers,
        PLAIN,
        "rfc2577/7/no-user-enumeration",
    ),
    (
        Flaw::ClearDataUnderProtP,
        TLS,
        "rfc4217/9/prot-p-data-is-tls",
    ),
    (Flaw::NoCloseNotify, TLS, "rfc4217/10.2/close-notify"),
    (Flaw::NoResumption, TLS, "rfc4217/10.2/data-resumes-session"),
    (Flaw::TlsUnderProtC, TLS, "rfc4217/9/prot-c-data-is-clear"),
    (
        Flaw::ClearDataUnderProtP,
        TLS,
        "rfc4217/9/prot-p-round-trip",
    ),
];

#[tokio::test]
async fn each_flaw_fails_its_case_and_the_flawless_mock_passes_it() {
    for (flaw, setup, case) in CAUGHT {
        // The auth-unknown case needs a TLS target to run; the mock offers TLS either way.
        let setup = if case.starts_with("rfc4217/") && !setup.tls {
            TLS
        } else {
            *setup
        };
        let flawed = against_mock(*flaw, setup, case).await;
        assert_eq!(
            ids_with(&flawed, "fail"),
            vec![case.to_string()],
            "{flaw:?}: {:?}",
            flawed.cases[0]
        );
        let flawless = against_mock(Flaw::None, setup, case).await;
        assert_eq!(
            ids_with(&flawless, "pass"),
            vec![case.to_string()],
            "{:?}",
            flawless.cases[0]
        );
    }
}

/// `rfc4217/6/feat-lists-tls`: AUTH, PBSZ and PROT in FEAT are a MUST, and an AUTH line that names
/// TLS only a "should": a server whose AUTH line names only SSL is non-strict, not a failure.
#[tokio::test]
async fn feat_naming_auth_without_tls_is_non_strict() {
    let case = "rfc4217/6/feat-lists-tls";
    let run = against_mock(Flaw::FeatAuthSslOnly, TLS, case).await;
    assert_eq!(
        ids_with(&run, "non-strict"),
        vec![case],
        "{:?}",
        run.cases[0]
    );
}

/// `rfc4217/10.2/fresh-session-refused` is information: a server that takes a data connection with a
/// fresh TLS session is legal (non-strict), one that refuses it with 522 passes, one that refuses it
/// with a code outside NLST's row (550) fails. The policy costs nothing on resumed connections.
#[tokio::test]
async fn a_fresh_data_session_accepted_is_non_strict_refused_passes_and_a_wrong_code_fails() {
    let case = "rfc4217/10.2/fresh-session-refused";
    for (flaw, class) in [
        (Flaw::None, "non-strict"),
        (Flaw::RequiresResumption, "pass"),
        (Flaw::RefusesFreshSessionWith550, "fail"),
    ] {
        let run = against_mock(flaw, TLS, case).await;
        assert_eq!(
            ids_with(&run, class),
            vec![case],
            "{flaw:?}: {:?}",
            run.cases[0]
        );
    }
    let resumed = against_mock(Flaw::RequiresResumption, TLS, "rfc4217/9/prot-p-round-trip").await;
    assert_eq!(
        ids_with(&resumed, "pass").len(),
        1,
        "{:?}",
        resumed.cases[0]
    );
}

/// A self-signed server certificate for `names`, valid from `from` to `to` (years, January 1st).
fn pki_with_leaf(names: &[&str], from: i32, to: i32) -> TestPki {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = params.self_signed(&key).unwrap();
    let mut pki = TestPki::new();
    pki.cert_pem = leaf.pem();
    pki.key_pem = key.serialize_pem();
    pki
}

/// The certificate cases (under `--insecure`, so that the handshake lets any certificate through): an
/// expired one fails the report, one for another name fails names-match-host; the test PKI's
/// certificate (for `localhost` and `127.0.0.1`, valid now) passes both.
#[tokio::test]
async fn an_expired_or_misnamed_certificate_fails_its_case() {
    let (report, names) = ("rfc4217/cert/report", "rfc4217/cert/names-match-host");
    let expired = pki_with_leaf(&["127.0.0.1"], 2000, 2001);
    let elsewhere = pki_with_leaf(&["elsewhere.example"], 2020, 4000);
    for (pki, case, class) in [
        (&expired, report, "fail"),
        (&expired, names, "pass"),
        (&elsewhere, names, "fail"),
        (&elsewhere, report, "pass"),
        (&TestPki::new(), report, "pass"),
        (&TestPki::new(), names, "pass"),
    ] {
        let run = against_mock_with(pki, Flaw::None, TLS, case).await;
        assert_eq!(ids_with(&run, class), vec![case], "{:?}", run.cases[0]);
    }
}

#[tokio::test]
async fn a_234_without_a_handshake_stops_the_run_with_the_reason() {
    let pki = TestPki::new();
    let addr = modern_mock::start(Flaw::AuthWithoutHandshake, &pki, false).await;
    let mut options = options(addr, Profile::Rfc, false);
    options.tls = Some(tls_options(TlsMode::Explicit, false));
    let error = runner::run_suite(&options, vec![], 2, &mut runner::Silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("handshake"), "{error}");
}

/// Runs every case against our server with TLS (required for everyone) in `mode`; every failure
/// must be a listed deviation of `ftp-server`, and only the operator-option cases may skip.
async fn passes_over(mode: TlsMode) {
    let pki = TestPki::new();
    let server = TestServer::start_tls(&pki, |tls| {
        tls.require_tls = true;
        tls.require_tls_anonymous = true;
        tls.implicit_port = Some(0);
    })
    .await;
    let addr = match mode {
        TlsMode::Explicit => server.addr,
        TlsMode::Implicit => server.implicit_tls.unwrap(),
    };
    let mut options = options(addr, Profile::Brief, true);
    options.name = Some("ftp-server".into());
    options.tls = Some(tls_options(mode, true));
    let run = runner::run_suite(&options, vec![], 4, &mut runner::Silent)
        .await
        .unwrap();
    let unlisted = crate::support::unlisted(&run, "ftp-server");
    assert!(unlisted.is_empty(), "{}", unlisted.join("\n\n"));
    let operator_only = [
        "rfc959/5.4/read-failure",
        "brief/451-read-failure",
        "rfc2577/5/per-address-limit-421",
        "rfc959/5.4/server-full-421",
        "rfc2577/9/",
        // Needs a named account; the test server logs in anonymously.
        "rfc2577/7/",
    ];
    let skipped: Vec<String> = ids_with(&run, "skip")
        .into_iter()
        .filter(|id| !operator_only.iter().any(|prefix| id.starts_with(prefix)))
        // Implicit FTPS has no before-AUTH: the AUTH and PBSZ/PROT-order cases skip there.
        .filter(|id| {
            mode == TlsMode::Explicit
                || !(id.starts_with("rfc4217/4/")
                    || id.starts_with("rfc4217/9/prot-before")
                    || id.starts_with("rfc4217/9/pbsz-before"))
        })
        .collect();
    assert_eq!(skipped, Vec::<String>::new());
    assert!(ids_with(&run, "pass")
        .iter()
        .any(|id| id == "rfc4217/10.2/fresh-session-refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_server_passes_over_ftps() {
    passes_over(TlsMode::Explicit).await;
    passes_over(TlsMode::Implicit).await;
}

/// The numbers of a data connection's `TLS 1.3 tickets: C from the control connection, D from data
/// connections, U used, L left` transcript line.
fn ticket_counts(line: &str) -> Option<[usize; 4]> {
    let counts = line.split("TLS 1.3 tickets: ").nth(1)?;
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .filter_map(|n| n.parse().ok())
        .collect();
    numbers.get(..4)?.try_into().ok()
}

/// Regression test for the proftpd-tls 425s on the third data connection: every TLS 1.3 data
/// connection's transcript line says how many tickets the session got and used, so a data connection
/// that had none left to resume with shows it. Our server sends its tickets on the control connection
/// and none on upload connections, as proftpd does: STOR, APPE and RETR spend three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tls13_data_connection_shows_the_tickets_spent() {
    let pki = TestPki::new();
    let server = TestServer::start_tls(&pki, |_| {}).await;
    let mut options = options(server.addr, Profile::Rfc, true);
    options.tls = Some(tls_options(TlsMode::Explicit, false));
    let run = runner::run_suite(
        &options,
        vec!["rfc959/5.4/appe".into()],
        1,
        &mut runner::Silent,
    )
    .await
    .unwrap();
    let case = &run.cases[0];
    let counts: Vec<[usize; 4]> = case
        .transcript
        .iter()
        .filter(|line| line.contains("-data: TLS handshake done (TLSv1_3"))
        .filter_map(|line| ticket_counts(line))
        .collect();
    assert_eq!(counts.len(), 3, "{:#?}", case.transcript);
    for (n, [control, data, used, left]) in counts.into_iter().enumerate() {
        assert!(control >= 3, "{control} tickets on the control connection");
        assert_eq!((data, used), (0, n + 1), "{:#?}", case.transcript);
        assert_eq!(left, control - used);
    }
}
