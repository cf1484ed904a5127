//! Runs one soak session through the proxy: logs in and plays its [`Action`]s, recording in the
//! [`Ledger`] what each upload and rename may have left on disk and in the [`Tally`] what each download
//! proved. A fault that breaks the session ends it early; that is expected, not an anomaly. A data
//! connection the client gives up on is reset, never closed cleanly: in stream mode a clean close *is*
//! the end of the file (RFC 959 §3.4.1), so closing would tell the server that a cut upload was whole.

use std::time::Duration;

use ftp_proto::{Command, ListingArg, Reply};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ledger::{Content, Generated, Ledger};
use super::plan::{Action, SessionPlan};
use super::report::Tally;
use crate::error::{within, BenchError};
use crate::session::Session;
use crate::target::Target;
use crate::tls::{self, Stream};

const CHUNK: usize = 64 * 1024;

/// Anomaly kind: a download that reported success delivered other bytes.
pub const DOWNLOAD_DIFFERS: &str = "download reported success with wrong bytes";

/// What a session works with.
pub struct SessionContext<'a> {
    /// The proxy's address, with the real server's credentials and directory.
    pub target: &'a Target,
    /// The soak's directory, as the server names it.
    pub dir: &'a str,
    pub seed: u64,
    pub session: u64,
    pub downloads: &'a [Content],
    pub timeout: Duration,
}

impl SessionContext<'_> {
    fn name(&self, name: u64) -> String {
        format!("s{}-f{name}", self.session)
    }

    fn remote(&self, relative: &str) -> String {
        self.target.path(&format!("{}/{relative}", self.dir))
    }

    fn generated(&self, action: usize, len: u64) -> Generated {
        Generated {
            seed: self.seed,
            id: (self.session << 8) | action as u64,
            len,
        }
    }
}

/// Plays one session; returns the error that ended it early, if any.
pub async fn run_session(
    context: &SessionContext<'_>,
    plan: &SessionPlan,
    ledger: &mut Ledger,
    tally: &mut Tally,
) -> Result<(), BenchError> {
    let actions = match plan {
        SessionPlan::NeverReads { commands } => {
            return never_read(context, *commands).await;
        }
        SessionPlan::Normal(actions) => actions,
    };
    let mut session = Session::login(context.target, context.timeout, None).await?;
    for (index, action) in actions.iter().enumerate() {
        match action {
            Action::Upload { name, size } => {
                let name = context.name(*name);
                let bytes = context.generated(index, *size);
                upload(&mut session, context, &name, bytes, None, ledger, tally).await?;
            }
            Action::AbortUpload { name, size, after } => {
                let name = context.name(*name);
                let bytes = context.generated(index, *size);
                upload(
                    &mut session,
                    context,
                    &name,
                    bytes,
                    Some(*after),
                    ledger,
                    tally,
                )
                .await?;
            }
            Action::DropAndReconnect { name, size, after } => {
                let name = context.name(*name);
                let content = context.generated(index, *size);
                ledger.upload_uncertain(&name, content);
                drop_mid_upload(session, context, &name, content, *after).await;
                tally.reconnects += 1;
                session = Session::login(context.target, context.timeout, None).await?;
            }
            Action::Download { file } => {
                download(&mut session, context, *file, None, tally).await?;
            }
            Action::AbortDownload { file, after } => {
                download(&mut session, context, *file, Some(*after), tally).await?;
            }
            Action::QuitMidTransfer { file, after } => {
                quit_mid_download(session, context, *file, *after).await;
                tally.quits_mid_transfer += 1;
                return Ok(());
            }
            Action::List => {
                let listing = Command::List(ListingArg::path(Some(context.remote("dl").into())));
                session
                    .download(&listing, &mut [0u8; CHUNK], None, false)
                    .await?;
                tally.lists += 1;
            }
            Action::MakeAndRemoveDir => {
                let dir = context.remote(&format!("s{}-d", context.session));
                session
                    .expect(&Command::Mkd(dir.as_str().into()), &[257])
                    .await?;
                session
                    .expect(&Command::Rmd(dir.as_str().into()), &[250])
                    .await?;
                tally.directories += 1;
            }
            Action::Rename { from, to } => {
                rename(&mut session, context, *from, *to, ledger).await?;
                tally.renames += 1;
            }
        }
    }
    session.quit().await
}

