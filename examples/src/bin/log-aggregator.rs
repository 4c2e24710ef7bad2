//! `log-aggregator`: counts each log line per time window, from any stream.
//!
//! ```sh
//! log-aggregator --input kafka://localhost:9092/logs --window 1m
//! log-aggregator --input file://./logs.ss/logs --output file://./counts.ss/counts --window 10s
//! ```

use clap::Parser;
use sea_streamer::{fuse::WindowSpec, Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{parse_duration, StartFrom},
    endpoint::{open_consumer, open_producer},
    log_count::{run_log_aggregator, CountSink},
    runner::shutdown_signal,
};
use std::time::Duration;

/// Count how often each log line (one message = one line) occurs per time window of the
/// messages' timestamps, and print the counts as JSON lines {"line","start","end","count"}
/// (or send them to --output). A window's counts come out once a message --lateness past its
/// end has been seen; the open windows when the input ends (file://), after --count
/// messages, or on SIGINT/SIGTERM. Lines later than that are left out (and logged).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream(s) of log lines, e.g. kafka://localhost:9092/logs
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream (one key) to send the counts to, instead of printing them
    #[arg(long, value_name = "URL")]
    output: Option<StreamUrl>,
    /// Length of each window
    #[arg(long, default_value = "1m", value_parser = parse_duration)]
    window: Duration,
    /// How often a window starts (default: --window, i.e. tumbling windows)
    #[arg(long, value_parser = parse_duration)]
    slide: Option<Duration>,
    /// How far out of order a line may come and still be counted
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
    let shutdown = shutdown_signal();
    let slide = args.slide.unwrap_or(args.window);
    let spec = WindowSpec::sliding(args.window, slide)?.with_allowed_lateness(args.lateness);
    let (_input, consumer) = open_consumer(&args.input, args.from).await?;
    let n = match &args.output {
        Some(url) => {
            let (_output, producer) = open_producer(url).await?;
            let sink = CountSink::<std::io::Stdout>::Stream(&producer);
            let n = run_log_aggregator(&consumer, spec, args.count, shutdown, sink).await?;
            producer.end().await?;
            n
        }
        None => {
            let sink = CountSink::Writer(std::io::stdout().lock());
            run_log_aggregator(&consumer, spec, args.count, shutdown, sink).await?
        }
    };
    eprintln!("log-aggregator: {n} count(s)");
    Ok(())
}
