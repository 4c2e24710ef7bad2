//! Per-key message buffers and the choice of the next message to yield: the earliest head
//! by timestamp, ties going to the key that sorts first.

use sea_streamer_types::{Message, StreamKey, Timestamp};
use std::collections::{BTreeMap, VecDeque};

/// Messages waiting to be yielded, one queue per stream key in arrival order.
pub(crate) struct KeyBuffers<M> {
    queues: BTreeMap<StreamKey, VecDeque<M>>,
    len: usize,
}

impl<M: Message> KeyBuffers<M> {
    pub(crate) fn new() -> Self {
        Self {
            queues: BTreeMap::new(),
            len: 0,
        }
    }

    /// Number of buffered messages, all keys together.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `key` has at least one buffered message.
    pub(crate) fn has(&self, key: &StreamKey) -> bool {
        self.queues.get(key).is_some_and(|q| !q.is_empty())
    }

    /// Append `message` to its key's queue.
    pub(crate) fn push(&mut self, key: StreamKey, message: M) {
        match self.queues.get_mut(&key) {
            Some(queue) => queue.push_back(message),
            None => {
                self.queues.insert(key, VecDeque::from([message]));
            }
        }
        self.len += 1;
    }

    /// The smallest timestamp among the heads (the one [`pop_earliest`](Self::pop_earliest)
    /// would take).
    pub(crate) fn earliest_timestamp(&self) -> Option<Timestamp> {
        self.queues
            .values()
            .filter_map(|q| q.front().map(|m| m.timestamp()))
            .min()
    }

    /// Take the head with the smallest timestamp; on equal timestamps the key that sorts
    /// first wins (the map iterates in key order and only a strictly smaller one replaces).
    pub(crate) fn pop_earliest(&mut self) -> Option<M> {
        let mut best: Option<(&StreamKey, _)> = None;
        for (key, queue) in &self.queues {
            if let Some(head) = queue.front() {
                let ts = head.timestamp();
                if best.as_ref().is_none_or(|(_, best_ts)| ts < *best_ts) {
                    best = Some((key, ts));
                }
            }
        }
        let key = best?.0.clone();
        let queue = self.queues.get_mut(&key)?;
        let message = queue.pop_front()?;
        if queue.is_empty() {
            // keys come and go: an empty queue is not kept
            self.queues.remove(&key);
        }
        self.len -= 1;
        Some(message)
    }
}
