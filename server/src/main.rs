//! `ftp-server` command line: parses and checks the arguments into a [`Config`], binds, prints the one
//! `listening on IP:PORT` line scripts wait for, and serves until Ctrl-C or SIGTERM.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ftp_server::{Config, PortRange, Server};

const EXAMPLES: &str = "\
Examples:
  Serve ./fixtures/root read-only on port 2121:
    ftp-server --port 2121 --root ./fixtures/root
  Let anonymous users upload, on a free port (the chosen port is printed):
    ftp-server --port 0 --root /srv/ftp --write
  Behind NAT, with a fixed passive range and a public address for 227 replies:
    ftp-server --port 21 --root /srv/ftp --pasv-ports 50000-50100 --pasv-address 203.0.113.7";

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
}

impl Cli {
    /// Turns the arguments into a checked configuration, or a one-line error.
    fn into_config(self) -> Result<(SocketAddr, Config), String> {
        if !self.root.is_dir() {
            return Err(format!(
                "--root {}: not an existing directory",
                self.root.display()
            ));
        }
        if matches!(self.pasv_address, Some(IpAddr::V6(_))) {
            return Err(
                "--pasv-address must be an IPv4 address (227 replies carry IPv4 only)".into(),
            );
        }
        let mut config = Config::new(&self.root);
        if let Some(name) = self.name {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_graphic()) {
                return Err(format!(
                    "--name {name:?}: use printable characters without spaces"
                ));
            }
            config.welcome = ftp_server::config::default_welcome(&name);
            config.server_name = name;
        }
        if let Some(path) = &self.welcome {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--welcome {}: {e}", path.display()))?;
            config.welcome = text.lines().map(str::to_string).collect();
        }
        config.writable = self.write;
        config.pasv_ports = self.pasv_ports;
        config.pasv_address = self.pasv_address;
        config.idle_timeout = Duration::from_secs(self.idle_timeout);
        config.data_timeout = Duration::from_secs(self.data_timeout);
        config.max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
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
    let (addr, config) = match cli.into_config() {
        Ok(checked) => checked,
        Err(message) => return fail(&message),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the runtime: {error}")),
    };
    runtime.block_on(serve(addr, config))
}

async fn serve(addr: SocketAddr, config: Config) -> ExitCode {
    let server = match Server::bind(addr, config).await {
        Ok(server) => server,
        Err(error) => return fail(&error.to_string()),
    };
    match server.local_addr() {
        Ok(bound) => println!("listening on {bound}"),
        Err(error) => return fail(&format!("cannot read the bound address: {error}")),
    }
    server.run(shutdown_signal()).await;
    ExitCode::SUCCESS
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
    tracing::info!("shutting down: no new connections, waiting for transfers");
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ftp-server: {message}");
    ExitCode::from(2)
}
