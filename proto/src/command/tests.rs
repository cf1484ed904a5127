use std::net::{SocketAddr, SocketAddrV4};

use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn listing(options: &[u8], path: Option<&[u8]>) -> ListingArg {
    ListingArg {
        options: options.to_vec(),
        path: path.map(PathArg::from),
    }
}

#[rstest]
#[case(b"USER anonymous", Command::User("anonymous".into()))]
#[case(b"user anonymous", Command::User("anonymous".into()))]
#[case(b"PASS", Command::Pass(Password::default()))]
#[case(b"PASS secret word", Command::Pass("secret word".into()))]
#[case(b"SySt", Command::Syst)]
#[case(b"TYPE I", Command::Type(TransferType::Image))]
#[case(b"type a n", Command::Type(TransferType::Ascii))]
#[case(b"TYPE L 8", Command::Type(TransferType::Image))]
#[case(b"PORT 127,0,0,1,4,1", Command::Port("127.0.0.1:1025".parse().unwrap()))]
#[case(b"EPRT |1|127.0.0.1|1025|", Command::Eprt("127.0.0.1:1025".parse().unwrap()))]
#[case(b"EPSV ALL", Command::Epsv(EpsvArg::All))]
#[case(b"RETR my file.txt", Command::Retr(PathArg(b"my file.txt".to_vec())))]
#[case(b"RETR caf\xe9", Command::Retr(PathArg(b"caf\xe9".to_vec())))]
#[case(b"LIST", Command::List(listing(b"", None)))]
#[case(b"LIST -la", Command::List(listing(b"-la", None)))]
#[case(b"NLST -l pub", Command::Nlst(listing(b"-l", Some(b"pub"))))]
#[case(b"XPWD", Command::Pwd)]
#[case(b"REST 100", Command::Rest(100))]
#[case(b"\xff\xf4\xffABOR", Command::Abor)]
#[case(b"AUTH TLS", Command::Auth(AuthMechanism::Tls))]
#[case(b"auth tls-c", Command::Auth(AuthMechanism::Tls))]
#[case(b"AUTH SSL", Command::Auth(AuthMechanism::Ssl))]
#[case(b"AUTH kerberos_v4", Command::Auth(AuthMechanism::Other("KERBEROS_V4".into())))]
#[case(b"PBSZ 0", Command::Pbsz(0))]
#[case(b"PROT P", Command::Prot(ProtectionLevel::Private))]
#[case(b"prot c", Command::Prot(ProtectionLevel::Clear))]
#[case(b"PROT E", Command::Prot(ProtectionLevel::Confidential))]
#[case(b"CCC", Command::Ccc)]
#[case(b"HELP", Command::Help(None))]
#[case(b"help retr", Command::Help(Some("retr".into())))]
#[case(b"REIN", Command::Rein)]
#[case(b"STOU", Command::Stou)]
#[case(b"STOU hint.txt", Command::Stou)]
#[case(b"APPE log.txt", Command::Appe("log.txt".into()))]
#[case(b"MLSD", Command::Mlsd(None))]
#[case(b"MLSD pub", Command::Mlsd(Some("pub".into())))]
#[case(b"mlst a b", Command::Mlst(Some("a b".into())))]
#[case(b"STAT", Command::Stat(None))]
#[case(b"STAT -la pub", Command::Stat(Some(listing(b"-la", Some(b"pub")))))]
#[case(b"SITE HELP", Command::Site(SiteCommand::Help))]
#[case(b"site chmod 644 my file", Command::Site(SiteCommand::Chmod { mode: 0o644, path: "my file".into() }))]
#[case(b"SITE CHMOD 0755 d", Command::Site(SiteCommand::Chmod { mode: 0o755, path: "d".into() }))]
fn parses(#[case] line: &[u8], #[case] expected: Command) {
    assert_eq!(Command::parse(line), Ok(expected));
}

#[test]
fn listing_options_say_whether_dot_files_show() {
    assert!(!listing(b"", None).all());
    assert!(listing(b"-la", None).all());
    assert!(!listing(b"-l", Some(b"pub")).all());
}

