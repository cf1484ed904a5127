//! Dialogues many cases share: start a transfer (preliminary reply and data connection), upload, download,
//! list, remove a tree. Each judges the codes it expects against RFC 959 §5.4, so cases stay short.

use ftp_proto::{Command, ListingArg, PathArg, Reply};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control};
use crate::data::{self, Data, Mode};

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
            let wait = control.reply_timeout;
            (
                Some(
                    data::connect(
                        addr,
                        None,
                        small_buffer,
                        &label,
                        control.transcript().clone(),
                        wait,
                    )
                    .await?,
                ),
                None,
            )
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
    let expected: Vec<String> = codes.iter().map(|c| format!("{what}: {c}")).collect();
    Err(Outcome::Fail {
        expected,
        actual: format!("{what}: {}", show(reply)),
    })
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
