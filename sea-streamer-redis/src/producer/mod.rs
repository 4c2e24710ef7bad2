//! The producer: a cheap, cloneable handle that queues writes for a background task.
//!
//! `send_to` never blocks: it puts the message in a queue and returns a [`SendFuture`] for the
//! receipt. The task drains the queue in batches and sends each batch as one pipeline of
//! `XADD`s; receipts carry the entry id Redis assigned. The queue is bounded (messages and
//! payload bytes not yet answered, see [`RedisProducerOptions`]): when full, `send_to` returns
//! [`RedisErr::QueueFull`].
//!
//! Headers ([`ProducerWithHeaders`]) are written as the entry's fields after the message
//! field; the task records the producer metrics (`sea_streamer_producer_*`, per stream key).

mod budget;
mod headers;
mod observe;
mod options;
mod queue;
mod request;
mod sharder;
mod task;

pub use options::RedisProducerOptions;
pub use sharder::{PseudoRandomSharder, RoundRobinSharder, Sharder, SharderConfig};

use crate::cluster::RedisCluster;
use crate::connection::Purpose;
use crate::message::timestamp_part;
use crate::{RedisConnectOptions, RedisErr, RedisResult, TimestampFormat};
use futures::channel::oneshot;
use headers::HeaderRules;
use request::Request;
use sea_streamer_types::{
    Buffer, Headers, MessageHeader, Producer, ProducerWithHeaders, StreamErr, StreamKey,
    StreamerUri, Timestamp, SEA_STREAMER_INTERNAL,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::Instrument;

/// A producer of Redis stream entries. Cloning is cheap; clones share the background task,
/// which ends once every clone is dropped and the queue is drained.
///
/// ```no_run
/// # async fn demo() -> sea_streamer_redis::RedisResult<()> {
/// use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
/// use sea_streamer_types::{Producer, StreamKey, Streamer};
///
/// let streamer = RedisStreamer::connect("redis://localhost".parse()?, RedisConnectOptions::default()).await?;
/// let producer = streamer.create_producer(StreamKey::new("orders")?, Default::default()).await?;
/// let receipt = producer.send("hello")?.await?;
/// println!("stored as {:?}", receipt.sequence());
/// producer.end().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisProducer {
    sender: queue::Handle,
    budget: Arc<budget::Budget>,
    anchor: Option<StreamKey>,
    ts_fmt: TimestampFormat,
    resent: Arc<AtomicU64>,
    headers: HeaderRules,
}

/// The receipt of one send; resolves once Redis has stored the entry (or failed to).
///
/// Dropping it does not cancel the send.
pub struct SendFuture {
    receiver: oneshot::Receiver<RedisResult<MessageHeader>>,
}

impl std::fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendFuture")
    }
}

