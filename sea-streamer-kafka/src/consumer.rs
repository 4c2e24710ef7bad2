//! [`KafkaConsumer`]: a subscribed librdkafka consumer behind the sea-streamer
//! [`Consumer`] trait.

use crate::consumer_observe::{Registration, BACKEND};
use crate::{
    KafkaAsyncRuntime, KafkaErr, KafkaMessageStream, KafkaResult, NextFuture, DEFAULT_TIMEOUT,
};
use futures::{FutureExt, StreamExt};
use rdkafka::consumer::{DefaultConsumerContext, StreamConsumer};
use sea_streamer_types::{
    Consumer, ConsumerMode, SeqPos, ShardId, StreamErr, StreamKey, Timestamp,
};
use std::sync::Arc;
use tracing::Instrument;

/// The span of a `rewind` or `seek` of `shards`.
fn seek_span(shards: &[(StreamKey, ShardId)]) -> tracing::Span {
    let stream = shards.first().map(|(s, _)| s.name()).unwrap_or_default();
    tracing::debug_span!(
        "sea_streamer.seek",
        backend = BACKEND,
        stream,
        count = shards.len()
    )
}

/// The rdkafka consumer inside a [`KafkaConsumer`].
pub type RawConsumer = StreamConsumer<DefaultConsumerContext, KafkaAsyncRuntime>;

/// A Kafka consumer, subscribed to its topics as a member of a consumer group (see
/// [`KafkaStreamer::create_consumer`](crate::KafkaStreamer) for the group of each mode).
///
/// Besides group-managed consumption it keeps a list of `(topic, partition)` pairs that
/// [`rewind`](Consumer::rewind) and [`seek`](Consumer::seek) position manually; the list
/// starts as partition 0 of every topic. `rewind` and `seek` assign partitions manually: a
/// later rebalance of the group replaces that assignment. Blocking librdkafka calls (seek,
/// commit, metadata) run on a blocking thread; their futures are cancel-safe.
///
/// A [`KafkaMessage`](crate::KafkaMessage) borrows its consumer, so to commit a message of
/// this consumer copy its id first (`message.identifier()`) and call
/// [`commit_with`](Self::commit_with) with `sequence + 1` once the message is dropped.
///
/// ```no_run
/// use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
/// use sea_streamer_types::{
///     Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, SeqPos, StreamKey, Streamer,
/// };
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, Default::default()).await?;
/// let topic = StreamKey::new("events")?;
/// let mut options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
/// options.set_auto_offset_reset(AutoOffsetReset::Earliest).set_enable_auto_commit(false);
/// let mut consumer = streamer.create_consumer(&[topic], options).await?;
///
/// let message = consumer.next().await?;
/// let id = (message.stream_key(), message.shard_id(), message.sequence());
/// println!("{}", message.message().as_str()?);
/// drop(message);
/// // resume after this message on restart
/// consumer.commit(&id.0, &id.1, &(id.2 + 1)).await?;
///
/// consumer.rewind(SeqPos::Beginning).await?;
/// # Ok(())
/// # }
/// ```
pub struct KafkaConsumer {
    mode: ConsumerMode,
    inner: crate::consumer_close::Handle,
    /// `group.id`, for the close's log.
    group: Option<String>,
    streams: Vec<StreamKey>,
    shards: Vec<(StreamKey, ShardId)>,
    /// Processed messages per partition, for [`Acknowledge`](sea_streamer_types::Acknowledge).
    acks: crate::ack::Acks,
    /// Metrics and trace events (see [`crate::consumer_observe`]).
    observe: Registration,
    /// Where `rewind`/`seek` last started each partition they assigned, for
    /// [`ConsumerLag`](sea_streamer_types::ConsumerLag) before the first message is read.
    manual_starts: Vec<(String, i32, rdkafka::Offset)>,
    /// Whether a partition without a committed offset starts at its beginning.
    resets_earliest: bool,
}

impl std::fmt::Debug for KafkaConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KafkaConsumer")
    }
}

impl Drop for KafkaConsumer {
    /// Closes the consumer on a thread of its own and waits for it, at most 15 s (see the private module
    /// `consumer_close`): it pauses every assigned partition, leaves the group, then
    /// lets librdkafka close it.
    ///
    /// Closing polls the consumer queue until the group is left, and every message it pops
    /// there counts as delivered to the application for `enable.auto.offset.store`: the
    /// final commit would then skip messages that were fetched but never read, losing them
    /// for the next consumer of the group. Pausing first discards the prefetched messages,
    /// so the final commit covers exactly what the application received. Leaving the group
    /// before closing serves the revoke while the group can still answer librdkafka's
    /// rebalance callback, which could otherwise block the close forever; a close that still
    /// blocks is left behind after the bound, with a warning naming the group and topics.
    fn drop(&mut self) {
        if let Some(consumer) = self.inner.take() {
            crate::consumer_close::Closing {
                consumer,
                group: self.group.take(),
                topics: self.streams.iter().map(|s| s.name().to_owned()).collect(),
                manual: !self.manual_starts.is_empty(),
            }
            .run();
        }
    }
}

