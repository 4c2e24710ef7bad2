//! The public view of a reader, returned by [`query_streamer`](crate::query_streamer).

use crate::read::mode::StreamMode;
use sea_streamer_types::{ConsumerGroup, StreamKey};

/// A reader of a file.
#[derive(Debug, Clone)]
pub struct StreamerInfo {
    /// How the reader moves through the file.
    pub mode: StreamMode,
    /// Its subscribers.
    pub subscribers: Vec<SubscriberInfo>,
}

/// A consumer subscribed to a reader.
#[derive(Debug, Clone)]
pub struct SubscriberInfo {
    /// Subscriber id.
    pub sid: u32,
    /// Consumer group, if any.
    pub group: Option<ConsumerGroup>,
    /// First subscribed stream key.
    pub stream_key: StreamKey,
}
