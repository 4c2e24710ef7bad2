//! `producer`: sends 1000 JSON payloads `{"hello": 0}` … `{"hello": 999}` to one Kafka topic,
//! then flushes.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_kafka::KafkaStreamer;
use sea_streamer_types::{Producer, StreamUrl, Streamer};
use std::process::ExitCode;

/// Send 1000 messages `{"hello": N}` to a Kafka topic and wait until all are delivered.
#[derive(Debug, Parser)]
#[command(name = "producer", version)]
struct Args {
    /// The topic to write, as a stream URL with exactly one stream key,
    /// e.g. `kafka://localhost:9092/hello`.
    #[arg(long, env = "STREAM_URL", value_name = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("producer", run(args).await)
}

async fn run(Args { stream }: Args) -> Result<()> {
    let topic = stream
        .stream_key()
        .context("--stream must name exactly one topic")?;
    let servers = exit::servers(&stream);
    // The connect error names the servers and the cause.
    let streamer = KafkaStreamer::connect(stream.streamer(), Default::default()).await?;
    let producer = streamer
        .create_producer(topic, Default::default())
        .await
        .with_context(|| format!("creating a producer on {servers}"))?;

    let mut receipts = Vec::with_capacity(1000);
    for i in 0..1000 {
        let message = format!("{{\"hello\": {i}}}");
        receipts.push(
            producer
                .send(message)
                .with_context(|| format!("sending message {i}"))?,
        );
    }
    for (i, receipt) in receipts.into_iter().enumerate() {
        receipt
            .await
            .with_context(|| format!("message {i} was not delivered to {servers}"))?;
    }
    streamer
        .disconnect()
        .await
        .context("not every message was delivered")?;
    Ok(())
}
