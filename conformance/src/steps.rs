//! The steps many cases share, and the suite's own setup and cleanup with them: start a transfer
//! (preliminary reply and data connection), upload, download, list, remove a tree, hold a RETR stalled,
//! read replies up to an expected one. Each judges the codes it expects against RFC 959 §5.4, so cases
//! stay short. Also the data the suite uploads, [`pattern`].

use std::time::Duration;

use ftp_proto::{Command, ListingArg, PathArg, Reply, TransferType};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions, Data, Mode};
use crate::target::BigFile;

/// How much of a stalled transfer is read first: proof that the transfer runs.
pub const STALL_AFTER: usize = 64 * 1024;

/// The longest a stalled transfer is given to fill the socket buffers and block the server's writes.
const STALL_WAIT: Duration = Duration::from_secs(5);

/// How long "nothing happens" is waited for (no reply, no connection): long enough for any server on
/// loopback to have acted, short enough to keep the suite fast.
pub const QUIET: Duration = Duration::from_millis(1500);

/// Generous limit on what a download may bring (the largest file the suite writes is 8 MiB + slack).
const DOWNLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// Prepares a data connection, sends `command` and, on a 1xx reply, opens the data connection.
/// `Err(reply)` inside `Ok` is a non-1xx answer the caller judges.
pub async fn begin(
    control: &mut Control,
    mode: Mode,
    command: &Command,
    small_buffer: bool,
) -> Step<Result<(Data, Reply), Reply>> {
    let prepared = data::prepare(control, mode, small_buffer).await?;
    // Passive: connect before the command, as common clients do; the server accepts once it has the command.
    let (early, prepared) = match prepared {
        data::Prepared::Passive(addr) => {
            let label = format!("{}-data", control.label());
            let options = ConnectOptions {
                small_buffer,
                ..ConnectOptions::of(control, &label)
            };
            (Some(data::connect(addr, options).await?), None)
        }
        active => (None, Some(active)),
    };
    let reply = control.cmd(command).await?;
    if !reply.is_preliminary() {
        return Ok(Err(reply));
    }
    let data = match (early, prepared) {
        (Some(data), _) => data,
        (None, Some(prepared)) => prepared.open(control, small_buffer).await?,
        (None, None) => return Err(Outcome::error("no data connection prepared")),
    };
    Ok(Ok((data, reply)))
}

/// Fails unless `reply` is one of `codes`.
pub fn require(what: &str, reply: &Reply, codes: &[u16]) -> Step<()> {
    if codes.contains(&reply.code) {
        return Ok(());
    }
    Err(Outcome::Fail {
        expected: expected(what, codes),
        actual: format!("{what}: {}", show(reply)),
    })
}

/// The Expected list of a reply check: `what: code`, one per acceptable code.
pub fn expected(what: &str, codes: &[u16]) -> Vec<String> {
    codes.iter().map(|c| format!("{what}: {c}")).collect()
}

/// STOR `bytes` to `path`: 125/150, the bytes, then 226/250.
pub async fn upload(control: &mut Control, path: &str, bytes: &[u8], mode: Mode) -> Step<()> {
    let command = Command::Stor(path.into());
    let what = command.to_string();
    match begin(control, mode, &command, false).await? {
        Ok((data, _)) => {
            data.write_and_close(bytes).await?;
            let done = control.reply().await?;
            require(&what, &done, &[226, 250])
        }
        Err(reply) => require(&what, &reply, &[125, 150]),
    }
}

/// RETR `path`: 125/150, all bytes until the server closes, then 226/250.
pub async fn download(control: &mut Control, path: &str, mode: Mode) -> Step<Vec<u8>> {
    fetch(control, &Command::Retr(path.into()), mode).await
}

/// Runs a command whose answer comes over a data connection (RETR, LIST, NLST) and returns the bytes.
pub async fn fetch(control: &mut Control, command: &Command, mode: Mode) -> Step<Vec<u8>> {
    let what = command.to_string();
    match begin(control, mode, command, false).await? {
        Ok((mut data, _)) => {
            let (bytes, end) = data
                .read_to_end(DOWNLOAD_LIMIT, control.reply_timeout)
                .await;
            if end != data::End::Eof {
                return Err(Outcome::fail(
                    &["the data connection to end with end of file"],
                    format!("{end:?} after {} bytes", bytes.len()),
                ));
            }
            let done = control.reply().await?;
            require(&what, &done, &[226, 250])?;
            Ok(bytes)
        }
        Err(reply) => {
            require(&what, &reply, &[125, 150])?;
            Err(Outcome::error(format!("{}: unreachable", command.verb())))
        }
    }
}

