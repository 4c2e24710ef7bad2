//! Consumer lag: how far behind the end of its streams a consumer is ([`ConsumerLag`]).

use crate::{Consumer, ShardId, StreamKey, StreamResult};
use std::future::Future;

/// What a lag figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LagUnit {
    /// Messages (Kafka offsets, Redis entries).
    Messages,
    /// Bytes (the file backend: bytes between the consumer's position and the end of the
    /// file, frame and beacon overhead included).
    Bytes,
}

/// The lag of one shard of one stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShardLag {
    /// The stream.
    pub stream_key: StreamKey,
    /// The shard (Kafka partition, Redis cluster node's shard, 0 for a file).
    pub shard_id: ShardId,
    /// How far behind the end the consumer is, in `unit`s; 0 when caught up.
    pub behind: u64,
    /// What `behind` counts.
    pub unit: LagUnit,
}

/// A consumer's lag over every shard it reads.
///
/// ```
/// use sea_streamer_types::{Lag, LagUnit, ShardId, ShardLag, StreamKey};
///
/// let key = StreamKey::new("orders").unwrap();
/// let lag = Lag::new(vec![
///     ShardLag { stream_key: key.clone(), shard_id: ShardId::new(0), behind: 3, unit: LagUnit::Messages },
///     ShardLag { stream_key: key, shard_id: ShardId::new(1), behind: 4, unit: LagUnit::Messages },
/// ]);
/// assert_eq!(lag.total(), 7);
/// assert!(!lag.is_caught_up());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Lag {
    shards: Vec<ShardLag>,
}

impl Lag {
    /// A lag made of these shards.
    pub fn new(shards: Vec<ShardLag>) -> Self {
        Self { shards }
    }

    /// Every shard's lag.
    pub fn shards(&self) -> &[ShardLag] {
        &self.shards
    }

    /// The sum over every shard.
    pub fn total(&self) -> u64 {
        self.shards.iter().map(|s| s.behind).sum()
    }

    /// The sum over the shards of one stream.
    pub fn of_stream(&self, stream_key: &StreamKey) -> u64 {
        self.shards
            .iter()
            .filter(|s| &s.stream_key == stream_key)
            .map(|s| s.behind)
            .sum()
    }

    /// True if every shard is caught up.
    pub fn is_caught_up(&self) -> bool {
        self.total() == 0
    }
}

/// A consumer that can tell its lag (an addition to the 0.5 API).
///
/// | Backend | What `lag` measures |
/// |---|---|
/// | Kafka | per assigned partition, the high watermark minus the consumer's position (the committed offset before the first message is read) |
/// | Redis | per stream, the entries after the consumer's last delivered ID: a group's `lag` from `XINFO GROUPS` where the server reports it, counted with `XRANGE`/`XLEN` otherwise |
/// | file | bytes between the consumer's read position and the end of the file |
/// | stdio | not applicable: `StreamErr::Unsupported` (a pipe has no end to measure against) |
/// | `SeaConsumer` | the backend's |
///
/// Every backend also keeps the gauge `sea_streamer_consumer_lag` up to date when `lag` is
/// called (see [the metrics table](crate::observe)).
///
/// ```
/// use sea_streamer_types::{ConsumerLag, StreamResult};
///
/// async fn caught_up<C: ConsumerLag>(consumer: &C) -> StreamResult<bool, C::Error> {
///     Ok(consumer.lag().await?.is_caught_up())
/// }
/// ```
pub trait ConsumerLag: Consumer {
    /// Measures the lag now (one round trip to the server where there is one).
    fn lag(&self) -> impl Future<Output = StreamResult<Lag, Self::Error>> + Send;
}
