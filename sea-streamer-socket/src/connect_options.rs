//! [`SeaConnectOptions`]: one set of connect options per enabled backend.

use crate::{backend::first_enabled, map_err, BackendErr};
use sea_streamer_types::{ConnectOptions, StreamResult};
use std::time::Duration;

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileConnectOptions;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaConnectOptions;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsConnectOptions;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisConnectOptions;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioConnectOptions;

/// Connect options for every enabled backend; [`SeaStreamer::connect`](crate::SeaStreamer#method.connect) hands the
/// chosen backend its own part.
///
/// ```
/// # #[cfg(feature = "backend-stdio")] {
/// use sea_streamer_socket::SeaConnectOptions;
///
/// let mut options = SeaConnectOptions::default();
/// options.set_stdio_connect_options(|o| o.set_loopback(true));
/// assert!(options.into_stdio_connect_options().loopback());
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct SeaConnectOptions {
    #[cfg(feature = "backend-kafka")]
    kafka: KafkaConnectOptions,
    #[cfg(feature = "backend-redis")]
    redis: RedisConnectOptions,
    #[cfg(feature = "backend-stdio")]
    stdio: StdioConnectOptions,
    #[cfg(feature = "backend-file")]
    file: FileConnectOptions,
    #[cfg(feature = "backend-nats")]
    nats: NatsConnectOptions,
}

impl SeaConnectOptions {
    /// The Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn into_kafka_connect_options(self) -> KafkaConnectOptions {
        self.kafka
    }

    /// The Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn into_redis_connect_options(self) -> RedisConnectOptions {
        self.redis
    }

    /// The stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn into_stdio_connect_options(self) -> StdioConnectOptions {
        self.stdio
    }

    /// The file part.
    #[cfg(feature = "backend-file")]
    pub fn into_file_connect_options(self) -> FileConnectOptions {
        self.file
    }

    /// The NATS part.
    #[cfg(feature = "backend-nats")]
    pub fn into_nats_connect_options(self) -> NatsConnectOptions {
        self.nats
    }

    /// Edit the Kafka part.
    #[cfg(feature = "backend-kafka")]
    pub fn set_kafka_connect_options<F: FnOnce(&mut KafkaConnectOptions)>(&mut self, func: F) {
        func(&mut self.kafka)
    }

    /// Edit the Redis part.
    #[cfg(feature = "backend-redis")]
    pub fn set_redis_connect_options<F: FnOnce(&mut RedisConnectOptions)>(&mut self, func: F) {
        func(&mut self.redis)
    }

    /// Edit the stdio part.
    #[cfg(feature = "backend-stdio")]
    pub fn set_stdio_connect_options<F: FnOnce(&mut StdioConnectOptions)>(&mut self, func: F) {
        func(&mut self.stdio)
    }

    /// Edit the file part.
    #[cfg(feature = "backend-file")]
    pub fn set_file_connect_options<F: FnOnce(&mut FileConnectOptions)>(&mut self, func: F) {
        func(&mut self.file)
    }

    /// Edit the NATS part (credentials, the JetStream stream, storage).
    ///
    /// ```
    /// # #[cfg(feature = "backend-nats")] {
    /// use sea_streamer_socket::SeaConnectOptions;
    ///
    /// let mut options = SeaConnectOptions::default();
    /// options.set_nats_connect_options(|o| {
    ///     o.set_stream_name(Some("EVENTS".into()));
    /// });
    /// assert_eq!(options.into_nats_connect_options().stream_name(), Some("EVENTS"));
    /// # }
    /// ```
    #[cfg(feature = "backend-nats")]
    pub fn set_nats_connect_options<F: FnOnce(&mut NatsConnectOptions)>(&mut self, func: F) {
        func(&mut self.nats)
    }
}

impl ConnectOptions for SeaConnectOptions {
    type Error = BackendErr;

    /// The timeout of the first enabled backend (Kafka, Redis, Stdio, File, Nats order).
    /// Stdio and File have none (`Err(TimeoutNotSet)`).
    fn timeout(&self) -> StreamResult<Duration, BackendErr> {
        first_enabled! {
            kafka: self.kafka.timeout().map_err(map_err),
            redis: self.redis.timeout().map_err(map_err),
            stdio: self.stdio.timeout().map_err(map_err),
            file: self.file.timeout().map_err(map_err),
            nats: self.nats.timeout().map_err(map_err),
        }
    }

    /// Set the timeout of every enabled backend (Stdio and File ignore it).
    fn set_timeout(&mut self, d: Duration) -> StreamResult<&mut Self, BackendErr> {
        #[cfg(feature = "backend-kafka")]
        self.kafka.set_timeout(d).map_err(map_err)?;
        #[cfg(feature = "backend-redis")]
        self.redis.set_timeout(d).map_err(map_err)?;
        #[cfg(feature = "backend-stdio")]
        self.stdio.set_timeout(d).map_err(map_err)?;
        #[cfg(feature = "backend-file")]
        self.file.set_timeout(d).map_err(map_err)?;
        #[cfg(feature = "backend-nats")]
        self.nats.set_timeout(d).map_err(map_err)?;
        Ok(self)
    }
}
