//! `rfc959/3.2/default-data-port` (information): a server that connects from its port L-1 to the
//! client's control port passes, one that answers 425 (the flawless mock, and this project's server,
//! as the brief requires) is non-strict, one that connects from another port fails. Also the mock's
//! helper that reserves L-1.

use ftp_conformance::target::Profile;
use tokio::net::{TcpListener, TcpSocket};

use crate::mock::{self, Flaw};
use crate::support::{ids_with, options, own_server, run};

const CASE: &str = "rfc959/3.2/default-data-port";

/// A control listener on 127.0.0.1:L with a socket bound to L-1 (SO_REUSEADDR, so that it can connect
/// while the port's earlier connections linger), for a mock that uses the default data port. Tries
/// ports until L-1 is free (bounded).
pub async fn listener_and_port_below() -> (TcpListener, TcpSocket) {
    for _ in 0..64 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut below = listener.local_addr().unwrap();
        below.set_port(below.port() - 1);
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        if socket.bind(below).is_ok() {
            return (listener, socket);
        }
    }
    panic!("no port L with L-1 free in 64 tries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_data_port_passes_425_is_non_strict_another_port_fails() {
    for (flaw, class) in [
        (Flaw::DefaultDataPort, "pass"),
        (Flaw::None, "non-strict"),
        (Flaw::DefaultDataPortFromAnyPort, "fail"),
    ] {
        let addr = mock::start(flaw).await;
        let result = run(&options(addr, Profile::Rfc, true), &[CASE]).await;
        assert_eq!(
            ids_with(&result, class),
            vec![CASE],
            "{flaw:?}: {:?}",
            result.cases[0]
        );
    }
    let server = own_server().await;
    let result = run(&options(server.addr, Profile::Rfc, true), &[CASE]).await;
    assert_eq!(
        ids_with(&result, "non-strict"),
        vec![CASE],
        "{:?}",
        result.cases[0]
    );
}
