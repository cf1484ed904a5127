//! `ftp-server` command line: parses and checks the arguments into a [`Config`], binds, prints the one
//! `listening on IP:PORT` line scripts wait for, and serves until Ctrl-C (SIGINT) or SIGTERM, then shuts
//! down as `Server::run` describes, within `--shutdown-grace`.
//!
//! `--config FILE` puts the file's options before the command line's (see `ftp_server::config_file`),
//! so flags override the file. SIGHUP reloads the users file. `ftp-server user add|passwd` maintain the
//! users file instead of serving.
//!
//! Every failure is one line on stderr, `ftp-server: what went wrong`, and exit code 2: clap's usage
//! errors through `cli-usage`, everything after through `anyhow` (its context first, then the cause).

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{CommandFactory, Parser, Subcommand};
use ftp_server::accounts::AccountStore;
use ftp_server::{config_file, CertificateSource, Config, PortRange, Server, TlsConfig};

mod user_command;

use user_command::{edit_users, UserAction};

const EXAMPLES: &str = "\
Examples:
  Serve ./fixtures/root read-only on port 2121:
    ftp-server --port 2121 --root ./fixtures/root
  Let anonymous users upload, on a free port (the chosen port is printed):
    ftp-server --port 0 --root /srv/ftp --write
  Behind NAT, with a fixed passive range and a public address (or host name) for 227 replies:
    ftp-server --port 21 --root /srv/ftp --pasv-ports 50000-50100 --pasv-address ftp.example.com
  IPv6 and IPv4 on every address, a transfer log:
    ftp-server --port 21 --root /srv/ftp --bind :: --xferlog /var/log/xferlog
  FTPS (AUTH TLS on the FTP port, implicit TLS on 990), with a certificate made at start-up:
    ftp-server --port 21 --root /srv/ftp --tls-self-signed --implicit-tls-port 990
  Every option from a file (keys are the long option names), one overridden:
    ftp-server --config /etc/ftp-server.toml --port 2121
  Named accounts (anonymous off unless --anonymous), banning addresses after 5 failed logins:
    ftp-server --port 21 --root /srv/ftp --users /etc/ftp-users.toml --ban-after 5
  Add an account (asks for the password; reads it from stdin when that is not a terminal):
    ftp-server user add alice --home /alice --rights read,write,mkdir --users /etc/ftp-users.toml
    echo 's3cret' | ftp-server user passwd alice --users /etc/ftp-users.toml";

/// An FTP server: RFC 959 with the classic anonymous-FTP dialogue and named accounts, jailed to one
/// directory.
#[derive(Parser, Debug)]
#[command(
    name = "ftp-server",
    version,
    after_help = EXAMPLES,
    // A later occurrence wins: the command line overrides what `--config` put before it.
    args_override_self = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    action: Option<Action>,
    /// Read options from this TOML file: each key is an option's long name (`pasv-ports = "5000-5100"`);
    /// options given on the command line override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// TCP port for the control connection (0 picks a free one).
    #[arg(long, required = true)]
    port: Option<u16>,
    /// Directory to serve; clients can never reach outside it.
    #[arg(long, required = true)]
    root: Option<PathBuf>,
    /// Address to listen on; `::` is every address, IPv6 and IPv4.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Allow anonymous uploads, MKD, RMD, DELE and renames (read-only without it).
    #[arg(long)]
    write: bool,
    /// Named accounts: a TOML users file (see `ftp-server user add`). Reloaded on SIGHUP.
    #[arg(long, value_name = "FILE", global = true)]
    users: Option<PathBuf>,
    /// Let `anonymous`/`ftp` log in: on or off [default: on without --users, off with it].
    #[arg(long, value_name = "ON|OFF", num_args = 0..=1, default_missing_value = "on",
          value_parser = clap::builder::BoolishValueParser::new())]
    anonymous: Option<bool>,
    /// After this many failed logins from one address within --ban-window, refuse that address (421)
    /// for --ban-time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    ban_after: Option<u32>,
    /// How long a failed login counts towards --ban-after, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    ban_window: u64,
    /// How long a banned address is refused, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    ban_time: u64,
    /// How long a refused login waits before its 530, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=60))]
    failed_login_delay: u64,
    /// Append one line per file transfer to FILE, in the wu-ftpd/vsftpd xferlog format.
    #[arg(long, value_name = "FILE")]
    xferlog: Option<PathBuf>,
    /// Take passive-mode ports from this range, LOW-HIGH.
    #[arg(long, value_name = "LOW-HIGH", value_parser = PortRange::parse)]
    pasv_ports: Option<PortRange>,
    /// IPv4 address, or a host name resolved at start-up, to announce in 227 replies (behind NAT).
    #[arg(long, value_name = "IP|HOST")]
    pasv_address: Option<String>,
    /// Close a session idle this many seconds (421); a transfer that moves no byte for this long is
    /// given up (426).
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Give up on a data connection not made within this many seconds (425).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    data_timeout: u64,
    /// Refuse connections beyond this many at once (421).
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections: u64,
    /// Refuse connections from one address beyond this many at once (421).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_per_ip: u64,
    /// On SIGTERM or SIGINT, let running transfers go on this many seconds; one still running then gets
    /// 426 (an upload keeps no partial file). Idle sessions get 421 at once.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    shutdown_grace: u64,
    /// File whose lines form the 230 welcome shown after login.
    #[arg(long, value_name = "FILE")]
    welcome: Option<PathBuf>,
    /// Server name in the greeting and goodbye (default: this host's name).
    #[arg(long)]
    name: Option<String>,
    /// More log output on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Less log output on stderr (-q warnings only, -qq errors only).
    #[arg(short, long, action = clap::ArgAction::Count)]
    quiet: u8,
    #[command(flatten)]
    tls: TlsArgs,
}

