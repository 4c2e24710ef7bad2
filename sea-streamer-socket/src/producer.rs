//! [`SeaProducer`] and its receipt future [`SendFuture`].

use crate::{
    backend::{dispatch, impl_sea_streamer_backend},
    map_err, BackendErr,
};
use sea_streamer_types::{
    Buffer, Headers, Producer, ProducerWithHeaders, Receipt, StreamKey, StreamResult,
};
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileProducer;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaProducer;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsProducer;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisProducer;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioProducer;

/// A producer of whichever backend the streamer wraps. Cheap to clone.
///
/// ```
/// use sea_streamer_socket::{Error, SeaProducer};
/// use sea_streamer_types::Producer;
///
/// async fn say_hello(producer: &mut SeaProducer) -> Result<(), Error> {
///     producer.send("hello")?; // the receipt may be dropped: the send still happens
///     producer.flush().await
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SeaProducer {
    producer: SeaProducerInner,
}

#[derive(Debug, Clone)]
enum SeaProducerInner {
    #[cfg(feature = "backend-kafka")]
    Kafka(KafkaProducer),
    #[cfg(feature = "backend-redis")]
    Redis(RedisProducer),
    #[cfg(feature = "backend-stdio")]
    Stdio(StdioProducer),
    #[cfg(feature = "backend-file")]
    File(FileProducer),
    #[cfg(feature = "backend-nats")]
    Nats(NatsProducer),
}

#[cfg(feature = "backend-kafka")]
impl From<KafkaProducer> for SeaProducer {
    fn from(p: KafkaProducer) -> Self {
        Self {
            producer: SeaProducerInner::Kafka(p),
        }
    }
}

#[cfg(feature = "backend-redis")]
impl From<RedisProducer> for SeaProducer {
    fn from(p: RedisProducer) -> Self {
        Self {
            producer: SeaProducerInner::Redis(p),
        }
    }
}

#[cfg(feature = "backend-stdio")]
impl From<StdioProducer> for SeaProducer {
    fn from(p: StdioProducer) -> Self {
        Self {
            producer: SeaProducerInner::Stdio(p),
        }
    }
}

#[cfg(feature = "backend-file")]
impl From<FileProducer> for SeaProducer {
    fn from(p: FileProducer) -> Self {
        Self {
            producer: SeaProducerInner::File(p),
        }
    }
}

#[cfg(feature = "backend-nats")]
impl From<NatsProducer> for SeaProducer {
    fn from(p: NatsProducer) -> Self {
        Self {
            producer: SeaProducerInner::Nats(p),
        }
    }
}

impl_sea_streamer_backend! {
    impl for SeaProducer { |this| this.producer, SeaProducerInner }
    Kafka = KafkaProducer, Redis = RedisProducer, Stdio = StdioProducer, File = FileProducer,
    Nats = NatsProducer,
}

impl Producer for SeaProducer {
    type Error = BackendErr;
    type SendFuture = SendFuture;

    fn send_to<S: Buffer>(
        &self,
        stream: &StreamKey,
        payload: S,
    ) -> StreamResult<SendFuture, BackendErr> {
        Ok(match &self.producer {
            #[cfg(feature = "backend-kafka")]
            SeaProducerInner::Kafka(p) => {
                SendFuture::Kafka(p.send_to(stream, payload).map_err(map_err)?)
            }
            #[cfg(feature = "backend-redis")]
            SeaProducerInner::Redis(p) => {
                SendFuture::Redis(p.send_to(stream, payload).map_err(map_err)?)
            }
            #[cfg(feature = "backend-stdio")]
            SeaProducerInner::Stdio(p) => {
                SendFuture::Stdio(p.send_to(stream, payload).map_err(map_err)?)
            }
            #[cfg(feature = "backend-file")]
            SeaProducerInner::File(p) => {
                SendFuture::File(p.send_to(stream, payload).map_err(map_err)?)
            }
            #[cfg(feature = "backend-nats")]
            SeaProducerInner::Nats(p) => {
                SendFuture::Nats(p.send_to(stream, payload).map_err(map_err)?)
            }
        })
    }

