//! [`SeaConsumer`] and its futures: [`NextFuture`] and [`SeaMessageStream`].

mod acknowledge;
mod lag;

use crate::{
    backend::{dispatch, impl_sea_streamer_backend},
    map_err, BackendErr, SeaMessage,
};
use futures::Stream;
use sea_streamer_types::{Consumer, SeqPos, ShardId, StreamKey, StreamResult, Timestamp};
use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

#[cfg(feature = "backend-file")]
use sea_streamer_file::{FileConsumer, FileMessageStream};
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::{KafkaConsumer, KafkaMessageStream};
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsConsumer;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::{RedisConsumer, RedisMessageStream};
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::{StdioConsumer, StdioMessageStream};

/// A consumer of whichever backend the streamer wraps.
///
/// ```
/// use sea_streamer_socket::{Error, SeaConsumer};
/// use sea_streamer_types::{Buffer, Consumer, Message};
///
/// async fn print_one(consumer: &SeaConsumer) -> Result<(), Error> {
///     let message = consumer.next().await?;
///     let payload = message.message();
///     let text = payload.as_str().map_err(sea_streamer_types::StreamErr::Utf8Error)?;
///     assert!(!message.stream_key().name().is_empty());
///     let _ = text;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct SeaConsumer {
    consumer: SeaConsumerInner,
}

#[derive(Debug)]
enum SeaConsumerInner {
    #[cfg(feature = "backend-kafka")]
    Kafka(KafkaConsumer),
    // Boxed: the Redis consumer is several times the size of the others.
    #[cfg(feature = "backend-redis")]
    Redis(Box<RedisConsumer>),
    #[cfg(feature = "backend-stdio")]
    Stdio(StdioConsumer),
    #[cfg(feature = "backend-file")]
    File(FileConsumer),
    // Boxed, as Redis': the NATS consumer holds its connection's shared state.
    #[cfg(feature = "backend-nats")]
    Nats(Box<NatsConsumer>),
}

#[cfg(feature = "backend-kafka")]
impl From<KafkaConsumer> for SeaConsumer {
    fn from(c: KafkaConsumer) -> Self {
        Self {
            consumer: SeaConsumerInner::Kafka(c),
        }
    }
}

#[cfg(feature = "backend-redis")]
impl From<RedisConsumer> for SeaConsumer {
    fn from(c: RedisConsumer) -> Self {
        Self {
            consumer: SeaConsumerInner::Redis(Box::new(c)),
        }
    }
}

#[cfg(feature = "backend-stdio")]
impl From<StdioConsumer> for SeaConsumer {
    fn from(c: StdioConsumer) -> Self {
        Self {
            consumer: SeaConsumerInner::Stdio(c),
        }
    }
}

#[cfg(feature = "backend-file")]
impl From<FileConsumer> for SeaConsumer {
    fn from(c: FileConsumer) -> Self {
        Self {
            consumer: SeaConsumerInner::File(c),
        }
    }
}

#[cfg(feature = "backend-nats")]
impl From<NatsConsumer> for SeaConsumer {
    fn from(c: NatsConsumer) -> Self {
        Self {
            consumer: SeaConsumerInner::Nats(Box::new(c)),
        }
    }
}

impl_sea_streamer_backend! {
    impl for SeaConsumer { |this| this.consumer, SeaConsumerInner }
    Kafka = KafkaConsumer, Redis = RedisConsumer, Stdio = StdioConsumer, File = FileConsumer,
    Nats = NatsConsumer,
}

impl Consumer for SeaConsumer {
    type Error = BackendErr;
    type Message<'a> = SeaMessage<'a>;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = SeaMessageStream<'a>;

    async fn seek(&mut self, to: Timestamp) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.consumer, SeaConsumerInner, |c| c
            .seek(to)
            .await
            .map_err(map_err))
    }

    async fn rewind(&mut self, offset: SeqPos) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.consumer, SeaConsumerInner, |c| c
            .rewind(offset)
            .await
            .map_err(map_err))
    }

    fn assign(&mut self, ss: (StreamKey, ShardId)) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.consumer, SeaConsumerInner, |c| c
            .assign(ss)
            .map_err(map_err))
    }

    fn unassign(&mut self, ss: (StreamKey, ShardId)) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.consumer, SeaConsumerInner, |c| c
            .unassign(ss)
            .map_err(map_err))
    }

    fn next(&self) -> NextFuture<'_> {
        match &self.consumer {
            #[cfg(feature = "backend-kafka")]
            SeaConsumerInner::Kafka(c) => NextFuture::Kafka(c.next()),
            #[cfg(feature = "backend-redis")]
            SeaConsumerInner::Redis(c) => NextFuture::Redis(c.next()),
            #[cfg(feature = "backend-stdio")]
            SeaConsumerInner::Stdio(c) => NextFuture::Stdio(c.next()),
            #[cfg(feature = "backend-file")]
            SeaConsumerInner::File(c) => NextFuture::File(c.next()),
            #[cfg(feature = "backend-nats")]
            SeaConsumerInner::Nats(c) => NextFuture::Nats(c.next()),
        }
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> SeaMessageStream<'a> {
        match &mut self.consumer {
            #[cfg(feature = "backend-kafka")]
            SeaConsumerInner::Kafka(c) => SeaMessageStream::Kafka(c.stream()),
            #[cfg(feature = "backend-redis")]
            SeaConsumerInner::Redis(c) => SeaMessageStream::Redis(c.stream()),
            #[cfg(feature = "backend-stdio")]
            SeaConsumerInner::Stdio(c) => SeaMessageStream::Stdio(c.stream()),
            #[cfg(feature = "backend-file")]
            SeaConsumerInner::File(c) => SeaMessageStream::File(c.stream()),
            #[cfg(feature = "backend-nats")]
            SeaConsumerInner::Nats(c) => SeaMessageStream::Nats(c.stream()),
        }
    }
}

