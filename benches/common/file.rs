//! File backend loops: write `n` messages to a `.ss` file, read them back, and open a
//! consumer for seeking.

use super::PAYLOAD_SIZE;
use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileErr, FileStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamErr, StreamKey,
    Streamer, StreamerUri,
};
use std::path::Path;
use std::time::{Duration, Instant};

/// The stream key every file benchmark writes.
pub const KEY: &str = "bench";

/// How a timed produce run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Stop the clock once every frame has reached the OS (`flush`); `end` runs untimed.
    Flush,
    /// Stop the clock after `end`: flush plus fsync, like `dd conv=fdatasync`.
    Sync,
}

fn uri(path: &Path) -> StreamerUri {
    format!("file://{}", path.display())
        .parse()
        .expect("file path makes a valid streamer URI")
}

fn key() -> StreamKey {
    StreamKey::new(KEY).expect("valid key")
}

/// Appends `n` messages of `payload` to the file at `path` (created if missing) and
/// returns the time from the first send until `finish`.
pub async fn produce(path: &Path, n: u64, payload: &str, finish: Finish) -> Duration {
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(true);
    let streamer = FileStreamer::connect(uri(path), options)
        .await
        .expect("connect file streamer");
    let mut producer = streamer
        .create_producer(key(), Default::default())
        .await
        .expect("create file producer");
    let start = Instant::now();
    for _ in 0..n {
        // The receipt is ready at once (the frame is queued); dropping it is allowed. The
        // producer's queue is bounded (100 000 messages by default): when the writer falls
        // that far behind, wait for it (as a user's loop would) and send again.
        loop {
            match producer.send(payload) {
                Ok(receipt) => break drop(receipt),
                Err(StreamErr::Backend(FileErr::QueueFull { .. })) => {
                    producer.flush().await.expect("flush")
                }
                Err(e) => panic!("send: {e}"),
            }
        }
    }
    let elapsed = match finish {
        Finish::Flush => {
            producer.flush().await.expect("flush");
            let elapsed = start.elapsed();
            producer.end().await.expect("end");
            elapsed
        }
        Finish::Sync => {
            producer.end().await.expect("end");
            start.elapsed()
        }
    };
    elapsed
}

/// Builds a file of `n` messages (flushing every 100 000 so the queue stays small).
pub async fn build(path: &Path, n: u64, payload: &str) {
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(true);
    let streamer = FileStreamer::connect(uri(path), options)
        .await
        .expect("connect file streamer");
    let mut producer = streamer
        .create_producer(key(), Default::default())
        .await
        .expect("create file producer");
    for i in 1..=n {
        drop(producer.send(payload).expect("send"));
        if i.is_multiple_of(100_000) {
            producer.flush().await.expect("flush");
        }
    }
    producer.end().await.expect("end");
}

/// Opens a replay consumer on the file at `path` and returns the time to read its first
/// `n` messages (consumer creation included).
pub async fn consume(path: &Path, n: u64) -> Duration {
    let streamer = FileStreamer::connect(uri(path), Default::default())
        .await
        .expect("connect file streamer");
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_live_streaming(false);
    let start = Instant::now();
    let consumer = streamer
        .create_consumer(&[key()], options)
        .await
        .expect("create file consumer");
    for _ in 0..n {
        let message = consumer.next().await.expect("next");
        assert_eq!(message.message().size(), PAYLOAD_SIZE);
    }
    start.elapsed()
}

/// A consumer that follows the whole file (`LiveReplay`), for `rewind` benchmarks.
pub async fn seek_consumer(path: &Path) -> FileConsumer {
    let streamer = FileStreamer::connect(uri(path), Default::default())
        .await
        .expect("connect file streamer");
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_live_streaming(true);
    streamer
        .create_consumer(&[key()], options)
        .await
        .expect("create file consumer")
}
