//! `aggregator`: moving average of the mid price of a stream of spreads, over sliding
//! windows of event time.
//!
//! ```sh
//! aggregator --input file://./spreads.ss/spreads --output file://./averages.ss/averages --window 10s --slide 1s
//! ```

use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{parse_duration, StartFrom},
    endpoint::{open_consumer, open_producer},
    moving_average::{run_aggregator, WindowSpec},
};
use std::time::Duration;

/// Consume a stream of spreads and produce, per pair and window, the average of the mid
/// prices ((bid + ask) / 2) of the spreads quoted in the window:
/// {"pair","start","end","average","samples"}. Windows are --window long and start every
/// --slide, aligned to the Unix epoch, on the time the exchange quoted each spread. A
/// window comes out once a spread quoted --lateness after its end has been seen; spreads
/// that come later than that for one of their windows are logged and left out.
///
/// Stops after --count input messages, or when a file:// input has ended; then the open
/// windows come out too (and, for a file:// output, the output ends).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream of spreads, e.g. file://./spreads.ss/spreads
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream to write the averages to (one key), e.g. file://./averages.ss/averages
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Length of each window, by quote time
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    window: Duration,
    /// How often a window starts (at most --window; equal to it: tumbling windows)
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    slide: Duration,
    /// How far out of order a spread may come and still be counted
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    lateness: Duration,
    /// Stop after this many input messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start reading the input
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
    #[command(flatten)]
    metrics: sea_streamer_examples::observe::MetricsArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let args = Args::parse();
    args.metrics.serve()?;
    let spec = WindowSpec::sliding(args.window, args.slide)?.with_allowed_lateness(args.lateness);
    let (_input, consumer) = open_consumer(&args.input, args.from).await?;
    let (_output, producer) = open_producer(&args.output).await?;
    let n = run_aggregator(&consumer, &producer, spec, args.count).await?;
    producer.end().await?;
    eprintln!("aggregator: produced {n} average(s)");
    Ok(())
}
