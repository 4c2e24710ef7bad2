//! Producer options: the optional sharder, the bounds of the send queue and `traceparent`
//! propagation.

use super::queue::{DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES};
use super::SharderConfig;
use sea_streamer_types::ProducerOptions;
use std::sync::Arc;

/// Options for creating a [`crate::RedisProducer`].
///
/// ```
/// use sea_streamer_redis::{RedisProducerOptions, RoundRobinSharder};
/// let mut options = RedisProducerOptions::default();
/// options.set_sharder(RoundRobinSharder::new(3));
/// assert!(options.sharder().is_some());
/// ```
#[derive(Clone)]
pub struct RedisProducerOptions {
    sharder: Option<Arc<dyn SharderConfig>>,
    max_queued_messages: usize,
    max_queued_bytes: usize,
    trace_propagation: bool,
}

impl Default for RedisProducerOptions {
    fn default() -> Self {
        Self {
            sharder: None,
            max_queued_messages: DEFAULT_MAX_QUEUED_MESSAGES,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            trace_propagation: false,
        }
    }
}

impl std::fmt::Debug for RedisProducerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisProducerOptions")
            .field("sharder", &self.sharder)
            .field("max_queued_messages", &self.max_queued_messages)
            .field("max_queued_bytes", &self.max_queued_bytes)
            .field("trace_propagation", &self.trace_propagation)
            .finish()
    }
}

impl ProducerOptions for RedisProducerOptions {}

impl RedisProducerOptions {
    /// Spread messages over shards (Redis keys `{stream}:{shard}`) with this sharder.
    pub fn set_sharder<S: SharderConfig + 'static>(&mut self, v: S) -> &mut Self {
        self.sharder = Some(Arc::new(v));
        self
    }
    /// Write every message to the bare stream key (shard 0).
    pub fn clear_sharder(&mut self) -> &mut Self {
        self.sharder = None;
        self
    }
    /// The sharder, if any.
    pub fn sharder(&self) -> Option<&dyn SharderConfig> {
        self.sharder.as_deref()
    }
    /// Most messages sent and not yet answered by Redis (queued, or in a pipeline awaiting
    /// its reply). Once reached, `send` returns `RedisErr::QueueFull` and queues nothing,
    /// until receipts resolve. Default 100 000 (at least 1).
    ///
    /// ```
    /// use sea_streamer_redis::RedisProducerOptions;
    /// let mut options = RedisProducerOptions::default();
    /// options.set_max_queued_messages(10_000).set_max_queued_bytes(8 << 20);
    /// assert_eq!(options.max_queued_messages(), 10_000);
    /// ```
    pub fn set_max_queued_messages(&mut self, v: usize) -> &mut Self {
        self.max_queued_messages = v.max(1);
        self
    }
    /// See [`RedisProducerOptions::set_max_queued_messages`].
    pub fn max_queued_messages(&self) -> usize {
        self.max_queued_messages
    }
    /// Most payload bytes sent and not yet answered by Redis; beyond it `send` returns
    /// `RedisErr::QueueFull`. A single larger message is accepted when nothing else is
    /// queued. Default 64 MiB.
    pub fn set_max_queued_bytes(&mut self, v: usize) -> &mut Self {
        self.max_queued_bytes = v;
        self
    }
    /// See [`RedisProducerOptions::set_max_queued_bytes`].
    pub fn max_queued_bytes(&self) -> usize {
        self.max_queued_bytes
    }
    /// Write a W3C `traceparent` header on every message (an addition to the 0.5 API; off by
    /// default): a child of [`TraceContext::current`](sea_streamer_types::TraceContext::current)
    /// when the sending task runs inside a trace scope, a new trace otherwise. A `traceparent`
    /// given with `send_to_with_headers` is kept as it is. Each message also records a
    /// `sea_streamer.produce` tracing event with `trace_id`, `span_id` and `parent_id`.
    ///
    /// ```
    /// use sea_streamer_redis::RedisProducerOptions;
    /// let mut options = RedisProducerOptions::default();
    /// options.set_trace_propagation(true);
    /// assert!(options.trace_propagation());
    /// ```
    pub fn set_trace_propagation(&mut self, v: bool) -> &mut Self {
        self.trace_propagation = v;
        self
    }
    /// See [`RedisProducerOptions::set_trace_propagation`].
    pub fn trace_propagation(&self) -> bool {
        self.trace_propagation
    }
}
