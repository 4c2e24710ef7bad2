//! `consumer`: prints every message of a Kafka topic (from the earliest), one per line,
//! until interrupted.

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamUrl, Streamer,
};
use std::io::Write;

/// Print every message of Kafka topics, from the earliest, one payload (UTF-8) per line.
/// Runs until interrupted.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The topics to read, as a stream URL, e.g. `kafka://localhost:9092/hello`.
    #[arg(long, env = "STREAM_URL", value_name = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream } = Args::parse();
    anyhow::ensure!(!stream.stream_keys().is_empty(), "--stream names no topic");

    let streamer = KafkaStreamer::connect(stream.streamer(), Default::default())
        .await
        .context("cannot connect to the Kafka cluster")?;
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = streamer
        .create_consumer(stream.stream_keys(), options)
        .await
        .context("cannot create the consumer")?;

    let stdout = std::io::stdout();
    loop {
        let message = consumer.next().await.context("cannot receive")?;
        let payload = message.message();
        let text = payload.as_str().with_context(|| {
            format!(
                "message {}:{} is not UTF-8",
                message.shard_id().id(),
                message.sequence()
            )
        })?;
        writeln!(stdout.lock(), "{text}").context("cannot write to stdout")?;
    }
}
