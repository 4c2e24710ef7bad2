//! `aggregator`: moving average of the mid price of a stream of spreads.
//!
//! ```sh
//! aggregator --input file://./spreads.ss/spreads --output file://./averages.ss/averages --window 10s
//! ```

use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{parse_duration, StartFrom},
    endpoint::{open_consumer, open_producer},
    moving_average::run_aggregator,
};
use std::time::Duration;

/// Consume a stream of spreads and, for each, produce the moving average of its pair's mid
/// price ((bid + ask) / 2) over a time window that ends at the spread's own timestamp:
/// {"pair","timestamp","mid","average","samples"}.
///
/// Stops after --count messages, or when a file:// input has ended (then the output ends
/// too).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream of spreads, e.g. file://./spreads.ss/spreads
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream to write the averages to (one key), e.g. file://./averages.ss/averages
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Length of the window, by message timestamp
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    window: Duration,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start reading the input
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let args = Args::parse();
    let (_input, consumer) = open_consumer(&args.input, args.from).await?;
    let (_output, producer) = open_producer(&args.output).await?;
    let n = run_aggregator(&consumer, &producer, args.window, args.count).await?;
    producer.end().await?;
    eprintln!("aggregator: produced {n} average(s)");
    Ok(())
}
