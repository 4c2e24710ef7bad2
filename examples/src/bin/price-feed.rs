//! `price-feed`: streams the bid/ask spreads of a websocket feed.
//!
//! ```sh
//! feed-replay --listen 127.0.0.1:9001 &
//! price-feed --feed ws://127.0.0.1:9001 --output file://./spreads.ss/spreads
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, parse_duration, show},
    endpoint::open_producer,
    price_feed::{run_price_feed, FeedOptions},
};
use std::time::Duration;

/// Subscribe to a websocket feed of bid/ask spreads and produce each spread to a stream as
/// JSON ({"pair","timestamp","bid","ask","bid_vol","ask_vol"}); heartbeats are skipped.
///
/// Ends (and ends its producer) when the feed closes the connection. Plain ws:// only.
#[derive(Debug, Parser)]
#[command(name = "price-feed", version)]
struct Args {
    /// Websocket feed, e.g. ws://127.0.0.1:9001 (see feed-replay)
    #[arg(long, value_name = "WS_URL")]
    feed: String,
    /// Text message to send after connecting, e.g. a subscription request
    #[arg(long, value_name = "JSON")]
    subscribe: Option<String>,
    /// How long to keep retrying while the feed refuses connections (e.g. is starting)
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    connect_timeout: Duration,
    /// Stream to write (one key), e.g. file://./spreads.ss/spreads or
    /// redis://localhost:6379/spreads
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("price-feed", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (_streamer, producer) = open_producer(&args.output)
        .await
        .with_context(|| format!("opening the output {}", show(&args.output)))?;
    let options = FeedOptions {
        url: args.feed,
        subscribe: args.subscribe,
        connect_timeout: args.connect_timeout,
    };
    let stats = run_price_feed(&options, &producer).await?;
    producer.end().await?;
    eprintln!(
        "price-feed: streamed {} spread(s), skipped {} heartbeat(s)",
        stats.spreads, stats.heartbeats
    );
    Ok(())
}
