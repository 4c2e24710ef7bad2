//! Measures frame decoding alone: `MessageSource` over a file written by `MessageSink`.
//!
//! `cargo run --release -p sea-streamer-file --features runtime-tokio --example parse_speed [N]`

use sea_streamer_file::{FileId, MessageSink, MessageSource, StreamMode};
use sea_streamer_types::{MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
use std::io::Write;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("ss-parse-{}.ss", std::process::id()));
    let id = FileId::new(path.to_str().ok_or("path")?);
    let mut sink = MessageSink::new(id.clone(), 1024 * 1024, u64::MAX).await?;
    let key = StreamKey::new("bench")?;
    let t = Instant::now();
    for i in 0..n {
        let h = MessageHeader::new(key.clone(), ShardId::new(0), i, Timestamp::now_utc());
        sink.write(OwnedMessage::new(h, vec![b'x'; 256]))?;
    }
    sink.end(false).await?;
    let dt = t.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(out, "sink:   {:.0} frames/s", n as f64 / dt)?;
    let mut source = MessageSource::new(id, StreamMode::Replay).await?;
    let t = Instant::now();
    for _ in 0..n {
        source.next().await?;
    }
    let dt = t.elapsed().as_secs_f64();
    writeln!(out, "source: {:.0} frames/s", n as f64 / dt)?;
    std::fs::remove_file(&path)?;
    Ok(())
}
