//! [`Lanes`]: the waiting messages, one FIFO lane per `(stream key, shard)`, at most one
//! message of a lane running at a time (pure scheduling state, no I/O).

use sea_streamer_types::{Message, MessageHeader, ShardId, SharedMessage, StreamKey};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// A lane: the messages of one stream key and shard, handled in order.
pub(crate) type Lane = (StreamKey, ShardId);

/// The lane of a message.
pub(crate) fn lane_of(message: &SharedMessage) -> Lane {
    (message.stream_key(), message.shard_id())
}

/// FNV-1a: lanes are looked up three times per message, and the default SipHash of the
/// lane keys was a sixth of the instructions the runner adds to a hand-written loop at
/// concurrency 8 on a file (callgrind). The keys are the consumer's streams and shards, not
/// chosen by an adversary, so a keyed hash buys nothing.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// One lane with something waiting or running.
#[derive(Debug, Default)]
struct LaneState {
    waiting: VecDeque<SharedMessage>,
    busy: bool,
}

/// Messages fetched and not started yet, and which lanes have one running.
///
/// Only lanes with a message waiting or running are kept, and each step looks its lane up
/// once (this runs for every message). With one message running at a time, fetch order is
/// every lane's order: the messages then wait in one queue, and no lane is looked up.
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    /// One message at a time: `single` is the queue, `lanes` and `ready` stay empty.
    one_at_a_time: bool,
    single: VecDeque<SharedMessage>,
    lanes: HashMap<Lane, LaneState, BuildHasherDefault<Fnv>>,
    /// Lanes not busy with a waiting message, in the order they became ready.
    ready: VecDeque<Lane>,
    waiting: usize,
    running: usize,
}

impl Lanes {
    /// Lanes for `concurrency` messages running at a time.
    pub(crate) fn new(concurrency: usize) -> Self {
        Self {
            one_at_a_time: concurrency <= 1,
            ..Self::default()
        }
    }

    /// Queues a fetched message behind the others of its lane.
    pub(crate) fn push(&mut self, message: SharedMessage) {
        self.waiting += 1;
        if self.one_at_a_time {
            self.single.push_back(message);
            return;
        }
        match self.lanes.entry(lane_of(&message)) {
            Entry::Occupied(mut entry) => entry.get_mut().waiting.push_back(message),
            Entry::Vacant(entry) => {
                self.ready.push_back(entry.key().clone());
                entry
                    .insert(LaneState::default())
                    .waiting
                    .push_back(message);
            }
        }
    }

    /// Whether a fetched `message` may start at once instead of being queued: fewer than
    /// `limit` are running, no queued message could start instead, and nothing of its lane
    /// is waiting or running. If so it counts as running, but its lane is not marked busy (no lookup when
    /// no lane is busy): [`hold`](Self::hold) marks it if the message does not finish at
    /// once, and its [`finish`](Self::finish) says whether it was held.
    #[inline]
    pub(crate) fn start_now(&mut self, message: &SharedMessage, limit: usize) -> bool {
        let free = if self.one_at_a_time {
            self.running == 0 && limit > 0 && self.single.is_empty()
        } else {
            self.running < limit
                && self.ready.is_empty()
                && (self.lanes.is_empty() || !self.lanes.contains_key(&lane_of(message)))
        };
        if free {
            self.running += 1;
        }
        free
    }

    /// Marks the lane of a message (`header`) started with [`start_now`](Self::start_now)
    /// busy until that message finishes (nothing when one message runs at a time: no lane
    /// is kept). Only for a message that does not finish at once: the lane is not looked up
    /// before.
    pub(crate) fn hold(&mut self, header: &MessageHeader) {
        if !self.one_at_a_time {
            self.lanes.insert(
                (header.stream_key().clone(), *header.shard_id()),
                LaneState {
                    waiting: VecDeque::new(),
                    busy: true,
                },
            );
        }
    }

    /// Takes the next message whose lane has nothing running, and marks its lane busy.
    #[inline]
    pub(crate) fn start(&mut self) -> Option<SharedMessage> {
        if self.one_at_a_time {
            if self.running > 0 {
                return None;
            }
            let message = self.single.pop_front()?;
            self.waiting -= 1;
            self.running += 1;
            return Some(message);
        }
        let lane = self.ready.pop_front()?;
        let state = self.lanes.get_mut(&lane)?;
        let message = state.waiting.pop_front()?;
        state.busy = true;
        self.waiting -= 1;
        self.running += 1;
        Some(message)
    }

    /// `message` finished: the next message of its lane (if any) may start. `held`: its
    /// lane was marked busy (it was started by [`start`](Self::start), or
    /// [`hold`](Self::hold) was called).
    #[inline]
    pub(crate) fn finish(&mut self, message: &MessageHeader, held: bool) {
        if self.one_at_a_time || !held {
            self.running = self.running.saturating_sub(1);
            return;
        }
        self.finish_lane((message.stream_key().clone(), *message.shard_id()));
    }

    /// A message of `lane` finished.
    fn finish_lane(&mut self, lane: Lane) {
        if self.one_at_a_time {
            self.running = self.running.saturating_sub(1);
            return;
        }
        let Entry::Occupied(mut entry) = self.lanes.entry(lane) else {
            return;
        };
        let state = entry.get_mut();
        if !state.busy {
            return;
        }
        state.busy = false;
        self.running -= 1;
        if state.waiting.is_empty() {
            entry.remove();
        } else {
            self.ready.push_back(entry.key().clone());
        }
    }

