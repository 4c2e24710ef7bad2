//! `producer`: sends 1000 JSON payloads `{"hello": 0}` … `{"hello": 999}` to one Kafka topic,
//! then flushes.

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_kafka::KafkaStreamer;
use sea_streamer_types::{Producer, StreamUrl, Streamer};

/// Send 1000 messages `{"hello": N}` to a Kafka topic and wait until all are delivered.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The topic to write, as a stream URL with exactly one stream key,
    /// e.g. `kafka://localhost:9092/hello`.
    #[arg(long, env = "STREAM_URL", value_name = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream } = Args::parse();
    let topic = stream
        .stream_key()
        .context("--stream must name exactly one topic")?;

    let streamer = KafkaStreamer::connect(stream.streamer(), Default::default())
        .await
        .context("cannot connect to the Kafka cluster")?;
    let producer = streamer
        .create_producer(topic, Default::default())
        .await
        .context("cannot create the producer")?;

    for i in 0..1000 {
        let message = format!("{{\"hello\": {i}}}");
        producer
            .send(message)
            .with_context(|| format!("cannot send message {i}"))?;
    }

    streamer
        .disconnect()
        .await
        .context("not every message was delivered")?;
    Ok(())
}
