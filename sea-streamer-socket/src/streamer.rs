//! [`SeaStreamer`]: connect to the backend named by the URI scheme.

use crate::{
    backend::{dispatch, impl_sea_streamer_backend},
    map_err, BackendErr, Scheme, SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaProducer,
    SeaProducerOptions,
};
use sea_streamer_types::{StreamKey, StreamResult, Streamer, StreamerUri};

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileStreamer;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaStreamer;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsStreamer;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisStreamer;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioStreamer;

/// A streamer of the backend chosen by the URI scheme at [`connect`](Streamer::connect).
///
/// | Scheme | Backend |
/// |---|---|
/// | `kafka` | Kafka (`backend-kafka`) |
/// | `redis`, `rediss` | Redis (`backend-redis`) |
/// | `stdio` | stdio (`backend-stdio`) |
/// | `file` | file (`backend-file`) |
/// | `nats` | NATS JetStream (`backend-nats`, with `runtime-tokio`) |
///
/// A URI without a scheme fails with `Connect("protocol not set")`; an unknown scheme with
/// ``Connect("unknown protocol `x`")``; a known scheme whose backend is not compiled in with
/// a `Connect` error naming the feature to enable. The whole URI, scheme included, is passed
/// to the backend.
///
/// ```
/// use sea_streamer_socket::{SeaConnectOptions, SeaStreamer};
/// use sea_streamer_types::{StreamErr, Streamer, StreamerUri};
///
/// # async fn demo() {
/// let uri: StreamerUri = "gopher://example.com".parse().unwrap();
/// let err = SeaStreamer::connect(uri, SeaConnectOptions::default()).await.unwrap_err();
/// assert!(matches!(err, StreamErr::Connect(m) if m == "unknown protocol `gopher`"));
/// # }
/// ```
#[derive(Debug)]
pub struct SeaStreamer {
    streamer: SeaStreamerInner,
}

#[derive(Debug)]
enum SeaStreamerInner {
    #[cfg(feature = "backend-kafka")]
    Kafka(KafkaStreamer),
    #[cfg(feature = "backend-redis")]
    Redis(RedisStreamer),
    #[cfg(feature = "backend-stdio")]
    Stdio(StdioStreamer),
    #[cfg(feature = "backend-file")]
    File(FileStreamer),
    // Boxed: the NATS streamer (its client and JetStream context) is ten times the size of
    // the others.
    #[cfg(feature = "backend-nats")]
    Nats(Box<NatsStreamer>),
}

#[cfg(feature = "backend-kafka")]
impl From<KafkaStreamer> for SeaStreamer {
    fn from(s: KafkaStreamer) -> Self {
        Self {
            streamer: SeaStreamerInner::Kafka(s),
        }
    }
}

#[cfg(feature = "backend-redis")]
impl From<RedisStreamer> for SeaStreamer {
    fn from(s: RedisStreamer) -> Self {
        Self {
            streamer: SeaStreamerInner::Redis(s),
        }
    }
}

#[cfg(feature = "backend-stdio")]
impl From<StdioStreamer> for SeaStreamer {
    fn from(s: StdioStreamer) -> Self {
        Self {
            streamer: SeaStreamerInner::Stdio(s),
        }
    }
}

#[cfg(feature = "backend-file")]
impl From<FileStreamer> for SeaStreamer {
    fn from(s: FileStreamer) -> Self {
        Self {
            streamer: SeaStreamerInner::File(s),
        }
    }
}

#[cfg(feature = "backend-nats")]
impl From<NatsStreamer> for SeaStreamer {
    fn from(s: NatsStreamer) -> Self {
        Self {
            streamer: SeaStreamerInner::Nats(Box::new(s)),
        }
    }
}

impl_sea_streamer_backend! {
    impl for SeaStreamer { |this| this.streamer, SeaStreamerInner }
    Kafka = KafkaStreamer, Redis = RedisStreamer, Stdio = StdioStreamer, File = FileStreamer,
    Nats = NatsStreamer,
}

