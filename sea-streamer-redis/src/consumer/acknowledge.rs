//! [`Acknowledge`] for [`RedisConsumer`]: `XACK` of exactly the processed message.
//!
//! A consumer group's pending entries list (PEL) holds every delivered message until it is
//! acknowledged, whatever the order: acknowledging out of order never loses a message, so no
//! prefix tracking is needed here.

use super::{AutoCommit, RedisConsumer};
use crate::{RedisErr, RedisResult};
use futures::channel::oneshot;
use sea_streamer_types::{Acknowledge, MessageHeader, StreamErr};

impl RedisConsumer {
    /// Whether acknowledging means anything: `Ok(false)` for RealTime consumers, an error
    /// where the policy acknowledges messages that may not be processed.
    fn acknowledges(&self) -> RedisResult<bool> {
        if self.group.is_none() {
            return Ok(false);
        }
        match self.auto_commit {
            AutoCommit::Rolling | AutoCommit::Disabled => Ok(true),
            AutoCommit::Immediate | AutoCommit::Delayed => Err(StreamErr::Unsupported(format!(
                "acknowledging on a Redis consumer with AutoCommit::{:?}, which acknowledges every \
                 delivered message by itself (processed or not): use AutoCommit::Rolling or \
                 AutoCommit::Disabled",
                self.auto_commit
            ))),
        }
    }
}

/// Acknowledging messages of a Redis consumer.
///
/// - `RealTime` consumers (`XREAD`, no group) have nothing to acknowledge: every call is a
///   no-op that returns `Ok`.
/// - `Resumable` and `LoadBalanced` consumers must use `AutoCommit::Rolling` or
///   `AutoCommit::Disabled`: `Immediate` reads with `NOACK` and `Delayed` acknowledges every
///   delivered message by itself, so [`track`](Acknowledge::track) and
///   [`ack`](Acknowledge::ack) fail with `StreamErr::Unsupported` there.
/// - `track` does nothing: the group's pending entries list already holds every delivered
///   message until it is acknowledged.
/// - `ack` queues an `XACK` of exactly this message (as [`RedisConsumer::ack_with`]), so
///   acknowledging out of order is safe: an unacknowledged message stays pending. (On a
///   `RedisConsumer` value, `consumer.ack(..)` is the inherent method, which takes a message;
///   write `Acknowledge::ack(&consumer, &header)`. Generic code over `Acknowledge` is not
///   affected.)
/// - [`commit_acked`](Acknowledge::commit_acked) sends the queued `XACK`s now and resolves
///   when Redis answered (with `Rolling`, they are also sent every `auto_commit_interval`).
///
/// A consumer that restarts under the same consumer id re-reads its own pending entries
/// first; those of a consumer that is gone are claimed by the other members of the group
/// once idle for `auto_claim_idle` (see [`RedisConsumerOptions`](crate::RedisConsumerOptions)).
///
/// ```no_run
/// use sea_streamer_redis::{AutoCommit, AutoStreamReset, RedisConsumerOptions, RedisStreamer};
/// use sea_streamer_types::{
///     Acknowledge, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, StreamKey,
///     Streamer,
/// };
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = RedisStreamer::connect("redis://localhost".parse()?, Default::default()).await?;
/// let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
/// options.set_consumer_group(ConsumerGroup::new("workers"))?;
/// options
///     .set_auto_stream_reset(AutoStreamReset::Earliest)
///     .set_auto_commit(AutoCommit::Disabled);
/// let consumer = streamer.create_consumer(&[StreamKey::new("jobs")?], options).await?;
/// let header = consumer.next().await?.header().clone();
/// consumer.track(&header)?;
/// // ... process ...
/// // `RedisConsumer::ack` (inherent, upstream's) takes a message: name the trait for a header
/// Acknowledge::ack(&consumer, &header)?;
/// consumer.commit_acked().await?; // XACK sent
/// # Ok(())
/// # }
/// ```
impl Acknowledge for RedisConsumer {
    fn track(&self, _: &MessageHeader) -> RedisResult<()> {
        self.acknowledges().map(drop)
    }

    fn ack(&self, header: &MessageHeader) -> RedisResult<()> {
        if !self.acknowledges()? {
            return Ok(());
        }
        self.ack_with(&(
            header.stream_key().clone(),
            *header.shard_id(),
            *header.sequence(),
        ))
    }

    async fn commit_acked(&self) -> RedisResult<()> {
        if !self.acknowledges()? {
            return Ok(());
        }
        // `RedisConsumer::commit` takes `&mut self` (upstream's signature) and refuses
        // pre-fetching consumers; the request it sends works for `Rolling` too.
        let (reply, receiver) = oneshot::channel();
        self.ctrl
            .send(super::Ctrl::Commit(Some(reply)))
            .map_err(|_| StreamErr::Backend(RedisErr::ConsumerDied))?;
        receiver
            .await
            .unwrap_or(Err(StreamErr::Backend(RedisErr::ConsumerDied)))
    }
}
