//! The stdio backend's metrics (issue #13): producer handles per stream key, registered the
//! first time a producer sends to a key, and consumer handles per subscribed key, registered
//! with the consumer. Label values come from configuration (the keys), never from input lines.
//!
//! A producer records messages, bytes and errors (two atomic adds per message); its receipt
//! comes from the stdout thread with a whole printed batch, so the in-flight gauge and the
//! send-to-receipt histogram are not recorded for stdio. A consumer records what is dealt into
//! its queue (messages, bytes, the event-time latency of one message in 64).

use sea_streamer_types::{observe::names, ConsumerMetrics, StreamKey};
use std::sync::{Mutex, OnceLock};

/// The `backend` label of this crate's metrics and spans.
pub(crate) const BACKEND: &str = "stdio";

/// A producer's handles for one stream key.
#[derive(Debug)]
struct ProducerStats {
    messages: metrics::Counter,
    bytes: metrics::Counter,
    errors: metrics::Counter,
}

impl ProducerStats {
    fn new(stream: &StreamKey) -> Self {
        let labels = [
            metrics::Label::from_static_parts(names::BACKEND, BACKEND),
            metrics::Label::new(names::STREAM, stream.name().to_owned()),
        ];
        Self {
            messages: metrics::counter!(names::PRODUCER_MESSAGES, labels.iter()),
            bytes: metrics::counter!(names::PRODUCER_BYTES, labels.iter()),
            errors: metrics::counter!(names::PRODUCER_ERRORS, labels.iter()),
        }
    }
}

/// The producer handles of every key a producer (and its clones) sent to. The first key used
/// is read without a lock (most producers send to one key); other keys take a lock.
#[derive(Debug, Default)]
pub(crate) struct ProducerStatsCache {
    first: OnceLock<(StreamKey, ProducerStats)>,
    others: Mutex<Vec<(StreamKey, ProducerStats)>>,
}

impl ProducerStatsCache {
    fn with(&self, key: &StreamKey, f: impl FnOnce(&ProducerStats)) {
        let (first, stats) = self
            .first
            .get_or_init(|| (key.clone(), ProducerStats::new(key)));
        if first == key {
            return f(stats);
        }
        let mut keys = self.others.lock().unwrap_or_else(|e| e.into_inner());
        match keys.iter().position(|(k, _)| k == key) {
            Some(i) => f(&keys[i].1),
            None => {
                let stats = ProducerStats::new(key);
                f(&stats);
                keys.push((key.clone(), stats));
            }
        }
    }

    /// A message of `bytes` payload bytes was queued for `key`.
    pub fn sent(&self, key: &StreamKey, bytes: usize) {
        self.with(key, |s| {
            s.messages.increment(1);
            s.bytes.increment(bytes as u64);
        });
    }

    /// A send to `key` failed.
    pub fn error(&self, key: &StreamKey) {
        self.with(key, |s| s.errors.increment(1));
    }
}

/// A consumer's handles, one per subscribed key.
#[derive(Debug)]
pub(crate) struct ConsumerStats {
    keys: Vec<(StreamKey, ConsumerMetrics)>,
}

impl ConsumerStats {
    /// Registers the handles of a consumer of `streams` in `group`.
    pub fn new(streams: &[StreamKey], group: Option<&str>) -> Self {
        Self {
            keys: streams
                .iter()
                .map(|k| (k.clone(), ConsumerMetrics::new(BACKEND, k, group)))
                .collect(),
        }
    }

    /// The handles of `key`; a broadcast message counts under the first subscribed key.
    pub fn of(&self, key: &StreamKey) -> Option<&ConsumerMetrics> {
        match self.keys.as_slice() {
            [(_, only)] => Some(only),
            keys => keys
                .iter()
                .find(|(k, _)| k == key)
                .or(keys.first())
                .map(|(_, m)| m),
        }
    }
}