    async fn end(self) -> StreamResult<(), BackendErr> {
        dispatch!(self.producer, SeaProducerInner, |p| p
            .end()
            .await
            .map_err(map_err))
    }

    async fn flush(&mut self) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.producer, SeaProducerInner, |p| p
            .flush()
            .await
            .map_err(map_err))
    }

    fn anchor(&mut self, stream: StreamKey) -> StreamResult<(), BackendErr> {
        dispatch!(&mut self.producer, SeaProducerInner, |p| p
            .anchor(stream)
            .map_err(map_err))
    }

    fn anchored(&self) -> StreamResult<&StreamKey, BackendErr> {
        dispatch!(&self.producer, SeaProducerInner, |p| p
            .anchored()
            .map_err(map_err))
    }
}

/// Sends with [`Headers`] through the wrapped backend: Kafka record headers, Redis entry
/// fields after the message field. Files and stdio carry no headers, and the NATS backend
/// does not send them yet: a send with headers fails with `StreamErr::Unsupported` (one
/// without is an ordinary send).
///
/// ```
/// use sea_streamer_socket::{Error, SeaProducer};
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamKey};
///
/// async fn send_json(producer: &SeaProducer, key: &StreamKey) -> Result<(), Error> {
///     let mut headers = Headers::new();
///     headers.insert("content-type", "application/json");
///     producer.send_to_with_headers(key, &headers, r#"{"id":1}"#)?.await?;
///     Ok(())
/// }
/// ```
impl ProducerWithHeaders for SeaProducer {
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> StreamResult<SendFuture, BackendErr> {
        Ok(match &self.producer {
            #[cfg(feature = "backend-kafka")]
            SeaProducerInner::Kafka(p) => SendFuture::Kafka(
                p.send_to_with_headers(stream, headers, payload)
                    .map_err(map_err)?,
            ),
            #[cfg(feature = "backend-redis")]
            SeaProducerInner::Redis(p) => SendFuture::Redis(
                p.send_to_with_headers(stream, headers, payload)
                    .map_err(map_err)?,
            ),
            #[cfg(feature = "backend-stdio")]
            SeaProducerInner::Stdio(p) => SendFuture::Stdio(
                p.send_to_with_headers(stream, headers, payload)
                    .map_err(map_err)?,
            ),
            #[cfg(feature = "backend-file")]
            SeaProducerInner::File(p) => SendFuture::File(
                p.send_to_with_headers(stream, headers, payload)
                    .map_err(map_err)?,
            ),
            // sea-streamer-nats has no `ProducerWithHeaders` yet (NATS messages can carry
            // headers; the backend does not send them).
            #[cfg(feature = "backend-nats")]
            SeaProducerInner::Nats(p) => {
                if !headers.is_empty() {
                    return Err(sea_streamer_types::StreamErr::Unsupported(
                        "headers: the NATS backend does not send message headers yet".to_owned(),
                    ));
                }
                SendFuture::Nats(p.send_to(stream, payload).map_err(map_err)?)
            }
        })
    }
}

/// The receipt future of [`SeaProducer::send_to`](Producer::send_to): the backend's own
/// future with its error wrapped in [`BackendErr`]. Dropping it does not cancel the send.
#[derive(Debug)]
pub enum SendFuture {
    /// Kafka's receipt future.
    #[cfg(feature = "backend-kafka")]
    Kafka(sea_streamer_kafka::SendFuture),
    /// Redis' receipt future.
    #[cfg(feature = "backend-redis")]
    Redis(sea_streamer_redis::SendFuture),
    /// Stdio's receipt future.
    #[cfg(feature = "backend-stdio")]
    Stdio(sea_streamer_stdio::SendFuture),
    /// The file backend's receipt future.
    #[cfg(feature = "backend-file")]
    File(sea_streamer_file::SendFuture),
    /// NATS' receipt future.
    #[cfg(feature = "backend-nats")]
    Nats(sea_streamer_nats::SendFuture),
}

impl Future for SendFuture {
    type Output = StreamResult<Receipt, BackendErr>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        dispatch!(self.get_mut(), SendFuture, |fut| Pin::new(fut)
            .poll(cx)
            .map(|res| res.map_err(map_err)))
    }
}