/// FTPS (RFC 4217): AUTH TLS, PBSZ, PROT, and an implicit-TLS port.
#[derive(clap::Args, Debug)]
struct TlsArgs {
    /// Offer FTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Offer FTPS with a certificate made at start-up for localhost (its SHA-256 fingerprint is printed).
    #[arg(long)]
    tls_self_signed: bool,
    /// Also listen on this port for implicit FTPS (TLS from the first byte; usually 990; 0 picks one).
    #[arg(long, value_name = "PORT")]
    implicit_tls_port: Option<u16>,
    /// Named users must send AUTH TLS before USER (530 otherwise).
    #[arg(long)]
    require_tls: bool,
    /// Anonymous users too must send AUTH TLS before USER.
    #[arg(long)]
    require_tls_anonymous: bool,
    /// Accept PROT P data connections that do not resume the control connection's TLS session (for
    /// clients that cannot; a thief who wins the race to a passive port is then not kept out).
    #[arg(long)]
    tls_resumption_optional: bool,
}

impl TlsArgs {
    /// The TLS settings, `None` without a certificate; the policy flags need one.
    fn into_config(self) -> anyhow::Result<Option<TlsConfig>> {
        let certificate = match (self.tls_cert, self.tls_key, self.tls_self_signed) {
            (Some(cert), Some(key), _) => CertificateSource::Pem { cert, key },
            (_, _, true) => CertificateSource::SelfSigned,
            _ => {
                let policy = self.implicit_tls_port.is_some()
                    || self.require_tls
                    || self.require_tls_anonymous
                    || self.tls_resumption_optional;
                if policy {
                    bail!("the TLS options need --tls-cert and --tls-key, or --tls-self-signed");
                }
                return Ok(None);
            }
        };
        let mut config = TlsConfig::new(certificate);
        config.implicit_port = self.implicit_tls_port;
        config.require_tls = self.require_tls;
        config.require_tls_anonymous = self.require_tls_anonymous;
        config.require_session_reuse = !self.tls_resumption_optional;
        Ok(Some(config))
    }
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Maintain the users file named by --users (or by `users` in --config).
    #[command(subcommand)]
    User(UserAction),
}

impl Cli {
    /// Turns the arguments into a checked configuration, or a one-line error.
    fn into_config(self) -> anyhow::Result<(SocketAddr, Config)> {
        let (Some(port), Some(root)) = (self.port, self.root) else {
            bail!("--port and --root are required to serve");
        };
        if !root.is_dir() {
            bail!("--root {}: not an existing directory", root.display());
        }
        let mut config = Config::new(&root);
        if let Some(name) = self.name {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_graphic()) {
                bail!("--name {name:?}: use printable characters without spaces");
            }
            config.welcome = ftp_server::config::default_welcome(&name);
            config.server_name = name;
        }
        if let Some(path) = &self.welcome {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--welcome {}", path.display()))?;
            config.welcome = text.lines().map(str::to_string).collect();
        }
        config.writable = self.write;
        config.anonymous = self.anonymous.unwrap_or(self.users.is_none());
        config.users_file = self.users;
        config.ban_after = self.ban_after;
        config.ban_window = Duration::from_secs(self.ban_window);
        config.ban_time = Duration::from_secs(self.ban_time);
        config.failed_login_delay = Duration::from_secs(self.failed_login_delay);
        config.xferlog = self.xferlog;
        config.pasv_ports = self.pasv_ports;
        config.pasv_address = self
            .pasv_address
            .as_deref()
            .map(resolve_pasv_address)
            .transpose()?;
        config.idle_timeout = Duration::from_secs(self.idle_timeout);
        config.data_timeout = Duration::from_secs(self.data_timeout);
        config.max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        config.max_per_ip = usize::try_from(self.max_per_ip).unwrap_or(usize::MAX);
        config.shutdown_grace = Duration::from_secs(self.shutdown_grace);
        config.tls = self.tls.into_config()?;
        Ok((SocketAddr::new(self.bind, port), config))
    }

    fn log_level(&self) -> &'static str {
        match (self.verbose, self.quiet) {
            (0, 0) => "info",
            (1, _) => "debug",
            (v, _) if v >= 2 => "trace",
            (_, 1) => "warn",
            _ => "error",
        }
    }
}