/// STOR of generated bytes, cut by ABOR after `abort_after` bytes when given.
async fn upload(
    session: &mut Session,
    context: &SessionContext<'_>,
    name: &str,
    bytes: Generated,
    abort_after: Option<u64>,
    ledger: &mut Ledger,
    tally: &mut Tally,
) -> Result<(), BenchError> {
    // Until the 226 after a complete send, the upload is uncertain.
    ledger.upload_uncertain(name, bytes);
    let mut data = DataConnection(Some(session.open_data().await?));
    let stor = Command::Stor(context.remote(name).as_str().into());
    let reply = session.command(&stor).await?;
    if !reply.is_preliminary() {
        tally.uploads_refused += 1;
        return Ok(());
    }
    let limit = abort_after.unwrap_or(u64::MAX);
    let sent = send_generated(data.stream()?, bytes, limit, context.timeout).await?;
    if sent < bytes.len {
        abort(session, data).await?;
        tally.aborted_uploads += 1;
        return Ok(());
    }
    data.finish_upload(context.timeout).await?;
    let reply = session.reply("STOR").await?;
    if reply.is_completion() {
        ledger.upload_confirmed(name, bytes);
        tally.uploads_confirmed += 1;
        tally.upload_bytes_confirmed += bytes.len;
    } else {
        tally.uploads_refused += 1;
    }
    Ok(())
}

/// A data connection that is reset when dropped unless it was finished cleanly.
struct DataConnection(Option<Stream>);

impl DataConnection {
    fn stream(&mut self) -> Result<&mut Stream, BenchError> {
        self.0
            .as_mut()
            .ok_or_else(|| BenchError::Protocol("data connection already closed".into()))
    }

    /// The clean end of an upload: FIN after the last byte, which the server takes as end of file.
    async fn finish_upload(mut self, timeout: Duration) -> Result<(), BenchError> {
        match self.0.take() {
            Some(stream) => tls::finish_upload(stream, timeout, "STOR").await,
            None => Ok(()),
        }
    }

    /// The clean end of a download whose EOF was read.
    async fn finish_download(mut self, timeout: Duration) {
        if let Some(stream) = self.0.take() {
            tls::finish_download(stream, timeout).await;
        }
    }
}

impl Drop for DataConnection {
    fn drop(&mut self) {
        if let Some(Stream::Plain(tcp)) = &self.0 {
            // SO_LINGER 0: the close sends RST.
            let _ = tcp.set_zero_linger();
        }
    }
}

/// Sends up to `limit` of the generated bytes; returns how many went.
async fn send_generated(
    data: &mut Stream,
    bytes: Generated,
    limit: u64,
    timeout: Duration,
) -> Result<u64, BenchError> {
    let mut chunks = Generated {
        len: bytes.len.min(limit),
        ..bytes
    }
    .chunks(CHUNK);
    let mut sent = 0u64;
    while let Some(chunk) = chunks.next_chunk() {
        within(timeout, || "STOR: data".to_string(), async {
            data.write_all(chunk)
                .await
                .map_err(BenchError::io("STOR: data"))
        })
        .await?;
        sent += chunk.len() as u64;
    }
    Ok(sent)
}

/// ABOR of a running transfer (RFC 959 §4.1.3). The data connection is reset first: a server that
/// reads ABOR only between transfers (vsftpd without urgent data) would otherwise wait for the data
/// connection forever. The transfer's 426/451 (if any) and ABOR's 225/226 are read, then a NOOP puts the
/// reply stream back in step whatever order they came in.
async fn abort(session: &mut Session, data: DataConnection) -> Result<(), BenchError> {
    drop(data);
    let first = session.command(&Command::Abor).await?;
    if !first.is_completion() {
        session.reply("ABOR").await?;
    }
    sync(session).await
}

/// Sends NOOP and reads replies until its 200 (at most a few stale ones before it).
async fn sync(session: &mut Session) -> Result<(), BenchError> {
    let mut reply = session.command(&Command::Noop).await?;
    for _ in 0..3 {
        if reply.code == 200 {
            return Ok(());
        }
        reply = session.reply("NOOP").await?;
    }
    Err(refused("NOOP", reply))
}

