//! Redis backend loops: produce `n` messages to a stream and read them back with a
//! real-time consumer, and `redis-benchmark` as the server's own ceiling.

use super::{unique, Window, PAYLOAD_SIZE};
use sea_streamer_redis::{AutoStreamReset, RedisConsumerOptions, RedisProducer, RedisStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};
use std::process::Command;
use std::time::{Duration, Instant};

/// Longest wait for one message before a benchmark gives up.
const NEXT_TIMEOUT: Duration = Duration::from_secs(60);

/// Connects to the server at `url` (`redis://host:port`).
pub async fn connect(url: &str) -> RedisStreamer {
    RedisStreamer::connect(url.parse().expect("valid Redis URL"), Default::default())
        .await
        .expect("connect to Redis")
}

/// A fresh stream key.
pub fn new_key(prefix: &str) -> StreamKey {
    StreamKey::new(unique(prefix)).expect("valid key")
}

/// A producer (not anchored).
pub async fn producer(streamer: &RedisStreamer) -> RedisProducer {
    streamer
        .create_generic_producer(Default::default())
        .await
        .expect("create Redis producer")
}

/// Sends `n` messages of `payload` to `key` and returns the time until every `XADD` has
/// been answered (`flush`). At most 8 × 1024 receipts are kept in flight.
pub async fn produce(
    producer: &mut RedisProducer,
    key: &StreamKey,
    n: u64,
    payload: &str,
) -> Duration {
    let start = Instant::now();
    let mut window = Window::new(1024, 8);
    for _ in 0..n {
        window
            .push(producer.send_to(key, payload).expect("send"))
            .await;
    }
    window.finish(None).await;
    producer.flush().await.expect("flush");
    start.elapsed()
}

/// Reads the first `n` messages of `key` with a real-time consumer starting at the
/// beginning; returns the time from consumer creation (not included) to the last message.
pub async fn consume(streamer: &RedisStreamer, key: &StreamKey, n: u64) -> Duration {
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(key), options)
        .await
        .expect("create Redis consumer");
    let start = Instant::now();
    for i in 0..n {
        let message = tokio::time::timeout(NEXT_TIMEOUT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("Redis message {i} of {n} did not arrive"))
            .expect("next");
        assert_eq!(message.message().size(), PAYLOAD_SIZE);
    }
    let elapsed = start.elapsed();
    consumer.end().await.expect("end consumer");
    elapsed
}

/// `host` and `port` of a `redis://host:port` URL.
pub fn host_port(url: &str) -> (String, u16) {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(url)
        .trim_end_matches('/');
    let rest = rest.split('/').next().unwrap_or(rest);
    match rest.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse().unwrap_or(6379)),
        None => (rest.to_owned(), 6379),
    }
}

/// Runs `redis-benchmark -q` with `args` against `url` and returns its requests per second,
/// or `None` if the tool is missing or its output cannot be read.
pub fn redis_benchmark(url: &str, args: &[&str]) -> Option<f64> {
    let (host, port) = host_port(url);
    let output = Command::new("redis-benchmark")
        .args(["-h", &host, "-p", &port.to_string(), "-q"])
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    // `-q` prints e.g. `XADD k * f v: 123456.79 requests per second, p50=0.3 msec`,
    // possibly after progress lines separated by `\r`.
    let text = String::from_utf8_lossy(&output.stdout);
    text.rsplit(['\r', '\n'])
        .filter_map(|l| l.split_once(" requests per second"))
        .find_map(|(head, _)| head.rsplit(' ').next()?.parse().ok())
}

/// Deletes `key` with `redis-cli` (best effort), to leave the test server as it was.
pub fn redis_cli_del(url: &str, key: &str) {
    let (host, port) = host_port(url);
    let _ = Command::new("redis-cli")
        .args(["-h", &host, "-p", &port.to_string(), "DEL", key])
        .output();
}
