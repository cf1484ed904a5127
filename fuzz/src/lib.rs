//! `ftp-fuzz`: every parser that reads bytes from a peer, driven by hostile input. A target takes any
//! bytes and checks what must hold for all of them: no panic, output bounded by the input, and
//! `parse(encode(x)) == x` wherever a value parsed. Generation is structure-aware (proptest strategies
//! that build near-valid commands, replies, addresses, packets and datagrams, then damage them), and a
//! saved corpus per target (`fuzz/corpus/TARGET/`) is replayed by `cargo test`.
//!
//! - [`targets`]: the targets, one module each, and [`Target`] naming them.
//! - [`corpus`]: reading and saving corpus files.
//! - [`runner`]: a time-boxed run of one target (what `ftp-fuzz TARGET --seconds N` does), with a
//!   watchdog for inputs that do not return.
//!
//! The client's LIST/MLSD parser gets its target when it lands (see `targets::listing`).

pub mod corpus;
pub mod runner;
pub mod targets;

pub use targets::Target;
