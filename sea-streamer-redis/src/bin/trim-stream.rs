//! Trims a Redis stream to about `maxlen` entries (`XTRIM <key> MAXLEN ~ <maxlen>`).
//!
//! `trim-stream --stream redis://localhost/hello --maxlen 1000`

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{StreamUrl, Streamer};
use std::process::ExitCode;

/// Trim a Redis stream to about MAXLEN entries (XTRIM MAXLEN ~). Logs how many entries were
/// removed (at `info`); a failure (e.g. the key holds no stream: WRONGTYPE) exits 1.
#[derive(Debug, Parser)]
#[command(name = "trim-stream", version)]
struct Args {
    /// Streamer URL with exactly one stream key, e.g. redis://localhost/hello
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
    /// Keep about this many of the newest entries
    #[arg(long)]
    maxlen: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("trim-stream", run(args).await)
}

async fn run(Args { stream, maxlen }: Args) -> Result<()> {
    let key = stream
        .stream_key()
        .context("--stream must name exactly one stream")?;
    let servers = exit::servers(&stream);
    let streamer = RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default())
        .await
        .with_context(|| format!("connecting to {servers}"))?;
    let producer = streamer.create_generic_producer(Default::default()).await?;
    let trimmed = producer
        .trim(&key, maxlen)
        .await
        .with_context(|| format!("XTRIM {key} on {servers}"))?;
    log::info!("XTRIM {key} trimmed {trimmed} entries");
    Ok(())
}