#[rstest]
#[case(b"", 500)]
#[case(b"   ", 500)]
#[case(b"FROB", 500)]
#[case(b"\xc3\x28", 500)]
#[case(b"ACCT x", 502)]
#[case(b"SMNT x", 502)]
#[case(b"REIN now", 501)]
#[case(b"APPE", 501)]
#[case(b"SITE", 501)]
#[case(b"SITE FROB", 501)]
#[case(b"SITE CHMOD", 501)]
#[case(b"SITE CHMOD 644", 501)]
#[case(b"SITE CHMOD 4755 x", 501)]
#[case(b"SITE CHMOD 9 x", 501)]
#[case(b"SITE CHMOD rwx x", 501)]
#[case(b"MLSD a\0b", 501)]
#[case(b"USER", 501)]
#[case(b"TYPE", 501)]
#[case(b"TYPE X", 504)]
#[case(b"TYPE E", 504)]
#[case(b"MODE B", 504)]
#[case(b"MODE", 501)]
#[case(b"STRU R", 504)]
#[case(b"PORT", 501)]
#[case(b"PORT 1,2,3", 501)]
#[case(b"PORT 300,0,0,1,4,1", 501)]
#[case(b"PORT a,b,c,d,e,f", 501)]
#[case(b"EPRT |9|127.0.0.1|5000|", 522)]
#[case(b"EPRT |1|x|1|", 501)]
#[case(b"EPSV 7", 522)] // RFC 2428 §3: an unsupported network protocol, as for EPRT
#[case(b"EPSV now", 501)]
#[case(b"PASV now", 501)]
#[case(b"RETR", 501)]
#[case(b"RETR a\0b", 501)]
#[case(b"REST -1", 501)]
#[case(b"MKD", 501)]
#[case(b"AUTH", 501)]
#[case(b"PBSZ", 501)]
#[case(b"PBSZ -1", 501)]
#[case(b"PROT", 501)]
#[case(b"PROT X", 504)]
#[case(b"CCC now", 501)]
fn refuses(#[case] line: &[u8], #[case] code: u16) {
    let error = Command::parse(line).expect_err("must be refused");
    assert_eq!(error.code(), code, "{error:?}");
    assert!(!error.text().is_empty());
}

#[rstest]
#[case(Command::User("anonymous".into()), "USER anonymous\r\n")]
#[case(Command::Pass("".into()), "PASS \r\n")]
#[case(Command::Type(TransferType::Image), "TYPE I\r\n")]
#[case(Command::Port("127.0.0.1:1025".parse().unwrap()), "PORT 127,0,0,1,4,1\r\n")]
#[case(Command::Eprt("[::1]:1025".parse().unwrap()), "EPRT |2|::1|1025|\r\n")]
#[case(Command::Epsv(EpsvArg::Open), "EPSV\r\n")]
#[case(Command::Retr("my file.txt".into()), "RETR my file.txt\r\n")]
#[case(Command::List(ListingArg::default()), "LIST\r\n")]
#[case(Command::Nlst(listing(b"-l", Some(b"pub"))), "NLST -l pub\r\n")]
#[case(Command::Rest(100), "REST 100\r\n")]
#[case(Command::Auth(AuthMechanism::Tls), "AUTH TLS\r\n")]
#[case(Command::Auth(AuthMechanism::Ssl), "AUTH SSL\r\n")]
#[case(Command::Pbsz(0), "PBSZ 0\r\n")]
#[case(Command::Prot(ProtectionLevel::Private), "PROT P\r\n")]
#[case(Command::Ccc, "CCC\r\n")]
#[case(Command::Help(Some("RETR".into())), "HELP RETR\r\n")]
#[case(Command::Mlst(None), "MLST\r\n")]
#[case(Command::Stat(Some(listing(b"", Some(b"pub")))), "STAT pub\r\n")]
#[case(Command::Site(SiteCommand::Chmod { mode: 0o640, path: "f".into() }), "SITE CHMOD 640 f\r\n")]
fn encodes(#[case] command: Command, #[case] wire: &str) {
    assert_eq!(command.to_wire(), wire.as_bytes());
}

#[test]
fn display_masks_the_password() {
    assert_eq!(Command::Pass("secret".into()).to_string(), "PASS ****");
    assert!(!format!("{:?}", Command::Pass("secret".into())).contains("secret"));
    assert_eq!(Command::Cwd("/pub".into()).to_string(), "CWD /pub");
}

/// Text arguments are trimmed by the parser, so generated ones have no space at either end.
fn word() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,20}[!-~])?"
}

/// Path bytes: anything but NUL, CR and LF; not starting with `-`, which LIST/NLST read as an option.
fn path() -> impl Strategy<Value = PathArg> {
    let byte = any::<u8>().prop_filter("line bytes", |b| !matches!(b, 0 | b'\r' | b'\n'));
    (
        byte.clone().prop_filter("not an option", |b| *b != b'-'),
        prop::collection::vec(byte, 0..20),
    )
        .prop_map(|(first, rest)| {
            let mut bytes = vec![first];
            bytes.extend(rest);
            PathArg(bytes)
        })
}

fn listing_arg() -> impl Strategy<Value = ListingArg> {
    (
        prop::collection::vec("-[a-zA-Z]{0,3}", 0..3),
        prop::option::of(path()),
    )
        .prop_map(|(words, path)| ListingArg {
            options: words.join(" ").into_bytes(),
            path,
        })
}

