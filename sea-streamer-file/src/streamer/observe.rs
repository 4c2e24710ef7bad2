//! The file backend's metrics and spans (issue #13): the handles a producer's writer and a
//! consumer register once per stream key, and the `tracing` spans of connect, read batch,
//! commit and seek (the writer thread's `sea_streamer.produce_batch` span is in `io::write_thread`).
//!
//! A send to a file completes when it returns (the frame is queued for the writer thread and
//! the receipt is ready), so a producer counts messages and bytes only (two atomic adds per
//! message), times one send in [`SEND_SAMPLE`], and its in-flight gauge stays at 0.

use sea_streamer_types::{observe::names, ConsumerMetrics, StreamKey};
use std::time::Instant;

/// The `backend` label of this crate's metrics and spans.
pub(crate) const BACKEND: &str = "file";

/// How often a send is timed: one in this many (the first one always).
pub(crate) const SEND_SAMPLE: u32 = 64;

/// A producer's handles for one stream key (the names of `sea_streamer_types::names`).
#[derive(Debug)]
pub(crate) struct ProducerStats {
    messages: metrics::Counter,
    bytes: metrics::Counter,
    errors: metrics::Counter,
    send_seconds: metrics::Histogram,
    /// Registered so the series exists; a file send is never in flight once it returns.
    _in_flight: metrics::Gauge,
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
            send_seconds: metrics::histogram!(names::PRODUCER_SEND_SECONDS, labels.iter()),
            _in_flight: metrics::gauge!(names::PRODUCER_IN_FLIGHT, labels.iter()),
        }
    }
}

/// The producer handles of every stream key a file's writer has sent to, registered the first
/// time a key is seen; the last key used is checked first (most producers send to one key).
#[derive(Debug, Default)]
pub(crate) struct ProducerStatsCache {
    last: Option<(StreamKey, ProducerStats)>,
    others: std::collections::HashMap<StreamKey, ProducerStats>,
    sample: u32,
}

impl ProducerStatsCache {
    /// The handles of `key`.
    fn get(&mut self, key: &StreamKey) -> &ProducerStats {
        // a producer passes clones of one key: the same allocation, no string comparison
        let hit =
            matches!(&self.last, Some((k, _)) if std::ptr::eq(k.name(), key.name()) || k == key);
        if !hit {
            let stats = self
                .others
                .remove(key)
                .unwrap_or_else(|| ProducerStats::new(key));
            if let Some((k, s)) = self.last.replace((key.clone(), stats)) {
                self.others.insert(k, s);
            }
        }
        &self
            .last
            .get_or_insert_with(|| (key.clone(), ProducerStats::new(key)))
            .1
    }

    /// The start time of a send, if this one is timed.
    pub fn start(&mut self) -> Option<Instant> {
        let n = self.sample;
        self.sample = n.wrapping_add(1);
        n.is_multiple_of(SEND_SAMPLE).then(Instant::now)
    }

    /// A send of `bytes` payload bytes to `key` succeeded (its receipt is ready).
    pub fn sent(&mut self, key: &StreamKey, bytes: usize, started: Option<Instant>) {
        let stats = self.get(key);
        stats.messages.increment(1);
        stats.bytes.increment(bytes as u64);
        if let Some(t) = started {
            stats.send_seconds.record(t.elapsed().as_secs_f64());
        }
    }

    /// A send to `key` failed.
    pub fn error(&mut self, key: &StreamKey) {
        self.get(key).errors.increment(1);
    }
}

/// A consumer's handles: one per subscribed stream key (a wildcard consumer records under the
/// wildcard key, so labels stay bounded by configuration).
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

    /// The handles of `key` (the first key's for a single-key or wildcard consumer).
    pub fn of(&self, key: &StreamKey) -> Option<&ConsumerMetrics> {
        match self.keys.as_slice() {
            [(_, only)] => Some(only),
            keys => keys.iter().find(|(k, _)| k == key).map(|(_, m)| m),
        }
    }

    /// The subscribed stream keys.
    pub fn keys(&self) -> impl Iterator<Item = &StreamKey> {
        self.keys.iter().map(|(k, _)| k)
    }

    /// An error returned by `next()` (counted under the first subscribed key).
    pub fn error(&self) {
        if let Some((_, m)) = self.keys.first() {
            m.error();
        }
    }

    /// Sets every subscribed key's lag gauge.
    pub fn lag(&self, behind: u64) {
        self.keys.iter().for_each(|(_, m)| m.lag(behind));
    }
}

/// The span of connecting to (opening) a file.
pub(crate) fn connect_span(file: &str) -> tracing::Span {
    tracing::info_span!("sea_streamer.connect", backend = BACKEND, file)
}

/// The span of dispatching one batch of `count` frames read from a file; trace level, as it
/// runs for every batch.
pub(crate) fn read_batch_span(file: &str, count: usize) -> tracing::Span {
    tracing::trace_span!("sea_streamer.read_batch", backend = BACKEND, file, count)
}

/// The span of a group commit of `streams` at `offset`.
pub(crate) fn commit_span(group: &str, streams: usize, offset: u64) -> tracing::Span {
    tracing::debug_span!(
        "sea_streamer.commit",
        backend = BACKEND,
        group,
        streams,
        offset
    )
}

/// The span of a seek or rewind of a consumer of `stream`.
pub(crate) fn seek_span(stream: &str) -> tracing::Span {
    tracing::info_span!("sea_streamer.seek", backend = BACKEND, stream)
}
