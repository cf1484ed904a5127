//! The one-shot subcommands for scripts: `get`, `put`, `ls`, `mkdir`, `rmdir`, `rm`, each on one URL.

use std::path::{Path, PathBuf};

use crate::client::{Client, Options};
use crate::error::{Error, Result};
use crate::login::{connect_and_login, LoginSources};
use crate::progress::Bar;
use crate::shell::session::base_name;
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
    Mkdir(FtpUrl),
    Rmdir(FtpUrl),
    Rm(FtpUrl),
}

fn needs_path(url: &FtpUrl, what: &str) -> Result<String> {
    if url.path.is_empty() {
        return Err(Error::Usage(format!(
            "the URL must name a {what}: ftp://host/PATH"
        )));
    }
    Ok(url.path.trim_end_matches('/').to_string())
}

/// Runs the subcommand: connect, log in, act, quit.
pub async fn run(
    command: OneShot,
    sources: &LoginSources,
    options: Options,
    progress: bool,
) -> Result<()> {
    let url = match &command {
        OneShot::Get { url, .. } | OneShot::Put { url, .. } => url,
        OneShot::Ls(url) | OneShot::Mkdir(url) | OneShot::Rmdir(url) | OneShot::Rm(url) => url,
    };
    // Check the arguments before connecting, so a usage error costs no connection.
    match &command {
        OneShot::Get { url, .. } => needs_path(url, "file").map(drop)?,
        OneShot::Mkdir(url) | OneShot::Rmdir(url) => needs_path(url, "directory").map(drop)?,
        OneShot::Rm(url) => needs_path(url, "file").map(drop)?,
        OneShot::Put { file, .. } => {
            std::fs::metadata(file).map_err(|error| Error::local(file, error))?;
        }
        OneShot::Ls(_) => {}
    }
    let mut client = connect_and_login(url, sources, options).await?;
    let result = act(&mut client, &command, progress).await;
    let quit = client.quit().await;
    result.and(quit)
}

async fn act(client: &mut Client, command: &OneShot, progress: bool) -> Result<()> {
    match command {
        OneShot::Get {
            url,
            output,
            resume,
        } => {
            let remote = needs_path(url, "file")?;
            match output.as_deref() {
                Some(path) if path == Path::new("-") => {
                    let mut stdout = tokio::io::stdout();
                    client
                        .retrieve(&remote, &mut stdout, &mut |_| {})
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
                    result.map(drop)
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
            result.map(drop)
        }
        OneShot::Ls(url) => {
            let path = url.path.trim_end_matches('/');
            let listing = client.list((!path.is_empty()).then_some(path)).await?;
            print!("{listing}");
            Ok(())
        }
        OneShot::Mkdir(url) => client.mkdir(&needs_path(url, "directory")?).await.map(drop),
        OneShot::Rmdir(url) => client.rmdir(&needs_path(url, "directory")?).await,
        OneShot::Rm(url) => client.delete(&needs_path(url, "file")?).await,
    }
}
