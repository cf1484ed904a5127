//! `udp-server`: parses the command line, binds the socket, prints `listening on IP:PORT` and
//! hands over to the library. Nothing else lives here.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::UdpSocket;

use udp_tools::chat::server::{self as chat_server, ChatConfig};
use udp_tools::echo::{self, EchoMode};
use udp_tools::tftp::jail::Root;
use udp_tools::tftp::server::{self as tftp_server, ServerConfig};

const EXAMPLES: &str = "\
Examples:
  udp-server echo --port 9000              # reply with the text upper-cased
  udp-server echo --port 9000 --plain      # reply verbatim
  udp-server echo --port 0                 # any free port; prints `listening on IP:PORT`
  udp-server chat --port 9001              # chat relay
  udp-server tftp --port 6969 --root ./srv            # read-only TFTP
  udp-server tftp --port 6969 --root ./srv --write    # also accept uploads (new files only)
  udp-server tftp --port 6969 --root ./srv --write --overwrite --max-transfers 32";

/// UDP servers: echo, chat relay and TFTP.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

/// Where to listen; shared by every mode.
#[derive(clap::Args)]
struct Listen {
    /// UDP port to listen on; 0 picks a free one (printed on stdout).
    #[arg(long, short)]
    port: u16,
    /// Address to bind (0.0.0.0 or :: to serve other hosts).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
}

#[derive(Subcommand)]
enum Mode {
    /// Answer each datagram: upper-cased text, or verbatim with --plain.
    #[command(after_help = EXAMPLES)]
    Echo {
        #[command(flatten)]
        listen: Listen,
        /// Reply with the datagram unchanged instead of upper-casing it.
        #[arg(long)]
        plain: bool,
    },
    /// Relay chat messages between members (join, relay, keepalive, member list).
    #[command(after_help = EXAMPLES)]
    Chat {
        #[command(flatten)]
        listen: Listen,
        /// Drop a member not heard from for this many seconds.
        #[arg(long, default_value_t = 15)]
        drop_after_secs: u64,
    },
    /// Serve the files under --root over TFTP (RFC 1350, options 2347-2349, windowsize 7440).
    #[command(after_help = EXAMPLES)]
    Tftp {
        #[command(flatten)]
        listen: Listen,
        /// Directory to serve; requests cannot leave it.
        #[arg(long)]
        root: PathBuf,
        /// Accept uploads (WRQ); without it they get "access violation".
        #[arg(long)]
        write: bool,
        /// Let uploads replace existing files (never read-only ones); without it they get ERROR 6.
        #[arg(long, requires = "write")]
        overwrite: bool,
        /// Transfers running at once; further requests get ERROR 0 "server busy".
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_transfers: u64,
        /// Of those, how many each get a thread of their own (lock-step transfers run faster
        /// blocking in their own socket calls); 0 runs every transfer on the shared threads.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=4096))]
        threaded_transfers: u64,
        /// Retransmission timeout in milliseconds unless the client negotiates one.
        #[arg(long, default_value_t = 1000)]
        timeout_ms: u64,
        /// Largest windowsize granted.
        #[arg(long, default_value_t = 64)]
        max_windowsize: u16,
    },
}

async fn bind(listen: &Listen) -> std::io::Result<UdpSocket> {
    let socket = UdpSocket::bind(SocketAddr::new(listen.bind, listen.port)).await?;
    // Scripts and tests read this exact line to learn the port; print it only once bound.
    println!("listening on {}", socket.local_addr()?);
    Ok(socket)
}

async fn shutdown_signal() {
    // If the handler cannot be installed the server simply runs until killed.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    udp_tools::init_logging();
    let cli = cli_usage::parse::<Cli>();
    let result = match cli.mode {
        Mode::Echo { listen, plain } => match bind(&listen).await {
            Ok(socket) => {
                let mode = if plain {
                    EchoMode::Plain
                } else {
                    EchoMode::Upper
                };
                echo::serve(socket, mode, shutdown_signal()).await
            }
            Err(e) => Err(e),
        },
        Mode::Chat {
            listen,
            drop_after_secs,
        } => match bind(&listen).await {
            Ok(socket) => {
                let config = ChatConfig {
                    drop_after: Duration::from_secs(drop_after_secs.max(1)),
                    ..ChatConfig::default()
                };
                chat_server::serve(socket, config, shutdown_signal()).await
            }
            Err(e) => Err(e),
        },
        Mode::Tftp {
            listen,
            root,
            write,
            overwrite,
            max_transfers,
            threaded_transfers,
            timeout_ms,
            max_windowsize,
        } => match Root::new(&root) {
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("--root {}: {e}", root.display()),
            )),
            Ok(root) => match bind(&listen).await {
                Ok(socket) => {
                    let mut config = ServerConfig::new(root);
                    config.allow_write = write;
                    config.allow_overwrite = overwrite;
                    config.max_transfers = usize::try_from(max_transfers).unwrap_or(256);
                    config.threaded_transfers = usize::try_from(threaded_transfers).unwrap_or(64);
                    config.timeout = Duration::from_millis(timeout_ms.max(1));
                    config.limits.max_windowsize = max_windowsize.max(1);
                    tftp_server::serve(socket, config, shutdown_signal()).await
                }
                Err(e) => Err(e),
            },
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp-server: {e}");
            ExitCode::FAILURE
        }
    }
}
