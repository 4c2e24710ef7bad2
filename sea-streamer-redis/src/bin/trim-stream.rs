//! Trims a Redis stream to about `maxlen` entries (`XTRIM <key> MAXLEN ~ <maxlen>`).
//!
//! `trim-stream --stream redis://localhost/hello --maxlen 1000`

use anyhow::Result;
use clap::Parser;
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{StreamUrl, Streamer};

#[derive(Debug, Parser)]
#[command(about = "Trim a Redis stream to about MAXLEN entries (XTRIM MAXLEN ~)")]
struct Args {
    /// Streamer URL with exactly one stream key, e.g. redis://localhost/hello
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
    /// Keep about this many of the newest entries
    #[arg(long)]
    maxlen: u32,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream, maxlen } = Args::parse();
    let key = stream.stream_key()?;
    let streamer =
        RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default()).await?;
    let producer = streamer.create_generic_producer(Default::default()).await?;
    match producer.trim(&key, maxlen).await {
        Ok(n) => log::info!("XTRIM {key} trimmed {n} entries"),
        Err(e) => log::error!("{e}"),
    }
    Ok(())
}
