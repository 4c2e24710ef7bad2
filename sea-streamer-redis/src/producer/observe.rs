//! The producer task's observability: metric handles per stream key ([`MetricsCache`]) and
//! the span of one pipeline ([`batch_span`]).

use sea_streamer_types::{ProducerMetrics, StreamKey};
use std::sync::Arc;

/// Metric handles per stream key, registered the first time the key is sent to; a
/// producer writes to few keys, so a list searched in order is the fastest map.
#[derive(Debug, Default)]
pub(crate) struct MetricsCache {
    keys: Vec<(StreamKey, Arc<ProducerMetrics>)>,
}

impl MetricsCache {
    /// The handles of `stream_key`.
    pub fn get(&mut self, stream_key: &StreamKey) -> Arc<ProducerMetrics> {
        if let Some((_, m)) = self.keys.iter().find(|(k, _)| k == stream_key) {
            return m.clone();
        }
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
