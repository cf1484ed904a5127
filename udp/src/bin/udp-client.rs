//! `udp-client`: parses the command line and hands over to the library.

use anyhow::Context;
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use udp_tools::chat::client::{ChatClient, ClientConfig as ChatConfig, Event};
use udp_tools::echo::{EchoClient, RetryPolicy};
use udp_tools::tftp::client::{self as tftp, ClientConfig};
use udp_tools::tftp::options::Requested;
use udp_tools::tftp::packet::Mode as TftpMode;

const EXAMPLES: &str = "\
Examples:
  udp-client echo 127.0.0.1:9000 hello     # prints HELLO
  printf 'a\\nb\\n' | udp-client echo 127.0.0.1:9000
  udp-client echo [::1]:9000 --timeout-ms 200 --retries 5 hi
  udp-client chat 127.0.0.1:9001 --nick ann          # type lines; /who, /quit
  udp-client tftp get 127.0.0.1:6969 big.iso                       # saves ./big.iso
  udp-client tftp get 127.0.0.1:6969 notes.txt n.txt --mode netascii
  udp-client tftp put 127.0.0.1:6969 up.bin ./local.bin --blksize 1428 --windowsize 16";

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
    /// Chat through a relay: stdin lines are sent, others' messages printed; /who, /quit.
    #[command(after_help = EXAMPLES)]
    Chat {
        /// Relay address, e.g. 127.0.0.1:9001.
        server: SocketAddr,
        /// Your nickname (1-32 bytes, no spaces); must be unique on the relay.
        #[arg(long)]
        nick: String,
    },
    /// Download (get) or upload (put) a file over TFTP.
    #[command(after_help = EXAMPLES)]
    Tftp {
        #[command(subcommand)]
        direction: Direction,
    },
}

#[derive(Subcommand)]
enum Direction {
    /// Download REMOTE into LOCAL (default: REMOTE's file name).
    Get(TftpArgs),
    /// Upload LOCAL (default: REMOTE's file name) as REMOTE.
    Put(TftpArgs),
}

#[derive(clap::Args)]
struct TftpArgs {
    /// Server address, e.g. 127.0.0.1:69.
    server: SocketAddr,
    /// File name on the server.
    remote: String,
    /// Local file.
    local: Option<PathBuf>,
    /// Transfer mode.
    #[arg(long, value_enum, default_value = "octet")]
    mode: ModeArg,
    /// Request this block size (RFC 2348, 8-65464).
    #[arg(long, value_parser = clap::value_parser!(u16).range(8..=65464))]
    blksize: Option<u16>,
    /// Request this window size (RFC 7440, 1-65535).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    windowsize: Option<u16>,
    /// Request this retransmission timeout in seconds (RFC 2349, 1-255).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
    timeout: Option<u8>,
    /// Ask for / announce the transfer size (RFC 2349).
    #[arg(long)]
    tsize: bool,
    /// Local retransmission timeout in milliseconds when no timeout is negotiated.
    #[arg(long, default_value_t = 1000)]
    retransmit_ms: u64,
    /// Retransmissions before giving up.
    #[arg(long, default_value_t = 5)]
    retries: u32,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Octet,
    Netascii,
}

async fn run_chat(server: SocketAddr, nick: String) -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;
    let (client, mut events) = ChatClient::join(server, &nick, ChatConfig::default()).await?;
    println!("* joined as {nick}; /who lists members, /quit leaves");
    let printer = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                Event::Message { nick, text } => println!("<{nick}> {text}"),
                Event::Joined { nick } => println!("* {nick} joined"),
                Event::Left { nick, reason } => println!("* {nick} left ({reason})"),
            }
        }
    });
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        match line.trim_end() {
            "/quit" => break,
            "/who" => match client.who().await {
                Ok(nicks) => println!("* members: {}", nicks.join(", ")),
                Err(e) => eprintln!("udp-client: {e}"),
            },
            "" => {}
            text => {
                // A refused or lost message is reported and the session goes on.
                if let Err(e) = client.say(text).await {
                    eprintln!("udp-client: {e}");
                }
            }
        }
    }
    printer.abort();
    client.leave().await?;
    Ok(())
}

async fn run_tftp(direction: Direction) -> anyhow::Result<()> {
    let (is_get, args) = match direction {
        Direction::Get(a) => (true, a),
        Direction::Put(a) => (false, a),
    };
    let local = match args.local {
        Some(l) => l,
        None => PathBuf::from(
            std::path::Path::new(&args.remote)
                .file_name()
                .with_context(|| {
                    format!(
                        "cannot derive a local name from {:?}; give LOCAL",
                        args.remote
                    )
                })?,
        ),
    };
    let mode = match args.mode {
        ModeArg::Octet => TftpMode::Octet,
        ModeArg::Netascii => TftpMode::Netascii,
    };
    let mut config = ClientConfig {
        mode,
        options: Requested {
            blksize: args.blksize,
            windowsize: args.windowsize,
            timeout: args.timeout,
            tsize: None,
        },
        timeout: Duration::from_millis(args.retransmit_ms.max(1)),
        retries: args.retries,
        // This thread runs nothing but the transfer (see `main`).
        dedicated_thread: true,
    };
    let started = std::time::Instant::now();
    let outcome = if is_get {
        config.options.tsize = args.tsize.then_some(0);
        // Download into a temporary name first so a failed transfer leaves no partial file.
        let partial = local.with_extension("tftp-part");
        let file = tokio::fs::File::create(&partial)
            .await
            .with_context(|| partial.display().to_string())?;
        match tftp::get(args.server, &args.remote, file, &config).await {
            Ok(o) => {
                tokio::fs::rename(&partial, &local).await?;
                o
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(e.into());
            }
        }
    } else {
        let file = tokio::fs::File::open(&local)
            .await
            .with_context(|| local.display().to_string())?;
        if args.tsize {
            config.options.tsize = Some(file.metadata().await?.len());
        }
        tftp::put(args.server, &args.remote, file, &config).await?
    };
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{} {} bytes in {:.3} s ({:.2} MB/s, blksize {}, windowsize {})",
        if is_get { "received" } else { "sent" },
        outcome.bytes,
        secs,
        outcome.bytes as f64 / secs / 1e6,
        outcome.negotiated.blksize,
        outcome.negotiated.windowsize
    );
    Ok(())
}

async fn run_echo(
    server: SocketAddr,
    text: Option<String>,
    policy: RetryPolicy,
) -> anyhow::Result<()> {
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

// One thread: a client runs one conversation, and a lock-step transfer waits on every packet,
// so handing each wake-up between worker threads (as the multi-threaded runtime does) only
// adds latency. A TFTP transfer even blocks this thread in its socket calls (a dedicated
// thread, see `tftp::wire`). File I/O still goes to tokio's blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    udp_tools::init_logging();
    let cli = cli_usage::parse::<Cli>();
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
        Mode::Chat { server, nick } => run_chat(server, nick).await,
        Mode::Tftp { direction } => run_tftp(direction).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the context chain on one line: `path: No such file or directory`.
            eprintln!("udp-client: {e:#}");
            ExitCode::FAILURE
        }
    }
}
