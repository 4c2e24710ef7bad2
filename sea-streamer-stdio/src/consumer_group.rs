//! The registry of this process's consumers and the dispatch rule, including consumer
//! groups (round-robin by sequence number).
//!
//! Every message goes to:
//! - if it is a **broadcast** (its line had no stream key): every consumer, once;
//! - otherwise, every *ungrouped* consumer subscribed to its key, and, for each consumer
//!   group with at least one member subscribed to its key, exactly one member:
//!   `members[sequence % members.len()]`, members in order of creation.
//!
//! Group membership is recomputed for each message, so consumers can join and leave at
//! any time.

use sea_streamer_types::{ConsumerGroup, Message, SeqNo, SharedMessage, StreamKey};
use std::sync::{LazyLock, Mutex, MutexGuard};

/// One registered consumer.
#[derive(Debug)]
struct Entry {
    id: u64,
    streams: Vec<StreamKey>,
    group: Option<ConsumerGroup>,
    sender: flume::Sender<SharedMessage>,
}

/// The consumers of a process, in order of creation.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    next_id: u64,
    entries: Vec<Entry>,
    /// Scratch space for the group members matching one message (kept to avoid allocating).
    matching: Vec<usize>,
    /// Scratch flags: member already handled as part of its group.
    handled: Vec<bool>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

/// The process-wide registry. A poisoned lock is recovered: the registry stays consistent
/// because no method can panic half-way through an update.
pub(crate) fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    /// Registers a consumer; returns its id and the receiving end of its channel.
    pub fn add(
        &mut self,
        streams: Vec<StreamKey>,
        group: Option<ConsumerGroup>,
    ) -> (u64, flume::Receiver<SharedMessage>) {
        let (sender, receiver) = flume::unbounded();
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push(Entry {
            id,
            streams,
            group,
            sender,
        });
        (id, receiver)
    }

    /// Unregisters a consumer; its channel is closed once the registry's sender is dropped.
    pub fn remove(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
    }

    /// Unregisters every consumer: their `next()` then fails.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of registered consumers.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Delivers `message` by the dispatch rule (see the module docs).
    pub fn dispatch(&mut self, message: SharedMessage, broadcast: bool) {
        if broadcast {
            for entry in &self.entries {
                // A closed channel means its consumer is being dropped; nothing to do.
                let _ = entry.sender.send(message.clone());
            }
            return;
        }
        let key = message.header().stream_key();
        self.matching.clear();
        for (i, entry) in self.entries.iter().enumerate() {
            if !entry.streams.contains(key) {
                continue;
            }
            if entry.group.is_some() {
                self.matching.push(i);
            } else {
                let _ = entry.sender.send(message.clone());
            }
        }
        if self.matching.is_empty() {
            return;
        }
        let sequence = message.sequence();
        self.handled.clear();
        self.handled.resize(self.matching.len(), false);
        for first in 0..self.matching.len() {
            if self.handled[first] {
                continue;
            }
            let group = &self.entries[self.matching[first]].group;
            let mut count = 0usize;
            for j in first..self.matching.len() {
                if &self.entries[self.matching[j]].group == group {
                    count += 1;
                }
            }
            let pick = pick_member(sequence, count);
            let mut nth = 0usize;
            for j in first..self.matching.len() {
                if &self.entries[self.matching[j]].group != group {
                    continue;
                }
                self.handled[j] = true;
                if nth == pick {
                    let _ = self.entries[self.matching[j]].sender.send(message.clone());
                }
                nth += 1;
            }
        }
    }
}

/// `sequence % count`, as an index (`count` > 0).
fn pick_member(sequence: SeqNo, count: usize) -> usize {
    let count = count as u128;
    (u128::from(sequence) % count) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer_types::{MessageHeader, ShardId, Timestamp};

    fn msg(key: &str, seq: SeqNo, payload: &str) -> SharedMessage {
        let header = MessageHeader::new(
            StreamKey::new(key).unwrap(),
            ShardId::new(0),
            seq,
            Timestamp::now_utc(),
        );
        let bytes = payload.as_bytes().to_vec();
        let len = bytes.len();
        SharedMessage::new(header, bytes, 0, len)
    }

    fn keys(names: &[&str]) -> Vec<StreamKey> {
        names.iter().map(|n| StreamKey::new(n).unwrap()).collect()
    }

    fn drain(rx: &flume::Receiver<SharedMessage>) -> Vec<SeqNo> {
        rx.drain().map(|m| m.sequence()).collect()
    }

    #[test]
    fn ungrouped_by_key_and_broadcast_to_all() {
        let mut reg = Registry::default();
        let (_, a) = reg.add(keys(&["a"]), None);
        let (_, b) = reg.add(keys(&["b"]), None);
        let (_, none) = reg.add(vec![], None);
        let (_, g) = reg.add(keys(&["a"]), Some(ConsumerGroup::new("g")));
        reg.dispatch(msg("a", 1, "x"), false);
        reg.dispatch(msg("b", 2, "x"), false);
        reg.dispatch(msg("broadcast", 3, "x"), true);
        // An explicit key `broadcast` is not a broadcast.
        reg.dispatch(msg("broadcast", 4, "x"), false);
        assert_eq!(drain(&a), vec![1, 3]);
        assert_eq!(drain(&b), vec![2, 3]);
        assert_eq!(drain(&none), vec![3]);
        assert_eq!(drain(&g), vec![1, 3]);
    }

    #[test]
    fn groups_round_robin_by_sequence() {
        let mut reg = Registry::default();
        let (id1, m1) = reg.add(keys(&["k"]), Some(ConsumerGroup::new("abc")));
        let (_, other) = reg.add(keys(&["k"]), Some(ConsumerGroup::new("other")));
        for seq in 0..4 {
            reg.dispatch(msg("k", seq, "x"), false);
        }
        assert_eq!(drain(&m1), vec![0, 1, 2, 3]);
        assert_eq!(drain(&other), vec![0, 1, 2, 3]);
        let (_, m2) = reg.add(keys(&["k", "z"]), Some(ConsumerGroup::new("abc")));
        for seq in 4..14 {
            reg.dispatch(msg("k", seq, "x"), false);
        }
        assert_eq!(drain(&m1), vec![4, 6, 8, 10, 12]);
        assert_eq!(drain(&m2), vec![5, 7, 9, 11, 13]);
        assert_eq!(drain(&other), (4..14).collect::<Vec<_>>());
        // Only m2 subscribes to z: it is the whole group for that key.
        reg.dispatch(msg("z", 20, "x"), false);
        reg.dispatch(msg("z", 21, "x"), false);
        assert_eq!(drain(&m2), vec![20, 21]);
        // Leaving the group.
        reg.remove(id1);
        assert_eq!(reg.len(), 2);
        reg.dispatch(msg("k", 30, "x"), false);
        assert_eq!(drain(&m2), vec![30]);
        assert!(m1.is_disconnected());
    }

    #[test]
    fn clear_disconnects_everyone() {
        let mut reg = Registry::default();
        let (_, a) = reg.add(keys(&["a"]), None);
        reg.clear();
        assert!(a.is_disconnected());
        assert!(a.recv().is_err());
    }
}
