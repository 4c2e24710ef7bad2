//! Building the partition lists that position a consumer: rewinds, timestamp lookups and
//! commits.

use crate::{KafkaErr, KafkaResult};
use rdkafka::{Offset, TopicPartitionList};
use sea_streamer_types::{SeqNo, SeqPos, ShardId, StreamErr, StreamKey, Timestamp};

/// A Kafka partition number from a shard id; out of range → `UnknownPartition`.
pub(crate) fn partition_of(shard: &ShardId) -> KafkaResult<i32> {
    i32::try_from(shard.id()).map_err(|_| {
        StreamErr::Backend(KafkaErr::Seek(format!(
            "shard {} is not a Kafka partition",
            shard.id()
        )))
    })
}

/// A Kafka offset from a sequence number.
pub(crate) fn offset_of(seq: &SeqNo) -> KafkaResult<Offset> {
    i64::try_from(*seq)
        .map(Offset::Offset)
        .map_err(|_| StreamErr::Backend(KafkaErr::Seek(format!("offset {seq} is out of range"))))
}

/// A list of `shards`, every one at `offset`.
fn list_at(shards: &[(StreamKey, ShardId)], offset: Offset) -> KafkaResult<TopicPartitionList> {
    let mut list = TopicPartitionList::with_capacity(shards.len());
    for (stream, shard) in shards {
        list.add_partition_offset(stream.name(), partition_of(shard)?, offset)
            .map_err(StreamErr::Backend)?;
    }
    Ok(list)
}

/// The list `rewind(pos)` assigns: every pair at the beginning, the end, or offset `n`
/// (so that `n` is the next message delivered).
pub(crate) fn rewind_list(
    shards: &[(StreamKey, ShardId)],
    pos: SeqPos,
) -> KafkaResult<TopicPartitionList> {
    let offset = match pos {
        SeqPos::Beginning => Offset::Beginning,
        SeqPos::End => Offset::End,
        SeqPos::At(seq) => offset_of(&seq)?,
    };
    list_at(shards, offset)
}

/// The `offsets_for_times` query of `seek(ts)`: every pair with `ts` in milliseconds in
/// place of the offset.
pub(crate) fn timestamp_query(
    shards: &[(StreamKey, ShardId)],
    ts: Timestamp,
) -> KafkaResult<TopicPartitionList> {
    let millis = ts.unix_timestamp_nanos().div_euclid(1_000_000);
    let millis = i64::try_from(millis)
        .map_err(|_| StreamErr::Backend(KafkaErr::Seek(format!("timestamp {ts} out of range"))))?;
    list_at(shards, Offset::Offset(millis))
}

/// The list of one commit: `stream`/`shard` at offset `seq` (the next offset to read).
pub(crate) fn commit_list(
    stream: &StreamKey,
    shard: &ShardId,
    seq: &SeqNo,
) -> KafkaResult<TopicPartitionList> {
    list_at(&[(stream.clone(), *shard)], offset_of(seq)?)
}

/// Fails with the first per-partition error of a broker answer.
pub(crate) fn check_elements(list: &TopicPartitionList) -> KafkaResult<()> {
    for elem in list.elements() {
        elem.error().map_err(StreamErr::Backend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shards() -> Vec<(StreamKey, ShardId)> {
        vec![
            (StreamKey::new("a").unwrap(), ShardId::new(0)),
            (StreamKey::new("a").unwrap(), ShardId::new(2)),
            (StreamKey::new("b").unwrap(), ShardId::new(1)),
        ]
    }

    fn offsets(list: &TopicPartitionList) -> Vec<(String, i32, Offset)> {
        list.elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition(), e.offset()))
            .collect()
    }

    #[test]
    fn rewinds_every_pair() {
        let list = rewind_list(&shards(), SeqPos::At(5)).unwrap();
        assert_eq!(
            offsets(&list),
            [
                ("a".to_owned(), 0, Offset::Offset(5)),
                ("a".to_owned(), 2, Offset::Offset(5)),
                ("b".to_owned(), 1, Offset::Offset(5)),
            ]
        );
        let list = rewind_list(&shards(), SeqPos::Beginning).unwrap();
        assert!(list
            .elements()
            .iter()
            .all(|e| e.offset() == Offset::Beginning));
        let list = rewind_list(&shards(), SeqPos::End).unwrap();
        assert!(list.elements().iter().all(|e| e.offset() == Offset::End));
    }

    #[test]
    fn seek_queries_in_milliseconds() {
        let ts = Timestamp::from_unix_timestamp_nanos(1_678_280_595_282_999_999).unwrap();
        let list = timestamp_query(&shards(), ts).unwrap();
        assert_eq!(list.count(), 3);
        assert!(list
            .elements()
            .iter()
            .all(|e| e.offset() == Offset::Offset(1_678_280_595_282)));
    }

    #[test]
    fn commits_the_given_offset() {
        let stream = StreamKey::new("t").unwrap();
        let list = commit_list(&stream, &ShardId::new(3), &19).unwrap();
        assert_eq!(offsets(&list), [("t".to_owned(), 3, Offset::Offset(19))]);
    }

    #[test]
    fn rejects_out_of_range_numbers() {
        let stream = StreamKey::new("t").unwrap();
        assert!(commit_list(&stream, &ShardId::new(1 << 40), &0).is_err());
        assert!(commit_list(&stream, &ShardId::new(0), &SeqNo::MAX).is_err());
    }
}
