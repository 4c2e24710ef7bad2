//! [`Lanes`]: the waiting messages, one FIFO lane per `(stream key, shard)`, at most one
//! message of a lane running at a time (pure scheduling state, no I/O).

use sea_streamer_types::{Message, ShardId, SharedMessage, StreamKey};
use std::collections::{HashMap, HashSet, VecDeque};

/// A lane: the messages of one stream key and shard, handled in order.
pub(crate) type Lane = (StreamKey, ShardId);

/// The lane of a message.
pub(crate) fn lane_of(message: &SharedMessage) -> Lane {
    (message.stream_key(), message.shard_id())
}

/// Messages fetched and not started yet, and which lanes have one running.
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    queues: HashMap<Lane, VecDeque<SharedMessage>>,
    /// Lanes with a running message.
    busy: HashSet<Lane>,
    /// Lanes not busy with a waiting message, in the order they became ready.
    ready: VecDeque<Lane>,
    waiting: usize,
}

impl Lanes {
    /// Queues a fetched message behind the others of its lane.
    pub(crate) fn push(&mut self, message: SharedMessage) {
        let lane = lane_of(&message);
        let queue = self.queues.entry(lane.clone()).or_default();
        queue.push_back(message);
        self.waiting += 1;
        if queue.len() == 1 && !self.busy.contains(&lane) {
            self.ready.push_back(lane);
        }
    }

    /// Takes the next message whose lane has nothing running, and marks its lane busy.
    pub(crate) fn start(&mut self) -> Option<SharedMessage> {
        let lane = self.ready.pop_front()?;
        let queue = self.queues.get_mut(&lane)?;
        let message = queue.pop_front()?;
        if queue.is_empty() {
            self.queues.remove(&lane);
        }
        self.waiting -= 1;
        self.busy.insert(lane);
        Some(message)
    }

    /// A message of `lane` finished: its next message (if any) may start.
    pub(crate) fn finish(&mut self, lane: &Lane) {
        if self.busy.remove(lane) && self.queues.contains_key(lane) {
            self.ready.push_back(lane.clone());
        }
    }

    /// Messages waiting to start.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Messages running.
    pub(crate) fn running(&self) -> usize {
        self.busy.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer_types::{MessageHeader, Timestamp};

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
        let mut lanes = Lanes::default();
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
        lanes.finish(&b);
        assert_eq!(id(&lanes.start().unwrap()), ("b".into(), 0, 1));
        assert!(lanes.start().is_none(), "b is busy again");
    }

    /// Random interleavings of pushes, starts and finishes: every lane's messages start
    /// in order, never two of a lane at once, and nothing is lost.
    #[test]
    fn random_schedules_keep_order_and_lose_nothing() {
        let mut state = 0x2545_f491_u64;
        let mut rand = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..100 {
            let mut lanes = Lanes::default();
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
                        lanes.finish(&lane);
                        done += 1;
                    }
                    _ => {}
                }
                assert_eq!(lanes.running(), running.len());
                assert_eq!(lanes.waiting() + running.len() + done, pushed);
            }
        }
    }
}
