//! `udp-server`: parses the command line, binds the socket, prints `listening on IP:PORT` and
//! hands over to the library. Nothing else lives here.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio::net::UdpSocket;
use udp_tools::echo::{self, EchoMode};

const EXAMPLES: &str = "\
Examples:
  udp-server echo --port 9000              # reply with the text upper-cased
  udp-server echo --port 9000 --plain      # reply verbatim
  udp-server echo --port 0                 # any free port; prints `listening on IP:PORT`";

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
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0")]
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
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp-server: {e}");
            ExitCode::FAILURE
        }
    }
}
