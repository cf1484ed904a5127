//! `udp-client`: parses the command line and hands over to the library.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use udp_tools::echo::{EchoClient, RetryPolicy};

const EXAMPLES: &str = "\
Examples:
  udp-client echo 127.0.0.1:9000 hello     # prints HELLO
  printf 'a\\nb\\n' | udp-client echo 127.0.0.1:9000
  udp-client echo [::1]:9000 --timeout-ms 200 --retries 5 hi";

/// UDP clients: echo, chat and TFTP.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Send TEXT (or each stdin line) and print the replies.
    #[command(after_help = EXAMPLES)]
    Echo {
        /// Server address, e.g. 127.0.0.1:9000 or [::1]:9000.
        server: SocketAddr,
        /// Text to send; without it every line of stdin is sent.
        text: Option<String>,
        /// Milliseconds to wait for a reply before resending.
        #[arg(long, default_value_t = 1000)]
        timeout_ms: u64,
        /// Resends before reporting the datagram lost.
        #[arg(long, default_value_t = 3)]
        retries: u32,
    },
}

async fn run_echo(
    server: SocketAddr,
    text: Option<String>,
    policy: RetryPolicy,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = EchoClient::connect(server, policy).await?;
    let lines: Box<dyn Iterator<Item = std::io::Result<String>>> = match text {
        Some(t) => Box::new(std::iter::once(Ok(t))),
        None => Box::new(std::io::stdin().lock().lines()),
    };
    for line in lines {
        let reply = client.request(line?.as_bytes()).await?;
        println!("{}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.mode {
        Mode::Echo {
            server,
            text,
            timeout_ms,
            retries,
        } => {
            let policy = RetryPolicy {
                timeout: Duration::from_millis(timeout_ms),
                retries,
            };
            run_echo(server, text, policy).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp-client: {e}");
            ExitCode::FAILURE
        }
    }
}