fn main() -> ExitCode {
    let arguments = match with_config_file(std::env::args_os().collect()) {
        Ok(arguments) => arguments,
        Err(error) => {
            eprintln!("ftp-server: {error:#}");
            return ExitCode::from(2);
        }
    };
    let cli = cli_usage::parse_from::<Cli, _, _>(arguments);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(cli.log_level()));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` puts the causes on the same line: `context: cause`.
            eprintln!("ftp-server: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The arguments with `--config FILE`'s options put first, so that the command line's own override
/// them. The file's options are checked alone first, so that a bad value in it is reported as the
/// file's.
fn with_config_file(arguments: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    // A first, forgiving parse only to find `--config`; the real parse reports everything else.
    let found = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(&arguments)
        .ok()
        .and_then(|matches| matches.get_one::<PathBuf>("config").cloned());
    let Some(path) = found else {
        return Ok(arguments);
    };
    let context = || format!("--config {}", path.display());
    let from_file = config_file::arguments(&path, &Cli::command())
        .map_err(anyhow::Error::msg)
        .with_context(context)?;
    let (program, given) = arguments.split_first().context("no program name")?;
    let file_only = std::iter::once(program.clone()).chain(from_file.iter().cloned());
    if let Err(error) = Cli::command().try_get_matches_from(file_only) {
        if error.kind() != clap::error::ErrorKind::MissingRequiredArgument {
            bail!("{}: {}", context(), cli_usage::one_line(&error));
        }
    }
    Ok(std::iter::once(program.clone())
        .chain(from_file)
        .chain(given.iter().cloned())
        .collect())
}

/// `--pasv-address`: an IPv4 address, or a host name resolved now to its first IPv4 address.
fn resolve_pasv_address(text: &str) -> anyhow::Result<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        if ip.is_ipv6() {
            bail!("--pasv-address must be an IPv4 address (227 replies carry IPv4 only)");
        }
        return Ok(ip);
    }
    let addresses = (text, 0)
        .to_socket_addrs()
        .with_context(|| format!("--pasv-address {text}: cannot resolve"))?;
    addresses
        .map(|address| address.ip())
        .find(IpAddr::is_ipv4)
        .with_context(|| format!("--pasv-address {text}: no IPv4 address"))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Action::User(action)) = cli.action {
        let users = cli
            .users
            .context("`user` needs the users file: --users FILE (or `users` in --config)")?;
        return edit_users(&users, action);
    }
    let (addr, config) = cli.into_config()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    runtime.block_on(serve(addr, config))
}

async fn serve(addr: SocketAddr, config: Config) -> anyhow::Result<()> {
    let server = Server::bind(addr, config).await?;
    // Listened for before `listening on` is printed: SIGHUP's default action would end the process.
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot listen for SIGHUP")?;
    tokio::spawn(reload_on_hangup(hangups, server.accounts()));
    let bound = server
        .local_addr()
        .context("cannot read the bound address")?;
    println!("listening on {bound}");
    if let Some(implicit) = server.implicit_tls_addr() {
        let implicit = implicit.context("cannot read the implicit-TLS address")?;
        println!("implicit TLS on {implicit}");
    }
    if let Some(fingerprint) = server.tls_fingerprint() {
        println!("TLS certificate SHA-256 fingerprint: {fingerprint}");
    }
    server.run(shutdown_signal()).await;
    Ok(())
}

/// Reloads the users file on every SIGHUP; a broken file is logged and the accounts stay as they were.
async fn reload_on_hangup(mut hangups: tokio::signal::unix::Signal, accounts: Arc<AccountStore>) {
    while hangups.recv().await.is_some() {
        match accounts.reload() {
            Ok(count) => tracing::info!(accounts = count, "SIGHUP: users file reloaded"),
            Err(error) => {
                tracing::error!(%error, "SIGHUP: users file not reloaded, keeping the accounts as they were")
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: no new connections, running transfers get the grace period");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// A new option is a new `--config` key by itself; this keeps its documentation from being forgotten.
    #[test]
    fn every_config_key_is_documented_and_in_the_example_file() {
        let readme = include_str!("../../README.md");
        let example = include_str!("../../fixtures/server.toml");
        for key in config_file::keys(&Cli::command()) {
            assert!(readme.contains(&format!("`{key}`")), "README: key `{key}`");
            assert!(
                example.contains(&format!("{key} =")),
                "fixtures/server.toml: {key}"
            );
        }
    }
}
