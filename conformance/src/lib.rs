//! `ftp-conformance`: validates any FTP server against RFC 959 (and RFC 2577, RFC 2428, RFC 3659) and the
//! brief's dialogue, in the manner of h2spec: every case is data with an id by RFC section, a quoted
//! requirement, a level and a run function that drives the server over raw TCP.
//!
//! - [`case`]: the case model ([`case::Case`], [`case::Level`]) and its verdicts ([`case::Outcome`]).
//! - [`conn`]: a control connection that sends typed commands (`ftp_proto::Command`, the codec the server
//!   parses with) or, through its one raw path `send_raw`, any bytes a case needs; it records the wire
//!   transcript and checks the reply grammar of every reply it reads.
//! - [`data`]: data connections: PASV/EPSV connect, PORT listeners, reading, stalling and dropping at will.
//! - [`steps`]: the dialogues many cases share (upload, download, listing, a stalled RETR) and the data
//!   the suite uploads.
//! - [`table`]: RFC 959 §5.4, the command-reply table reply codes are judged against.
//! - [`target`]: the server under test: URL (parsed by `ftp_proto::FtpUrl`), credentials, FEAT, scratch
//!   directory and its lifecycle; [`ctx`]: what one case gets (the target, its transcript, reply checks).
//! - [`tls`]: FTPS targets (RFC 4217): implicit or explicit TLS, the trust the command line gives, and
//!   the stream type control and data connections share (`ftp_tls::stream`, with the session store
//!   of one control connection and its data connections in `ftp_tls::tickets`).
//! - [`cases`]: the cases, one module per RFC section.
//! - [`runner`]: selection by glob (the `glob` crate, `*` across `/`) and level, parallel runs, per-case
//!   time limits; [`progress`]: the `--progress` bar or lines on stderr.
//! - [`report`]: text, JSON and JUnit reports; [`matrix`] turns JSON reports of several servers into the
//!   case x server table, judged against [`deviations`]; [`matrix_html`] is the same as one HTML page.
//! - [`client_mode`]: the other way round, `ftp-conformance client -- CMD`: scripted servers on loopback
//!   judge an FTP client (its wire behaviour, the file it wrote, its exit status), with the same reports.

pub mod case;
pub mod cases;
pub mod certificate;
pub mod client_mode;
pub mod conn;
pub mod ctx;
pub mod data;
pub mod deviations;
pub mod matrix;
pub mod matrix_html;
pub mod progress;
pub mod report;
pub mod runner;
pub mod steps;
pub mod table;
pub mod target;
pub mod tls;
