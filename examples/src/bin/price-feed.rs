//! `price-feed`: streams the bid/ask spreads of Kraken's websocket feed (or a replay of it).
//!
//! ```sh
//! price-feed --output redis://localhost:6379/GBP_USD          # wss://ws.kraken.com/, GBP/USD
//! feed-replay --listen 127.0.0.1:9001 &
//! price-feed --feed ws://127.0.0.1:9001 --output file://./spreads.ss/spreads
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, parse_duration, show},
    endpoint::open_producer,
    kraken::subscribe_request,
    price_feed::{run_price_feed, FeedOptions},
};
use std::time::Duration;

/// Subscribe to the bid/ask spreads of Kraken's websocket feed (API v1) and produce each
/// spread to a stream as JSON ({"pair","timestamp","bid","ask","bid_vol","ask_vol"});
/// heartbeats are skipped, system and subscription statuses logged, a refused subscription
/// is an error.
///
/// Ends (and ends its producer) when the feed closes the connection. ws:// and wss:// (the
/// system's root certificates, or those in the file SSL_CERT_FILE names).
#[derive(Debug, Parser)]
#[command(name = "price-feed", version)]
struct Args {
    /// Websocket feed: Kraken's, or a replay such as ws://127.0.0.1:9001 (see feed-replay)
    #[arg(long, value_name = "WS_URL", default_value = "wss://ws.kraken.com/")]
    feed: String,
    /// Pair to subscribe to (repeat for several)
    #[arg(long = "pair", value_name = "PAIR", default_value = "GBP/USD")]
    pairs: Vec<String>,
    /// Text message to send after connecting instead of the spread subscription of --pair
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
        subscribe: Some(
            args.subscribe
                .unwrap_or_else(|| subscribe_request(&args.pairs)),
        ),
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
