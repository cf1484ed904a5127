//! `ftp-server` command line: parses and checks the arguments into a [`Config`], binds, prints the one
//! `listening on IP:PORT` line scripts wait for, and serves until Ctrl-C (SIGINT) or SIGTERM, then shuts
//! down as `Server::run` describes, within `--shutdown-grace`.
//!
//! Every failure is one line on stderr, `ftp-server: what went wrong`, and exit code 2: clap's usage
//! errors through `cli-usage`, everything after through `anyhow` (its context first, then the cause).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use ftp_server::{CertificateSource, Config, PortRange, Server, TlsConfig};

const EXAMPLES: &str = "\
Examples:
  Serve ./fixtures/root read-only on port 2121:
    ftp-server --port 2121 --root ./fixtures/root
  Let anonymous users upload, on a free port (the chosen port is printed):
    ftp-server --port 0 --root /srv/ftp --write
  Behind NAT, with a fixed passive range and a public address for 227 replies:
    ftp-server --port 21 --root /srv/ftp --pasv-ports 50000-50100 --pasv-address 203.0.113.7
  FTPS (AUTH TLS on the FTP port, implicit TLS on 990), with a certificate made at start-up:
    ftp-server --port 21 --root /srv/ftp --tls-self-signed --implicit-tls-port 990";

/// An anonymous FTP server: RFC 959 with the classic anonymous-FTP dialogue, jailed to one directory.
#[derive(Parser, Debug)]
#[command(name = "ftp-server", version, after_help = EXAMPLES)]
struct Cli {
    /// TCP port for the control connection (0 picks a free one).
    #[arg(long)]
    port: u16,
    /// Directory to serve; clients can never reach outside it.
    #[arg(long)]
    root: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Allow uploads, MKD, RMD, DELE and renames (read-only without it).
    #[arg(long)]
    write: bool,
    /// Take passive-mode ports from this range, LOW-HIGH.
    #[arg(long, value_name = "LOW-HIGH", value_parser = PortRange::parse)]
    pasv_ports: Option<PortRange>,
    /// IPv4 address to announce in 227 replies (when behind NAT).
    #[arg(long, value_name = "IP")]
    pasv_address: Option<IpAddr>,
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

impl Cli {
    /// Turns the arguments into a checked configuration, or a one-line error.
    fn into_config(self) -> anyhow::Result<(SocketAddr, Config)> {
        if !self.root.is_dir() {
            bail!("--root {}: not an existing directory", self.root.display());
        }
        if matches!(self.pasv_address, Some(IpAddr::V6(_))) {
            bail!("--pasv-address must be an IPv4 address (227 replies carry IPv4 only)");
        }
        let mut config = Config::new(&self.root);
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
        config.pasv_ports = self.pasv_ports;
        config.pasv_address = self.pasv_address;
        config.idle_timeout = Duration::from_secs(self.idle_timeout);
        config.data_timeout = Duration::from_secs(self.data_timeout);
        config.max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        config.max_per_ip = usize::try_from(self.max_per_ip).unwrap_or(usize::MAX);
        config.shutdown_grace = Duration::from_secs(self.shutdown_grace);
        config.tls = self.tls.into_config()?;
        Ok((SocketAddr::new(self.bind, self.port), config))
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
    let cli = cli_usage::parse::<Cli>();
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

fn run(cli: Cli) -> anyhow::Result<()> {
    let (addr, config) = cli.into_config()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    runtime.block_on(serve(addr, config))
}

async fn serve(addr: SocketAddr, config: Config) -> anyhow::Result<()> {
    let server = Server::bind(addr, config).await?;
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
