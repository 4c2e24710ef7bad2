//! [`SeaConsumerOptions`]: one set of consumer options per enabled backend, and
//! [`SeaStreamReset`], the backend-neutral "where to start" setting.

use crate::{backend::first_enabled, map_err, BackendErr};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions, StreamResult};

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileConsumerOptions;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaConsumerOptions;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsConsumerOptions;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisConsumerOptions;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioConsumerOptions;

/// Where a consumer without saved progress starts.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum SeaStreamReset {
    /// From the oldest message still stored.
    Earliest,
    /// From the next message produced.
    Latest,
}

/// Consumer options for every enabled backend; the streamer hands its backend its own part.
///
/// ```
/// # #[cfg(feature = "backend-stdio")] {
/// use sea_streamer_socket::{SeaConsumerOptions, SeaStreamReset};
/// use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions};
///
/// let mut options = SeaConsumerOptions::new(ConsumerMode::LoadBalanced);
/// options.set_consumer_group(ConsumerGroup::new("workers")).unwrap();
/// options.set_auto_stream_reset(SeaStreamReset::Earliest);
/// assert_eq!(options.mode().unwrap(), &ConsumerMode::LoadBalanced);
/// assert_eq!(options.consumer_group().unwrap().name(), "workers");
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct SeaConsumerOptions {
    #[cfg(feature = "backend-kafka")]
    kafka: KafkaConsumerOptions,
    #[cfg(feature = "backend-redis")]
    redis: RedisConsumerOptions,
    #[cfg(feature = "backend-stdio")]
    stdio: StdioConsumerOptions,
    #[cfg(feature = "backend-file")]
    file: FileConsumerOptions,
    #[cfg(feature = "backend-nats")]
    nats: NatsConsumerOptions,
}

impl SeaConsumerOptions {
    /// The Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn into_kafka_consumer_options(self) -> KafkaConsumerOptions {
        self.kafka
    }

    /// The Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn into_redis_consumer_options(self) -> RedisConsumerOptions {
        self.redis
    }

    /// The stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn into_stdio_consumer_options(self) -> StdioConsumerOptions {
        self.stdio
    }

    /// The file part.
    #[cfg(feature = "backend-file")]
    pub fn into_file_consumer_options(self) -> FileConsumerOptions {
        self.file
    }

    /// The NATS part.
    #[cfg(feature = "backend-nats")]
    pub fn into_nats_consumer_options(self) -> NatsConsumerOptions {
        self.nats
    }

    /// Edit the Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn set_kafka_consumer_options<F: FnOnce(&mut KafkaConsumerOptions)>(&mut self, func: F) {
        func(&mut self.kafka)
    }

    /// Edit the Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn set_redis_consumer_options<F: FnOnce(&mut RedisConsumerOptions)>(&mut self, func: F) {
        func(&mut self.redis)
    }

    /// Edit the stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn set_stdio_consumer_options<F: FnOnce(&mut StdioConsumerOptions)>(&mut self, func: F) {
        func(&mut self.stdio)
    }

    /// Edit the file part.
    #[cfg(feature = "backend-file")]
    pub fn set_file_consumer_options<F: FnOnce(&mut FileConsumerOptions)>(&mut self, func: F) {
        func(&mut self.file)
    }

    /// Edit the NATS part (ack wait, pull batch size).
    #[cfg(feature = "backend-nats")]
    pub fn set_nats_consumer_options<F: FnOnce(&mut NatsConsumerOptions)>(&mut self, func: F) {
        func(&mut self.nats)
    }

    /// Turns W3C `traceparent` propagation on or off for the backends that carry headers
    /// (Kafka, Redis): a message with a `traceparent` header is then recorded as a
    /// `sea_streamer.consume` tracing event (`trace_id`, `parent_id`, `stream`, `shard`,
    /// `sequence`). Headers are read either way (`Message::headers`). Off by default.
    ///
    /// ```
    /// use sea_streamer_socket::SeaConsumerOptions;
    ///
    /// let mut options = SeaConsumerOptions::default();
    /// options.set_trace_propagation(true);
    /// ```
    pub fn set_trace_propagation(&mut self, enabled: bool) -> &mut Self {
        #[cfg(feature = "backend-kafka")]
        self.kafka.set_trace_propagation(enabled);
        #[cfg(feature = "backend-redis")]
        self.redis.set_trace_propagation(enabled);
        let _ = enabled;
        self
    }

    /// Where to start without saved progress: Kafka's `auto.offset.reset`, Redis', File's and
    /// NATS' auto stream reset. Stdio has no history, so it is unaffected.
    pub fn set_auto_stream_reset(&mut self, val: SeaStreamReset) {
        #[cfg(feature = "backend-kafka")]
        self.kafka.set_auto_offset_reset(match val {
            SeaStreamReset::Earliest => sea_streamer_kafka::AutoOffsetReset::Earliest,
            SeaStreamReset::Latest => sea_streamer_kafka::AutoOffsetReset::Latest,
        });
        #[cfg(feature = "backend-redis")]
        self.redis.set_auto_stream_reset(match val {
            SeaStreamReset::Earliest => sea_streamer_redis::AutoStreamReset::Earliest,
            SeaStreamReset::Latest => sea_streamer_redis::AutoStreamReset::Latest,
        });
        #[cfg(feature = "backend-file")]
        self.file.set_auto_stream_reset(match val {
            SeaStreamReset::Earliest => sea_streamer_file::AutoStreamReset::Earliest,
            SeaStreamReset::Latest => sea_streamer_file::AutoStreamReset::Latest,
        });
        #[cfg(feature = "backend-nats")]
        self.nats.set_auto_stream_reset(match val {
            SeaStreamReset::Earliest => sea_streamer_nats::AutoStreamReset::Earliest,
            SeaStreamReset::Latest => sea_streamer_nats::AutoStreamReset::Latest,
        });
        let _ = val;
    }
}

