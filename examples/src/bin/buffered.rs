//! `buffered`: collects messages into batches and produces one message per batch.
//!
//! ```sh
//! buffered --input file://./clock.ss/tick --output file://./batches.ss/batches --batch-size 4
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    batch::run_buffered,
    cli::{exit, init_logger, parse_duration, show, StartFrom},
    endpoint::{open_consumer, open_producer},
};
use std::time::Duration;

/// Consume a stream in batches and produce each batch as one JSON message
/// {"batch":N,"payloads":[...]}: the pattern of sinks that are cheaper per batch than per
/// message, such as bulk database inserts.
///
/// A batch closes when it is full or --linger after its first message, whichever is first.
#[derive(Debug, Parser)]
#[command(name = "buffered", version)]
struct Args {
    /// Stream(s) to read, e.g. file://./clock.ss/tick
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream to write the batches to (one key), e.g. file://./batches.ss/batches
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Largest batch
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Longest wait for a batch to fill after its first message
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    linger: Duration,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start reading the input
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("buffered", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (_input, consumer) = open_consumer(&args.input, args.from)
        .await
        .with_context(|| format!("opening the input {}", show(&args.input)))?;
    let (_output, producer) = open_producer(&args.output)
        .await
        .with_context(|| format!("opening the output {}", show(&args.output)))?;
    let n = run_buffered(
        &consumer,
        &producer,
        args.batch_size,
        args.linger,
        args.count,
    )
    .await?;
    producer.end().await?;
    eprintln!("buffered: batched {n} message(s)");
    Ok(())
}
