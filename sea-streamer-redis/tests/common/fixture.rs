//! The set-up most tests begin with ([`Fixture`]: a streamer, a fresh stream, a producer on it)
//! and the consumer options they use most.

use super::{connect, key};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions,
    RedisProducer, RedisStreamer,
};
use sea_streamer_types::{
    ConsumerGroup, ConsumerMode, ConsumerOptions, Producer, StreamKey, Streamer,
};
use std::ops::Range;
use std::time::Duration;

/// A streamer, one stream and a producer on it.
pub struct Fixture {
    pub streamer: RedisStreamer,
    pub stream: StreamKey,
    pub producer: RedisProducer,
}

impl Fixture {
    /// Connect to `url` with default options; a fresh stream named after `prefix`.
    pub async fn new(url: &str, prefix: &str) -> Self {
        let streamer = connect(url, RedisConnectOptions::default()).await;
        Self::on(streamer, key(prefix)).await
    }

    /// A producer on `stream` of `streamer`.
    pub async fn on(streamer: RedisStreamer, stream: StreamKey) -> Self {
        let producer = streamer
            .create_producer(stream.clone(), Default::default())
            .await
            .expect("producer");
        Self {
            streamer,
            stream,
            producer,
        }
    }

    /// The stream, as `create_consumer` takes it.
    pub fn streams(&self) -> &[StreamKey] {
        std::slice::from_ref(&self.stream)
    }

    /// Send the numbers of `items` as payloads and wait until Redis has them.
    pub async fn send_numbers(&self, items: Range<usize>) {
        for i in items {
            self.producer.send(i.to_string()).expect("send");
        }
        self.producer.flush_immut().await.expect("flush");
    }

    /// A consumer of the stream.
    pub async fn consumer(&self, options: RedisConsumerOptions) -> RedisConsumer {
        self.streamer
            .create_consumer(self.streams(), options)
            .await
            .expect("consumer")
    }
}

/// RealTime, from the first entry.
pub fn realtime_earliest() -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options
}

/// Resumable in `group`, from the first entry, acks sent by `commit` only.
pub fn resumable(group: &str) -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new(group.to_owned()))
        .expect("group");
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(AutoCommit::Disabled);
    options
}

/// LoadBalanced, from the first entry, one entry per read, acks sent by `commit` only.
pub fn load_balanced() -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_auto_commit(AutoCommit::Disabled)
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit_interval(Duration::ZERO)
        .set_batch_size(1);
    options
}

/// [`load_balanced`] in the group `group`, claiming the entries of consumers idle for a second.
pub fn failover(group: &str) -> RedisConsumerOptions {
    let mut options = load_balanced();
    options
        .set_consumer_group(ConsumerGroup::new(group.to_owned()))
        .expect("group");
    options
        .set_auto_claim_idle(Duration::from_secs(1))
        .set_auto_claim_interval(Some(Duration::from_secs(1)));
    options
}