fn command() -> impl Strategy<Value = Command> {
    let v4 = any::<(std::net::Ipv4Addr, u16)>().prop_map(|(ip, port)| SocketAddrV4::new(ip, port));
    let any_addr = prop_oneof![
        any::<(std::net::Ipv4Addr, u16)>().prop_map(SocketAddr::from),
        any::<(std::net::Ipv6Addr, u16)>().prop_map(SocketAddr::from),
    ];
    prop_oneof![
        word().prop_map(Command::User),
        "[ -~]{0,20}".prop_map(|p| Command::Pass(Password(p))),
        Just(Command::Quit),
        Just(Command::Syst),
        Just(Command::Noop),
        Just(Command::Feat),
        prop::option::of(word()).prop_map(Command::Help),
        Just(Command::Rein),
        Just(Command::Stou),
        path().prop_map(Command::Appe),
        prop::option::of(path()).prop_map(Command::Mlsd),
        prop::option::of(path()).prop_map(Command::Mlst),
        prop::option::of(
            listing_arg().prop_filter("an argument", |arg| !arg.options.is_empty()
                || arg.path.is_some())
        )
        .prop_map(Command::Stat),
        (0u32..=0o777, path())
            .prop_map(|(mode, path)| Command::Site(SiteCommand::Chmod { mode, path })),
        Just(Command::Site(SiteCommand::Help)),
        word().prop_map(Command::Opts),
        prop_oneof![Just(TransferType::Ascii), Just(TransferType::Image)].prop_map(Command::Type),
        Just(Command::Mode),
        Just(Command::Stru),
        Just(Command::Allo),
        v4.prop_map(Command::Port),
        any_addr.prop_map(Command::Eprt),
        Just(Command::Pasv),
        prop_oneof![Just(EpsvArg::Open), Just(EpsvArg::All)].prop_map(Command::Epsv),
        any::<u64>().prop_map(Command::Rest),
        path().prop_map(Command::Retr),
        path().prop_map(Command::Stor),
        listing_arg().prop_map(Command::List),
        listing_arg().prop_map(Command::Nlst),
        path().prop_map(Command::Mkd),
        path().prop_map(Command::Rmd),
        path().prop_map(Command::Cwd),
        Just(Command::Cdup),
        Just(Command::Pwd),
        path().prop_map(Command::Dele),
        path().prop_map(Command::Rnfr),
        path().prop_map(Command::Rnto),
        path().prop_map(Command::Size),
        path().prop_map(Command::Mdtm),
        Just(Command::Abor),
        prop_oneof![
            Just(AuthMechanism::Tls),
            Just(AuthMechanism::Ssl),
            "[A-Z][A-Z0-9_]{0,8}"
                .prop_filter("not a TLS name", |m| !matches!(
                    m.as_str(),
                    "TLS" | "TLS-C" | "SSL"
                ))
                .prop_map(AuthMechanism::Other),
        ]
        .prop_map(Command::Auth),
        any::<u64>().prop_map(Command::Pbsz),
        prop_oneof![
            Just(ProtectionLevel::Clear),
            Just(ProtectionLevel::Safe),
            Just(ProtectionLevel::Confidential),
            Just(ProtectionLevel::Private),
        ]
        .prop_map(Command::Prot),
        Just(Command::Ccc),
    ]
}

proptest! {
    #[test]
    fn parse_never_panics(line in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Command::parse(&line);
    }

    #[test]
    fn parse_never_panics_on_known_verbs(
        verb in prop::sample::select(crate::Verb::ALL),
        argument in prop::collection::vec(any::<u8>(), 0..60),
    ) {
        let mut line = verb.as_str().as_bytes().to_vec();
        line.push(b' ');
        line.extend(argument);
        let _ = Command::parse(&line);
    }

    #[test]
    fn parse_reverses_encode(command in command()) {
        let wire = command.to_wire();
        prop_assert!(wire.ends_with(b"\r\n"));
        prop_assert_eq!(Command::parse(&wire[..wire.len() - 2]), Ok(command));
    }
}

/// RFC 854: a data byte 255 travels as IAC IAC; both ends of the one codec agree.
#[test]
fn byte_255_in_a_path_is_doubled_on_the_wire_and_single_after_parsing() {
    let command = Command::Stor(PathArg(b"a\xffb".to_vec()));
    assert_eq!(command.to_wire(), b"STOR a\xff\xffb\r\n".to_vec());
    assert_eq!(Command::parse(b"STOR a\xff\xffb"), Ok(command));
}

/// The error displays as the reply line it earns; `thiserror` derives it, so pin the text.
#[test]
fn a_command_error_displays_as_its_reply_line() {
    let error = Command::parse(b"BOGUS").unwrap_err();
    assert_eq!(error.to_string(), "500 Unknown command \"BOGUS\".");
    let error: &dyn std::error::Error = &CommandError::MissingArgument(Verb::Retr);
    assert_eq!(error.to_string(), "501 RETR needs an argument.");
}