impl Future for SendFuture {
    type Output = RedisResult<MessageHeader>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.receiver).poll(cx) {
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(_)) => Poll::Ready(Err(StreamErr::Backend(RedisErr::ProducerDied))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Create a producer: connect to every node, then start the background task.
pub(crate) async fn create_producer(
    uri: StreamerUri,
    options: Arc<RedisConnectOptions>,
    producer_options: RedisProducerOptions,
) -> RedisResult<RedisProducer> {
    let ts_fmt = options.timestamp_format();
    let field = options.message_field();
    let mut cluster = RedisCluster::new_for(uri, options, Purpose::Command)?;
    let span = tracing::info_span!("sea_streamer.connect", backend = "redis", role = "producer");
    cluster.reconnect_all().instrument(span).await?;
    let sharder = producer_options.sharder().map(|s| s.init());
    let receiver = Arc::new(queue::Queue::default());
    let sender = queue::Handle::new(receiver.clone());
    let budget = budget::Budget::new(
        producer_options.max_queued_messages(),
        producer_options.max_queued_bytes(),
    );
    let resent = Arc::new(AtomicU64::new(0));
    drop(sea_streamer_runtime::spawn_task(task::run(
        cluster,
        receiver,
        sharder,
        field,
        ts_fmt,
        resent.clone(),
    )));
    Ok(RedisProducer {
        sender,
        budget,
        anchor: None,
        ts_fmt,
        resent,
        headers: HeaderRules {
            field,
            trace: producer_options.trace_propagation(),
        },
    })
}

impl RedisProducer {
    fn enqueue(
        &self,
        stream_key: &StreamKey,
        id_time: Option<u64>,
        headers: Option<&Headers>,
        payload: Vec<u8>,
    ) -> RedisResult<SendFuture> {
        let (reply, receiver) = oneshot::channel();
        let request = if stream_key.name() == SEA_STREAMER_INTERNAL {
            request::internal_request(payload, reply)
        } else {
            let headers = self.headers.prepare(stream_key, headers)?;
            let reserved = self.budget.reserve(payload.len())?;
            Request::Send {
                stream_key: stream_key.clone(),
                id_time,
                payload,
                headers,
                sent_at: request::sample_clock(),
                reply,
                reserved,
            }
        };
        self.sender.send(request)?;
        Ok(SendFuture { receiver })
    }

    /// Send with an explicit timestamp: the entry id becomes `"{ts}-*"` (milliseconds, or
    /// nanoseconds with the nanosecond format). Redis rejects an id not greater than the
    /// stream's last id; the receipt then carries that error.
    ///
    /// (Upstream 0.5.2 ignored the timestamp in millisecond mode; this one honours it.)
    pub fn send_with_ts<S: Buffer>(
        &self,
        stream: &StreamKey,
        timestamp: Timestamp,
        payload: S,
    ) -> RedisResult<SendFuture> {
        let id_time = timestamp_part(self.ts_fmt, timestamp);
        self.enqueue(stream, Some(id_time), None, payload.into_bytes())
    }

    /// How many messages this producer (and its clones) has sent again because the reply to
    /// their pipeline was lost: a response timeout (the connect timeout, 60 s by default,
    /// e.g. while Redis is stalled) or a broken connection. Redis may have stored such a
    /// message before the reply was lost, so each may be stored twice: this is an upper bound
    /// on the duplicates written (delivery is at-least-once). Each re-send is also logged as a
    /// warning with its count.
    pub fn resent_count(&self) -> u64 {
        self.resent.load(Ordering::Acquire)
    }

    /// The timestamp part of the id of a message sent now: `None` (`*`, Redis' clock) in
    /// millisecond mode.
    fn id_time_now(&self) -> Option<u64> {
        match self.ts_fmt {
            TimestampFormat::UnixTimestampMillis => None,
            #[cfg(feature = "nanosecond-timestamp")]
            TimestampFormat::UnixTimestampNanos => {
                Some(timestamp_part(self.ts_fmt, Timestamp::now_utc()))
            }
        }
    }

    /// Like [`RedisProducer::send_with_ts`], with headers (see [`ProducerWithHeaders`]).
    pub fn send_with_ts_and_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        timestamp: Timestamp,
        headers: &Headers,
        payload: S,
    ) -> RedisResult<SendFuture> {
        let id_time = timestamp_part(self.ts_fmt, timestamp);
        self.enqueue(stream, Some(id_time), Some(headers), payload.into_bytes())
    }

    /// Resolves after every message sent before it has been answered by Redis.
    pub async fn flush_immut(&self) -> RedisResult<()> {
        let (reply, receiver) = oneshot::channel();
        self.sender.send(Request::Flush { reply })?;
        SendFuture { receiver }.await.map(|_| ())
    }

    /// Trim a stream with `XTRIM <key> MAXLEN ~ <maxlen>`, after the messages queued before
    /// it; returns the number of entries removed.
    pub async fn trim(&self, stream_key: &StreamKey, maxlen: u32) -> RedisResult<u64> {
        let (reply, receiver) = oneshot::channel();
        self.sender.send(Request::Trim {
            stream_key: stream_key.clone(),
            maxlen,
            reply,
        })?;
        match receiver.await {
            Ok(result) => result,
            Err(_) => Err(StreamErr::Backend(RedisErr::ProducerDied)),
        }
    }
}

impl Producer for RedisProducer {
    type Error = RedisErr;
    type SendFuture = SendFuture;

    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> RedisResult<SendFuture> {
        self.enqueue(stream, self.id_time_now(), None, payload.into_bytes())
    }

    async fn end(self) -> RedisResult<()> {
        self.flush_immut().await
    }

    async fn flush(&mut self) -> RedisResult<()> {
        self.flush_immut().await
    }

    fn anchor(&mut self, stream: StreamKey) -> RedisResult<()> {
        if self.anchor.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.anchor = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> RedisResult<&StreamKey> {
        self.anchor.as_ref().ok_or(StreamErr::NotAnchored)
    }
}

/// Headers are written as entry fields after the message field, in order (a name may
/// repeat). A header named like the message field (see
/// [`RedisConnectOptions::set_message_field`]) fails the send with
/// [`RedisErr::ReservedHeader`], and nothing is sent.
///
/// ```no_run
/// # async fn demo(producer: sea_streamer_redis::RedisProducer) -> sea_streamer_redis::RedisResult<()> {
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamKey};
///
/// let mut headers = Headers::new();
/// headers.insert("content-type", "application/json");
/// producer.send_to_with_headers(&StreamKey::new("orders")?, &headers, r#"{"id":1}"#)?.await?;
/// # Ok(())
/// # }
/// ```
impl ProducerWithHeaders for RedisProducer {
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> RedisResult<SendFuture> {
        self.enqueue(
            stream,
            self.id_time_now(),
            Some(headers),
            payload.into_bytes(),
        )
    }
}
