//! Consumer options: mode, group, start point, commit policy, claiming, batching and entries
//! without the message field.

use crate::constants::{
    DEFAULT_AUTO_CLAIM_IDLE, DEFAULT_AUTO_CLAIM_INTERVAL, DEFAULT_AUTO_COMMIT_DELAY,
    DEFAULT_AUTO_COMMIT_INTERVAL, DEFAULT_BATCH_SIZE, DEFAULT_LOAD_BALANCED_BATCH_SIZE,
};
use crate::{RedisErr, RedisResult};
use sea_streamer_types::{ConsumerGroup, ConsumerId, ConsumerMode, ConsumerOptions, StreamErr};
use std::time::Duration;

/// Where to start reading when there is no prior state.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum AutoStreamReset {
    /// From the first entry (`0`).
    Earliest,
    /// Only entries added from now on (`$`).
    Latest,
}

/// When delivered messages are acknowledged (`XACK`) in group modes.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum AutoCommit {
    /// Read with `NOACK`: a message counts as processed once delivered.
    Immediate,
    /// Every message returned by `next()` is acked automatically, once older than
    /// `auto_commit_delay`.
    Delayed,
    /// The user calls `ack`; acks are sent automatically at most every `auto_commit_interval`.
    Rolling,
    /// The user calls `ack` and `commit`.
    Disabled,
}

/// Whether shards are shared among the consumers of a group.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum ShardOwnership {
    /// Consumers of a group share every shard (Redis consumer-group semantics).
    Shared,
    /// Each shard owned by one consumer: not supported (`create_consumer` returns `Unsupported`).
    Owned,
}

/// What a consumer does with a stream entry that has no message field
/// ([`crate::RedisConnectOptions::message_field`], default `msg`): an entry that sea-streamer
/// did not write, e.g. `redis-cli XADD s '*' id 1 amount 20`.
///
/// Either way such an entry is never dropped silently: when one is skipped, the consumer logs
/// a warning once per stream, naming the stream and the missing field. Entries with the
/// message field are read as before, at no extra cost.
///
/// ```
/// use sea_streamer_redis::{ForeignEntries, RedisConsumerOptions};
/// use sea_streamer_types::{ConsumerMode, ConsumerOptions};
/// let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
/// assert_eq!(options.foreign_entries(), &ForeignEntries::Skip);
/// // the entry above is then delivered as the payload {"id":"1","amount":"20"}
/// options.set_foreign_entries(ForeignEntries::AsJson);
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq, Default)]
pub enum ForeignEntries {
    /// Skip them, with a warning once per stream (the default; upstream skipped them silently).
    #[default]
    Skip,
    /// Deliver each as one message whose payload is a JSON object of the entry's fields, in
    /// entry order: `{"id":"1","amount":"20"}`. Values are JSON strings; a value that is not
    /// UTF-8 is an object `{"base64":"…"}` (standard alphabet, padded) holding its bytes; a
    /// field name that is not UTF-8 has its invalid bytes replaced by U+FFFD; a name given
    /// twice in one entry appears twice. The message has the entry's id as its sequence
    /// number and timestamp, as any other.
    AsJson,
}

/// Options for [`crate::RedisStreamer`]'s consumers.
///
/// ```
/// use sea_streamer_redis::{AutoCommit, AutoStreamReset, RedisConsumerOptions};
/// use sea_streamer_types::{ConsumerMode, ConsumerOptions};
/// let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
/// options
///     .set_auto_stream_reset(AutoStreamReset::Earliest)
///     .set_auto_commit(AutoCommit::Rolling)
///     .set_batch_size(10);
/// assert!(options.pre_fetch());
/// ```
#[derive(Debug, Clone)]
pub struct RedisConsumerOptions {
    mode: ConsumerMode,
    group_id: Option<ConsumerGroup>,
    consumer_id: Option<ConsumerId>,
    consumer_timeout: Option<Duration>,
    auto_stream_reset: AutoStreamReset,
    auto_commit: AutoCommit,
    auto_commit_delay: Duration,
    auto_commit_interval: Duration,
    auto_claim_interval: Option<Duration>,
    auto_claim_idle: Duration,
    batch_size: usize,
    shard_ownership: ShardOwnership,
    mkstream: bool,
    foreign_entries: ForeignEntries,
    trace_propagation: bool,
}

impl Default for RedisConsumerOptions {
    fn default() -> Self {
        Self::new(ConsumerMode::RealTime)
    }
}

impl ConsumerOptions for RedisConsumerOptions {
    type Error = RedisErr;

