//! [`KafkaProducer`]: non-blocking sends with per-record delivery receipts.

use crate::blocking::run_blocking;
use crate::consumer_observe::BACKEND;
use crate::producer_observe::{stamp, ProducerObs};
use crate::record_headers::to_record_headers;
use crate::{
    KafkaAsyncRuntime, KafkaErr, KafkaProducerOptions, KafkaResult, SendFuture, DEFAULT_TIMEOUT,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};
use rdkafka::{consumer::ConsumerGroupMetadata, message::ToBytes, TopicPartitionList};
use sea_streamer_types::{
    Buffer, Headers, MessageHeader, Producer, ProducerWithHeaders, StreamErr, StreamKey,
};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The rdkafka producer inside a [`KafkaProducer`].
pub type RawProducer = FutureProducer<DefaultClientContext, KafkaAsyncRuntime>;

/// A Kafka producer. Cheap to clone (clones share one librdkafka client).
///
/// Sends never block: librdkafka queues the record and a background thread delivers it,
/// retrying retriable broker errors. Every send returns a [`SendFuture`] for its receipt.
/// A full queue makes `send` return `Err(Backend(MessageProduction(QueueFull)))`; an
/// undeliverable record fails its receipt with `MessageTimedOut` after `message.timeout.ms`
/// (five minutes by default). See [`KafkaProducerOptions`] for both settings.
///
/// ```no_run
/// use sea_streamer_kafka::{FutureRecord, KafkaStreamer};
/// use sea_streamer_types::{Producer, StreamKey, Streamer};
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, Default::default()).await?;
/// let mut producer = streamer.create_producer(StreamKey::new("events")?, Default::default()).await?;
/// let receipt = producer.send("hello")?.await?;
/// let keyed = producer.send_record(FutureRecord::to("events").key("k").payload("v"))?;
/// producer.flush().await?;
/// keyed.await?;
/// producer.end().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct KafkaProducer {
    stream: Option<StreamKey>,
    options: Arc<KafkaProducerOptions>,
    inner: RawProducer,
    observe: Arc<ProducerObs>,
}

impl std::fmt::Debug for KafkaProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProducer")
            .field("stream", &self.stream)
            .field("options", &self.options)
            .finish()
    }
}

impl KafkaProducer {
    /// Wraps a created rdkafka producer.
    pub(crate) fn new(inner: RawProducer, options: KafkaProducerOptions) -> Self {
        Self {
            stream: None,
            observe: Arc::new(ProducerObs::new(options.trace_propagation())),
            options: Arc::new(options),
            inner,
        }
    }