/// The names NLST gives for `path` (the last path component of each line).
pub async fn names(control: &mut Control, path: &str) -> Step<Vec<String>> {
    let listing = ListingArg::path(Some(path.into()));
    let bytes = fetch(control, &Command::Nlst(listing), Mode::Passive).await?;
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty())
        .map(|line| line.rsplit('/').next().unwrap_or(line).to_string())
        .collect())
}

/// Removes `dir` and everything below it, `depth` levels deep at most.
pub async fn remove_tree(control: &mut Control, dir: &str, depth: u32) -> Step<()> {
    let entries = names(control, dir).await.unwrap_or_default();
    for name in entries.iter().filter(|n| *n != "." && *n != "..") {
        let path = format!("{dir}/{name}");
        let dele = control.cmd(&Command::Dele(PathArg::from(&path))).await?;
        if dele.code != 250 && depth > 0 {
            Box::pin(remove_tree(control, &path, depth - 1)).await?;
        }
    }
    let rmd = control.cmd(&Command::Rmd(dir.into())).await?;
    require(&format!("RMD {dir}"), &rmd, &[250])
}

/// Starts a RETR of the large file on a data connection with a small receive buffer, reads a little and
/// stops reading: the server's writes block and the transfer stays running as long as the case wants.
/// Returns the data connection and the file's size.
pub async fn stalled_retr(cx: &Ctx, control: &mut Control) -> Step<(Data, u64)> {
    let BigFile { path, size } = cx.big_file().await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    require("TYPE I", &reply, &[200])?;
    let command = Command::Retr(path.into());
    match begin(control, Mode::Passive, &command, true).await? {
        Ok((mut data, _)) => {
            data.read_some(STALL_AFTER, control.reply_timeout).await?;
            data.wait_until_stalled(STALL_WAIT).await;
            Ok((data, size))
        }
        Err(reply) => Err(Outcome::fail(
            &[&format!("{command}: 150 or 125")],
            show(&reply),
        )),
    }
}

/// Reads a stalled transfer's data connection to its end and fails unless it ended well short of the
/// file's `size` (at most half of it arrived, far more than the socket buffers hold): after `what`
/// (ABOR, QUIT) the transfer must stop, not run to its end.
pub async fn ends_short(control: &Control, data: &mut Data, size: u64, what: &str) -> Step<()> {
    let (_, end) = data.read_to_end(usize::MAX, control.reply_timeout).await;
    if end == data::End::Timeout {
        return Err(Outcome::fail(
            &[&format!(
                "the data connection closed by the server after {what}"
            )],
            format!("still open after {what}"),
        ));
    }
    let received = data.received();
    if received > size / 2 {
        return Err(Outcome::Fail {
            expected: vec![format!(
                "the data connection closed well short of the file's {size} bytes after {what}"
            )],
            actual: format!("{received} of {size} bytes arrived: the transfer ran on after {what}"),
        });
    }
    Ok(())
}

/// Reads replies until one with a code in `codes` (at most `max` replies), returning those skipped.
pub async fn replies_until(
    control: &mut Control,
    codes: &[u16],
    max: usize,
) -> Step<(Reply, Vec<Reply>)> {
    let mut skipped = Vec::new();
    let wanted = || {
        codes
            .iter()
            .map(|c| format!("a {c} reply"))
            .collect::<Vec<_>>()
    };
    for _ in 0..max {
        // A reply that never comes fails with what the case waited for, not just "a reply".
        let reply = control.reply().await.map_err(|outcome| match outcome {
            Outcome::Fail { actual, .. } if actual.starts_with("no reply within") => {
                Outcome::Fail {
                    expected: wanted(),
                    actual,
                }
            }
            other => other,
        })?;
        if codes.contains(&reply.code) {
            return Ok((reply, skipped));
        }
        skipped.push(reply);
    }
    let seen: Vec<String> = skipped.iter().map(show).collect();
    Err(Outcome::Fail {
        expected: wanted(),
        actual: seen.join(" ; "),
    })
}

/// Deterministic binary test data: every byte value, in an order that catches shifted or dropped blocks.
/// The one generator of the suite (uploads and the fault file); the conformance tests need none.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + i / 251) % 256) as u8).collect()
}
