//! Sends ten JSON messages `{"hello": 0}` … `{"hello": 9}` to one Redis stream, then flushes.
//!
//! `producer --stream redis://localhost/hello`

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{Producer, StreamUrl, Streamer};
use std::process::ExitCode;

/// Send ten messages {"hello": i} to a Redis stream; exits 0 once every one is stored.
#[derive(Debug, Parser)]
#[command(name = "producer", version)]
struct Args {
    /// Streamer URL with exactly one stream key, e.g. redis://localhost/hello
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("producer", run(args).await)
}

async fn run(Args { stream }: Args) -> Result<()> {
    let key = stream
        .stream_key()
        .context("--stream must name exactly one stream")?;
    let servers = exit::servers(&stream);
    let streamer = RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default())
        .await
        .with_context(|| format!("connecting to {servers}"))?;
    let producer = streamer.create_producer(key, Default::default()).await?;
    let mut receipts = Vec::new();
    for i in 0..10 {
        let message = format!("{{\"hello\": {i}}}");
        log::info!("{message}");
        receipts.push(producer.send(message)?);
    }
    for (i, receipt) in receipts.into_iter().enumerate() {
        receipt
            .await
            .with_context(|| format!("sending message {i} to {servers}"))?;
    }
    producer.end().await.context("flushing the producer")?;
    Ok(())
}