    /// Sends a raw rdkafka record (with key, partition, headers or timestamp as set on it).
    /// Its topic must be a valid stream key (else `Err(StreamKeyErr)`).
    pub fn send_record<K, P>(&self, record: FutureRecord<'_, K, P>) -> KafkaResult<SendFuture>
    where
        K: ToBytes + ?Sized,
        P: ToBytes + ?Sized,
    {
        let stream_key = StreamKey::new(record.topic)?;
        self.send_keyed(stream_key, record)
    }

    /// Enqueues `record`, whose topic is the already validated `stream_key`: the hot path
    /// of `send_to` / `send_message` clones the key (a reference count) instead of
    /// validating and allocating the topic name again for every record.
    ///
    /// Records the producer metrics of `stream_key`, and stamps a `traceparent` header when
    /// propagation is on.
    fn send_keyed<K, P>(
        &self,
        stream_key: StreamKey,
        mut record: FutureRecord<'_, K, P>,
    ) -> KafkaResult<SendFuture>
    where
        K: ToBytes + ?Sized,
        P: ToBytes + ?Sized,
    {
        debug_assert_eq!(stream_key.name(), record.topic);
        if self.observe.trace() {
            record = stamp(record, &stream_key);
        }
        let bytes = record.payload.map_or(0, |p| p.to_bytes().len());
        let metrics = self.observe.metrics(&stream_key);
        match self.inner.send_result(record) {
            Ok(delivery) => {
                let tracked = self.observe.sent(metrics, bytes);
                Ok(SendFuture::new(stream_key, delivery, tracked))
            }
            Err((err, _record)) => {
                metrics.error(false);
                Err(StreamErr::Backend(err))
            }
        }
    }

    /// Sends `payload` to the stream and partition of `header`; the header's sequence and
    /// timestamp are ignored (the broker assigns them).
    pub fn send_message<S: Buffer>(
        &self,
        header: MessageHeader,
        payload: S,
    ) -> KafkaResult<SendFuture> {
        let partition = i32::try_from(header.shard_id().id()).map_err(|_| {
            StreamErr::Backend(KafkaErr::MessageProduction(
                RDKafkaErrorCode::UnknownPartition,
            ))
        })?;
        let stream_key = header.stream_key();
        let record = FutureRecord::<(), [u8]>::to(stream_key.name())
            .payload(payload.as_bytes())
            .partition(partition);
        self.send_keyed(stream_key.clone(), record)
    }

    /// The number of records (and other requests) librdkafka has not finished yet.
    pub fn in_flight_count(&self) -> i32 {
        self.inner.in_flight_count()
    }

    /// Waits (on a blocking thread) until every queued record is delivered or failed,
    /// at most `timeout`; `Err(Backend(Flush(..)))` if records are still queued then.
    pub async fn flush_with_timeout(&mut self, timeout: Duration) -> KafkaResult<()> {
        let inner = self.inner.clone();
        let span = tracing::debug_span!(
            "sea_streamer.produce_batch",
            backend = BACKEND,
            stream = self.stream.as_ref().map(|s| s.name()).unwrap_or_default(),
            count = inner.in_flight_count()
        );
        run_blocking(move || inner.flush(timeout))
            .instrument(span)
            .await
    }

    fn transaction_timeout(&self) -> Duration {
        self.options
            .transaction_timeout()
            .copied()
            .unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Initialises transactions (needs the `transactional.id` custom option).
    pub async fn init_transactions(&mut self) -> KafkaResult<()> {
        let (inner, timeout) = (self.inner.clone(), self.transaction_timeout());
        run_blocking(move || inner.init_transactions(timeout)).await
    }

    /// Begins a transaction.
    pub async fn begin_transaction(&mut self) -> KafkaResult<()> {
        let inner = self.inner.clone();
        run_blocking(move || inner.begin_transaction()).await
    }

    /// Commits the current transaction.
    pub async fn commit_transaction(&mut self) -> KafkaResult<()> {
        let (inner, timeout) = (self.inner.clone(), self.transaction_timeout());
        run_blocking(move || inner.commit_transaction(timeout)).await
    }

    /// Aborts the current transaction.
    pub async fn abort_transaction(&mut self) -> KafkaResult<()> {
        let (inner, timeout) = (self.inner.clone(), self.transaction_timeout());
        run_blocking(move || inner.abort_transaction(timeout)).await
    }

    /// Adds consumer `offsets` of group `cgm` to the current transaction.
    pub async fn send_offsets_to_transaction(
        &mut self,
        offsets: TopicPartitionList,
        cgm: ConsumerGroupMetadata,
    ) -> KafkaResult<()> {
        let (inner, timeout) = (self.inner.clone(), self.transaction_timeout());
        run_blocking(move || inner.send_offsets_to_transaction(&offsets, &cgm, timeout)).await
    }
}

/// Headers are written as Kafka record headers, in order (a name may repeat); empty
/// headers write none. With trace propagation on, a `traceparent` is added unless given.
///
/// ```no_run
/// # async fn demo(producer: sea_streamer_kafka::KafkaProducer) -> sea_streamer_kafka::KafkaResult<()> {
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamKey};
///
/// let mut headers = Headers::new();
/// headers.insert("content-type", "application/json");
/// producer.send_to_with_headers(&StreamKey::new("orders")?, &headers, r#"{"id":1}"#)?.await?;
/// # Ok(())
/// # }
/// ```
impl ProducerWithHeaders for KafkaProducer {
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> KafkaResult<SendFuture> {
        let mut record = FutureRecord::<(), [u8]>::to(stream.name()).payload(payload.as_bytes());
        if !headers.is_empty() {
            record = record.headers(to_record_headers(headers));
        }
        self.send_keyed(stream.clone(), record)
    }
}

impl Producer for KafkaProducer {
    type Error = KafkaErr;
    type SendFuture = SendFuture;

    /// Queues `payload` for `stream` (partition chosen by librdkafka); never blocks.
    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> KafkaResult<SendFuture> {
        let record = FutureRecord::<(), [u8]>::to(stream.name()).payload(payload.as_bytes());
        self.send_keyed(stream.clone(), record)
    }

    /// Flushes (up to [`DEFAULT_TIMEOUT`]) and releases the producer.
    async fn end(mut self) -> KafkaResult<()> {
        self.flush().await
    }

    /// Waits until everything sent before is delivered or failed (up to [`DEFAULT_TIMEOUT`]).
    async fn flush(&mut self) -> KafkaResult<()> {
        self.flush_with_timeout(DEFAULT_TIMEOUT).await
    }

    fn anchor(&mut self, stream: StreamKey) -> KafkaResult<()> {
        if self.stream.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.observe.metrics(&stream);
        self.stream = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> KafkaResult<&StreamKey> {
        self.stream.as_ref().ok_or(StreamErr::NotAnchored)
    }
}
