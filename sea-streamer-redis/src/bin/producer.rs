//! Sends ten JSON messages `{"hello": 0}` … `{"hello": 9}` to one Redis stream, then flushes.
//!
//! `producer --stream redis://localhost/hello`

use anyhow::Result;
use clap::Parser;
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{Producer, StreamUrl, Streamer};

#[derive(Debug, Parser)]
#[command(about = "Send ten messages {\"hello\": i} to a Redis stream")]
struct Args {
    /// Streamer URL with exactly one stream key, e.g. redis://localhost/hello
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream } = Args::parse();
    let streamer =
        RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default()).await?;
    let producer = streamer
        .create_producer(stream.stream_key()?, Default::default())
        .await?;
    for i in 0..10 {
        let message = format!("{{\"hello\": {i}}}");
        log::info!("{message}");
        producer.send(message)?;
    }
    producer.end().await?;
    Ok(())
}
