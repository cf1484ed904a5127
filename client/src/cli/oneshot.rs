//! The one-shot subcommands for scripts: `get`, `put`, `ls`, `mkdir`, `rmdir`, `rm`, `size`, `mdtm`,
//! `chmod`, `rename` and `quote`, each on one URL.
//! Success is silent unless a person is at the terminal ([`Notices`]), as in the shell.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use crate::cli::login::{connect_and_login, login_for, LoginSources};
use crate::cli::mirror::{one_shot_mirror, run_pget, MirrorArgs};
use crate::cli::notice::{self, Notices};
use crate::cli::progress::Bar;
use crate::cli::shell::session::base_name;
use crate::client::{Client, Options};
use crate::error::{Error, Result};
use crate::files::check_resumable;
use crate::url::FtpUrl;

/// One subcommand, validated.
#[derive(Debug, Clone)]
pub enum OneShot {
    /// Download the URL's file to `output` (its own name when `None`; `-` for stdout).
    Get {
        url: FtpUrl,
        output: Option<PathBuf>,
        resume: bool,
    },
    /// Upload `file` to the URL: into it when it is a directory, else as it.
    Put {
        file: PathBuf,
        url: FtpUrl,
    },
    Ls(FtpUrl),
    /// `ls -l`: the listing parsed (MLSD or LIST) and printed in one normalised form.
    LsLong(FtpUrl),
    /// `get --segments N` (N > 1): the URL's file over N sessions into `output`.
    SegmentedGet {
        url: FtpUrl,
        output: Option<PathBuf>,
        segments: usize,
    },
    /// `mirror [-R] SOURCE DEST`.
    Mirror(MirrorArgs),
    Mkdir(FtpUrl),
    Rmdir(FtpUrl),
    Rm(FtpUrl),
    Size(FtpUrl),
    Mdtm(FtpUrl),
    /// SITE CHMOD `mode` on the URL's path.
    Chmod {
        mode: u32,
        url: FtpUrl,
    },
    /// RNFR the URL's path, RNTO `to`.
    Rename {
        url: FtpUrl,
        to: String,
    },
    /// `line` as given, after the login (and CWD to the URL's path, if any); the reply printed.
    Quote {
        url: FtpUrl,
        line: String,
    },
}

fn needs_path(url: &FtpUrl, what: &str) -> Result<String> {
    if url.path.is_empty() {
        return Err(Error::Usage(format!(
            "the URL must name a {what}: ftp://host/PATH"
        )));
    }
    Ok(url.path.trim_end_matches('/').to_string())
}

/// Runs the subcommand: connect, log in, act, quit. `progress` shows a transfer bar, `notices` says
/// what was done.
pub async fn run(
    command: OneShot,
    sources: &LoginSources,
    options: Options,
    progress: bool,
    notices: Notices,
) -> Result<()> {
    // The commands that open several sessions of their own.
    match &command {
        OneShot::Mirror(args) => {
            return one_shot_mirror(args, sources, options, progress, notices)
                .await
                .map(drop)
        }
        OneShot::SegmentedGet {
            url,
            output,
            segments,
        } => {
            let remote = needs_path(url, "file")?;
            let local = output
                .clone()
                .unwrap_or_else(|| PathBuf::from(base_name(&remote)));
            let login = login_for(url, sources, options)?;
            return run_pget(&login, &remote, &local, *segments, progress, notices)
                .await
                .map(drop);
        }
        _ => {}
    }
    let url = match &command {
        OneShot::Get { url, .. } | OneShot::Put { url, .. } => url,
        OneShot::Ls(url)
        | OneShot::LsLong(url)
        | OneShot::Mkdir(url)
        | OneShot::Rmdir(url)
        | OneShot::Rm(url)
        | OneShot::Size(url)
        | OneShot::Mdtm(url)
        | OneShot::SegmentedGet { url, .. } => url,
        OneShot::Chmod { url, .. } | OneShot::Rename { url, .. } | OneShot::Quote { url, .. } => {
            url
        }
        OneShot::Mirror(_) => return Err(Error::Usage("mirror takes two places".into())),
    };
    // Check the arguments before connecting, so a usage error costs no connection.
    match &command {
        OneShot::Get {
            url,
            output,
            resume,
        } => {
            needs_path(url, "file")?;
            match output.as_deref() {
                Some(path) if *resume && path == Path::new("-") => {
                    return Err(Error::Usage(
                        "cannot resume (-c) a download to stdout (-o -)".into(),
                    ))
                }
                Some(path) if *resume => check_resumable(path)?,
                _ => {}
            }
        }
        OneShot::Mkdir(url) | OneShot::Rmdir(url) => needs_path(url, "directory").map(drop)?,
        OneShot::Rm(url) | OneShot::Size(url) | OneShot::Mdtm(url) => {
            needs_path(url, "file").map(drop)?
        }
        OneShot::Chmod { url, .. } | OneShot::Rename { url, .. } => {
            needs_path(url, "file or directory").map(drop)?
        }
        OneShot::Quote { .. } => {}
        OneShot::Put { file, .. } => {
            std::fs::metadata(file).map_err(|error| Error::local(file, error))?;
        }
        OneShot::Ls(_) | OneShot::LsLong(_) | OneShot::SegmentedGet { .. } | OneShot::Mirror(_) => {
        }
    }
    let mut client = connect_and_login(url, sources, options).await?;
    let result = act(&mut client, &command, progress, notices).await;
    let quit = client.quit().await;
    result.and(quit)
}

