//! What each shell command does: one `match` over [`ShellCommand`], shared by the interactive shell and
//! script mode. Requested output goes to stdout, success lines too but only on a terminal
//! ([`Notices`]), the dialogue (`verbose`) and progress bars to stderr.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::cli::login::{connect_and_login, LoginSources};
use crate::cli::notice::{self, Notices};
use crate::cli::progress::Bar;
use crate::cli::shell::command::{help, ShellCommand};
use crate::cli::shell::{local, setting};
use crate::client::{Client, Options, TransferType};
use crate::data::DataMode;
use crate::error::{Error, Result};
use crate::url::FtpUrl;

/// Whether the shell goes on after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Remote names of the current directory, for tab completion.
pub type NameCache = Arc<Mutex<Vec<String>>>;

/// The shell's state: the connection (if any) and the settings the next connection gets.
pub struct Session {
    client: Option<Client>,
    url: Option<FtpUrl>,
    sources: LoginSources,
    options: Options,
    verbose: bool,
    progress: bool,
    notices: Notices,
    names: Option<NameCache>,
}

/// The transcript that prints the dialogue on stderr.
pub fn stderr_transcript() -> crate::control::Transcript {
    Arc::new(|line: &str| eprintln!("{line}"))
}

impl Session {
    /// A shell with no connection yet. `progress` shows transfer bars, `notices` prints success lines;
    /// `names`, when given, is kept filled for completion.
    pub fn new(
        sources: LoginSources,
        options: Options,
        progress: bool,
        notices: Notices,
        names: Option<NameCache>,
    ) -> Session {
        let verbose = options.transcript.is_some();
        Session {
            client: None,
            url: None,
            sources,
            options,
            verbose,
            progress,
            notices,
            names,
        }
    }

    fn client(&mut self) -> Result<&mut Client> {
        self.client.as_mut().ok_or(Error::NotConnected)
    }

    /// Connects to `url`, logs in and changes to its path, if any.
    pub async fn open(&mut self, url: FtpUrl) -> Result<()> {
        if let Some(old) = self.client.take() {
            let _ = old.quit().await;
        }
        let mut client = connect_and_login(&url, &self.sources, self.options.clone()).await?;
        self.notices.say(notice::connected(&url, client.peer()));
        if !url.path.is_empty() {
            client.cwd(&url.path).await?;
        }
        self.client = Some(client);
        self.url = Some(url);
        self.refresh_names().await;
        Ok(())
    }

    /// Refills the completion cache; a failure only leaves completion without remote names.
    async fn refresh_names(&mut self) {
        let Some(cache) = self.names.clone() else {
            return;
        };
        let Some(client) = self.client.as_mut() else {
            return;
        };
        // Parsed entries, so that directories complete with a `/`; NLST when the listing fails.
        let names = match client.entries(None).await {
            Ok(entries) => entries.into_iter().map(completion_name).collect(),
            Err(_) => client.nlst(None).await.unwrap_or_default(),
        };
        if let Ok(mut slot) = cache.lock() {
            *slot = names;
        };
    }

    /// Runs one command.
    pub async fn execute(&mut self, command: ShellCommand) -> Result<Flow> {
        let changes_names = matches!(
            command,
            ShellCommand::Cd(_)
                | ShellCommand::Cdup
                | ShellCommand::Mkdir(_)
                | ShellCommand::Rmdir(_)
                | ShellCommand::Rm(_)
                | ShellCommand::Rename { .. }
                | ShellCommand::Put { .. }
                | ShellCommand::Append { .. }
                | ShellCommand::Mput(_)
        );
        let flow = match self.run(command).await {
            Ok(flow) => flow,
            Err(error) => {
                // After a 421, a broken connection or a timeout the session is out of step: drop it, so
                // the next command says "not connected" instead of failing obscurely.
                if matches!(
                    error,
                    Error::ServiceClosing(_) | Error::ConnectionLost(_) | Error::Timeout(_)
                ) {
                    self.client = None;
                }
                return Err(error);
            }
        };
        if changes_names {
            self.refresh_names().await;
        }
        Ok(flow)
    }

