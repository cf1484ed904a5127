//! UDP tools: the brief's first task, answered with working tools.
//!
//! Three protocols share one crate so the FTP crates stay about FTP:
//!
//! - [`echo`]: the classic exercise. The server answers each datagram (upper-cased, or verbatim
//!   in plain mode); the client retransmits on timeout and reports loss instead of hanging.
//! - [`chat`]: a relay for many clients. Wire format in [`chat::protocol`], the relay in
//!   [`chat::server`], the member side in [`chat::client`]. Every message carries an id and is
//!   acknowledged, so loss is repaired by resending and duplicates are shown once.
//! - [`tftp`]: file transfer over UDP the way the real world does it (RFC 1350 with options
//!   from RFC 2347/2348/2349 and windowsize from RFC 7440). Packets in [`tftp::packet`], option
//!   negotiation in [`tftp::options`], the lock-step/windowed engine in [`tftp::transfer`],
//!   line-ending conversion in [`tftp::netascii`], path confinement in [`tftp::jail`], and the
//!   two ends in [`tftp::server`] and [`tftp::client`].
//!
//! Every server takes an already bound [`tokio::net::UdpSocket`] and a shutdown future, so
//! tests bind `127.0.0.1:0` in-process and read `local_addr()`. The binaries in `src/bin`
//! only parse the command line.

pub mod chat;
pub mod echo;
pub mod tftp;

/// Log output for the binaries: to stderr, filtered by `RUST_LOG` (stdout is the tools' output).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
}
