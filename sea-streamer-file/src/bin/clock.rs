//! `clock`: a producer that appends `tick-0`, `tick-1`, … to the stream `clock` of a `.ss` file.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{FileConnectOptions, FileId, FileStreamer};
use sea_streamer_types::{parse_duration, Producer, StreamKey, Streamer};
use std::{process::ExitCode, time::Duration};

/// Append a tick to the stream `clock` of a SeaStreamer `.ss` file at a fixed interval.
///
/// Uses a `FileStreamer` producer with default options, so the file must exist (an empty file is
/// fine: the producer writes the header). Messages are `tick-0`, `tick-1`, …; their sequence
/// numbers continue the stream's numbering in the file (starting at 1).
///
/// Example: `touch clock.ss && clock --file clock.ss --interval 1s`, then follow it with
/// `ss-decode` or a consumer.
#[derive(Debug, Parser)]
#[command(name = "clock", version)]
struct Args {
    /// The `.ss` file to append to (must exist).
    #[arg(long, value_name = "PATH")]
    file: String,
    /// Time between ticks: an integer with `ns`, `us`, `ms`, `s` or `m` (e.g. 100us, 500ms, 2s, 1m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    interval: Duration,
    /// Stop after this many ticks (default: run until interrupted).
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("clock", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let uri = FileId::new(args.file.clone())
        .to_streamer_uri()
        .with_context(|| format!("not a usable path: {}", args.file))?;
    let streamer = FileStreamer::connect(uri, FileConnectOptions::default())
        .await
        .with_context(|| format!("cannot open {}", args.file))?;
    let mut producer = streamer
        .create_producer(StreamKey::new("clock")?, Default::default())
        .await?;
    let mut tick = tokio::time::interval(args.interval);
    let mut i: u64 = 0;
    while args.count.is_none_or(|n| i < n) {
        tick.tick().await;
        producer.send(format!("tick-{i}"))?.await?;
        producer.flush().await?;
        i += 1;
    }
    producer.end().await?;
    Ok(())
}
