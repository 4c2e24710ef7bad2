//! [`KafkaMessage`]: a message borrowed from the consumer, and the future/stream types that
//! yield it.

use crate::record_headers::from_record_headers;
use crate::{KafkaErr, KafkaResult};
use futures::future::Map as MapFuture;
use futures::stream::{Map as MapStream, StreamFuture};
use rdkafka::consumer::{DefaultConsumerContext, MessageStream};
use rdkafka::message::{BorrowedMessage, Message as _};
use sea_streamer_types::{
    Headers, Message, Payload, SeqNo, ShardId, StreamErr, StreamKey, Timestamp,
};
use std::sync::OnceLock;

/// A message received by a [`KafkaConsumer`](crate::KafkaConsumer); it borrows from the
/// consumer and is not `Clone` (use [`Message::to_owned`] to keep it).
///
/// - `stream_key` is the topic, `shard_id` the partition, `sequence` the offset;
/// - `timestamp` is the record's timestamp (create or log-append time, in ms);
/// - `message` is the payload (empty if null);
/// - `headers` are the record headers (`None` for a record without any), read from the
///   record the first time they are asked for, so a consumer that never looks at them does
///   not pay for them. [`Message::to_owned`] keeps them.
pub struct KafkaMessage<'a> {
    inner: BorrowedMessage<'a>,
    headers: OnceLock<Option<Headers>>,
}

/// The future of [`KafkaConsumer::next`](crate::KafkaConsumer): the next message of the
/// consumer's stream. `Send` and `Unpin`.
pub type NextFuture<'a> = MapFuture<
    StreamFuture<MessageStream<'a, DefaultConsumerContext>>,
    fn(
        (
            Option<Result<BorrowedMessage<'a>, KafkaErr>>,
            MessageStream<'a, DefaultConsumerContext>,
        ),
    ) -> KafkaResult<KafkaMessage<'a>>,
>;

/// The endless stream of [`KafkaConsumer::stream`](crate::KafkaConsumer). `Send` and `Unpin`.
pub type KafkaMessageStream<'a> = MapStream<
    MessageStream<'a, DefaultConsumerContext>,
    fn(Result<BorrowedMessage<'a>, KafkaErr>) -> KafkaResult<KafkaMessage<'a>>,
>;

impl<'a> KafkaMessage<'a> {
    /// Wraps a message received by rdkafka.
    pub(crate) fn new(mess: BorrowedMessage<'a>) -> Self {
        Self {
            inner: mess,
            headers: OnceLock::new(),
        }
    }

    /// The rdkafka message (for its key, headers, ...).
    pub fn inner(&self) -> &BorrowedMessage<'a> {
        &self.inner
    }
}

impl std::fmt::Debug for KafkaMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Message for KafkaMessage<'_> {
    /// The topic. Kafka topic names obey the stream key rules, so this does not fail.
    fn stream_key(&self) -> StreamKey {
        StreamKey::new(self.inner.topic()).expect("Kafka topic names are valid stream keys")
    }

    fn shard_id(&self) -> ShardId {
        ShardId::new(u64::try_from(self.inner.partition()).unwrap_or_default())
    }

    fn sequence(&self) -> SeqNo {
        SeqNo::try_from(self.inner.offset()).unwrap_or_default()
    }

    /// The record timestamp; the Unix epoch (with a warning) for a record without one.
    fn timestamp(&self) -> Timestamp {
        match self.inner.timestamp().to_millis() {
            Some(ms) => timestamp_from_millis(ms),
            None => {
                log::warn!(
                    "message {}:{}:{} has no timestamp",
                    self.inner.topic(),
                    self.inner.partition(),
                    self.inner.offset()
                );
                Timestamp::UNIX_EPOCH
            }
        }
    }

    fn message(&self) -> Payload<'_> {
        Payload::new(self.inner.payload().unwrap_or_default())
    }

    /// The record headers, in order; `None` if the record has none.
    fn headers(&self) -> Option<&Headers> {
        self.headers
            .get_or_init(|| from_record_headers(self.inner.headers()))
            .as_ref()
    }
}

/// Milliseconds since the Unix epoch → [`Timestamp`] (UTC); out-of-range values clamp to
/// the epoch.
pub(crate) fn timestamp_from_millis(ms: i64) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Maps one item of rdkafka's stream.
pub(crate) fn map_item(
    item: Result<BorrowedMessage<'_>, KafkaErr>,
) -> KafkaResult<KafkaMessage<'_>> {
    item.map(KafkaMessage::new).map_err(StreamErr::Backend)
}

/// Maps the output of `StreamFuture`: rdkafka's stream never ends.
pub(crate) fn map_next<'a>(
    (item, _stream): (
        Option<Result<BorrowedMessage<'a>, KafkaErr>>,
        MessageStream<'a, DefaultConsumerContext>,
    ),
) -> KafkaResult<KafkaMessage<'a>> {
    map_item(item.expect("Kafka stream never ends"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_millis() {
        let ts = timestamp_from_millis(1_678_280_595_282);
        assert_eq!(ts.unix_timestamp_nanos(), 1_678_280_595_282_000_000);
        assert_eq!(timestamp_from_millis(i64::MAX), Timestamp::UNIX_EPOCH);
    }

    fn assert_send_unpin<T: Send + Unpin>() {}

    #[test]
    fn futures_and_streams_are_send_and_unpin() {
        assert_send_unpin::<NextFuture<'static>>();
        assert_send_unpin::<KafkaMessageStream<'static>>();
        assert_send_unpin::<KafkaMessage<'static>>();
    }
}
