//! Test support: this project's server in-process (from `ftp-testkit`), and running the suite (the
//! library, in-process) against an address.

use std::net::SocketAddr;
use std::time::Duration;

use ftp_conformance::report::Run;
use ftp_conformance::runner;
use ftp_conformance::target::{Options, Profile};
use ftp_testkit::TestServer;

/// Starts `ftp-server`, writable, named `test.example`.
pub async fn own_server() -> TestServer {
    TestServer::start_with(|config| {
        // The welcome names the host by default; snapshots must not depend on the machine.
        config.welcome = ftp_server::config::default_welcome("test.example");
    })
    .await
}

/// Starts `ftp-server` on `root`, bound to `bind` (`127.0.0.1:0`, `[::1]:0`), writable or not, with
/// the server's defaults otherwise; it runs until the test's runtime ends.
pub async fn serve(root: &std::path::Path, bind: &str, writable: bool) -> SocketAddr {
    let mut config = ftp_server::Config::new(root);
    config.writable = writable;
    let server = ftp_server::Server::bind(bind.parse().unwrap(), config)
        .await
        .expect("the test's loopback address can be bound");
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run(std::future::pending::<()>()));
    addr
}

/// Options for a run against `addr`.
pub fn options(addr: SocketAddr, profile: Profile, strict: bool) -> Options {
    Options {
        url: format!("ftp://127.0.0.1:{}/", addr.port()),
        name: Some("under-test".into()),
        profile,
        strict,
        case_timeout: Duration::from_secs(30),
        retr_file: None,
        fault_file: None,
        fault_remote: None,
        max_per_ip: None,
        max_clients: None,
        outside_link: None,
        outside_file: None,
        tls: None,
        repeat: 1,
    }
}

/// Runs the cases matching `globs` (all selected by level when empty).
pub async fn run(options: &Options, globs: &[&str]) -> Run {
    runner::run_suite(
        options,
        globs.iter().map(|g| g.to_string()).collect(),
        4,
        &mut runner::Silent,
    )
    .await
    .unwrap()
}

/// The ids of cases with the given outcome class.
pub fn ids_with(run: &Run, class: &str) -> Vec<String> {
    run.cases
        .iter()
        .filter(|c| c.outcome.class() == class)
        .map(|c| c.id.clone())
        .collect()
}

/// The failures of `run` that are not known deviations of `server`, each with its transcript.
pub fn unlisted(run: &Run, server: &str) -> Vec<String> {
    let known =
        ftp_conformance::deviations::parse(include_str!("../../known-deviations.toml")).unwrap();
    run.cases
        .iter()
        .filter(|c| {
            c.outcome.is_failure()
                && ftp_conformance::deviations::find(&known, server, &c.id).is_none()
        })
        .map(|c| format!("{}: {:?}\n{}", c.id, c.outcome, c.transcript.join("\n")))
        .collect()
}
