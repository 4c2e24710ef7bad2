//! [`AckTracker`]: the contiguous processed prefix of every shard (pure data, no I/O).

use crate::{MessageHeader, SeqNo, ShardId, StreamKey};
use std::collections::{BTreeMap, HashMap};

/// Tracks which delivered messages are processed and, per `(stream, shard)`, the position
/// before which every message is processed.
///
/// Messages are [`track`](Self::track)ed as they are received and [`ack`](Self::ack)ed when
/// processed, in any order. The [`position`](Self::position) of a shard is the sequence
/// number a restarted consumer must resume from (Kafka's "next offset to read"): every
/// tracked message below it is acknowledged, and it never passes a tracked message that
/// is not. Sequence numbers that were never tracked (gaps, such as Kafka's transaction
/// markers) do not hold it back.
///
/// Positions only move forward: a message tracked or acknowledged below the position
/// (e.g. delivered again after a rewind) is already covered and is ignored.
///
/// ```
/// use sea_streamer_types::{AckTracker, ShardId, StreamKey};
///
/// let key = StreamKey::new("orders").unwrap();
/// let shard = ShardId::new(0);
/// let mut tracker = AckTracker::default();
/// for seq in [10, 11, 12] {
///     tracker.track(&key, shard, seq);
/// }
/// tracker.ack(&key, shard, 12); // the fast one finishes first
/// assert_eq!(tracker.position(&key, shard), None); // 10 is not processed yet
/// tracker.ack(&key, shard, 10);
/// assert_eq!(tracker.position(&key, shard), Some(11)); // 11 is still in flight
/// tracker.ack(&key, shard, 11);
/// assert_eq!(tracker.position(&key, shard), Some(13));
///
/// assert_eq!(tracker.uncommitted(), vec![(key.clone(), shard, 13)]);
/// tracker.mark_committed(&key, shard, 13);
/// assert!(tracker.uncommitted().is_empty());
/// ```
#[derive(Debug, Default, Clone)]
pub struct AckTracker {
    shards: HashMap<(StreamKey, ShardId), ShardAcks>,
}

/// The state of one shard.
#[derive(Debug, Default, Clone)]
struct ShardAcks {
    /// Every tracked message below it is processed; `None` before the first one is.
    position: Option<SeqNo>,
    /// The highest position marked as committed.
    committed: Option<SeqNo>,
    /// Messages at or above `position` that were tracked or acknowledged: processed?
    open: BTreeMap<SeqNo, bool>,
}

impl ShardAcks {
    /// Whether `seq` lies below the position (already covered).
    fn covers(&self, seq: SeqNo) -> bool {
        self.position.is_some_and(|p| seq < p)
    }

    /// Moves the position over the processed messages at the front; whether it moved.
    fn advance(&mut self) -> bool {
        let mut moved = false;
        while let Some(entry) = self.open.first_entry() {
            if !*entry.get() {
                break;
            }
            let seq = *entry.key();
            entry.remove();
            self.position = Some(seq.saturating_add(1));
            moved = true;
        }
        moved
    }
}

impl AckTracker {
    /// Records that message `seq` of `stream`/`shard` was received and is not processed
    /// yet. Tracking it again (while open) changes nothing; a message below the position is
    /// ignored. Returns whether it is now tracked as in flight.
    pub fn track(&mut self, stream: &StreamKey, shard: ShardId, seq: SeqNo) -> bool {
        let acks = self.shard_mut(stream, shard);
        if acks.covers(seq) {
            return false;
        }
        let processed = acks.open.entry(seq).or_insert(false);
        !*processed
    }

    /// Marks message `seq` of `stream`/`shard` as processed (tracking it first if it was
    /// not). Returns whether the shard's position moved.
    pub fn ack(&mut self, stream: &StreamKey, shard: ShardId, seq: SeqNo) -> bool {
        let acks = self.shard_mut(stream, shard);
        if acks.covers(seq) {
            return false;
        }
        acks.open.insert(seq, true);
        acks.advance()
    }

    /// [`track`](Self::track) with the message's header.
    pub fn track_header(&mut self, header: &MessageHeader) -> bool {
        self.track(header.stream_key(), *header.shard_id(), *header.sequence())
    }

    /// [`ack`](Self::ack) with the message's header.
    pub fn ack_header(&mut self, header: &MessageHeader) -> bool {
        self.ack(header.stream_key(), *header.shard_id(), *header.sequence())
    }

    /// Where a restarted consumer of `stream`/`shard` resumes: every tracked message below
    /// it is processed. `None` until a message of the shard is processed.
    pub fn position(&self, stream: &StreamKey, shard: ShardId) -> Option<SeqNo> {
        self.shards
            .get(&(stream.clone(), shard))
            .and_then(|acks| acks.position)
    }

    /// The shards whose position moved past what was marked committed, with that position,
    /// sorted by stream and shard.
    pub fn uncommitted(&self) -> Vec<(StreamKey, ShardId, SeqNo)> {
        let mut out: Vec<_> = self
            .shards
            .iter()
            .filter_map(|((stream, shard), acks)| {
                let position = acks.position?;
                let newer = acks.committed.is_none_or(|c| c < position);
                newer.then(|| (stream.clone(), *shard, position))
            })
            .collect();
        out.sort();
        out
    }

    /// Records that `position` of `stream`/`shard` is durable (a committed position never
    /// moves back).
    pub fn mark_committed(&mut self, stream: &StreamKey, shard: ShardId, position: SeqNo) {
        let acks = self.shard_mut(stream, shard);
        acks.committed = Some(acks.committed.map_or(position, |c| c.max(position)));
    }

    /// How many tracked messages are not processed yet, over all shards.
    pub fn in_flight(&self) -> usize {
        self.shards
            .values()
            .map(|acks| acks.open.values().filter(|done| !**done).count())
            .sum()
    }

    /// Forgets a shard (e.g. after it was revoked from this consumer); returns whether it
    /// was known.
    pub fn forget(&mut self, stream: &StreamKey, shard: ShardId) -> bool {
        self.shards.remove(&(stream.clone(), shard)).is_some()
    }

    fn shard_mut(&mut self, stream: &StreamKey, shard: ShardId) -> &mut ShardAcks {
        self.shards.entry((stream.clone(), shard)).or_default()
    }
}

#[cfg(test)]
mod tests;
