//! Subscriber queues: what a reader thread hands to one consumer. Deliveries are batched (fewer
//! channel operations and wake-ups) into a bounded queue of `prefetch` messages; what does not
//! fit waits in an overflow list on the reader's side until the consumer makes room.

use crate::error::FileErr;
use crate::streamer::options::SEA_STREAMER_WILDCARD;
use sea_streamer_types::{ConsumerGroup, SharedMessage, StreamKey, SEA_STREAMER_INTERNAL};
use std::collections::VecDeque;

/// One delivery: a message and the file offset right after its frame (or an error).
pub(crate) type Entry = Result<(SharedMessage, u64), FileErr>;
/// What a subscriber queue carries: a batch of deliveries (fewer channel operations and wake-ups).
pub(crate) type Item = Vec<Entry>;

/// Batch size and queue capacity (in batches) for a prefetch depth in messages.
pub(crate) fn queue_shape(prefetch: usize) -> (usize, usize) {
    let batch = prefetch.clamp(1, 64);
    (batch, prefetch.div_ceil(batch).max(1))
}

/// A subscriber as the reader thread sees it.
pub(crate) struct Subscriber {
    pub sid: u32,
    pub keys: Vec<StreamKey>,
    pub group: Option<ConsumerGroup>,
    pub tx: flume::Sender<Item>,
    pub rx: flume::Receiver<Item>,
    pub overflow: VecDeque<Item>,
    pub pending: Vec<Entry>,
    /// Per stream, an offset at or before which its frames are not delivered (they are
    /// committed for this Resumable consumer's group, which starts at an earlier position).
    pub floors: Vec<(StreamKey, u64)>,
    batch: usize,
    wildcard: bool,
}

impl Subscriber {
    /// A subscriber and the receiving end of its queue.
    pub fn new(
        sid: u32,
        keys: Vec<StreamKey>,
        group: Option<ConsumerGroup>,
        prefetch: usize,
    ) -> (Self, flume::Receiver<Item>) {
        let wildcard = keys.iter().any(|k| k.name() == SEA_STREAMER_WILDCARD);
        let (batch, capacity) = queue_shape(prefetch);
        let (tx, rx) = flume::bounded(capacity);
        let sub = Self {
            sid,
            keys,
            group,
            tx,
            rx: rx.clone(),
            overflow: VecDeque::new(),
            pending: Vec::new(),
            floors: Vec::new(),
            batch,
            wildcard,
        };
        (sub, rx)
    }

    pub fn wants(&self, key: &StreamKey) -> bool {
        if self.wildcard && key.name() != SEA_STREAMER_INTERNAL {
            return true;
        }
        self.keys.iter().any(|k| k == key)
    }

    /// Whether the frame of `key` ending at `end` goes to this subscriber.
    pub fn takes(&self, key: &StreamKey, end: u64) -> bool {
        self.wants(key) && !self.floors.iter().any(|(k, f)| k == key && end <= *f)
    }

    /// Queue a delivery; `false` if the consumer is gone.
    pub fn push(&mut self, entry: Entry) -> bool {
        self.pending.push(entry);
        if self.pending.len() >= self.batch {
            return self.ship();
        }
        true
    }

    /// Send the pending deliveries as one batch; `false` if the consumer is gone.
    pub fn ship(&mut self) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let item = std::mem::replace(&mut self.pending, Vec::with_capacity(self.batch));
        if !self.overflow.is_empty() {
            self.overflow.push_back(item);
            return true;
        }
        match self.tx.try_send(item) {
            Ok(()) => true,
            Err(flume::TrySendError::Full(item)) => {
                self.overflow.push_back(item);
                true
            }
            Err(flume::TrySendError::Disconnected(_)) => false,
        }
    }

    /// Whether the queue drained to half its capacity (or the consumer is gone).
    pub fn has_room(&self) -> bool {
        let cap = self.tx.capacity().unwrap_or(usize::MAX);
        self.tx.len() <= cap / 2 || self.tx.is_disconnected()
    }

    /// What a leaving subscriber had not received, oldest first: `returned` (what its consumer
    /// had taken from the queue), then the queue, the overflow and the pending batch. Errors
    /// are left out (each subscriber gets its own).
    pub fn take_back(self, returned: Vec<Entry>) -> Vec<(SharedMessage, u64)> {
        let queued = self.rx.drain().flatten();
        let overflow = self.overflow.into_iter().flatten();
        returned
            .into_iter()
            .chain(queued)
            .chain(overflow)
            .chain(self.pending)
            .filter_map(Result::ok)
            .collect()
    }

    /// Move overflow into the queue while there is room; `false` if the consumer is gone.
    pub fn drain_overflow(&mut self) -> bool {
        while let Some(item) = self.overflow.pop_front() {
            match self.tx.try_send(item) {
                Ok(()) => (),
                Err(flume::TrySendError::Full(item)) => {
                    self.overflow.push_front(item);
                    return true;
                }
                Err(flume::TrySendError::Disconnected(_)) => return false,
            }
        }
        true
    }
}
