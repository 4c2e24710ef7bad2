//! [`KafkaConsumerOptions`]: settings of a consumer.

use crate::KafkaErr;
use rdkafka::ClientConfig;
use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions, StreamErr, StreamResult};
use std::time::Duration;

/// Options of a [`KafkaConsumer`](crate::KafkaConsumer). Only options that were set are
/// written to the client config; custom options are written last. How the
/// [`ConsumerMode`] adds to them is described on
/// [`KafkaStreamer::create_consumer`](crate::KafkaStreamer).
///
/// ```
/// use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions};
/// use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions};
/// use std::time::Duration;
///
/// let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
/// options
///     .set_group_id(ConsumerGroup::new("workers"))
///     .set_auto_offset_reset(AutoOffsetReset::Earliest)
///     .set_session_timeout(Duration::from_secs(10));
/// assert_eq!(options.consumer_group().unwrap().name(), "workers");
/// ```
#[derive(Debug, Default, Clone)]
pub struct KafkaConsumerOptions {
    mode: ConsumerMode,
    group_id: Option<ConsumerGroup>,
    session_timeout: Option<Duration>,
    auto_offset_reset: Option<AutoOffsetReset>,
    enable_auto_commit: Option<bool>,
    auto_commit_interval: Option<Duration>,
    enable_auto_offset_store: Option<bool>,
    custom_options: Vec<(String, String)>,
    trace_propagation: bool,
}

/// The keys of the consumer settings this crate knows by name.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum KafkaConsumerOptionKey {
    /// `group.id`
    GroupId,
    /// `session.timeout.ms`
    SessionTimeout,
    /// `auto.offset.reset`
    AutoOffsetReset,
    /// `enable.auto.commit`
    EnableAutoCommit,
    /// `auto.commit.interval.ms`
    AutoCommitInterval,
    /// `enable.auto.offset.store`
    EnableAutoOffsetStore,
}

/// Where a consumer starts when its group has no committed offset (`auto.offset.reset`).
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum AutoOffsetReset {
    /// From the oldest message (`earliest`).
    Earliest,
    /// From the next new message (`latest`, the broker default).
    Latest,
    /// Fail with an error (`none`).
    NoReset,
}

impl KafkaConsumerOptions {
    /// Sets `group.id`.
    pub fn set_group_id(&mut self, id: ConsumerGroup) -> &mut Self {
        self.group_id = Some(id);
        self
    }

    /// The group set by [`Self::set_group_id`].
    pub fn group_id(&self) -> Option<&ConsumerGroup> {
        self.group_id.as_ref()
    }

    /// Sets `session.timeout.ms`: how long the group waits for a silent member before
    /// giving its partitions to the others.
    pub fn set_session_timeout(&mut self, v: Duration) -> &mut Self {
        self.session_timeout = Some(v);
        self
    }

    /// The timeout set by [`Self::set_session_timeout`].
    pub fn session_timeout(&self) -> Option<&Duration> {
        self.session_timeout.as_ref()
    }

    /// Sets `auto.offset.reset`.
    pub fn set_auto_offset_reset(&mut self, v: AutoOffsetReset) -> &mut Self {
        self.auto_offset_reset = Some(v);
        self
    }

    /// The value set by [`Self::set_auto_offset_reset`].
    pub fn auto_offset_reset(&self) -> Option<&AutoOffsetReset> {
        self.auto_offset_reset.as_ref()
    }

    /// Sets `enable.auto.commit`.
    pub fn set_enable_auto_commit(&mut self, v: bool) -> &mut Self {
        self.enable_auto_commit = Some(v);
        self
    }

    /// The value set by [`Self::set_enable_auto_commit`].
    pub fn enable_auto_commit(&self) -> Option<&bool> {
        self.enable_auto_commit.as_ref()
    }

    /// Sets `auto.commit.interval.ms`.
    pub fn set_auto_commit_interval(&mut self, v: Duration) -> &mut Self {
        self.auto_commit_interval = Some(v);
        self
    }

    /// The value set by [`Self::set_auto_commit_interval`].
    pub fn auto_commit_interval(&self) -> Option<&Duration> {
        self.auto_commit_interval.as_ref()
    }

    /// Sets `enable.auto.offset.store`; set it to `false` to use
    /// [`KafkaConsumer::store_offset`](crate::KafkaConsumer::store_offset).
    pub fn set_enable_auto_offset_store(&mut self, v: bool) -> &mut Self {
        self.enable_auto_offset_store = Some(v);
        self
    }

    /// The value set by [`Self::set_enable_auto_offset_store`].
    pub fn enable_auto_offset_store(&self) -> Option<&bool> {
        self.enable_auto_offset_store.as_ref()
    }

    /// Turns `traceparent` propagation on or off (off by default; an addition to the 0.5
    /// API): with it on, every delivered message with a valid `traceparent` header records
    /// a `sea_streamer.consume` tracing event with its `trace_id` and `parent_id` (the
    /// producer's span id), `stream`, `shard` and `sequence`.
    ///
    /// ```
    /// use sea_streamer_kafka::KafkaConsumerOptions;
    /// let mut options = KafkaConsumerOptions::default();
    /// options.set_trace_propagation(true);
    /// assert!(options.trace_propagation());
    /// ```
    pub fn set_trace_propagation(&mut self, v: bool) -> &mut Self {
        self.trace_propagation = v;
        self
    }

    /// Whether `traceparent` propagation is on (see [`Self::set_trace_propagation`]).
    pub fn trace_propagation(&self) -> bool {
        self.trace_propagation
    }