/// RETR of download file `file`; with `abort_after`, ABOR after that many bytes.
async fn download(
    session: &mut Session,
    context: &SessionContext<'_>,
    file: usize,
    abort_after: Option<u64>,
    tally: &mut Tally,
) -> Result<(), BenchError> {
    let Some(expected) = context.downloads.get(file).copied() else {
        return Ok(());
    };
    let mut data = DataConnection(Some(session.open_data().await?));
    let retr = Command::Retr(context.remote(&format!("dl/{file}.bin")).as_str().into());
    let reply = session.command(&retr).await?;
    if !reply.is_preliminary() {
        return Err(refused("RETR", reply));
    }
    let limit = abort_after.unwrap_or(u64::MAX);
    let (len, sha256) = receive(data.stream()?, limit, context.timeout).await?;
    if len >= limit {
        abort(session, data).await?;
        tally.aborted_downloads += 1;
        return Ok(());
    }
    data.finish_download(context.timeout).await;
    let reply = session.reply("RETR").await?;
    if !reply.is_completion() {
        tally.downloads_failed += 1;
        return Ok(());
    }
    if (Content { sha256, len }) == expected {
        tally.downloads_verified += 1;
        tally.download_bytes_verified += len;
    } else {
        tally.anomalies.push(format!(
            "{DOWNLOAD_DIFFERS} | session {}: RETR dl/{file}.bin reported success ({} {}) but the {len} bytes that arrived differ from the {} on disk",
            context.session,
            reply.code,
            reply.text(),
            expected.len
        ));
    }
    Ok(())
}

/// Reads until EOF or `limit` bytes; the length and SHA-256 of what came.
async fn receive(
    data: &mut Stream,
    limit: u64,
    timeout: Duration,
) -> Result<(u64, [u8; 32]), BenchError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut len = 0u64;
    while len < limit {
        let n = within(timeout, || "RETR: data".to_string(), async {
            data.read(&mut buffer)
                .await
                .map_err(BenchError::io("RETR: data"))
        })
        .await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        len += n as u64;
    }
    Ok((len, hasher.finalize().into()))
}

async fn rename(
    session: &mut Session,
    context: &SessionContext<'_>,
    from: u64,
    to: u64,
    ledger: &mut Ledger,
) -> Result<(), BenchError> {
    let (from, to) = (context.name(from), context.name(to));
    let rnfr = Command::Rnfr(context.remote(&from).as_str().into());
    if session.command(&rnfr).await?.code != 350 {
        // Nothing to rename (never uploaded, or moved away): fine.
        return Ok(());
    }
    let rnto = Command::Rnto(context.remote(&to).as_str().into());
    match session.command(&rnto).await {
        Ok(reply) if reply.code == 250 => ledger.rename_confirmed(&from, &to),
        Ok(_) => {}
        Err(error) => {
            // The reply was lost: the rename may have happened.
            ledger.rename_uncertain(&from, &to);
            return Err(error);
        }
    }
    Ok(())
}

/// STOR that the client abandons after `after` bytes: the data connection reset, the control connection
/// dropped, as a crashed client's are.
async fn drop_mid_upload(
    mut session: Session,
    context: &SessionContext<'_>,
    name: &str,
    bytes: Generated,
    after: u64,
) {
    let Ok(data) = session.open_data().await else {
        return;
    };
    let mut data = DataConnection(Some(data));
    let stor = Command::Stor(context.remote(name).as_str().into());
    if let (Ok(reply), Ok(stream)) = (session.command(&stor).await, data.stream()) {
        if reply.is_preliminary() {
            let _ = send_generated(stream, bytes, after, context.timeout).await;
        }
    }
    drop(data);
    drop(session);
}

/// RETR, then QUIT after `after` bytes; whatever the server answers, the session ends.
async fn quit_mid_download(
    mut session: Session,
    context: &SessionContext<'_>,
    file: usize,
    after: u64,
) {
    let Ok(data) = session.open_data().await else {
        return;
    };
    let mut data = DataConnection(Some(data));
    let retr = Command::Retr(context.remote(&format!("dl/{file}.bin")).as_str().into());
    if let (Ok(_), Ok(stream)) = (session.command(&retr).await, data.stream()) {
        let _ = receive(stream, after, context.timeout).await;
    }
    let _ = session.command(&Command::Quit).await;
}

/// Connects, sends a burst of commands without reading any reply, and closes.
async fn never_read(context: &SessionContext<'_>, commands: u64) -> Result<(), BenchError> {
    let addr = context.target.addr;
    let mut stream = within(context.timeout, || "connect".to_string(), async {
        TcpStream::connect(addr)
            .await
            .map_err(BenchError::io("connect"))
    })
    .await?;
    let mut burst = Vec::new();
    burst.extend_from_slice(&Command::User(context.target.user.clone()).to_wire());
    burst.extend_from_slice(&Command::Pass(context.target.password.as_str().into()).to_wire());
    for n in 0..commands {
        let command = if n % 10 == 9 {
            Command::Pasv
        } else {
            Command::Noop
        };
        burst.extend_from_slice(&command.to_wire());
    }
    // A server that stops reading once its replies back up is right to; the write then times out.
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(&burst)).await;
    Ok(())
}

fn refused(command: &str, reply: Reply) -> BenchError {
    BenchError::Refused {
        command: command.to_string(),
        reply,
    }
}
