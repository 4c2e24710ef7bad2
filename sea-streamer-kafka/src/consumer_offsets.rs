//! Committing and storing consumer offsets, and refreshing the partition list.

use crate::blocking::run_blocking;
use crate::consumer_observe::BACKEND;
use crate::position::{commit_list, partition_of};
use crate::{KafkaConsumer, KafkaErr, KafkaMessage, KafkaResult, DEFAULT_TIMEOUT};
use rdkafka::consumer::{CommitMode, Consumer as _};
use sea_streamer_types::{ConsumerMode, Message, SeqNo, ShardId, StreamErr, StreamKey};
use tracing::Instrument;

impl KafkaConsumer {
    /// Commits (synchronously, waiting for the broker) offset `seq` of `stream`/`shard` for
    /// the consumer group: `seq` is the next offset to read on resume.
    /// A `RealTime` consumer may not commit (`Err(CommitNotAllowed)`).
    pub async fn commit(
        &mut self,
        stream: &StreamKey,
        shard: &ShardId,
        seq: &SeqNo,
    ) -> KafkaResult<()> {
        if self.mode() == ConsumerMode::RealTime {
            return Err(StreamErr::CommitNotAllowed);
        }
        let list = commit_list(stream, shard, seq)?;
        let inner = self.shared();
        let span = tracing::debug_span!(
            "sea_streamer.commit",
            backend = BACKEND,
            stream = stream.name(),
            shard = shard.id(),
            count = 1
        );
        run_blocking(move || inner.commit(&list, CommitMode::Sync))
            .instrument(span)
            .await
    }

    /// Commits `mess` as processed: a restarted consumer of the group resumes with the
    /// message after it (commits offset `sequence + 1`).
    pub async fn commit_message(&mut self, mess: &KafkaMessage<'_>) -> KafkaResult<()> {
        let next = mess.sequence() + 1;
        self.commit(&mess.stream_key(), &mess.shard_id(), &next)
            .await
    }

    /// Same as [`Self::commit`], with the arguments as a tuple.
    pub async fn commit_with(
        &mut self,
        (stream, shard, seq): &(StreamKey, ShardId, SeqNo),
    ) -> KafkaResult<()> {
        self.commit(stream, shard, seq).await
    }

    /// Marks message `seq` of `stream`/`shard` as processed for the next (auto) commit,
    /// which then resumes after it. Needs `enable_auto_offset_store = false` and the
    /// partition currently assigned.
    pub fn store_offset(
        &mut self,
        stream: &StreamKey,
        shard: &ShardId,
        seq: &SeqNo,
    ) -> KafkaResult<()> {
        let offset = i64::try_from(*seq).map_err(|_| {
            StreamErr::Backend(KafkaErr::StoreOffset(
                rdkafka::error::RDKafkaErrorCode::InvalidArgument,
            ))
        })?;
        self.inner()
            .store_offset(stream.name(), partition_of(shard)?, offset)
            .map_err(StreamErr::Backend)
    }

    /// Same as [`Self::store_offset`] for a received message.
    pub fn store_offset_for_message(&mut self, mess: &KafkaMessage<'_>) -> KafkaResult<()> {
        self.store_offset(&mess.stream_key(), &mess.shard_id(), &mess.sequence())
    }

    /// Same as [`Self::store_offset`], with the arguments as a tuple.
    pub fn store_offset_with(
        &mut self,
        (stream, shard, seq): &(StreamKey, ShardId, SeqNo),
    ) -> KafkaResult<()> {
        self.store_offset(stream, shard, seq)
    }

    /// Sets the assignment list to every partition of every subscribed topic, from the
    /// cluster's metadata; `Err(Backend(Subscription("No partitions found.")))` if none.
    pub async fn reassign_partitions(&mut self) -> KafkaResult<()> {
        let inner = self.shared();
        let streams = self.streams().to_vec();
        let shards = run_blocking(move || {
            let mut shards = Vec::new();
            for stream in streams {
                let metadata = inner.fetch_metadata(Some(stream.name()), DEFAULT_TIMEOUT)?;
                for topic in metadata.topics() {
                    if topic.name() != stream.name() || topic.error().is_some() {
                        continue;
                    }
                    for partition in topic.partitions() {
                        let id = u64::try_from(partition.id()).unwrap_or_default();
                        shards.push((stream.clone(), ShardId::new(id)));
                    }
                }
            }
            Ok(shards)
        })
        .await?;
        if shards.is_empty() {
            return Err(StreamErr::Backend(KafkaErr::Subscription(
                "No partitions found.".to_owned(),
            )));
        }
        self.set_stream_shards(shards);
        Ok(())
    }
}
