//! Rough throughput check: a producer writes N messages of 256 bytes, then a consumer replays them.
//! The same run also times `cat file > /dev/null` (a page-cache read), the ceiling on a noisy machine.
//!
//! `cargo run --release -p sea-streamer-file --features runtime-tokio --example throughput [N] [FILE]`
//!
//! Without `FILE` a temporary file is written, consumed and removed. With a `FILE` that does not
//! exist it is written, consumed and kept; with one that exists only the consumer runs (useful
//! under `perf stat`).

use sea_streamer_file::{AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Producer, StreamKey, Streamer, StreamerUri,
};
use std::io::Write;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let given = args.next().map(std::path::PathBuf::from);
    let path = given.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ss-throughput-{}.ss", std::process::id()))
    });
    let produce = !path.exists();
    let uri: StreamerUri = format!("file://{}", path.display()).parse()?;
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(true);
    let streamer = FileStreamer::connect(uri, options).await?;
    let key = StreamKey::new("bench")?;
    let payload = [b'x'; 256];
    let mut out = std::io::stdout().lock();

    let producer = if produce {
        let mut producer = streamer
            .create_producer(key.clone(), Default::default())
            .await?;
        let t = Instant::now();
        for _ in 0..n {
            producer.send(&payload[..])?;
        }
        producer.flush().await?;
        let dt = t.elapsed().as_secs_f64();
        writeln!(
            out,
            "producer: {n} msgs in {dt:.3}s = {:.0} msgs/s",
            n as f64 / dt
        )?;
        Some(producer)
    } else {
        None
    };

    // the ceiling of this run: reading the same file from the page cache
    let size = std::fs::metadata(&path)?.len();
    let t = Instant::now();
    let status = std::process::Command::new("cat")
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .status()?;
    let dt = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "cat > /dev/null: {size} bytes in {dt:.3}s = {:.0} MB/s ({status}); {:.0} msgs/s equivalent",
        size as f64 / dt / 1e6,
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
    if given.is_none() {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