async fn act(
    client: &mut Client,
    command: &OneShot,
    progress: bool,
    notices: Notices,
) -> Result<()> {
    let started = std::time::Instant::now();
    match command {
        OneShot::Get {
            url,
            output,
            resume,
        } => {
            let remote = needs_path(url, "file")?;
            match output.as_deref() {
                Some(path) if path == Path::new("-") => {
                    // The bytes go to stdout's file descriptor itself (a duplicate, written by a
                    // thread), not through `std::io::stdout()`'s line buffer; no bar, no notice.
                    let stdout = std::io::stdout()
                        .as_fd()
                        .try_clone_to_owned()
                        .map_err(|error| Error::local("the output", error))?;
                    client
                        .get_stream(&remote, File::from(stdout), &mut |_| {})
                        .await
                        .map(drop)
                }
                _ => {
                    let local = output
                        .clone()
                        .unwrap_or_else(|| PathBuf::from(base_name(&remote)));
                    let bar = Bar::new(&remote, progress);
                    let result = client
                        .get_file(&remote, &local, *resume, &mut |p| bar.update(p))
                        .await;
                    bar.finish();
                    let done = result?;
                    notices.say(notice::downloaded(
                        &remote,
                        &local,
                        done.received,
                        done.offset,
                        started.elapsed(),
                    ));
                    Ok(())
                }
            }
        }
        OneShot::Put { file, url } => {
            let name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .ok_or_else(|| Error::Usage(format!("{} has no file name", file.display())))?;
            let remote = if url.path.is_empty() {
                name
            } else if url.path.ends_with('/') {
                format!("{}{name}", url.path)
            } else if client.cwd(&url.path).await.is_ok() {
                // The URL names an existing directory: upload into it, under the local name.
                name
            } else {
                url.path.clone()
            };
            let bar = Bar::new(&remote, progress);
            let result = client.put_file(file, &remote, &mut |p| bar.update(p)).await;
            bar.finish();
            notices.say(notice::uploaded(file, &remote, result?, started.elapsed()));
            Ok(())
        }
        OneShot::Ls(url) => {
            let path = url.path.trim_end_matches('/');
            let listing = client.list((!path.is_empty()).then_some(path)).await?;
            print!("{listing}");
            Ok(())
        }
        OneShot::LsLong(url) => {
            let path = url.path.trim_end_matches('/');
            let entries = client.entries((!path.is_empty()).then_some(path)).await?;
            let now = crate::mirror::tree::now_unix();
            for entry in entries {
                println!("{}", crate::listing::long_line(&entry, now));
            }
            Ok(())
        }
        OneShot::SegmentedGet { .. } | OneShot::Mirror(_) => {
            Err(Error::Usage("runs on sessions of its own".into()))
        }
        OneShot::Mkdir(url) => {
            let created = client.mkdir(&needs_path(url, "directory")?).await?;
            notices.say(format!("created {created}"));
            Ok(())
        }
        OneShot::Rmdir(url) => {
            let path = needs_path(url, "directory")?;
            client.rmdir(&path).await?;
            notices.say(format!("removed directory {path}"));
            Ok(())
        }
        OneShot::Rm(url) => {
            let path = needs_path(url, "file")?;
            client.delete(&path).await?;
            notices.say(format!("deleted {path}"));
            Ok(())
        }
        OneShot::Size(url) => {
            println!("{}", client.size(&needs_path(url, "file")?).await?);
            Ok(())
        }
        OneShot::Mdtm(url) => {
            let path = needs_path(url, "file")?;
            println!("{}", client.modification_time(&path).await?);
            Ok(())
        }
        OneShot::Chmod { mode, url } => {
            let path = needs_path(url, "file or directory")?;
            client.chmod(*mode, &path).await?;
            notices.say(format!("mode of {path} set to {mode:o}"));
            Ok(())
        }
        OneShot::Rename { url, to } => {
            let path = needs_path(url, "file or directory")?;
            client.rename(&path, to).await?;
            notices.say(format!("renamed {path} to {to}"));
            Ok(())
        }
        OneShot::Quote { url, line } => {
            if !url.path.is_empty() {
                client.cwd(&url.path).await?;
            }
            // The reply as the server sent it, every line, whatever its code.
            let reply = client.raw(line).await?;
            print!("{}", crate::cli::notice::reply_text(&reply));
            Ok(())
        }
    }
}
