//! `tick-producer`: sends clock ticks `{"tick":N}` to a stream, then ends the producer.
//!
//! ```sh
//! tick-producer --output file://./clock.ss/tick --count 10 --interval 100ms
//! tick-producer --output redis://127.0.0.1:6379/tick --count 10
//! tick-producer --output stdio:///tick --count 3          # prints the messages
//! tick-producer --output kafka://127.0.0.1:9092/tick --kafka-message-timeout 10s
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, parse_duration, show, ProducerArgs},
    endpoint::open_producer_with,
    tick::produce_ticks,
};
use std::time::Duration;

/// Send clock ticks ({"tick":0}, {"tick":1}, ...) to a stream.
///
/// Works on every backend: file://, stdio:// (needs no server), redis://, kafka://.
/// A file:// stream is created if missing and gets an end-of-stream mark when the
/// producer ends, so file consumers stop by themselves.
#[derive(Debug, Parser)]
#[command(name = "tick-producer", version)]
struct Args {
    /// Stream to write, with exactly one stream key, e.g. file://./clock.ss/tick,
    /// redis://localhost:6379/tick, kafka://localhost:9092/tick or stdio:///tick
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Number of ticks to send (default: forever)
    #[arg(long)]
    count: Option<u64>,
    /// Time between ticks: an integer with ns, us, ms, s or m
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    interval: Duration,
    #[command(flatten)]
    producer: ProducerArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("tick-producer", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let options = args.producer.producer_options();
    let (_streamer, producer) = open_producer_with(&args.output, options)
        .await
        .with_context(|| format!("opening the output {}", show(&args.output)))?;
    let sent = produce_ticks(&producer, args.count, args.interval).await?;
    producer.end().await?;
    // stdout may be the stream itself (stdio://): report on stderr
    eprintln!("tick-producer: sent {sent} tick(s)");
    Ok(())
}
