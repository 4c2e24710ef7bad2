//! [`KafkaMessage`]: a message borrowed from the consumer, and the future/stream types that
//! yield it.

use crate::{KafkaErr, KafkaResult};
use futures::future::Map as MapFuture;
use futures::stream::{Map as MapStream, StreamFuture};
use rdkafka::consumer::{DefaultConsumerContext, MessageStream};
use rdkafka::message::{BorrowedMessage, Message as _};
use sea_streamer_types::{Message, Payload, SeqNo, ShardId, StreamErr, StreamKey, Timestamp};

/// A message received by a [`KafkaConsumer`](crate::KafkaConsumer); it borrows from the
/// consumer and is not `Clone` (use [`Message::to_owned`] to keep it).
///
/// - `stream_key` is the topic, `shard_id` the partition, `sequence` the offset;
/// - `timestamp` is the record's timestamp (create or log-append time, in ms);
/// - `message` is the payload (empty if null).
#[repr(transparent)]
pub struct KafkaMessage<'a>(BorrowedMessage<'a>);

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
        Self(mess)
    }

    /// The rdkafka message (for its key, headers, ...).
    pub fn inner(&self) -> &BorrowedMessage<'a> {
        &self.0
    }
}

impl std::fmt::Debug for KafkaMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Message for KafkaMessage<'_> {
    /// The topic. Kafka topic names obey the stream key rules, so this does not fail.
    fn stream_key(&self) -> StreamKey {
        StreamKey::new(self.0.topic()).expect("Kafka topic names are valid stream keys")
    }

    fn shard_id(&self) -> ShardId {
        ShardId::new(u64::try_from(self.0.partition()).unwrap_or_default())
    }

    fn sequence(&self) -> SeqNo {
        SeqNo::try_from(self.0.offset()).unwrap_or_default()
    }

    /// The record timestamp; the Unix epoch (with a warning) for a record without one.
    fn timestamp(&self) -> Timestamp {
        match self.0.timestamp().to_millis() {
            Some(ms) => timestamp_from_millis(ms),
            None => {
                log::warn!(
                    "message {}:{}:{} has no timestamp",
                    self.0.topic(),
                    self.0.partition(),
                    self.0.offset()
                );
                Timestamp::UNIX_EPOCH
            }
        }
    }

    fn message(&self) -> Payload<'_> {
        Payload::new(self.0.payload().unwrap_or_default())
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
