//! [`ConsumerLag`] for [`KafkaConsumer`]: per partition, the high watermark minus the
//! consumer's position.

use crate::blocking::run_blocking;
use crate::consumer_observe::BACKEND;
use crate::{KafkaConsumer, KafkaErr, KafkaResult, RawConsumer, DEFAULT_TIMEOUT};
use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset, TopicPartitionList};
use sea_streamer_types::{ConsumerLag, Lag, LagUnit, ShardId, ShardLag, StreamKey};
use std::time::Duration;
use tracing::Instrument;

/// What the blocking part of a lag measurement needs.
struct Query {
    inner: std::sync::Arc<RawConsumer>,
    streams: Vec<StreamKey>,
    manual_starts: Vec<(String, i32, Offset)>,
    resets_earliest: bool,
    timeout: Duration,
}

/// The consumer's lag, per partition (see [`ConsumerLag`] on [`KafkaConsumer`]).
///
/// Which partitions: the consumer's assignment; before the group assigned it any, every
/// partition of its topics (what it is about to read; in a `LoadBalanced` group, more than
/// its share). Where each partition stands, first found of: the position of the messages
/// delivered so far; the offset a `rewind`/`seek` started it at; the group's committed
/// offset; the start of the partition (with an `earliest` reset) or its end (otherwise).
/// The lag is the high watermark (the offset the next record will get) minus that, never
/// below zero. Every number comes from librdkafka's calls on a blocking thread: the
/// watermarks (one broker round trip per partition) and, where needed, the committed offsets.
fn measure(q: Query) -> Result<Vec<ShardLag>, KafkaErr> {
    let assigned = q.inner.assignment()?;
    let (partitions, positions) = if assigned.count() > 0 {
        (assigned, Some(q.inner.position()?))
    } else {
        (all_partitions(&q)?, None)
    };
    let position = |topic: &str, partition: i32| -> Option<Offset> {
        let found = positions
            .as_ref()?
            .find_partition(topic, partition)?
            .offset();
        matches!(found, Offset::Offset(_)).then_some(found)
    };
    let manual = |topic: &str, partition: i32| {
        q.manual_starts
            .iter()
            .find(|(t, p, _)| t == topic && *p == partition)
            .map(|(_, _, o)| *o)
    };
    // The committed offsets of the partitions that have neither.
    let mut unknown = TopicPartitionList::new();
    for e in partitions.elements() {
        if position(e.topic(), e.partition()).is_none()
            && manual(e.topic(), e.partition()).is_none()
        {
            unknown.add_partition(e.topic(), e.partition());
        }
    }
    let committed = if unknown.count() > 0 {
        Some(q.inner.committed_offsets(unknown, q.timeout)?)
    } else {
        None
    };

    let marks = watermarks(&q, &partitions)?;
    let mut shards = Vec::with_capacity(partitions.count());
    for (e, (low, high)) in partitions.elements().iter().zip(marks) {
        let (topic, partition) = (e.topic(), e.partition());
        let Some(stream_key) = q.streams.iter().find(|s| s.name() == topic) else {
            continue;
        };
        let start = position(topic, partition)
            .or_else(|| manual(topic, partition))
            .or_else(|| {
                let found = committed
                    .as_ref()?
                    .find_partition(topic, partition)?
                    .offset();
                matches!(found, Offset::Offset(_)).then_some(found)
            })
            .unwrap_or(if q.resets_earliest {
                Offset::Beginning
            } else {
                Offset::End
            });
        shards.push(ShardLag {
            stream_key: stream_key.clone(),
            shard_id: ShardId::new(u64::try_from(partition).unwrap_or_default()),
            behind: behind(start, low, high),
            unit: LagUnit::Messages,
        });
    }
    Ok(shards)
}

/// The messages from `start` to the high watermark `high` of a partition whose first offset
/// is `low`: a start before `low` (deleted records) counts from `low`, one after `high` none.
fn behind(start: Offset, low: i64, high: i64) -> u64 {
    let at = match start {
        Offset::Offset(n) => n.max(low),
        Offset::Beginning => low,
        Offset::OffsetTail(n) => (high - n).max(low),
        _ => high,
    };
    u64::try_from(high - at).unwrap_or(0)
}

/// How many partitions' watermarks are asked at once.
const PARALLEL: usize = 16;

