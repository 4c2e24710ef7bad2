//! `consumer`: prints every message of a Kafka topic (from the earliest), one per line,
//! until interrupted.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamUrl, Streamer,
};
use std::process::ExitCode;

/// Print every message of Kafka topics, from the earliest, one payload (UTF-8) per line.
/// Runs until interrupted; a closed stdout (`consumer ... | head -3`) ends it quietly.
#[derive(Debug, Parser)]
#[command(name = "consumer", version)]
struct Args {
    /// The topics to read, as a stream URL, e.g. `kafka://localhost:9092/hello`.
    #[arg(long, env = "STREAM_URL", value_name = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("consumer", run(args).await)
}

async fn run(Args { stream }: Args) -> Result<()> {
    anyhow::ensure!(!stream.stream_keys().is_empty(), "--stream names no topic");
    let servers = exit::servers(&stream);
    // The connect error names the servers and the cause.
    let streamer = KafkaStreamer::connect(stream.streamer(), Default::default()).await?;
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = streamer
        .create_consumer(stream.stream_keys(), options)
        .await
        .with_context(|| format!("creating a consumer on {servers}"))?;

    let mut stdout = std::io::stdout().lock();
    loop {
        let message = consumer
            .next()
            .await
            .with_context(|| format!("reading from {servers}"))?;
        let payload = message.message();
        let text = payload.as_str().with_context(|| {
            format!(
                "message {} / {} / {} is not UTF-8",
                message.stream_key(),
                message.shard_id().id(),
                message.sequence()
            )
        })?;
        exit::print_line(&mut stdout, text)?;
    }
}
