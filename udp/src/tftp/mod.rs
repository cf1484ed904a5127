//! TFTP: file transfer over UDP (RFC 1350) with option negotiation (RFC 2347), blksize
//! (RFC 2348), timeout and tsize (RFC 2349) and windowsize (RFC 7440).
//!
//! - [`packet`]: bytes to typed packets and back; the only parser.
//! - [`options`]: what the server grants, what the client accepts.
//! - [`netascii`]: line-ending conversion for netascii mode.
//! - [`blocks`]: files cut into blocks, and blocks written to files.
//! - [`transfer`]: the sender/receiver engine both ends share (lock-step or windowed,
//!   retransmission on timeout only, block-number rollover).
//! - [`wire`]: the transfer's socket, shared with a runtime or blocking on a dedicated thread.
//! - [`jail`]: requested names to paths that cannot leave the served root.
//! - [`server`], [`client`]: the two ends.

pub mod blocks;
pub mod client;
pub mod jail;
pub mod netascii;
pub mod options;
pub mod packet;
pub mod server;
pub mod transfer;
pub mod wire;
