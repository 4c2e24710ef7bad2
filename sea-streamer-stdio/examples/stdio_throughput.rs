//! Measures pipe throughput with 256-byte payloads:
//!
//! ```sh
//! cargo build --release -p sea-streamer-stdio --example stdio_throughput
//! T=target/release/examples/stdio_throughput
//! $T produce 2000000 | $T consume 2000000
//! ```
//!
//! `produce N` prints N messages to stdout; `consume N` reads N messages from stdin and
//! reports the rate on stderr.

use futures::executor::block_on;
use sea_streamer_stdio::{StdioConsumerOptions, StdioResult, StdioStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, Producer, StreamKey, Streamer, StreamerUri};
use std::time::Instant;

async fn produce(n: usize) -> StdioResult<()> {
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let mut producer = streamer
        .create_producer(StreamKey::new("bench")?, Default::default())
        .await?;
    let payload = "x".repeat(256);
    for _ in 0..n {
        producer.send(payload.as_str())?;
    }
    producer.flush().await?;
    streamer.disconnect().await
}

async fn consume(n: usize) -> StdioResult<()> {
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let consumer = streamer
        .create_consumer(&[StreamKey::new("bench")?], StdioConsumerOptions::default())
        .await?;
    let first = consumer.next().await?;
    let start = Instant::now();
    let mut bytes = first.message().size();
    for _ in 1..n {
        bytes += consumer.next().await?.message().size();
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} messages ({bytes} payload bytes) in {secs:.3} s: {:.0} msgs/s",
        (n - 1) as f64 / secs
    );
    Ok(())
}

fn main() -> StdioResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    match args.get(1).map(String::as_str) {
        Some("produce") => block_on(produce(n)),
        Some("consume") => block_on(consume(n)),
        _ => {
            eprintln!("usage: stdio_throughput produce|consume [N]");
            Ok(())
        }
    }
}
