//! Producer options: the optional sharder.

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
#[derive(Default, Clone)]
pub struct RedisProducerOptions {
    sharder: Option<Arc<dyn SharderConfig>>,
}

impl std::fmt::Debug for RedisProducerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisProducerOptions")
            .field("sharder", &self.sharder)
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
}