/// The low and high watermarks of every partition of `list`, in order. Each is a broker
/// round trip, which may wait behind the consumer's pending fetch (up to
/// `fetch.wait.max.ms`), so up to [`PARALLEL`] are asked at once, each on a thread.
fn watermarks(q: &Query, list: &TopicPartitionList) -> Result<Vec<(i64, i64)>, KafkaErr> {
    let partitions: Vec<(String, i32)> = list
        .elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect();
    let mut marks = Vec::with_capacity(partitions.len());
    for chunk in partitions.chunks(PARALLEL) {
        let answers: Vec<Result<(i64, i64), KafkaErr>> = std::thread::scope(|scope| {
            let asks: Vec<_> = chunk
                .iter()
                .map(|(topic, partition)| {
                    scope.spawn(move || q.inner.fetch_watermarks(topic, *partition, q.timeout))
                })
                .collect();
            asks.into_iter()
                .map(|ask| {
                    ask.join().unwrap_or_else(|_| {
                        Err(KafkaErr::MetadataFetch(
                            rdkafka::error::RDKafkaErrorCode::Fail,
                        ))
                    })
                })
                .collect()
        });
        for answer in answers {
            marks.push(answer?);
        }
    }
    Ok(marks)
}

/// Every partition of the consumer's topics, from the cluster's metadata.
fn all_partitions(q: &Query) -> Result<TopicPartitionList, KafkaErr> {
    let mut list = TopicPartitionList::new();
    for stream in &q.streams {
        let metadata = q.inner.fetch_metadata(Some(stream.name()), q.timeout)?;
        for topic in metadata.topics() {
            if topic.name() != stream.name() || topic.error().is_some() {
                continue;
            }
            for partition in topic.partitions() {
                list.add_partition(stream.name(), partition.id());
            }
        }
    }
    Ok(list)
}

impl KafkaConsumer {
    /// Like [`ConsumerLag::lag`], waiting at most `timeout` for each broker request.
    pub async fn lag_with_timeout(&self, timeout: Duration) -> KafkaResult<Lag> {
        let query = Query {
            inner: self.shared(),
            streams: self.streams().to_vec(),
            manual_starts: self.manual_starts().to_vec(),
            resets_earliest: self.resets_earliest(),
            timeout,
        };
        let span = tracing::debug_span!("sea_streamer.lag", backend = BACKEND);
        let shards = run_blocking(move || measure(query))
            .instrument(span)
            .await?;
        let lag = Lag::new(shards);
        self.observe().set_lag(&lag);
        Ok(lag)
    }
}

/// The lag of a Kafka consumer: per partition, the high watermark minus the consumer's
/// position, in messages (offsets). Before a partition's first message is read, the position
/// is where the consumer will start: the offset a `rewind`/`seek` gave it, else the group's
/// committed offset, else the partition's start (`AutoOffsetReset::Earliest`) or end. Before
/// the group assigns the consumer its partitions, every partition of its topics counts.
/// Waits at most [`DEFAULT_TIMEOUT`] per broker request (see
/// [`KafkaConsumer::lag_with_timeout`]); also sets the `sea_streamer_consumer_lag` gauge of
/// each topic.
///
/// Transactional (aborted) records and control records take offsets too, so on a topic
/// written with transactions the lag may count some that are never delivered.
///
/// ```no_run
/// use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
/// use sea_streamer_types::{Consumer, ConsumerLag, ConsumerMode, ConsumerOptions, StreamKey, Streamer};
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, Default::default()).await?;
/// let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
/// options.set_auto_offset_reset(AutoOffsetReset::Earliest);
/// let consumer = streamer.create_consumer(&[StreamKey::new("events")?], options).await?;
/// let lag = consumer.lag().await?;
/// println!("{} messages to read", lag.total());
/// # Ok(())
/// # }
/// ```
impl ConsumerLag for KafkaConsumer {
    async fn lag(&self) -> KafkaResult<Lag> {
        self.lag_with_timeout(DEFAULT_TIMEOUT).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_the_start_to_the_high_watermark() {
        assert_eq!(behind(Offset::Offset(4), 0, 10), 6);
        assert_eq!(behind(Offset::Offset(10), 0, 10), 0);
        assert_eq!(behind(Offset::Offset(12), 0, 10), 0, "never negative");
        assert_eq!(
            behind(Offset::Offset(1), 5, 10),
            5,
            "deleted records do not count"
        );
        assert_eq!(behind(Offset::Beginning, 3, 10), 7);
        assert_eq!(behind(Offset::End, 3, 10), 0);
        assert_eq!(behind(Offset::OffsetTail(2), 0, 10), 2);
        assert_eq!(behind(Offset::OffsetTail(20), 3, 10), 7);
        assert_eq!(behind(Offset::Beginning, 0, 0), 0, "empty partition");
    }
}
