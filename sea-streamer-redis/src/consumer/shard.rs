//! Per-shard read state: which Redis key, the last delivered id, and (group modes) whether
//! the consumer's own pending list is still being re-read.

use crate::MessageId;
use sea_streamer_types::{ShardId, StreamKey};

/// One Redis key read by a consumer.
#[derive(Debug, Clone)]
pub(crate) struct ShardState {
    pub stream_key: StreamKey,
    pub shard_id: ShardId,
    /// The Redis key: `{stream}` or `{stream}:{shard}`.
    pub key: String,
    /// The last id delivered (reads continue after it).
    pub last: MessageId,
    /// Group modes: still reading the consumer's pending list (from `last`) instead of `>`.
    pub pending: bool,
}

impl ShardState {
    pub fn new(stream_key: StreamKey, shard_id: ShardId, key: String) -> Self {
        Self {
            stream_key,
            shard_id,
            key,
            last: (0, 0),
            pending: true,
        }
    }
}

/// The Redis key of a shard not discovered at creation: `{stream}:{n}`.
pub(crate) fn shard_key(stream_key: &StreamKey, shard_id: ShardId) -> String {
    format!("{}:{}", stream_key.name(), shard_id.id())
}