impl Streamer for SeaStreamer {
    type Error = BackendErr;
    type Producer = SeaProducer;
    type Consumer = SeaConsumer;
    type ConnectOptions = SeaConnectOptions;
    type ConsumerOptions = SeaConsumerOptions;
    type ProducerOptions = SeaProducerOptions;

    async fn connect(
        uri: StreamerUri,
        options: SeaConnectOptions,
    ) -> StreamResult<Self, BackendErr> {
        // One arm per backend; a scheme whose backend is compiled out gets an error that
        // names the feature to enable.
        match Scheme::of(&uri)? {
            #[cfg(feature = "backend-kafka")]
            Scheme::Kafka => {
                let options = options.into_kafka_connect_options();
                let s = KafkaStreamer::connect(uri, options).await;
                Ok(s.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-redis")]
            Scheme::Redis => {
                let options = options.into_redis_connect_options();
                let s = RedisStreamer::connect(uri, options).await;
                Ok(s.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-stdio")]
            Scheme::Stdio => {
                let options = options.into_stdio_connect_options();
                let s = StdioStreamer::connect(uri, options).await;
                Ok(s.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-file")]
            Scheme::File => {
                let options = options.into_file_connect_options();
                let s = FileStreamer::connect(uri, options).await;
                Ok(s.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-nats")]
            Scheme::Nats => {
                let options = options.into_nats_connect_options();
                let s = NatsStreamer::connect(uri, options).await;
                Ok(s.map_err(map_err)?.into())
            }
            #[allow(unreachable_patterns)]
            scheme => Err(scheme.not_compiled_in()),
        }
    }

    async fn disconnect(self) -> StreamResult<(), BackendErr> {
        dispatch!(self.streamer, SeaStreamerInner, |s| s
            .disconnect()
            .await
            .map_err(map_err))
    }

    async fn create_generic_producer(
        &self,
        options: SeaProducerOptions,
    ) -> StreamResult<SeaProducer, BackendErr> {
        match &self.streamer {
            #[cfg(feature = "backend-kafka")]
            SeaStreamerInner::Kafka(s) => {
                let p = s.create_generic_producer(options.into_kafka_producer_options());
                Ok(p.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-redis")]
            SeaStreamerInner::Redis(s) => {
                let p = s.create_generic_producer(options.into_redis_producer_options());
                Ok(p.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-stdio")]
            SeaStreamerInner::Stdio(s) => {
                let p = s.create_generic_producer(options.into_stdio_producer_options());
                Ok(p.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-file")]
            SeaStreamerInner::File(s) => {
                let p = s.create_generic_producer(options.into_file_producer_options());
                Ok(p.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-nats")]
            SeaStreamerInner::Nats(s) => {
                let p = s.create_generic_producer(options.into_nats_producer_options());
                Ok(p.await.map_err(map_err)?.into())
            }
        }
    }

    async fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: SeaConsumerOptions,
    ) -> StreamResult<SeaConsumer, BackendErr> {
        match &self.streamer {
            #[cfg(feature = "backend-kafka")]
            SeaStreamerInner::Kafka(s) => {
                let c = s.create_consumer(streams, options.into_kafka_consumer_options());
                Ok(c.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-redis")]
            SeaStreamerInner::Redis(s) => {
                let c = s.create_consumer(streams, options.into_redis_consumer_options());
                Ok(c.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-stdio")]
            SeaStreamerInner::Stdio(s) => {
                let c = s.create_consumer(streams, options.into_stdio_consumer_options());
                Ok(c.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-file")]
            SeaStreamerInner::File(s) => {
                let c = s.create_consumer(streams, options.into_file_consumer_options());
                Ok(c.await.map_err(map_err)?.into())
            }
            #[cfg(feature = "backend-nats")]
            SeaStreamerInner::Nats(s) => {
                let c = s.create_consumer(streams, options.into_nats_consumer_options());
                Ok(c.await.map_err(map_err)?.into())
            }
        }
    }
}