impl ConsumerOptions for SeaConsumerOptions {
    type Error = BackendErr;

    /// Every backend's options built with `new(mode)`.
    fn new(mode: ConsumerMode) -> Self {
        Self {
            #[cfg(feature = "backend-kafka")]
            kafka: KafkaConsumerOptions::new(mode),
            #[cfg(feature = "backend-redis")]
            redis: RedisConsumerOptions::new(mode),
            #[cfg(feature = "backend-stdio")]
            stdio: StdioConsumerOptions::new(mode),
            #[cfg(feature = "backend-file")]
            file: FileConsumerOptions::new(mode),
            #[cfg(feature = "backend-nats")]
            nats: NatsConsumerOptions::new(mode),
        }
    }

    /// The mode, read from the first enabled backend (Kafka, Redis, Stdio, File, Nats order).
    fn mode(&self) -> StreamResult<&ConsumerMode, BackendErr> {
        first_enabled! {
            kafka: self.kafka.mode().map_err(map_err),
            redis: self.redis.mode().map_err(map_err),
            stdio: self.stdio.mode().map_err(map_err),
            file: self.file.mode().map_err(map_err),
            nats: self.nats.mode().map_err(map_err),
        }
    }

    /// The consumer group, read from the first enabled backend (Kafka, Redis, Stdio, File,
    /// Nats order); `Err(ConsumerGroupNotSet)` if unset.
    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, BackendErr> {
        first_enabled! {
            kafka: self.kafka.consumer_group().map_err(map_err),
            redis: self.redis.consumer_group().map_err(map_err),
            stdio: self.stdio.consumer_group().map_err(map_err),
            file: self.file.consumer_group().map_err(map_err),
            nats: self.nats.consumer_group().map_err(map_err),
        }
    }

    /// Set the consumer group on every enabled backend.
    fn set_consumer_group(
        &mut self,
        group_id: ConsumerGroup,
    ) -> StreamResult<&mut Self, BackendErr> {
        #[cfg(feature = "backend-kafka")]
        self.kafka
            .set_consumer_group(group_id.clone())
            .map_err(map_err)?;
        #[cfg(feature = "backend-redis")]
        self.redis
            .set_consumer_group(group_id.clone())
            .map_err(map_err)?;
        #[cfg(feature = "backend-stdio")]
        self.stdio
            .set_consumer_group(group_id.clone())
            .map_err(map_err)?;
        #[cfg(feature = "backend-file")]
        self.file
            .set_consumer_group(group_id.clone())
            .map_err(map_err)?;
        #[cfg(feature = "backend-nats")]
        self.nats
            .set_consumer_group(group_id.clone())
            .map_err(map_err)?;
        drop(group_id);
        Ok(self)
    }
}
