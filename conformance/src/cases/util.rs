//! Steps several cases share.

use std::time::Duration;

use ftp_proto::{Command, Reply, TransferType};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control};
use crate::data::{Data, Mode};
use crate::ops;
use crate::target::Ctx;

/// How much of a stalled transfer is read first: proof that the transfer runs.
pub const STALL_AFTER: usize = 64 * 1024;

/// How long "nothing happens" is waited for (no reply, no connection): long enough for any server on
/// loopback to have acted, short enough to keep the suite fast.
pub const QUIET: Duration = Duration::from_millis(1500);

/// Starts a RETR of the large file on a data connection with a small receive buffer, reads a little and
/// stops reading: the server's writes block and the transfer stays running as long as the case wants.
pub async fn stalled_retr(cx: &Ctx, control: &mut Control) -> Step<(Data, Reply)> {
    let path = cx.big_file().await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    ops::require("TYPE I", &reply, &[200])?;
    let command = Command::Retr(path.into());
    match ops::begin(control, Mode::Passive, &command, true).await? {
        Ok((mut data, preliminary)) => {
            data.read_some(STALL_AFTER, control.reply_timeout).await?;
            Ok((data, preliminary))
        }
        Err(reply) => Err(Outcome::fail(
            &[&format!("{command}: 150 or 125")],
            show(&reply),
        )),
    }
}

/// Reads replies until one with a code in `codes` (at most `max` replies), returning those skipped.
pub async fn replies_until(
    control: &mut Control,
    codes: &[u16],
    max: usize,
) -> Step<(Reply, Vec<Reply>)> {
    let mut skipped = Vec::new();
    for _ in 0..max {
        let reply = control.reply().await?;
        if codes.contains(&reply.code) {
            return Ok((reply, skipped));
        }
        skipped.push(reply);
    }
    let seen: Vec<String> = skipped.iter().map(show).collect();
    Err(Outcome::Fail {
        expected: codes.iter().map(|c| format!("a {c} reply")).collect(),
        actual: seen.join(" ; "),
    })
}
