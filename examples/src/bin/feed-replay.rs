//! `feed-replay`: a local websocket server replaying a recorded price feed.
//!
//! ```sh
//! feed-replay --listen 127.0.0.1:9001 --interval 50ms &
//! price-feed --feed ws://127.0.0.1:9001 --output file://./spreads.ss/spreads
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer_examples::{
    cli::{exit, init_logger, parse_duration, print_line},
    replay::{load_recording, serve},
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Serve a recorded feed (one JSON message per line) over websocket: every client gets all
/// messages in order, then the connection is closed. After --clients clients the server
/// exits.
///
/// Prints `listening on ws://ADDRESS` once ready (useful with port 0).
#[derive(Debug, Parser)]
#[command(name = "feed-replay", version)]
struct Args {
    /// Recording to replay
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/spreads.jsonl"))]
    file: PathBuf,
    /// Address to listen on (port 0: any free port)
    #[arg(long, default_value = "127.0.0.1:9001")]
    listen: String,
    /// Time between messages: an integer with ns, us, ms, s or m
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    interval: Duration,
    /// Exit after serving this many clients
    #[arg(long, default_value_t = 1, conflicts_with = "forever")]
    clients: usize,
    /// Serve clients until interrupted
    #[arg(long)]
    forever: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("feed-replay", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let lines = Arc::new(load_recording(&args.file)?);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let mut stdout = std::io::stdout().lock();
    print_line(
        &mut stdout,
        &format!("listening on ws://{}", listener.local_addr()?),
    )?;
    drop(stdout);
    let clients = (!args.forever).then_some(args.clients);
    serve(listener, lines, args.interval, clients).await
}