    fn new(mode: ConsumerMode) -> Self {
        Self {
            mode,
            group_id: None,
            consumer_id: None,
            consumer_timeout: None,
            auto_stream_reset: AutoStreamReset::Latest,
            auto_commit: AutoCommit::Delayed,
            auto_commit_delay: DEFAULT_AUTO_COMMIT_DELAY,
            auto_commit_interval: DEFAULT_AUTO_COMMIT_INTERVAL,
            auto_claim_interval: Some(DEFAULT_AUTO_CLAIM_INTERVAL),
            auto_claim_idle: DEFAULT_AUTO_CLAIM_IDLE,
            batch_size: if mode == ConsumerMode::LoadBalanced {
                DEFAULT_LOAD_BALANCED_BATCH_SIZE
            } else {
                DEFAULT_BATCH_SIZE
            },
            shard_ownership: ShardOwnership::Shared,
            mkstream: false,
            foreign_entries: ForeignEntries::Skip,
            trace_propagation: false,
        }
    }

    fn mode(&self) -> RedisResult<&ConsumerMode> {
        Ok(&self.mode)
    }

    fn consumer_group(&self) -> RedisResult<&ConsumerGroup> {
        self.group_id.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    /// The Redis consumer group (Resumable and LoadBalanced; RealTime ignores it).
    fn set_consumer_group(&mut self, group_id: ConsumerGroup) -> RedisResult<&mut Self> {
        self.group_id = Some(group_id);
        Ok(self)
    }
}

impl RedisConsumerOptions {
    /// The consumer name within the group.
    pub fn consumer_id(&self) -> Option<&ConsumerId> {
        self.consumer_id.as_ref()
    }
    /// Set the consumer name within the group. Default: the group name (Resumable) or
    /// [`crate::consumer_id()`] (LoadBalanced).
    pub fn set_consumer_id(&mut self, consumer_id: ConsumerId) -> &mut Self {
        self.consumer_id = Some(consumer_id);
        self
    }
    /// The consumer timeout (stored only).
    pub fn consumer_timeout(&self) -> Option<&Duration> {
        self.consumer_timeout.as_ref()
    }
    /// Set the consumer timeout (stored only; not used by this backend).
    pub fn set_consumer_timeout(&mut self, consumer_timeout: Option<Duration>) -> &mut Self {
        self.consumer_timeout = consumer_timeout;
        self
    }
    /// Where to start without prior state. Default `Latest`.
    pub fn auto_stream_reset(&self) -> &AutoStreamReset {
        &self.auto_stream_reset
    }
    /// Set where to start without prior state.
    pub fn set_auto_stream_reset(&mut self, v: AutoStreamReset) -> &mut Self {
        self.auto_stream_reset = v;
        self
    }
    /// The ack policy. Default `Delayed`.
    pub fn auto_commit(&self) -> &AutoCommit {
        &self.auto_commit
    }
    /// Set the ack policy.
    pub fn set_auto_commit(&mut self, v: AutoCommit) -> &mut Self {
        self.auto_commit = v;
        self
    }
    /// How old an auto-ack must be before it is sent (`Delayed`). Default 5 s.
    pub fn auto_commit_delay(&self) -> &Duration {
        &self.auto_commit_delay
    }
    /// Set how old an auto-ack must be before it is sent.
    pub fn set_auto_commit_delay(&mut self, v: Duration) -> &mut Self {
        self.auto_commit_delay = v;
        self
    }
    /// Minimum time between automatic commits. Default 1 s.
    pub fn auto_commit_interval(&self) -> &Duration {
        &self.auto_commit_interval
    }
    /// Set the minimum time between automatic commits.
    pub fn set_auto_commit_interval(&mut self, v: Duration) -> &mut Self {
        self.auto_commit_interval = v;
        self
    }
    /// How often a LoadBalanced consumer looks for idle consumers' pending entries.
    /// Default 30 s; `None` = never.
    pub fn auto_claim_interval(&self) -> Option<&Duration> {
        self.auto_claim_interval.as_ref()
    }
    /// Set how often to look for entries to claim (`None` = never).
    pub fn set_auto_claim_interval(&mut self, v: Option<Duration>) -> &mut Self {
        self.auto_claim_interval = v;
        self
    }
    /// How long a consumer must be idle before its pending entries are claimed. Default 60 s.
    pub fn auto_claim_idle(&self) -> &Duration {
        &self.auto_claim_idle
    }
    /// Set how long a consumer must be idle before its pending entries are claimed.
    pub fn set_auto_claim_idle(&mut self, v: Duration) -> &mut Self {
        self.auto_claim_idle = v;
        self
    }
    /// Entries per read (`COUNT`). Default 10 for LoadBalanced, else 100.
    pub fn batch_size(&self) -> &usize {
        &self.batch_size
    }
    /// Set the entries per read.
    ///
    /// # Panics
    /// If `v` is 0.
    pub fn set_batch_size(&mut self, v: usize) -> &mut Self {
        assert_ne!(v, 0, "batch_size must be greater than 0");
        self.batch_size = v;
        self
    }
    /// Shard ownership. Default `Shared`.
    pub fn shard_ownership(&self) -> &ShardOwnership {
        &self.shard_ownership
    }
    /// Set shard ownership (`Owned` is not supported).
    pub fn set_shard_ownership(&mut self, v: ShardOwnership) -> &mut Self {
        self.shard_ownership = v;
        self
    }
    /// Whether creating the group also creates a missing stream (`MKSTREAM`), and whether a
    /// stream deleted under the group is recreated. Default false: a consumer created before
    /// its stream exists waits for it, then reads it from its first entry.
    pub fn mkstream(&self) -> &bool {
        &self.mkstream
    }
    /// Set whether missing streams are created with the group.
    pub fn set_mkstream(&mut self, v: bool) -> &mut Self {
        self.mkstream = v;
        self
    }
    /// What to do with entries without the message field. Default `Skip` (with a warning once
    /// per stream).
    pub fn foreign_entries(&self) -> &ForeignEntries {
        &self.foreign_entries
    }
    /// Set what to do with entries without the message field: skip them (with a warning) or
    /// deliver them as JSON objects ([`ForeignEntries::AsJson`]).
    pub fn set_foreign_entries(&mut self, v: ForeignEntries) -> &mut Self {
        self.foreign_entries = v;
        self
    }
    /// Record a `sea_streamer.consume` tracing event for every message that carries a valid
    /// `traceparent` header, with its `trace_id` and `parent_id` (the sender's span) and the
    /// message's `stream`, `shard` and `sequence` (an addition to the 0.5 API; off by
    /// default). The header is read either way: `Message::headers`.
    ///
    /// ```
    /// use sea_streamer_redis::RedisConsumerOptions;
    /// let mut options = RedisConsumerOptions::default();
    /// options.set_trace_propagation(true);
    /// assert!(options.trace_propagation());
    /// ```
    pub fn set_trace_propagation(&mut self, v: bool) -> &mut Self {
        self.trace_propagation = v;
        self
    }
    /// See [`RedisConsumerOptions::set_trace_propagation`].
    pub fn trace_propagation(&self) -> bool {
        self.trace_propagation
    }
    /// Whether the next batch is fetched before it is asked for: always for RealTime,
    /// otherwise iff `auto_commit` is `Delayed` or `Rolling`.
    pub fn pre_fetch(&self) -> bool {
        self.mode == ConsumerMode::RealTime
            || matches!(self.auto_commit, AutoCommit::Delayed | AutoCommit::Rolling)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn defaults() {
        let o = RedisConsumerOptions::default();
        assert_eq!(o.mode().unwrap(), &ConsumerMode::RealTime);
        assert!(matches!(
            o.consumer_group(),
            Err(StreamErr::ConsumerGroupNotSet)
        ));
        assert_eq!(o.consumer_id(), None);
        assert_eq!(o.consumer_timeout(), None);
        assert_eq!(o.auto_stream_reset(), &AutoStreamReset::Latest);
        assert_eq!(o.auto_commit(), &AutoCommit::Delayed);
        assert_eq!(o.auto_commit_delay(), &Duration::from_secs(5));
        assert_eq!(o.auto_commit_interval(), &Duration::from_secs(1));
        assert_eq!(o.auto_claim_interval(), Some(&Duration::from_secs(30)));
        assert_eq!(o.auto_claim_idle(), &Duration::from_secs(60));
        assert_eq!(o.batch_size(), &100);
        assert_eq!(o.shard_ownership(), &ShardOwnership::Shared);
        assert!(!o.mkstream());
        assert_eq!(o.foreign_entries(), &ForeignEntries::Skip);
        assert!(o.pre_fetch());
        let lb = RedisConsumerOptions::new(ConsumerMode::LoadBalanced);
        assert_eq!(lb.batch_size(), &10);
        assert!(lb.pre_fetch());
        let mut r = RedisConsumerOptions::new(ConsumerMode::Resumable);
        r.set_auto_commit(AutoCommit::Disabled);
        assert!(!r.pre_fetch());
        r.set_auto_commit(AutoCommit::Immediate);
        assert!(!r.pre_fetch());
        r.set_auto_commit(AutoCommit::Rolling);
        assert!(r.pre_fetch());
    }

    #[test]
    #[should_panic]
    fn zero_batch_size() {
        RedisConsumerOptions::default().set_batch_size(0);
    }
}