    async fn run(&mut self, command: ShellCommand) -> Result<Flow> {
        match command {
            ShellCommand::Open(text) => self.open(crate::url::parse(&text)?).await?,
            ShellCommand::Close => {
                let client = self.client.take().ok_or(Error::NotConnected)?;
                self.url = None;
                client.quit().await?;
                self.notices.say("Disconnected.");
            }
            ShellCommand::User { name, password } => {
                let url = self.url.clone().ok_or(Error::NotConnected)?;
                let url = FtpUrl {
                    user: Some(name),
                    password,
                    ..url
                };
                let sources = self.sources.clone();
                let (user, password) = crate::cli::login::credentials(&url, &sources)?;
                self.client()?.login(&user, &password).await?;
                self.notices.say(format!("Logged in as {user}."));
            }
            ShellCommand::Ls(path) => print!("{}", self.client()?.list(path.as_deref()).await?),
            ShellCommand::LsLong(path) => {
                let entries = self.client()?.entries(path.as_deref()).await?;
                let now = crate::mirror::tree::now_unix();
                for entry in entries {
                    println!("{}", crate::listing::long_line(&entry, now));
                }
            }
            ShellCommand::Mirror(args) => self.mirror(&args).await?,
            ShellCommand::Pget {
                remote,
                local,
                segments,
            } => {
                let local = local.unwrap_or_else(|| base_name(&remote).to_string());
                let remote = self.absolute(&remote).await?;
                let login = self.login()?;
                let (progress, notices) = (self.progress, self.notices);
                crate::cli::mirror::run_pget(
                    &login,
                    &remote,
                    Path::new(&local),
                    segments,
                    progress,
                    notices,
                )
                .await?;
            }
            ShellCommand::Nlist(path) => {
                for name in self.client()?.nlst(path.as_deref()).await? {
                    println!("{name}");
                }
            }
            ShellCommand::Cd(path) => {
                self.client()?.cwd(&path).await?;
                self.notices.say(format!("changed directory to {path}"));
            }
            ShellCommand::Cdup => {
                self.client()?.cdup().await?;
                self.notices.say("changed directory to ..");
            }
            ShellCommand::Pwd => println!("{}", self.client()?.pwd().await?),
            ShellCommand::Mkdir(path) => {
                let created = self.client()?.mkdir(&path).await?;
                self.notices.say(format!("created {created}"));
            }
            ShellCommand::Rmdir(path) => {
                self.client()?.rmdir(&path).await?;
                self.notices.say(format!("removed directory {path}"));
            }
            ShellCommand::Get {
                remote,
                local,
                resume,
            } => {
                let local = local
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(base_name(&remote)));
                self.get(&remote, &local, resume).await?;
            }
            ShellCommand::Put { local, remote } => {
                let remote = remote.unwrap_or_else(|| base_name(&local).to_string());
                self.put(Path::new(&local), &remote).await?;
            }
            ShellCommand::Mget(patterns) => self.mget(&patterns).await?,
            ShellCommand::Mput(patterns) => self.mput(&patterns).await?,
            ShellCommand::Rm(path) => {
                self.client()?.delete(&path).await?;
                self.notices.say(format!("deleted {path}"));
            }
            ShellCommand::Rename { from, to } => {
                self.client()?.rename(&from, &to).await?;
                self.notices.say(format!("renamed {from} to {to}"));
            }
            ShellCommand::Append { local, remote } => {
                let remote = remote.unwrap_or_else(|| base_name(&local).to_string());
                let sent = self
                    .client()?
                    .append_file(Path::new(&local), &remote, &mut |_| {})
                    .await?;
                self.notices
                    .say(format!("appended {local} to {remote} ({sent} bytes)"));
            }
            ShellCommand::Size(path) => println!("{}", self.client()?.size(&path).await?),
            ShellCommand::Mdtm(path) => {
                println!("{}", self.client()?.modification_time(&path).await?)
            }
            ShellCommand::Chmod { mode, path } => {
                self.client()?.chmod(mode, &path).await?;
                self.notices.say(format!("mode of {path} set to {mode:o}"));
            }
            ShellCommand::Quote(line) => {
                // The reply as the server sent it, every line, whatever its code.
                let reply = self.client()?.raw(&line).await?;
                print!("{}", notice::reply_text(&reply));
            }
            ShellCommand::Lcd(dir) => {
                let now = local::change_directory(dir.as_deref())?;
                self.notices
                    .say(format!("local directory now {}", now.display()));
            }
            ShellCommand::Lpwd => println!("{}", local::current_directory()?.display()),
            ShellCommand::Lls(path) => {
                for name in local::list(path.as_deref())? {
                    println!("{name}");
                }
            }
            ShellCommand::Local(command) => {
                // The shell shows progress exactly when a person is at the terminal.
                if let Some(code) = local::run(&command, self.progress)? {
                    eprintln!("ftp-client: ! exited with status {code}");
                }
            }
            ShellCommand::Set(None) => println!("{}", setting::show(&self.options.tls)),
            ShellCommand::Set(Some(change)) => {
                let said = change.apply(&mut self.options.tls);
                self.notices.say(said);
            }
            ShellCommand::Binary => self.set_type(TransferType::Binary),
            ShellCommand::Ascii => self.set_type(TransferType::Ascii),
            ShellCommand::Passive => self.set_mode(DataMode::Passive),
            ShellCommand::Active => self.set_mode(DataMode::Active),
            ShellCommand::Verbose(on) => {
                self.verbose = on.unwrap_or(!self.verbose);
                let transcript = self.verbose.then(stderr_transcript);
                self.options.transcript = transcript.clone();
                if let Some(client) = self.client.as_mut() {
                    client.set_transcript(transcript);
                }
                self.notices.say(format!(
                    "verbose {}",
                    if self.verbose { "on" } else { "off" }
                ));
            }
            ShellCommand::Status => self.status(),
            ShellCommand::Help(topic) => println!("{}", help(topic.as_deref())?),
            ShellCommand::Quit => {
                if let Some(client) = self.client.take() {
                    client.quit().await?;
                }
                return Ok(Flow::Quit);
            }
        }
        Ok(Flow::Continue)
    }

    /// A [`crate::connect::Login`] for more sessions to the open connection's server.
    fn login(&self) -> Result<crate::connect::Login> {
        let url = self.url.as_ref().ok_or(Error::NotConnected)?;
        crate::cli::login::login_for(url, &self.sources, self.options.clone())
    }

    /// `path` made absolute against the remote current directory, for other sessions.
    async fn absolute(&mut self, path: &str) -> Result<String> {
        if path.starts_with('/') {
            return Ok(path.to_string());
        }
        let cwd = self.client()?.pwd().await?;
        Ok(crate::mirror::tree::remote_join(&cwd, path))
    }

    /// `mirror`: the remote side is a path on this connection (relative to its current directory)
    /// or a URL of the same server.
    async fn mirror(&mut self, args: &crate::cli::mirror::MirrorArgs) -> Result<()> {
        let (remote, local) = if args.reverse {
            (&args.destination, &args.source)
        } else {
            (&args.source, &args.destination)
        };
        let remote = match crate::url::parse(remote) {
            Ok(url) if remote.contains("://") => url.path.trim_end_matches('/').to_string(),
            _ => self.absolute(remote.trim_end_matches('/')).await?,
        };
        let login = self.login()?;
        let spec = args.spec(remote, PathBuf::from(local));
        crate::cli::mirror::run_mirror(&login, &spec, self.progress, self.notices)
            .await
            .map(drop)
    }

    fn set_type(&mut self, transfer_type: TransferType) {
        self.options.transfer_type = transfer_type;
        if let Some(client) = self.client.as_mut() {
            client.set_transfer_type(transfer_type);
        }
        self.notices.say(format!("transfer type {transfer_type:?}"));
    }

    fn set_mode(&mut self, mode: DataMode) {
        self.options.mode = mode;
        if let Some(client) = self.client.as_mut() {
            client.set_mode(mode);
        }
        self.notices.say(format!("data connections: {mode:?}"));
    }

    fn status(&self) {
        match (&self.client, &self.url) {
            (Some(client), Some(url)) => {
                let tls = if client.is_tls() {
                    "under TLS"
                } else {
                    "plain FTP"
                };
                println!("{}", notice::connected(url, client.peer()));
                println!("The connection is {tls}.");
            }
            _ => println!("Not connected."),
        }
        println!(
            "Mode: {:?}; type: {:?}; verbose: {}; timeout: {}s",
            self.options.mode,
            self.options.transfer_type,
            self.verbose,
            self.options.timeout.as_secs()
        );
        println!("{}", setting::show(&self.options.tls));
    }

    async fn get(&mut self, remote: &str, local: &Path, resume: bool) -> Result<()> {
        let bar = Bar::new(remote, self.progress);
        let started = std::time::Instant::now();
        let result = self
            .client()?
            .get_file(remote, local, resume, &mut |p| bar.update(p))
            .await;
        bar.finish();
        let done = result?;
        self.notices.say(notice::downloaded(
            remote,
            local,
            done.received,
            done.offset,
            started.elapsed(),
        ));
        Ok(())
    }

    async fn put(&mut self, local: &Path, remote: &str) -> Result<()> {
        let bar = Bar::new(remote, self.progress);
        let started = std::time::Instant::now();
        let result = self
            .client()?
            .put_file(local, remote, &mut |p| bar.update(p))
            .await;
        bar.finish();
        let sent = result?;
        self.notices
            .say(notice::uploaded(local, remote, sent, started.elapsed()));
        Ok(())
    }

    async fn mget(&mut self, patterns: &[String]) -> Result<()> {
        for pattern in patterns {
            let (dir, name_pattern) = match pattern.rsplit_once('/') {
                Some((dir, name)) => (Some(dir.to_string()), name.to_string()),
                None => (None, pattern.clone()),
            };
            let matcher = glob::Pattern::new(&name_pattern)
                .map_err(|error| Error::Usage(format!("bad pattern {pattern:?}: {error}")))?;
            let names = self.client()?.nlst(dir.as_deref()).await?;
            let mut matched: Vec<String> = names
                .iter()
                .map(|name| base_name(name).to_string())
                .filter(|name| matcher.matches(name))
                .collect();
            matched.sort();
            if matched.is_empty() {
                return Err(Error::Usage(format!("no remote file matches {pattern:?}")));
            }
            for name in matched {
                let remote = match &dir {
                    Some(dir) => format!("{dir}/{name}"),
                    None => name.clone(),
                };
                self.get(&remote, Path::new(&name), false).await?;
            }
        }
        Ok(())
    }

    async fn mput(&mut self, patterns: &[String]) -> Result<()> {
        for pattern in patterns {
            let paths = glob::glob(pattern)
                .map_err(|error| Error::Usage(format!("bad pattern {pattern:?}: {error}")))?;
            let mut files = Vec::new();
            for path in paths {
                let path = path.map_err(|error| {
                    Error::local(
                        error.path().to_path_buf(),
                        std::io::Error::other(error.to_string()),
                    )
                })?;
                if path.is_file() {
                    files.push(path);
                }
            }
            if files.is_empty() {
                return Err(Error::Usage(format!("no local file matches {pattern:?}")));
            }
            for path in files {
                let remote = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.put(&path, &remote).await?;
            }
        }
        Ok(())
    }

    /// Logs out, if connected; for the end of input.
    pub async fn close(&mut self) -> Result<()> {
        match self.client.take() {
            Some(client) => client.quit().await,
            None => Ok(()),
        }
    }
}

/// An entry's name as completion offers it: directories end in `/`.
fn completion_name(entry: ftp_proto::listing::Entry) -> String {
    match entry.kind {
        ftp_proto::listing::EntryKind::Dir => format!("{}/", entry.name),
        _ => entry.name,
    }
}

/// The last component of a `/`-separated path.
pub fn base_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}
