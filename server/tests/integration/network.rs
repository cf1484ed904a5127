//! IPv6 and NAT: a server on `::1` (EPSV and EPRT carry the data, PASV is refused, EPSV ALL holds),
//! `::` taking IPv4 and IPv6 clients, and passive ports taken from `--pasv-ports`, end to end.

use std::net::{Ipv6Addr, SocketAddr, TcpListener as StdListener};

use ftp_proto::hostport;
use ftp_server::PortRange;
use ftp_testkit::{accept, read_to_end, Control, TestServer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Whether this machine has `::1` (checked by binding it); the IPv6 tests need it.
fn has_ipv6_loopback() -> bool {
    let available = StdListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok();
    if !available {
        eprintln!("skipped: this machine has no ::1");
    }
    available
}

async fn login_at(addr: SocketAddr) -> Control {
    let mut control = Control::connect(addr).await;
    assert_eq!(control.reply().await.code, 220);
    control.expect("USER anonymous", 331).await;
    control.expect("PASS me@example.com", 230).await;
    control
}

/// EPSV, then a connection to the announced port on `ip`.
async fn epsv(control: &mut Control, ip: std::net::IpAddr) -> TcpStream {
    let reply = control.expect("EPSV", 229).await;
    let port = hostport::decode_epsv_reply(&reply.text()).unwrap();
    TcpStream::connect(SocketAddr::new(ip, port)).await.unwrap()
}

#[tokio::test]
async fn over_ipv6_epsv_and_eprt_carry_the_data_and_pasv_is_refused() {
    if !has_ipv6_loopback() {
        return;
    }
    let server = TestServer::start_on("[::1]:0", |_| {}).await;
    assert!(server.addr.is_ipv6());
    server.write("hello.txt", b"hello over IPv6");
    let mut control = login_at(server.addr).await;
    let refusal = control.expect("PASV", 425).await;
    assert!(refusal.text().contains("EPSV"), "{refusal:?}");

    let mut data = epsv(&mut control, Ipv6Addr::LOCALHOST.into()).await;
    control.expect("RETR hello.txt", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"hello over IPv6");
    control.expect_reply(226).await;

    let listener = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    control.expect(&format!("EPRT |2|::1|{port}|"), 200).await;
    control.expect("STOR up.txt", 150).await;
    let mut data = accept(&listener).await;
    data.write_all(b"uploaded over IPv6").await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert_eq!(
        std::fs::read(server.path("up.txt")).unwrap(),
        b"uploaded over IPv6"
    );
    // An IPv4 EPRT from an IPv6 client names an address that is not the client's.
    control
        .expect(&format!("EPRT |1|127.0.0.1|{port}|"), 500)
        .await;

    control.expect("EPSV ALL", 200).await;
    control.expect("PASV", 503).await;
    control.expect(&format!("EPRT |2|::1|{port}|"), 503).await;
    let mut data = epsv(&mut control, Ipv6Addr::LOCALHOST.into()).await;
    control.expect("NLST", 150).await;
    let names = String::from_utf8(read_to_end(&mut data).await).unwrap();
    assert!(names.contains("up.txt"), "{names}");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn bound_to_every_address_it_serves_ipv4_and_ipv6_clients() {
    if !has_ipv6_loopback() {
        return;
    }
    let server = TestServer::start_on("[::]:0", |_| {}).await;
    server.write("hello.txt", b"hello");
    let port = server.addr.port();

    let mut v4 = login_at(SocketAddr::from(([127, 0, 0, 1], port))).await;
    let reply = v4.expect("PASV", 227).await;
    let announced = hostport::decode_pasv_reply(&reply.text()).unwrap();
    assert_eq!(announced.ip().octets(), [127, 0, 0, 1], "{reply:?}");
    let mut data = TcpStream::connect(announced).await.unwrap();
    v4.expect("RETR hello.txt", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"hello");
    v4.expect_reply(226).await;

    let mut v6 = login_at(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await;
    v6.expect("PASV", 425).await;
    let mut data = epsv(&mut v6, Ipv6Addr::LOCALHOST.into()).await;
    v6.expect("RETR hello.txt", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"hello");
    v6.expect_reply(226).await;
}

#[tokio::test]
async fn passive_ports_come_from_the_configured_range_end_to_end() {
    // A range starting at a port the system just had free: no fixed port numbers.
    let low = StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .min(65_535 - 20);
    let range = PortRange {
        low,
        high: low + 20,
    };
    let server = TestServer::start_with(|config| config.pasv_ports = Some(range)).await;
    server.write("hello.txt", b"hello");
    let mut control = server.login().await;
    for _ in 0..3 {
        let reply = control.expect("PASV", 227).await;
        let announced = hostport::decode_pasv_reply(&reply.text()).unwrap();
        assert!(
            (range.low..=range.high).contains(&announced.port()),
            "{announced} outside {range:?}"
        );
        let mut data = TcpStream::connect(announced).await.unwrap();
        control.expect("RETR hello.txt", 150).await;
        assert_eq!(read_to_end(&mut data).await, b"hello");
        control.expect_reply(226).await;
        let reply = control.expect("EPSV", 229).await;
        let port = hostport::decode_epsv_reply(&reply.text()).unwrap();
        assert!((range.low..=range.high).contains(&port), "{port}");
        control.expect("ABOR", 225).await;
    }
}

#[tokio::test]
async fn pasv_announces_the_configured_address() {
    let server = TestServer::start_with(|config| {
        config.pasv_address = Some("192.0.2.7".parse().unwrap());
    })
    .await;
    let mut control = server.login().await;
    let reply = control.expect("PASV", 227).await;
    let announced = hostport::decode_pasv_reply(&reply.text()).unwrap();
    assert_eq!(announced.ip().octets(), [192, 0, 2, 7]);
}

/// RFC 2428 §3: EPSV naming a network protocol the server does not support gets 522 with the list of
/// those it does, as EPRT does (it was 504 before); a non-number is a syntax error.
#[tokio::test]
async fn epsv_with_an_unknown_network_protocol_gets_522_and_the_list() {
    let server = TestServer::start().await;
    let mut control = login_at(server.addr).await;
    let reply = control.expect("EPSV 3", 522).await;
    assert!(reply.text().contains("(1,2)"), "{reply:?}");
    control.expect("EPSV now", 501).await;
    control.expect("EPSV 1", 229).await;
}
