//! The consumed positions of `sql-sink`, kept in SQLite beside the rows, and resuming a
//! consumer from them.
//!
//! The table `consumed` holds, per input stream key and shard, the sequence number of the
//! next message to store. `sql-sink` updates it in the same transaction as the row of each
//! message, so the rows and the position never disagree, whenever the process dies. On
//! start the consumer is moved to the stored positions, each backend its own way:
//!
//! | Backend | Resume |
//! |---|---|
//! | `file://` | `rewind(SeqPos::At(next))`: the first message with that sequence number or later (one stream per file consumer) |
//! | `redis://` | `rewind(SeqPos::At(next - 1))`: Redis reads the entries strictly after an id |
//! | `kafka://` | the topic's partitions from the broker's metadata, each assigned at its stored offset (the others at `--from`) |
//! | `stdio://` | nothing: a pipe cannot be replayed |
//!
//! Where a consumer cannot be moved exactly (several file or Redis streams in one URL), it
//! starts at `--from`, and the messages already stored are recognised by their positions
//! and skipped: the positions, not the move, are what makes the sink exactly-once.

use anyhow::Context;
use sea_streamer::kafka::export::rdkafka::{consumer::Consumer as _, Offset, TopicPartitionList};
use sea_streamer::{
    Backend, Consumer, SeaConsumer, SeaStreamerBackend, SeqNo, SeqPos, ShardId, StreamKey,
};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::BTreeMap;
use std::time::Duration;

/// The schema of the table `consumed`.
pub const POSITIONS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS consumed (
    stream_key TEXT NOT NULL,
    shard INTEGER NOT NULL,
    next_sequence INTEGER NOT NULL,
    PRIMARY KEY (stream_key, shard)
)";

/// Where a message sits in its stream, as SQLite integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The stream key.
    pub stream: String,
    /// The shard.
    pub shard: i64,
    /// The sequence number.
    pub sequence: i64,
}

impl Position {
    /// The position of a message; fails if a number does not fit SQLite's 64-bit integers.
    pub fn of(stream: &StreamKey, shard: ShardId, sequence: SeqNo) -> anyhow::Result<Self> {
        Ok(Self {
            stream: stream.name().to_owned(),
            shard: i64::try_from(shard.id()).context("shard id too large for SQLite")?,
            #[allow(clippy::useless_conversion)]
            sequence: i64::try_from(sequence).context("sequence number too large for SQLite")?,
        })
    }
}

/// Whether the message at `at` was stored already (its sequence number is below the stored
/// next one of its shard).
pub async fn is_stored(tx: &mut Transaction<'_, Sqlite>, at: &Position) -> sqlx::Result<bool> {
    let next: Option<i64> =
        sqlx::query_scalar("SELECT next_sequence FROM consumed WHERE stream_key = ? AND shard = ?")
            .bind(&at.stream)
            .bind(at.shard)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(next.is_some_and(|next| at.sequence < next))
}

/// Records, inside the row's transaction, that everything up to `at` is stored.
pub async fn advance(tx: &mut Transaction<'_, Sqlite>, at: &Position) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO consumed (stream_key, shard, next_sequence) VALUES (?, ?, ?)
         ON CONFLICT (stream_key, shard) DO UPDATE SET next_sequence = excluded.next_sequence",
    )
    .bind(&at.stream)
    .bind(at.shard)
    .bind(at.sequence + 1)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The stored next sequence number of each shard of `streams`.
pub async fn stored_positions(
    pool: &SqlitePool,
    streams: &[StreamKey],
) -> anyhow::Result<BTreeMap<(StreamKey, ShardId), SeqNo>> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT stream_key, shard, next_sequence FROM consumed")
            .fetch_all(pool)
            .await?;
    let mut positions = BTreeMap::new();
    for (stream, shard, next) in rows {
        let Some(key) = streams.iter().find(|k| k.name() == stream) else {
            continue;
        };
        let shard = ShardId::new(u64::try_from(shard).context("negative shard in `consumed`")?);
        #[allow(clippy::useless_conversion)]
        let next = SeqNo::try_from(next).context("negative sequence in `consumed`")?;
        positions.insert((key.clone(), shard), next);
    }
    Ok(positions)
}

/// Moves `consumer` (of `streams`) to the positions stored in `pool` (see the module docs).
/// `earliest` says where the shards without a stored position start (Kafka). Returns
/// whether the consumer was moved.
pub async fn resume(
    consumer: &mut SeaConsumer,
    streams: &[StreamKey],
    pool: &SqlitePool,
    earliest: bool,
) -> anyhow::Result<bool> {
    let positions = stored_positions(pool, streams).await?;
    if positions.is_empty() {
        return Ok(false);
    }
    let single = match (streams, positions.iter().next()) {
        ([_], Some(((_, shard), next))) if positions.len() == 1 => Some((*shard, *next)),
        _ => None,
    };
    let moved = match (consumer.backend(), single) {
        (Backend::File, Some((_, next))) => {
            consumer.rewind(SeqPos::At(next)).await?;
            true
        }
        (Backend::Redis, Some((_, next))) => {
            // strictly after the last stored entry
            consumer.rewind(SeqPos::At(next.saturating_sub(1))).await?;
            true
        }
        (Backend::Kafka, _) => {
            resume_kafka(consumer, streams, &positions, earliest).await?;
            true
        }
        _ => false,
    };
    if moved {
        log::info!("resuming after the stored positions {positions:?}");
    } else {
        log::info!("cannot move this consumer: messages already stored will be skipped");
    }
    Ok(moved)
}

/// Assigns every partition of `streams`: at its stored offset, or at the start (`earliest`)
/// or the end.
async fn resume_kafka(
    consumer: &mut SeaConsumer,
    streams: &[StreamKey],
    positions: &BTreeMap<(StreamKey, ShardId), SeqNo>,
    earliest: bool,
) -> anyhow::Result<()> {
    let kafka = consumer
        .get_kafka()
        .context("a kafka:// consumer that is not a Kafka consumer")?;
    let raw = kafka.inner();
    let mut list = TopicPartitionList::new();
    for stream in streams {
        let metadata = tokio::task::block_in_place(|| {
            raw.fetch_metadata(Some(stream.name()), Duration::from_secs(10))
        })
        .with_context(|| format!("metadata of the topic {stream}"))?;
        for topic in metadata.topics() {
            for partition in topic.partitions() {
                let shard = ShardId::new(u64::try_from(partition.id())?);
                let offset = match positions.get(&(stream.clone(), shard)) {
                    Some(next) => Offset::Offset(i64::try_from(*next)?),
                    None if earliest => Offset::Beginning,
                    None => Offset::End,
                };
                list.add_partition_offset(stream.name(), partition.id(), offset)?;
            }
        }
    }
    raw.assign(&list)?;
    Ok(())
}
