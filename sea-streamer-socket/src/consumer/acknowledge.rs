//! [`Acknowledge`] for [`SeaConsumer`]: each call goes to the wrapped backend's own
//! implementation.

use super::{SeaConsumer, SeaConsumerInner};
use crate::{backend::dispatch, map_err, BackendErr};

/// `$body` with `$c` bound to a shared reference to the backend consumer (unboxed), for
/// calls naming the trait (the backends have inherent methods of the same names).
macro_rules! on_backend {
    ($inner:expr, |$c:ident| $body:expr) => {
        match $inner {
            #[cfg(feature = "backend-kafka")]
            SeaConsumerInner::Kafka($c) => $body,
            #[cfg(feature = "backend-redis")]
            SeaConsumerInner::Redis($c) => {
                let $c: &sea_streamer_redis::RedisConsumer = $c;
                $body
            }
            #[cfg(feature = "backend-stdio")]
            SeaConsumerInner::Stdio($c) => $body,
            #[cfg(feature = "backend-file")]
            SeaConsumerInner::File($c) => $body,
            #[cfg(feature = "backend-nats")]
            SeaConsumerInner::Nats($c) => {
                let $c: &sea_streamer_nats::NatsConsumer = $c;
                $body
            }
        }
    };
}
use sea_streamer_types::{Acknowledge, MessageHeader, StreamResult};

/// Acknowledging messages of whichever backend the consumer wraps; what it means is the
/// backend's (see [`Acknowledge`] for the table):
///
/// - Kafka: `commit_acked` commits each partition's contiguous processed prefix (the consumer
///   must not auto-commit on delivery, see `KafkaConsumer`'s `Acknowledge`);
/// - Redis: `ack` queues an `XACK` of the message, `commit_acked` sends the queued ones
///   (consumer groups with `AutoCommit::Rolling` or `Disabled`);
/// - file: `commit_acked` writes a `Resumable` group's commit file with the offset before its
///   first unprocessed message;
/// - NATS: `ack` acknowledges the message to its durable JetStream consumer (sent at once),
///   `commit_acked` waits until the server has every ack given before; `track` does nothing;
/// - stdio, and `RealTime` consumers of every backend: a documented no-op.
///
/// Errors are the backend's, in [`BackendErr`].
///
/// ```
/// # #[cfg(feature = "backend-stdio")]
/// # async fn demo() -> Result<(), sea_streamer_socket::Error> {
/// use sea_streamer_socket::{SeaConnectOptions, SeaConsumerOptions, SeaStreamer};
/// use sea_streamer_types::{
///     export::time::OffsetDateTime, Acknowledge, ConsumerMode, ConsumerOptions, MessageHeader,
///     ShardId, StreamKey, Streamer,
/// };
///
/// let streamer = SeaStreamer::connect("stdio://".parse()?, SeaConnectOptions::default()).await?;
/// let key = StreamKey::new("jobs")?;
/// let consumer = streamer
///     .create_consumer(&[key.clone()], SeaConsumerOptions::new(ConsumerMode::RealTime))
///     .await?;
/// let header = MessageHeader::new(key, ShardId::new(0), 1, OffsetDateTime::now_utc());
/// consumer.track(&header)?;
/// consumer.ack(&header)?;
/// consumer.commit_acked().await?; // stdio: nothing to make durable
/// # Ok(())
/// # }
/// ```
impl Acknowledge for SeaConsumer {
    fn track(&self, header: &MessageHeader) -> StreamResult<(), BackendErr> {
        on_backend!(&self.consumer, |c| Acknowledge::track(c, header)
            .map_err(map_err))
    }

    fn ack(&self, header: &MessageHeader) -> StreamResult<(), BackendErr> {
        on_backend!(&self.consumer, |c| Acknowledge::ack(c, header)
            .map_err(map_err))
    }

    async fn commit_acked(&self) -> StreamResult<(), BackendErr> {
        dispatch!(&self.consumer, SeaConsumerInner, |c| c
            .commit_acked()
            .await
            .map_err(map_err))
    }
}
