//! Property tests: the shared host-port codec round-trips, no 227 text panics the decoder, and random
//! sequences of PASV/PORT against the real server always leave exactly one connectable, one-shot channel.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use ftp_conformance::conn::{Control, Transcript};
use ftp_conformance::data::{self, End, Mode};
use ftp_proto::{hostport, Command, ListingArg};
use proptest::prelude::*;

proptest! {
    #[test]
    fn port_and_pasv_round_trip(ip in any::<[u8; 4]>(), port in any::<u16>()) {
        let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
        prop_assert_eq!(hostport::decode_port(&hostport::encode_port(addr)), Ok(addr));
        prop_assert_eq!(hostport::decode_pasv_reply(&hostport::pasv_reply_text(addr)), Ok(addr));
    }

    /// Every port a connection can use: the extended codec refuses port 0 (`ftp_proto::hostport`'s own
    /// tests), and proptest drew it now and then.
    #[test]
    fn eprt_and_epsv_round_trip(v4 in any::<[u8; 4]>(), v6 in any::<[u16; 8]>(), port in 1..=u16::MAX) {
        for addr in [SocketAddr::from((Ipv4Addr::from(v4), port)), SocketAddr::from((Ipv6Addr::from(v6), port))] {
            prop_assert_eq!(hostport::decode_eprt(&hostport::encode_eprt(addr)), Ok(addr));
        }
        prop_assert_eq!(hostport::decode_epsv_reply(&hostport::epsv_reply_text(port)), Ok(port));
    }

    #[test]
    fn no_227_text_panics_the_decoder(text in any::<String>(), digits in "[0-9, ()]{0,40}") {
        let _ = hostport::decode_pasv_reply(&text);
        let _ = hostport::decode_pasv_reply(&format!("Entering Passive Mode ({digits})"));
        let _ = hostport::decode_epsv_reply(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever PASV/PORT sequence came before, the last one is the channel: it connects and carries
    /// the listing, and a second NLST without a new PASV/PORT gets 425.
    #[test]
    fn last_pasv_or_port_wins_and_is_one_shot(sequence in prop::collection::vec(any::<bool>(), 1..5)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(check_sequence(&sequence));
    }
}

async fn check_sequence(sequence: &[bool]) {
    let server = crate::support::own_server().await;
    let transcript = Transcript::default();
    let mut control = Control::connect(
        server.addr,
        "c1",
        transcript.clone(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    control.reply().await.unwrap();
    control.login("anonymous", "x@example.com").await.unwrap();
    let mut last = None;
    for passive in sequence {
        let mode = if *passive {
            Mode::Passive
        } else {
            Mode::Active
        };
        last = Some(data::prepare(&mut control, mode, false).await.unwrap());
    }
    let prepared = last.unwrap();
    let passive_addr = match &prepared {
        data::Prepared::Passive(addr) => Some(*addr),
        data::Prepared::Active(_) => None,
    };
    let mut early = match passive_addr {
        Some(addr) => Some(
            data::connect(
                addr,
                data::ConnectOptions::new("c1-data", transcript.clone(), Duration::from_secs(10)),
            )
            .await
            .unwrap(),
        ),
        None => None,
    };
    let reply = control
        .cmd(&Command::Nlst(ListingArg::default()))
        .await
        .unwrap();
    assert_eq!(reply.code, 150, "{:?}", transcript.lines());
    let mut stream = match early.take() {
        Some(stream) => stream,
        None => prepared.open(&control, false).await.unwrap(),
    };
    let (_, end) = stream.read_to_end(1 << 20, Duration::from_secs(10)).await;
    assert_eq!(end, End::Eof);
    assert_eq!(control.reply().await.unwrap().code, 226);
    assert_eq!(
        control
            .cmd(&Command::Nlst(ListingArg::default()))
            .await
            .unwrap()
            .code,
        425,
        "one-shot: {:?}",
        transcript.lines()
    );
}