    /// Adds any librdkafka consumer setting, written verbatim after all the others
    /// (so it can override what the consumer mode forces).
    pub fn add_custom_option<K, V>(&mut self, key: K, value: V) -> &mut Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.custom_options.push((key.into(), value.into()));
        self
    }

    /// The settings added by [`Self::add_custom_option`], in order.
    pub fn custom_options(&self) -> impl Iterator<Item = (&str, &str)> {
        self.custom_options
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Writes these options into a librdkafka client config; `group.id` is `abcdefg` when
    /// no group is set, as librdkafka requires one.
    pub(crate) fn make_client_config(&self, config: &mut ClientConfig) {
        use KafkaConsumerOptionKey as Key;
        let group = self.group_id.as_ref().map_or("abcdefg", |g| g.name());
        config.set(Key::GroupId.as_str(), group);
        if let Some(v) = self.session_timeout {
            config.set(Key::SessionTimeout.as_str(), v.as_millis().to_string());
        }
        if let Some(v) = self.auto_offset_reset {
            config.set(Key::AutoOffsetReset.as_str(), v.as_str());
        }
        if let Some(v) = self.enable_auto_commit {
            config.set(Key::EnableAutoCommit.as_str(), v.to_string());
        }
        if let Some(v) = self.auto_commit_interval {
            config.set(Key::AutoCommitInterval.as_str(), v.as_millis().to_string());
        }
        if let Some(v) = self.enable_auto_offset_store {
            config.set(Key::EnableAutoOffsetStore.as_str(), v.to_string());
        }
        for (key, value) in self.custom_options() {
            config.set(key, value);
        }
    }
}

impl ConsumerOptions for KafkaConsumerOptions {
    type Error = KafkaErr;

    fn new(mode: ConsumerMode) -> Self {
        Self {
            mode,
            ..Default::default()
        }
    }

    fn mode(&self) -> StreamResult<&ConsumerMode, KafkaErr> {
        Ok(&self.mode)
    }

    /// The group id; `Err(ConsumerGroupNotSet)` if unset.
    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, KafkaErr> {
        self.group_id.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    /// Same as [`KafkaConsumerOptions::set_group_id`].
    fn set_consumer_group(&mut self, group_id: ConsumerGroup) -> StreamResult<&mut Self, KafkaErr> {
        self.set_group_id(group_id);
        Ok(self)
    }
}

impl KafkaConsumerOptionKey {
    /// The librdkafka key.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::GroupId => "group.id",
            Self::SessionTimeout => "session.timeout.ms",
            Self::AutoOffsetReset => "auto.offset.reset",
            Self::EnableAutoCommit => "enable.auto.commit",
            Self::AutoCommitInterval => "auto.commit.interval.ms",
            Self::EnableAutoOffsetStore => "enable.auto.offset.store",
        }
    }
}

impl AutoOffsetReset {
    /// The librdkafka value: `earliest`, `latest` or `none`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Earliest => "earliest",
            Self::Latest => "latest",
            Self::NoReset => "none",
        }
    }
}

impl From<KafkaConsumerOptionKey> for String {
    fn from(v: KafkaConsumerOptionKey) -> String {
        v.as_str().to_owned()
    }
}

impl From<AutoOffsetReset> for String {
    fn from(v: AutoOffsetReset) -> String {
        v.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let options = KafkaConsumerOptions::default();
        assert_eq!(options.mode().unwrap(), &ConsumerMode::RealTime);
        assert!(matches!(
            options.consumer_group(),
            Err(StreamErr::ConsumerGroupNotSet)
        ));
        assert_eq!(options.session_timeout(), None);
        assert_eq!(options.auto_offset_reset(), None);
        assert_eq!(options.enable_auto_commit(), None);
        assert_eq!(options.auto_commit_interval(), None);
        assert_eq!(options.enable_auto_offset_store(), None);
        assert_eq!(options.custom_options().count(), 0);

        let mut config = ClientConfig::new();
        options.make_client_config(&mut config);
        assert_eq!(config.config_map().len(), 1);
        assert_eq!(config.get("group.id"), Some("abcdefg"));
    }

    #[test]
    fn writes_every_setter() {
        let mut options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
        options
            .set_session_timeout(Duration::from_millis(2500))
            .set_auto_offset_reset(AutoOffsetReset::NoReset)
            .set_enable_auto_commit(false)
            .set_auto_commit_interval(Duration::from_secs(2))
            .set_enable_auto_offset_store(true)
            .add_custom_option("fetch.wait.max.ms", "10");
        options.set_consumer_group(ConsumerGroup::new("g")).unwrap();
        assert_eq!(options.mode().unwrap(), &ConsumerMode::Resumable);
        assert_eq!(options.group_id().map(|g| g.name()), Some("g"));

        let mut config = ClientConfig::new();
        options.make_client_config(&mut config);
        assert_eq!(config.get("group.id"), Some("g"));
        assert_eq!(config.get("session.timeout.ms"), Some("2500"));
        assert_eq!(config.get("auto.offset.reset"), Some("none"));
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
        assert_eq!(config.get("auto.commit.interval.ms"), Some("2000"));
        assert_eq!(config.get("enable.auto.offset.store"), Some("true"));
        assert_eq!(config.get("fetch.wait.max.ms"), Some("10"));
    }

    #[test]
    fn names_match_librdkafka() {
        assert_eq!(String::from(AutoOffsetReset::Earliest), "earliest");
        assert_eq!(String::from(AutoOffsetReset::Latest), "latest");
        assert_eq!(String::from(AutoOffsetReset::NoReset), "none");
        assert_eq!(String::from(KafkaConsumerOptionKey::GroupId), "group.id");
        assert_eq!(
            String::from(KafkaConsumerOptionKey::EnableAutoOffsetStore),
            "enable.auto.offset.store"
        );
    }
}
