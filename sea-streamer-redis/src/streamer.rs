//! `RedisStreamer`: the entry point that connects and creates producers and consumers.

use crate::cluster::{normalize, RedisCluster};
use crate::connection::Purpose;
use crate::consumer::create_consumer;
use crate::producer::create_producer;
use crate::{
    RedisConnectOptions, RedisConsumer, RedisConsumerOptions, RedisErr, RedisProducer,
    RedisProducerOptions, RedisResult,
};
use sea_streamer_types::{StreamKey, Streamer, StreamerUri};
use std::sync::Arc;

/// A Redis server (or cluster) to stream with.
///
/// ```no_run
/// # async fn demo() -> sea_streamer_redis::RedisResult<()> {
/// use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
/// use sea_streamer_types::Streamer;
/// let streamer = RedisStreamer::connect("redis://localhost:6379".parse()?, RedisConnectOptions::default()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisStreamer {
    uri: StreamerUri,
    options: Arc<RedisConnectOptions>,
}

impl Streamer for RedisStreamer {
    type Error = RedisErr;
    type Producer = RedisProducer;
    type Consumer = RedisConsumer;
    type ConnectOptions = RedisConnectOptions;
    type ConsumerOptions = RedisConsumerOptions;
    type ProducerOptions = RedisProducerOptions;

    /// Check that every node accepts a connection (the connections are then closed).
    async fn connect(streamer: StreamerUri, options: RedisConnectOptions) -> RedisResult<Self> {
        let uri = StreamerUri::many(normalize(&streamer)?.into_iter());
        let options = Arc::new(options);
        let mut cluster = RedisCluster::new_for(uri.clone(), options.clone(), Purpose::Command)?;
        cluster.reconnect_all().await?;
        Ok(RedisStreamer { uri, options })
    }

    /// Nothing to release (producers and consumers own their connections): always `Ok`.
    async fn disconnect(self) -> RedisResult<()> {
        Ok(())
    }

    async fn create_generic_producer(
        &self,
        options: RedisProducerOptions,
    ) -> RedisResult<RedisProducer> {
        create_producer(self.uri.clone(), self.options.clone(), options).await
    }

    async fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: RedisConsumerOptions,
    ) -> RedisResult<RedisConsumer> {
        create_consumer(self.uri.clone(), self.options.clone(), streams, options).await
    }
}
