//! [`Acknowledge`] for [`KafkaConsumer`]: commits, per partition, the offset after the
//! contiguous prefix of processed messages.

use crate::blocking::run_blocking;
use crate::position::{offset_of, partition_of};
use crate::{KafkaConsumer, KafkaResult};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::{ClientConfig, TopicPartitionList};
use sea_streamer_types::{AckTracker, Acknowledge, ConsumerMode, MessageHeader, StreamErr};
use std::sync::{Mutex, MutexGuard};
use tracing::Instrument;

/// The acknowledgement state of one consumer.
#[derive(Debug)]
pub(crate) struct Acks {
    /// `RealTime` consumers commit nothing: acknowledging is a no-op.
    enabled: bool,
    /// librdkafka commits every delivered message on its own (auto commit with automatic
    /// offset store), which would commit messages that are not processed.
    commits_on_delivery: bool,
    tracker: Mutex<AckTracker>,
}

impl Acks {
    /// The state of a consumer of `mode` created with `config`.
    pub(crate) fn new(mode: ConsumerMode, config: &ClientConfig) -> Self {
        let on = |key: &str| config.get(key).is_none_or(|v| v.trim() != "false");
        Self {
            enabled: mode != ConsumerMode::RealTime,
            commits_on_delivery: on("enable.auto.commit") && on("enable.auto.offset.store"),
            tracker: Mutex::new(AckTracker::default()),
        }
    }

    /// The tracker, if acknowledging means anything for this consumer.
    fn tracker(&self) -> KafkaResult<Option<MutexGuard<'_, AckTracker>>> {
        if !self.enabled {
            return Ok(None);
        }
        if self.commits_on_delivery {
            return Err(StreamErr::Unsupported(
                "acknowledging on a Kafka consumer that auto-commits every delivered message: \
                 create it with set_enable_auto_commit(false) (or set_enable_auto_offset_store(false))"
                    .to_owned(),
            ));
        }
        Ok(Some(self.tracker.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

/// Acknowledging messages of a Kafka consumer.
///
/// - `RealTime` consumers commit nothing: every call is a no-op that returns `Ok`.
/// - `Resumable` and `LoadBalanced` consumers must be created with
///   `set_enable_auto_commit(false)` (or `set_enable_auto_offset_store(false)`): with both
///   on, librdkafka commits every delivered message by itself, processed or not, so
///   [`track`](Acknowledge::track) and [`ack`](Acknowledge::ack) fail with
///   `StreamErr::Unsupported`. (`Resumable` turns auto commit on unless told otherwise.)
/// - `track` and `ack` only update an in-memory [`AckTracker`];
///   [`commit_acked`](Acknowledge::commit_acked) commits (synchronously) the offset after
///   each partition's contiguous processed prefix, so a message that finished late is
///   never skipped by one that finished early. A failed commit is retried by the next call.
///
/// ```no_run
/// use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
/// use sea_streamer_types::{
///     Acknowledge, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, StreamKey,
///     Streamer,
/// };
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, Default::default()).await?;
/// let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
/// options
///     .set_group_id(ConsumerGroup::new("workers"))
///     .set_auto_offset_reset(AutoOffsetReset::Earliest)
///     .set_enable_auto_commit(false);
/// let consumer = streamer.create_consumer(&[StreamKey::new("jobs")?], options).await?;
/// let header = consumer.next().await?.to_owned().take_header();
/// consumer.track(&header)?;
/// // ... process ...
/// consumer.ack(&header)?;
/// consumer.commit_acked().await?; // the group resumes after this message
/// # Ok(())
/// # }
/// ```
impl Acknowledge for KafkaConsumer {
    fn track(&self, header: &MessageHeader) -> KafkaResult<()> {
        if let Some(mut tracker) = self.acks().tracker()? {
            tracker.track_header(header);
        }
        Ok(())
    }

    fn ack(&self, header: &MessageHeader) -> KafkaResult<()> {
        if let Some(mut tracker) = self.acks().tracker()? {
            tracker.ack_header(header);
        }
        Ok(())
    }

    async fn commit_acked(&self) -> KafkaResult<()> {
        let positions = match self.acks().tracker()? {
            Some(tracker) => tracker.uncommitted(),
            None => return Ok(()),
        };
        if positions.is_empty() {
            return Ok(());
        }
        let mut list = TopicPartitionList::with_capacity(positions.len());
        for (stream, shard, seq) in &positions {
            list.add_partition_offset(stream.name(), partition_of(shard)?, offset_of(seq)?)
                .map_err(StreamErr::Backend)?;
        }
        let inner = self.shared();
        let span = tracing::debug_span!(
            "sea_streamer.commit",
            backend = crate::consumer_observe::BACKEND,
            count = positions.len()
        );
        run_blocking(move || inner.commit(&list, CommitMode::Sync))
            .instrument(span)
            .await?;
        if let Some(mut tracker) = self.acks().tracker()? {
            for (stream, shard, seq) in &positions {
                tracker.mark_committed(stream, *shard, *seq);
            }
        }
        log::debug!("committed {positions:?}");
        Ok(())
    }
}
