//! `blocking`: CPU-heavy processing on a thread pool while consuming.
//!
//! ```sh
//! blocking --input file://./clock.ss/tick --output file://./digests.ss/digests --workers 4
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, show, StartFrom},
    endpoint::{open_consumer, open_producer},
    work::run_blocking,
};

/// Consume a stream and run CPU-heavy work for each message on tokio's blocking thread
/// pool (at most --workers at a time, so a slow pool slows the consumer down instead of
/// piling up messages), producing {"sequence":..,"digest":..,"payload":..} in input order.
#[derive(Debug, Parser)]
#[command(name = "blocking", version)]
struct Args {
    /// Stream(s) to read, e.g. file://./clock.ss/tick
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream to write the results to (one key), e.g. file://./digests.ss/digests
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Messages processed at the same time (default: number of CPUs)
    #[arg(long)]
    workers: Option<usize>,
    /// Amount of work per message (hash rounds)
    #[arg(long, default_value_t = 100_000)]
    rounds: u32,
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
    exit("blocking", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let (_input, consumer) = open_consumer(&args.input, args.from)
        .await
        .with_context(|| format!("opening the input {}", show(&args.input)))?;
    let (_output, producer) = open_producer(&args.output)
        .await
        .with_context(|| format!("opening the output {}", show(&args.output)))?;
    let n = run_blocking(&consumer, &producer, workers, args.rounds, args.count).await?;
    producer.end().await?;
    eprintln!("blocking: processed {n} message(s) with {workers} worker(s)");
    Ok(())
}