/// The future of [`SeaConsumer::next`](Consumer::next): the backend's own future, with its
/// message wrapped in [`SeaMessage`] and its error in [`BackendErr`].
pub enum NextFuture<'a> {
    /// Kafka's next-message future.
    #[cfg(feature = "backend-kafka")]
    Kafka(sea_streamer_kafka::NextFuture<'a>),
    /// Redis' next-message future.
    #[cfg(feature = "backend-redis")]
    Redis(sea_streamer_redis::NextFuture<'a>),
    /// Stdio's next-message future.
    #[cfg(feature = "backend-stdio")]
    Stdio(sea_streamer_stdio::NextFuture<'a>),
    /// The file backend's next-message future.
    #[cfg(feature = "backend-file")]
    File(sea_streamer_file::NextFuture<'a>),
    /// NATS' next-message future.
    #[cfg(feature = "backend-nats")]
    Nats(<NatsConsumer as Consumer>::NextFuture<'a>),
}

impl fmt::Debug for NextFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "backend-kafka")]
            Self::Kafka(_) => write!(f, "NextFuture::Kafka"),
            #[cfg(feature = "backend-redis")]
            Self::Redis(_) => write!(f, "NextFuture::Redis"),
            #[cfg(feature = "backend-stdio")]
            Self::Stdio(_) => write!(f, "NextFuture::Stdio"),
            #[cfg(feature = "backend-file")]
            Self::File(_) => write!(f, "NextFuture::File"),
            #[cfg(feature = "backend-nats")]
            Self::Nats(_) => write!(f, "NextFuture::Nats"),
        }
    }
}

impl<'a> Future for NextFuture<'a> {
    type Output = StreamResult<SeaMessage<'a>, BackendErr>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            #[cfg(feature = "backend-kafka")]
            Self::Kafka(fut) => Pin::new(fut)
                .poll(cx)
                .map(|res| res.map(SeaMessage::Kafka).map_err(map_err)),
            #[cfg(feature = "backend-redis")]
            Self::Redis(fut) => Pin::new(fut)
                .poll(cx)
                .map(|res| res.map(SeaMessage::Redis).map_err(map_err)),
            #[cfg(feature = "backend-stdio")]
            Self::Stdio(fut) => Pin::new(fut)
                .poll(cx)
                .map(|res| res.map(SeaMessage::Stdio).map_err(map_err)),
            #[cfg(feature = "backend-file")]
            Self::File(fut) => Pin::new(fut)
                .poll(cx)
                .map(|res| res.map(SeaMessage::File).map_err(map_err)),
            #[cfg(feature = "backend-nats")]
            Self::Nats(fut) => Pin::new(fut)
                .poll(cx)
                .map(|res| res.map(SeaMessage::Nats).map_err(map_err)),
        }
    }
}

/// The stream of [`SeaConsumer::stream`](Consumer::stream): the backend's own message
/// stream, with messages wrapped in [`SeaMessage`] and errors in [`BackendErr`].
pub enum SeaMessageStream<'a> {
    /// Kafka's message stream.
    #[cfg(feature = "backend-kafka")]
    Kafka(KafkaMessageStream<'a>),
    /// Redis' message stream.
    #[cfg(feature = "backend-redis")]
    Redis(RedisMessageStream<'a>),
    /// Stdio's message stream.
    #[cfg(feature = "backend-stdio")]
    Stdio(StdioMessageStream<'a>),
    /// The file backend's message stream.
    #[cfg(feature = "backend-file")]
    File(FileMessageStream<'a>),
    /// NATS' message stream.
    #[cfg(feature = "backend-nats")]
    Nats(<NatsConsumer as Consumer>::Stream<'a>),
}

impl fmt::Debug for SeaMessageStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "backend-kafka")]
            Self::Kafka(_) => write!(f, "SeaMessageStream::Kafka"),
            #[cfg(feature = "backend-redis")]
            Self::Redis(_) => write!(f, "SeaMessageStream::Redis"),
            #[cfg(feature = "backend-stdio")]
            Self::Stdio(_) => write!(f, "SeaMessageStream::Stdio"),
            #[cfg(feature = "backend-file")]
            Self::File(_) => write!(f, "SeaMessageStream::File"),
            #[cfg(feature = "backend-nats")]
            Self::Nats(_) => write!(f, "SeaMessageStream::Nats"),
        }
    }
}

impl<'a> Stream for SeaMessageStream<'a> {
    type Item = StreamResult<SeaMessage<'a>, BackendErr>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            #[cfg(feature = "backend-kafka")]
            Self::Kafka(s) => Pin::new(s)
                .poll_next(cx)
                .map(|item| item.map(|res| res.map(SeaMessage::Kafka).map_err(map_err))),
            #[cfg(feature = "backend-redis")]
            Self::Redis(s) => Pin::new(s)
                .poll_next(cx)
                .map(|item| item.map(|res| res.map(SeaMessage::Redis).map_err(map_err))),
            #[cfg(feature = "backend-stdio")]
            Self::Stdio(s) => Pin::new(s)
                .poll_next(cx)
                .map(|item| item.map(|res| res.map(SeaMessage::Stdio).map_err(map_err))),
            #[cfg(feature = "backend-file")]
            Self::File(s) => Pin::new(s)
                .poll_next(cx)
                .map(|item| item.map(|res| res.map(SeaMessage::File).map_err(map_err))),
            #[cfg(feature = "backend-nats")]
            Self::Nats(s) => Pin::new(s)
                .poll_next(cx)
                .map(|item| item.map(|res| res.map(SeaMessage::Nats).map_err(map_err))),
        }
    }
}
