//! `sink`: writes `tick-{i}` frames to a fresh `.ss` file with the low-level `MessageSink`.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{FileId, MessageSink, DEFAULT_BEACON_INTERVAL, DEFAULT_FILE_SIZE_LIMIT};
use sea_streamer_types::{
    parse_duration, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
};
use std::{process::ExitCode, time::Duration};

/// Write ticks to a new SeaStreamer `.ss` file with the low-level `MessageSink`.
///
/// The file is created or truncated (default beacon interval and size limit). Frame `i` has key
/// `clock`, shard 0, sequence `i` (starting at 0), the current time and payload `tick-{i}`; each
/// frame is flushed to the OS as it is written.
#[derive(Debug, Parser)]
#[command(name = "sink", version)]
struct Args {
    /// The `.ss` file to write (created or truncated).
    #[arg(long, value_name = "PATH")]
    file: String,
    /// Time between frames: an integer with `ns`, `us`, `ms`, `s` or `m` (e.g. 100us, 500ms, 2s, 1m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    interval: Duration,
    /// Stop after this many frames and end the file without EOS (default: run until interrupted).
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("sink", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let mut sink = MessageSink::new(
        FileId::new(args.file.clone()),
        DEFAULT_BEACON_INTERVAL,
        DEFAULT_FILE_SIZE_LIMIT,
    )
    .await
    .with_context(|| format!("cannot write {}", args.file))?;
    let key = StreamKey::new("clock")?;
    let mut tick = tokio::time::interval(args.interval);
    let mut i: u64 = 0;
    while args.count.is_none_or(|n| i < n) {
        tick.tick().await;
        let header = MessageHeader::new(key.clone(), ShardId::new(0), i, Timestamp::now_utc());
        sink.write(OwnedMessage::new(header, format!("tick-{i}").into_bytes()))?;
        sink.flush().await?;
        i += 1;
    }
    sink.end(false).await?;
    Ok(())
}
