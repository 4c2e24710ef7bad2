//! Consumers that commit their progress and resume after a restart: the `resumable` example.
//!
//! Each backend keeps a group's progress its own way, so this is the one place where the
//! examples reach through `SeaConsumer` to the backend consumer:
//!
//! | Backend | Consumer | Commit |
//! |---|---|---|
//! | `file://` | `Resumable` in the group | `FileConsumer::commit`: position stored beside the file |
//! | `redis://` | `Resumable` in the group, `AutoCommit::Disabled` | `ack` each message, then `commit` (`XACK`) |
//! | `kafka://` | `LoadBalanced` in the group (Kafka's `Resumable` picks its own group name) | `commit` of the next offset per partition |
//! | `nats://` | `Resumable` in the group (a durable JetStream consumer) | `NatsConsumer::commit` of the last processed message per stream (acks it and every one before) |
//! | `stdio://` | — | not supported: a pipe cannot be replayed |

use crate::cli::StartFrom;
use crate::endpoint::{connect, next_or_end, Error, Limit};
use anyhow::{bail, Context};
use sea_streamer::{
    redis::AutoCommit, Backend, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, SeaConsumer,
    SeaConsumerOptions, SeaStreamReset, SeaStreamer, SeaStreamerBackend, SeqNo, ShardId,
    SharedMessage, StreamKey, StreamUrl, Streamer,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// Consumer options for a consumer of `group` that resumes from the group's last commit on
/// `backend` (see the table in the module docs).
pub fn resumable_options(
    backend: Backend,
    group: &str,
    start: StartFrom,
) -> Result<SeaConsumerOptions, Error> {
    let mode = match backend {
        Backend::Kafka => ConsumerMode::LoadBalanced,
        _ => ConsumerMode::Resumable,
    };
    let mut options = SeaConsumerOptions::new(mode);
    options.set_consumer_group(ConsumerGroup::new(group))?;
    options.set_auto_stream_reset(match start {
        StartFrom::Earliest => SeaStreamReset::Earliest,
        StartFrom::Latest => SeaStreamReset::Latest,
    });
    options.set_redis_consumer_options(|o| {
        // the stream may not exist yet when the group is created
        o.set_auto_commit(AutoCommit::Disabled).set_mkstream(true);
    });
    options.set_kafka_consumer_options(|o| {
        o.set_enable_auto_commit(false)
            .set_session_timeout(Duration::from_secs(6));
    });
    Ok(options)
}

/// Connects to `url` and creates a consumer of `group` that resumes after the group's last
/// commit (or at `start` when the group has none). Fails for `stdio://`.
pub async fn open_resumable(
    url: &StreamUrl,
    group: &str,
    start: StartFrom,
) -> anyhow::Result<(SeaStreamer, SeaConsumer)> {
    let streamer = connect(url).await?;
    if streamer.backend() == Backend::Stdio {
        bail!("stdio streams cannot be resumed: use a file://, redis://, kafka:// or nats:// URL");
    }
    let options = resumable_options(streamer.backend(), group, start)?;
    let consumer = streamer
        .create_consumer(url.stream_keys(), options)
        .await
        .with_context(|| format!("creating a consumer of group `{group}`"))?;
    Ok((streamer, consumer))
}

/// Tracks processed messages and commits them.
#[derive(Debug, Default)]
pub struct Checkpoint {
    last: BTreeMap<(StreamKey, ShardId), SeqNo>,
    uncommitted: usize,
}

impl Checkpoint {
    /// A checkpoint with nothing processed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `message` (returned by `consumer`) as processed; it is committed by the next
    /// [`Checkpoint::commit`].
    pub fn processed(
        &mut self,
        consumer: &mut SeaConsumer,
        message: &SharedMessage,
    ) -> anyhow::Result<()> {
        if let Some(redis) = consumer.get_redis() {
            redis.ack(message)?;
        }
        self.last.insert(
            (message.stream_key(), message.shard_id()),
            message.sequence(),
        );
        self.uncommitted += 1;
        Ok(())
    }

    /// Number of processed messages not committed yet.
    pub fn uncommitted(&self) -> usize {
        self.uncommitted
    }

    /// Durably commits everything marked processed: a consumer of the group created later
    /// starts after the last processed message.
    pub async fn commit(&mut self, consumer: &mut SeaConsumer) -> anyhow::Result<()> {
        if self.uncommitted == 0 {
            return Ok(());
        }
        if let Some(file) = consumer.get_file() {
            // the file consumer records the position after the last message it returned
            file.commit().await?;
        } else if let Some(redis) = consumer.get_redis() {
            redis.commit()?.await?;
        } else if let Some(kafka) = consumer.get_kafka() {
            for ((stream, shard), seq) in &self.last {
                // Kafka commits the next offset to read
                kafka.commit(stream, shard, &(seq + 1)).await?;
            }
        } else if let Some(nats) = consumer.get_nats() {
            for ((stream, shard), seq) in &self.last {
                // acks every message of the stream up to and including this one
                let header = sea_streamer::MessageHeader::new(
                    stream.clone(),
                    *shard,
                    *seq,
                    sea_streamer::Timestamp::now_utc(),
                );
                nats.commit(&header).await?;
            }
        }
        log::info!("committed {} message(s)", self.uncommitted);
        self.uncommitted = 0;
        Ok(())
    }
}

/// Consumes messages, calls `handle` for each, and commits after every `commit_every`
/// messages and once more at the end. Stops after `count` messages (`None`: no limit) or at
/// the end of the input. Returns the number of messages handled.
///
/// A message is committed only after `handle` returned: after a crash, the messages since
/// the last commit are delivered again (at-least-once).
pub async fn run_resumable<F>(
    consumer: &mut SeaConsumer,
    count: Option<u64>,
    commit_every: usize,
    mut handle: F,
) -> anyhow::Result<u64>
where
    F: FnMut(&SharedMessage) -> anyhow::Result<()>,
{
    let mut limit = Limit::new(count);
    let mut checkpoint = Checkpoint::new();
    while !limit.reached() {
        let Some(message) = next_or_end(consumer).await? else {
            break;
        };
        handle(&message)?;
        checkpoint.processed(consumer, &message)?;
        limit.add(1);
        if checkpoint.uncommitted() >= commit_every.max(1) {
            checkpoint.commit(consumer).await?;
        }
    }
    checkpoint.commit(consumer).await?;
    Ok(limit.done())
}
