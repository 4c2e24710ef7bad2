//! [`SeaProducerOptions`]: one set of producer options per enabled backend.

use sea_streamer_types::ProducerOptions;

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileProducerOptions;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaProducerOptions;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsProducerOptions;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisProducerOptions;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioProducerOptions;

/// Producer options for every enabled backend; the streamer hands its backend its own part.
///
/// ```
/// # #[cfg(feature = "backend-stdio")] {
/// use sea_streamer_socket::SeaProducerOptions;
///
/// let mut options = SeaProducerOptions::default();
/// options.set_stdio_producer_options(|_stdio| { /* stdio has no producer options */ });
/// let _ = options.into_stdio_producer_options();
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct SeaProducerOptions {
    #[cfg(feature = "backend-kafka")]
    kafka: KafkaProducerOptions,
    #[cfg(feature = "backend-redis")]
    redis: RedisProducerOptions,
    #[cfg(feature = "backend-stdio")]
    stdio: StdioProducerOptions,
    #[cfg(feature = "backend-file")]
    file: FileProducerOptions,
    #[cfg(feature = "backend-nats")]
    nats: NatsProducerOptions,
}

impl ProducerOptions for SeaProducerOptions {}

impl SeaProducerOptions {
    /// The Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn into_kafka_producer_options(self) -> KafkaProducerOptions {
        self.kafka
    }

    /// The Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn into_redis_producer_options(self) -> RedisProducerOptions {
        self.redis
    }

    /// The stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn into_stdio_producer_options(self) -> StdioProducerOptions {
        self.stdio
    }

    /// The file part.
    #[cfg(feature = "backend-file")]
    pub fn into_file_producer_options(self) -> FileProducerOptions {
        self.file
    }

    /// The NATS part.
    #[cfg(feature = "backend-nats")]
    pub fn into_nats_producer_options(self) -> NatsProducerOptions {
        self.nats
    }

    /// Edit the Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn set_kafka_producer_options<F: FnOnce(&mut KafkaProducerOptions)>(&mut self, func: F) {
        func(&mut self.kafka)
    }

    /// Edit the Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn set_redis_producer_options<F: FnOnce(&mut RedisProducerOptions)>(&mut self, func: F) {
        func(&mut self.redis)
    }

    /// Edit the stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn set_stdio_producer_options<F: FnOnce(&mut StdioProducerOptions)>(&mut self, func: F) {
        func(&mut self.stdio)
    }

    /// Turns W3C `traceparent` propagation on or off for the backends that carry headers
    /// (Kafka, Redis): each message then gets a `traceparent` header (a child of
    /// `TraceContext::current()`, or a new trace) and a `sea_streamer.produce` tracing event.
    /// Files, stdio and NATS (headers not wired yet) carry none: unaffected. Off by default.
    ///
    /// ```
    /// use sea_streamer_socket::SeaProducerOptions;
    ///
    /// let mut options = SeaProducerOptions::default();
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

    /// Edit the file part.
    #[cfg(feature = "backend-file")]
    pub fn set_file_producer_options<F: FnOnce(&mut FileProducerOptions)>(&mut self, func: F) {
        func(&mut self.file)
    }

    /// Edit the NATS part.
    #[cfg(feature = "backend-nats")]
    pub fn set_nats_producer_options<F: FnOnce(&mut NatsProducerOptions)>(&mut self, func: F) {
        func(&mut self.nats)
    }
}
