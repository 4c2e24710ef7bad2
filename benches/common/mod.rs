//! Helpers shared by the benchmark binaries: the 256-byte payload, the tokio runtime,
//! service discovery from the environment, a bounded window of in-flight receipts, and the
//! per-backend produce/consume loops that both the criterion benches and the throughput
//! harness time.
#![allow(dead_code)]

pub mod file;
pub mod kafka;
pub mod redis;
pub mod stdio;

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Size of every benchmark payload in bytes.
pub const PAYLOAD_SIZE: usize = 256;

/// The variable naming the Redis test server (`redis://127.0.0.1:16379`).
pub const REDIS_VAR: &str = "SEA_STREAMER_TEST_REDIS";

/// The variable naming the Kafka test broker (`kafka://127.0.0.1:19092`).
pub const KAFKA_VAR: &str = "SEA_STREAMER_TEST_KAFKA";

/// A 256-byte printable ASCII payload without spaces at either end (stdio trims payloads)
/// and without newlines (stdio is line based).
pub fn payload() -> String {
    let text: String = (0..PAYLOAD_SIZE)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    debug_assert_eq!(text.len(), PAYLOAD_SIZE);
    text
}

/// A multi-threaded tokio runtime for the async parts of a benchmark.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The URL in `var`, or `None` when it is unset or empty.
pub fn service_url(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// A name no other run of a benchmark uses: `{prefix}-{pid}-{nanos}`.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Messages per second of `n` messages in `elapsed`.
pub fn rate(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Scales a first-to-last-message time over `n` messages to an estimate for all `n`
/// (the first message's own time is not in the interval).
pub fn first_to_last(n: u64, span: Duration) -> Duration {
    if n <= 1 {
        return span;
    }
    span.mul_f64(n as f64 / (n - 1) as f64)
}

/// Keeps a few receipts in flight so a producer's queue stays bounded: every `every`-th
/// send's future is kept, and once more than `depth` are kept the oldest is awaited.
pub struct Window<F> {
    every: u64,
    depth: usize,
    count: u64,
    pending: VecDeque<F>,
}

impl<F, T, E> Window<F>
where
    F: Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    /// A window keeping every `every`-th receipt, at most `depth` of them.
    pub fn new(every: u64, depth: usize) -> Self {
        Self {
            every,
            depth,
            count: 0,
            pending: VecDeque::new(),
        }
    }

    /// Records one send; awaits the oldest kept receipt when the window is full.
    pub async fn push(&mut self, fut: F) {
        self.count += 1;
        if !self.count.is_multiple_of(self.every) {
            return;
        }
        self.pending.push_back(fut);
        if self.pending.len() > self.depth {
            if let Some(oldest) = self.pending.pop_front() {
                oldest.await.expect("receipt");
            }
        }
    }

    /// Awaits every kept receipt and finally `last` (the receipt of the last send).
    pub async fn finish(mut self, last: Option<F>) {
        while let Some(fut) = self.pending.pop_front() {
            fut.await.expect("receipt");
        }
        if let Some(last) = last {
            last.await.expect("last receipt");
        }
    }
}
