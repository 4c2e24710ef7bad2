//! Rough throughput check: a producer writes N messages of 256 bytes, then a consumer replays them.
//!
//! `cargo run --release -p sea-streamer-file --features runtime-tokio --example throughput [N]`

use sea_streamer_file::{AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Producer, StreamKey, Streamer, StreamerUri,
};
use std::io::Write;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("ss-throughput-{}.ss", std::process::id()));
    let uri: StreamerUri = format!("file://{}", path.display()).parse()?;
    let mut options = FileConnectOptions::default();
    options.set_create_only(true);
    let streamer = FileStreamer::connect(uri, options).await?;
    let key = StreamKey::new("bench")?;
    let payload = [b'x'; 256];

    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await?;
    let t = Instant::now();
    for _ in 0..n {
        producer.send(&payload[..])?;
    }
    producer.flush().await?;
    let dt = t.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "producer: {n} msgs in {dt:.3}s = {:.0} msgs/s",
        n as f64 / dt
    )?;

    let mut o = FileConsumerOptions::new(ConsumerMode::RealTime);
    o.set_auto_stream_reset(AutoStreamReset::Earliest);
    o.set_live_streaming(false);
    let consumer = streamer.create_consumer(&[key], o).await?;
    let t = Instant::now();
    for _ in 0..n {
        consumer.next().await?;
    }
    let dt = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "consumer: {n} msgs in {dt:.3}s = {:.0} msgs/s",
        n as f64 / dt
    )?;
    drop(producer);
    std::fs::remove_file(&path)?;
    Ok(())
}
