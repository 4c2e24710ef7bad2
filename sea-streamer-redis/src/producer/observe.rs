//! The producer task's observability: metric handles per stream key ([`MetricsCache`]), the
//! in-flight gauge moved once per pipeline reply ([`land`]), and the span of one pipeline
//! ([`batch_span`]).

use crate::message::same_key;
use sea_streamer_types::{ProducerMetrics, StreamKey};
use std::sync::Arc;

/// Metric handles per stream key, registered the first time the key is sent to; a
/// producer writes to few keys, so a list searched in order is the fastest map.
#[derive(Debug, Default)]
pub(crate) struct MetricsCache {
    keys: Vec<(StreamKey, Arc<ProducerMetrics>)>,
}

impl MetricsCache {
    /// The handles of `stream_key` (inlined into the task's loop, once per message; a key's
    /// first message registers them out of line).
    #[inline]
    pub fn get(&mut self, stream_key: &StreamKey) -> Arc<ProducerMetrics> {
        match self.keys.iter().find(|(k, _)| same_key(k, stream_key)) {
            Some((_, m)) => m.clone(),
            None => self.register(stream_key),
        }
    }

    #[cold]
    fn register(&mut self, stream_key: &StreamKey) -> Arc<ProducerMetrics> {
        let m = Arc::new(ProducerMetrics::new("redis", stream_key));
        self.keys.push((stream_key.clone(), m.clone()));
        m
    }
}

/// The span of one pipeline of `count` messages (`stream`: the first one's Redis key);
/// a disabled span costs a check of the subscriber's interest.
pub(crate) fn batch_span(stream: &str, count: usize) -> tracing::Span {
    tracing::debug_span!(
        "sea_streamer.produce_batch",
        backend = "redis",
        stream,
        count
    )
}

/// Take messages answered without error off the in-flight gauge before any of their receipts
/// resolves: one gauge update per run of messages sharing a handle, not one per message (a
/// compare-and-swap loop each with a recorder installed). `handles`: the handle of each such
/// message, in reply order.
pub(crate) fn land<'a>(handles: impl Iterator<Item = &'a ProducerMetrics>) {
    let mut run: Option<(&ProducerMetrics, usize)> = None;
    for metrics in handles {
        match &mut run {
            Some((current, n)) if std::ptr::eq(*current, metrics) => *n += 1,
            _ => {
                if let Some((current, n)) = run.replace((metrics, 1)) {
                    current.receipts(n);
                }
            }
        }
    }
    if let Some((current, n)) = run {
        current.receipts(n);
    }
}