    /// Messages waiting to start.
    #[inline]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Messages running.
    #[inline]
    pub(crate) fn running(&self) -> usize {
        self.running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer_types::Timestamp;

    fn message(key: &str, shard: u64, seq: u64) -> SharedMessage {
        let header = MessageHeader::new(
            StreamKey::new(key).unwrap(),
            ShardId::new(shard),
            seq,
            Timestamp::UNIX_EPOCH,
        );
        SharedMessage::new(header, vec![], 0, 0)
    }

    fn id(m: &SharedMessage) -> (String, u64, u64) {
        (
            m.stream_key().name().to_owned(),
            m.shard_id().id(),
            m.sequence(),
        )
    }

    #[test]
    fn one_message_per_lane_runs_and_lanes_keep_their_order() {
        let mut lanes = Lanes::new(8);
        for seq in 0..3 {
            lanes.push(message("a", 0, seq));
            lanes.push(message("a", 1, seq));
            lanes.push(message("b", 0, seq));
        }
        assert_eq!(lanes.waiting(), 9);
        let first: Vec<_> = std::iter::from_fn(|| lanes.start())
            .map(|m| id(&m))
            .collect();
        assert_eq!(
            first,
            [("a".into(), 0, 0), ("a".into(), 1, 0), ("b".into(), 0, 0)],
            "one per lane, in arrival order"
        );
        assert_eq!(lanes.running(), 3);
        assert!(lanes.start().is_none());
        let b = (StreamKey::new("b").unwrap(), ShardId::new(0));
        lanes.finish_lane(b);
        assert_eq!(id(&lanes.start().unwrap()), ("b".into(), 0, 1));
        assert!(lanes.start().is_none(), "b is busy again");
    }

    /// Random interleavings of pushes, starts and finishes: every lane's messages start
    /// in order, never two of a lane at once (never two at all, one at a time), and nothing
    /// is lost.
    #[test]
    fn random_schedules_keep_order_and_lose_nothing() {
        let mut state = 0x2545_f491_u64;
        let mut rand = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..100 {
            // even rounds: one at a time (a single queue); odd rounds: the lanes
            let one_at_a_time = round % 2 == 0;
            let mut lanes = Lanes::new(if one_at_a_time { 1 } else { 8 });
            let mut next_seq = [0u64; 4];
            let mut last_started: HashMap<Lane, u64> = HashMap::new();
            let mut running: Vec<Lane> = Vec::new();
            let (mut pushed, mut done) = (0, 0);
            while done < 200 {
                match rand(3) {
                    0 if pushed < 200 => {
                        let shard = rand(4);
                        lanes.push(message("k", shard, next_seq[shard as usize]));
                        next_seq[shard as usize] += 1;
                        pushed += 1;
                    }
                    1 => {
                        if let Some(m) = lanes.start() {
                            let lane = lane_of(&m);
                            assert!(!running.contains(&lane), "two of a lane at once");
                            if let Some(last) = last_started.insert(lane.clone(), m.sequence()) {
                                assert_eq!(m.sequence(), last + 1, "lane order");
                            }
                            running.push(lane);
                        }
                    }
                    _ if !running.is_empty() => {
                        let lane = running.swap_remove(rand(running.len() as u64) as usize);
                        lanes.finish_lane(lane);
                        done += 1;
                    }
                    _ => {}
                }
                assert_eq!(lanes.running(), running.len());
                assert!(!one_at_a_time || running.len() <= 1, "one at a time");
                assert_eq!(lanes.waiting() + running.len() + done, pushed);
            }
        }
    }

    /// As above, with fetched messages started at once where [`Lanes::start_now`] allows it,
    /// some finishing at once (never held) and the others held: the same guarantees.
    #[test]
    fn messages_started_at_once_keep_order_and_lose_nothing() {
        let mut state = 0x9e37_79b9_u64;
        let mut rand = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..100 {
            let one_at_a_time = round % 2 == 0;
            let limit = if one_at_a_time { 1 } else { 3 };
            let mut lanes = Lanes::new(limit);
            let mut next_seq = [0u64; 4];
            let mut last_started: HashMap<Lane, u64> = HashMap::new();
            let mut running: Vec<(SharedMessage, bool)> = Vec::new();
            let (mut pushed, mut done) = (0, 0);
            let mut started = |m: &SharedMessage, running: &[(SharedMessage, bool)]| {
                let lane = lane_of(m);
                assert!(
                    !running.iter().any(|(r, _)| lane_of(r) == lane),
                    "two of a lane at once"
                );
                if let Some(last) = last_started.insert(lane, m.sequence()) {
                    assert_eq!(m.sequence(), last + 1, "lane order");
                }
            };
            while done < 200 {
                match rand(3) {
                    0 if pushed < 200 => {
                        let shard = rand(4);
                        let m = message("k", shard, next_seq[shard as usize]);
                        next_seq[shard as usize] += 1;
                        pushed += 1;
                        if lanes.start_now(&m, limit) {
                            started(&m, &running);
                            if rand(2) == 0 {
                                lanes.finish(m.header(), false);
                                done += 1;
                            } else {
                                lanes.hold(m.header());
                                running.push((m, true));
                            }
                        } else {
                            lanes.push(m);
                        }
                    }
                    1 if running.len() < limit => {
                        if let Some(m) = lanes.start() {
                            started(&m, &running);
                            running.push((m, true));
                        }
                    }
                    _ if !running.is_empty() => {
                        let (m, held) = running.swap_remove(rand(running.len() as u64) as usize);
                        lanes.finish(m.header(), held);
                        done += 1;
                    }
                    _ => {}
                }
                assert_eq!(lanes.running(), running.len());
                assert!(running.len() <= limit, "at most {limit} at a time");
                assert_eq!(lanes.waiting() + running.len() + done, pushed);
            }
        }
    }
}
