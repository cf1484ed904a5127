//! The data side of a session (RFC 959 §3.2-§3.4): everything that happens on a data connection, apart
//! from the control connection the session runs.
//!
//! - [`channel`]: the one-shot plan PORT/EPRT/PASV/EPSV set up, and opening the data connection from it.
//! - [`transfer`]: RETR, STOR/APPE/STOU and LIST/NLST/MLSD as tasks beside the session, each ending in an
//!   [`Outcome`](transfer::Outcome), working on what the storage layer opened before the 150.
//! - [`listing`]: `ls -l` and NLST lines, MDTM timestamps, the order listings go out in.
//! - [`facts`]: MLSx facts (RFC 3659 §7): the session's selection and the `fact=value; name` entries.
//! - [`zero_copy`]: `sendfile(2)` for binary RETR and `splice(2)` for binary STOR of local files; the
//!   data path's only raw system calls.

pub mod channel;
pub mod facts;
pub mod listing;
pub mod transfer;
pub mod zero_copy;
