//! The fuzz targets: one module per parser, each with `check(bytes)` (panics when an invariant breaks:
//! that is how a fuzzer sees a bug) and `inputs()` (its structure-aware generator).

pub mod chat;
pub mod command;
pub mod hostport;
pub mod listing;
pub mod mutate;
pub mod reply;
pub mod tftp;

use std::fmt;

use proptest::strategy::{BoxedStrategy, Strategy};

/// A fuzz target by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The control-connection command parser (`Command::parse`), as the server reads lines.
    Command,
    /// The reply parser (`ReplyParser`), as the client and the suite read replies.
    Reply,
    /// PORT/PASV/EPRT/EPSV host-port codecs.
    Hostport,
    /// TFTP packets (`udp::tftp::packet`).
    Tftp,
    /// Chat datagrams, both directions (`udp::chat::protocol`).
    Chat,
    /// LIST and MLSD lines (`ftp_proto::listing`), as the client reads listings.
    Listing,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::Command,
        Target::Reply,
        Target::Hostport,
        Target::Tftp,
        Target::Chat,
        Target::Listing,
    ];

    /// The directory name of its corpus.
    pub fn name(self) -> &'static str {
        match self {
            Target::Command => "command",
            Target::Reply => "reply",
            Target::Hostport => "hostport",
            Target::Tftp => "tftp",
            Target::Chat => "chat",
            Target::Listing => "listing",
        }
    }

    /// Runs the target on one input; panics on a broken invariant.
    pub fn check(self, bytes: &[u8]) {
        match self {
            Target::Command => command::check(bytes),
            Target::Reply => reply::check(bytes),
            Target::Hostport => hostport::check(bytes),
            Target::Tftp => tftp::check(bytes),
            Target::Chat => chat::check(bytes),
            Target::Listing => listing::check(bytes),
        }
    }

    /// Structure-aware inputs, damaged by [`mutate`] part of the time.
    pub fn inputs(self) -> BoxedStrategy<Vec<u8>> {
        let structured = match self {
            Target::Command => command::inputs(),
            Target::Reply => reply::inputs(),
            Target::Hostport => hostport::inputs(),
            Target::Tftp => tftp::inputs(),
            Target::Chat => chat::inputs(),
            Target::Listing => listing::inputs(),
        };
        mutate::damaged(structured).boxed()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
