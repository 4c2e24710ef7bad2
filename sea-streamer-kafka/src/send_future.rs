//! [`SendFuture`]: the delivery receipt of one sent record.

use crate::message::timestamp_from_millis;
use crate::producer_observe::Tracked;
use crate::{KafkaErr, KafkaResult};
use rdkafka::producer::DeliveryFuture;
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, StreamErr, StreamKey, Timestamp};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Resolves once the broker acknowledged (or finally refused) one record.
///
/// The receipt is a [`MessageHeader`] with the topic, the partition it landed in, its offset
/// and its timestamp (the broker-reported record timestamp; the local clock if the broker
/// reported none). A record that could not be delivered (e.g. `message.timeout.ms` expired
/// while the broker was down) resolves to `Err(StreamErr::Backend(e))` with librdkafka's
/// reason. Dropping the future does not cancel the send. `Send` and `Unpin`.
///
/// It also reports the receipt to the producer's metrics (in-flight gauge, send-to-receipt
/// latency, errors); a future dropped before its receipt takes its record out of the
/// in-flight gauge, as nobody watches its delivery any more.
pub struct SendFuture {
    stream_key: StreamKey,
    inner: DeliveryFuture,
    tracked: Option<Tracked>,
}

impl SendFuture {
    /// Wraps rdkafka's delivery future of a record sent to `stream_key`.
    pub(crate) fn new(stream_key: StreamKey, inner: DeliveryFuture, tracked: Tracked) -> Self {
        Self {
            stream_key,
            inner,
            tracked: Some(tracked),
        }
    }
}

impl Drop for SendFuture {
    fn drop(&mut self) {
        if let Some(tracked) = self.tracked.take() {
            tracked.abandoned();
        }
    }
}

impl std::fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendFuture")
            .field("stream_key", &self.stream_key)
            .finish()
    }
}

impl Future for SendFuture {
    type Output = KafkaResult<MessageHeader>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let delivery = match Pin::new(&mut self.inner).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(delivery) => delivery,
        };
        let tracked = self.tracked.take();
        let delivered = matches!(delivery, Ok(Ok(_)));
        if let Some(tracked) = tracked {
            if delivered {
                tracked.delivered();
            } else {
                tracked.failed();
            }
        }
        Poll::Ready(match delivery {
            Ok(Ok(delivery)) => {
                let timestamp = delivery
                    .timestamp
                    .to_millis()
                    .map_or_else(Timestamp::now_utc, timestamp_from_millis);
                Ok(MessageHeader::new(
                    self.stream_key.clone(),
                    ShardId::new(u64::try_from(delivery.partition).unwrap_or_default()),
                    SeqNo::try_from(delivery.offset).unwrap_or_default(),
                    timestamp,
                ))
            }
            Ok(Err((err, _record))) => Err(StreamErr::Backend(err)),
            Err(_canceled) => Err(StreamErr::Backend(KafkaErr::Canceled)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KafkaConsumer, KafkaProducer, KafkaStreamer};

    fn assert_send_unpin<T: Send + Unpin>() {}
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_are_send_and_sync() {
        assert_send_unpin::<SendFuture>();
        assert_send_sync::<KafkaProducer>();
        assert_send_sync::<KafkaConsumer>();
        assert_send_sync::<KafkaStreamer>();
    }
}