impl KafkaConsumer {
    /// Wraps a consumer subscribed to `streams`.
    pub(crate) fn new(
        mode: ConsumerMode,
        inner: Arc<RawConsumer>,
        streams: Vec<StreamKey>,
        acks: crate::ack::Acks,
        observe: Registration,
        resets_earliest: bool,
        group: Option<String>,
    ) -> Self {
        let shards = streams
            .iter()
            .map(|s| (s.clone(), ShardId::new(0)))
            .collect();
        Self {
            mode,
            inner: crate::consumer_close::Handle::new(inner),
            group,
            streams,
            shards,
            acks,
            observe,
            manual_starts: Vec::new(),
            resets_earliest,
        }
    }

    /// What the consumer records.
    pub(crate) fn observe(&self) -> &crate::consumer_observe::ConsumerObs {
        self.observe.obs()
    }

    /// Where `rewind`/`seek` last started the partitions they assigned.
    pub(crate) fn manual_starts(&self) -> &[(String, i32, rdkafka::Offset)] {
        &self.manual_starts
    }

    /// Whether a partition without a committed offset starts at its beginning.
    pub(crate) fn resets_earliest(&self) -> bool {
        self.resets_earliest
    }

    /// The raw rdkafka consumer.
    pub fn inner(&mut self) -> &RawConsumer {
        &self.inner
    }

    /// A handle on the raw consumer for a blocking task.
    pub(crate) fn shared(&self) -> Arc<RawConsumer> {
        Arc::clone(&self.inner)
    }

    /// The consumer mode it was created with.
    pub(crate) fn mode(&self) -> ConsumerMode {
        self.mode
    }

    /// The acknowledgement state.
    pub(crate) fn acks(&self) -> &crate::ack::Acks {
        &self.acks
    }

    /// The subscribed topics.
    pub(crate) fn streams(&self) -> &[StreamKey] {
        &self.streams
    }

    /// The current manual assignment list used by `rewind` and `seek`.
    pub fn stream_shards(&self) -> &[(StreamKey, ShardId)] {
        &self.shards
    }

    /// Replaces the manual assignment list.
    pub(crate) fn set_stream_shards(&mut self, shards: Vec<(StreamKey, ShardId)>) {
        self.shards = shards;
    }

    /// Like [`Consumer::seek`], waiting at most `timeout` for each broker lookup.
    pub async fn seek_with_timeout(
        &mut self,
        to: Timestamp,
        timeout: std::time::Duration,
    ) -> KafkaResult<()> {
        let span = seek_span(&self.shards);
        self.seek_inner(to, timeout).instrument(span).await
    }

    async fn seek_inner(&mut self, to: Timestamp, timeout: std::time::Duration) -> KafkaResult<()> {
        self.reassign_partitions().await?;
        let query = crate::position::timestamp_query(&self.shards, to)?;
        let inner = self.shared();
        let offsets = crate::blocking::run_blocking(move || {
            use rdkafka::consumer::Consumer as _;
            inner.offsets_for_times(query, timeout)
        })
        .await?;
        crate::position::check_elements(&offsets)?;
        self.assign_list(&offsets)
    }

    /// Assigns an explicit partition list (manual assignment).
    fn assign_list(&mut self, list: &rdkafka::TopicPartitionList) -> KafkaResult<()> {
        use rdkafka::consumer::Consumer as _;
        self.inner.assign(list).map_err(StreamErr::Backend)?;
        self.manual_starts = list
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition(), e.offset()))
            .collect();
        Ok(())
    }
}

impl Consumer for KafkaConsumer {
    type Error = KafkaErr;
    type Message<'a> = crate::KafkaMessage<'a>;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = KafkaMessageStream<'a>;

    /// Restarts every partition of every subscribed topic at the first message whose
    /// timestamp is at or after `to` (in ms; Kafka's `offsets_for_times`).
    async fn seek(&mut self, to: Timestamp) -> KafkaResult<()> {
        self.seek_with_timeout(to, DEFAULT_TIMEOUT).await
    }

    /// Repositions every pair of the assignment list; `SeqPos::At(n)` makes offset `n` the
    /// next message delivered.
    async fn rewind(&mut self, pos: SeqPos) -> KafkaResult<()> {
        let _span = seek_span(&self.shards).entered();
        let list = crate::position::rewind_list(&self.shards, pos)?;
        self.assign_list(&list)
    }

    /// Adds `(topic, partition)` to the assignment list; the topic must be subscribed.
    fn assign(&mut self, ss: (StreamKey, ShardId)) -> KafkaResult<()> {
        if !self.streams.contains(&ss.0) {
            return Err(StreamErr::StreamKeyNotFound);
        }
        if !self.shards.contains(&ss) {
            self.shards.push(ss);
        }
        Ok(())
    }

    /// Removes `(topic, partition)` from the assignment list; the list may not become empty.
    fn unassign(&mut self, ss: (StreamKey, ShardId)) -> KafkaResult<()> {
        let Some(at) = self.shards.iter().position(|s| s == &ss) else {
            return Err(StreamErr::StreamKeyNotFound);
        };
        if self.shards.len() == 1 {
            return Err(StreamErr::StreamKeyEmpty);
        }
        self.shards.remove(at);
        Ok(())
    }

    fn next(&self) -> NextFuture<'_> {
        self.inner
            .stream()
            .into_future()
            .map(self.observe.next_fn())
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> KafkaMessageStream<'a> {
        self.inner.stream().map(self.observe.item_fn())
    }
}
