//! Sharders: decide which shard (Redis key `{stream}:{shard}`) a message goes to.

use sea_streamer_types::StreamKey;
use std::fmt::Debug;

/// Creates a [`Sharder`]; every producer calls [`SharderConfig::init`] once and owns the result.
pub trait SharderConfig: Debug + Send + Sync {
    /// Create a sharder.
    fn init(&self) -> Box<dyn Sharder>;
}

/// Decides the shard of each message.
pub trait Sharder: Debug + Send {
    /// The shard for a message with this key and payload.
    fn shard(&mut self, stream_key: &StreamKey, bytes: &[u8]) -> u64;
}

/// Picks the shard from the clock: (current millisecond of the second) % `num_shards`.
///
/// ```
/// use sea_streamer_redis::{PseudoRandomSharder, SharderConfig};
/// use sea_streamer_types::StreamKey;
/// let mut sharder = PseudoRandomSharder::new(4).init();
/// assert!(sharder.shard(&StreamKey::new("a").unwrap(), b"") < 4);
/// ```
#[derive(Debug, Clone)]
pub struct PseudoRandomSharder {
    num_shards: u64,
}

impl PseudoRandomSharder {
    /// A sharder over `num_shards` shards (0 is treated as 1).
    pub fn new(num_shards: u64) -> Self {
        Self {
            num_shards: num_shards.max(1),
        }
    }
}

impl SharderConfig for PseudoRandomSharder {
    fn init(&self) -> Box<dyn Sharder> {
        Box::new(self.clone())
    }
}

impl Sharder for PseudoRandomSharder {
    fn shard(&mut self, _: &StreamKey, _: &[u8]) -> u64 {
        let ms = time::OffsetDateTime::now_utc().millisecond() as u64;
        ms % self.num_shards
    }
}

/// Cycles through the shards: 0, 1, …, `num_shards - 1`, 0, …
///
/// ```
/// use sea_streamer_redis::{RoundRobinSharder, SharderConfig};
/// use sea_streamer_types::StreamKey;
/// let key = StreamKey::new("a").unwrap();
/// let mut sharder = RoundRobinSharder::new(3).init();
/// let shards: Vec<u64> = (0..4).map(|_| sharder.shard(&key, b"")).collect();
/// assert_eq!(shards, [0, 1, 2, 0]);
/// ```
#[derive(Debug, Clone)]
pub struct RoundRobinSharder {
    num_shards: u32,
    state: u32,
}

impl RoundRobinSharder {
    /// A sharder over `num_shards` shards (0 is treated as 1).
    pub fn new(num_shards: u32) -> Self {
        Self {
            num_shards: num_shards.max(1),
            state: 0,
        }
    }
}

impl SharderConfig for RoundRobinSharder {
    fn init(&self) -> Box<dyn Sharder> {
        Box::new(self.clone())
    }
}

impl Sharder for RoundRobinSharder {
    fn shard(&mut self, _: &StreamKey, _: &[u8]) -> u64 {
        let shard = self.state % self.num_shards;
        self.state = self.state.wrapping_add(1);
        shard as u64
    }
}
