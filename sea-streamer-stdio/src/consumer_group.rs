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
use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The messages delivered to one consumer that are not in its channel yet.
///
/// The channel (whose receiving end makes `next()` and `stream()`) is fed one message at a
/// time by the consumer itself, when it asks for the next message; the dispatcher appends
/// whole batches here under one lock. This spares a lock handover between the two threads
/// and a wake-up per message: the dispatcher sends into the channel directly only when the
/// consumer waits on an empty inbox (or while a `stream()` is in use).
///
/// Order is kept because everything in the channel was delivered before everything here.
/// Every `next()` future is owed one message: either it moved one into the channel, or it
/// found the inbox empty and counts as waiting, and the dispatcher then sends one message
/// straight to the channel for it (so concurrent `next()` futures all get served). A
/// dropped future may leave one extra message in the channel, which is harmless.
#[derive(Debug)]
pub(crate) struct Inbox {
    state: Mutex<InboxState>,
}

#[derive(Debug)]
struct InboxState {
    queue: VecDeque<SharedMessage>,
    /// The only sender of the consumer's channel; dropped when the consumer is
    /// unregistered, so that its receiver ends once drained.
    sender: Option<flume::Sender<SharedMessage>>,
    /// `next()` futures that found this queue empty and are owed a message.
    waiting: usize,
    /// Deliver straight to the channel: a `stream()` reads it.
    direct: bool,
}

impl Inbox {
    fn new(sender: flume::Sender<SharedMessage>) -> Self {
        Self {
            state: Mutex::new(InboxState {
                queue: VecDeque::new(),
                sender: Some(sender),
                waiting: 0,
                direct: false,
            }),
        }
    }

    /// Dispatcher side: delivers `messages` (in order), emptying the vector.
    fn deliver(&self, messages: &mut Vec<SharedMessage>) {
        let mut state = lock(&self.state);
        let InboxState {
            queue,
            sender,
            waiting,
            direct,
        } = &mut *state;
        let Some(sender) = sender else {
            messages.clear();
            return;
        };
        let mut messages = messages.drain(..);
        if *direct {
            for message in messages {
                // A closed channel means its consumer is being dropped; nothing to do.
                let _ = sender.send(message);
            }
            return;
        }
        while *waiting > 0 {
            let Some(message) = messages.next() else {
                break;
            };
            *waiting -= 1;
            // Wakes the consumer.
            let _ = sender.send(message);
        }
        queue.extend(messages);
    }

    /// Consumer side, before awaiting the channel: moves the next message into it, or
    /// records that the consumer waits. Leaves the mode of [`Inbox::stream`].
    pub fn prepare_next(&self) {
        let mut state = lock(&self.state);
        let InboxState {
            queue,
            sender,
            waiting,
            direct,
        } = &mut *state;
        *direct = false;
        match (queue.pop_front(), sender) {
            (Some(message), Some(sender)) => {
                let _ = sender.send(message);
            }
            // Unreachable: the queue is emptied into the channel when the sender goes.
            (Some(_), None) => {}
            (None, _) => *waiting = waiting.saturating_add(1),
        }
    }

    /// Consumer side, for a `stream()`: everything queued and delivered from now on goes
    /// straight to the channel.
    pub fn stream(&self) {
        let mut state = lock(&self.state);
        state.direct = true;
        let InboxState { queue, sender, .. } = &mut *state;
        if let Some(sender) = sender {
            for message in queue.drain(..) {
                let _ = sender.send(message);
            }
        }
    }

    /// Unregisters: what is queued goes to the channel, then the channel's sender is
    /// dropped, so the receiver fails once drained.
    fn close(&self) {
        let mut state = lock(&self.state);
        let InboxState { queue, sender, .. } = &mut *state;
        if let Some(sender) = sender.take() {
            for message in queue.drain(..) {
                let _ = sender.send(message);
            }
        }
    }

    /// Receives everything available without waiting, as `next()` would (tests).
    #[cfg(test)]
    pub fn drain(&self, receiver: &flume::Receiver<SharedMessage>) -> Vec<SharedMessage> {
        let mut out = Vec::new();
        loop {
            self.prepare_next();
            match receiver.try_recv() {
                Ok(message) => out.push(message),
                Err(_) => return out,
            }
        }
    }
}

/// One registered consumer.
#[derive(Debug)]
struct Entry {
    id: u64,
    streams: Vec<StreamKey>,
    group: Option<ConsumerGroup>,
    inbox: Arc<Inbox>,
    /// Messages dispatched to this consumer, delivered by [`Registry::flush`].
    outbox: Vec<SharedMessage>,
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
    /// Scratch space for the recipients of one message.
    targets: Vec<usize>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

/// The process-wide registry. A poisoned lock is recovered: the registry stays consistent
/// because no method can panic half-way through an update.
pub(crate) fn registry() -> MutexGuard<'static, Registry> {
    lock(&REGISTRY)
}

impl Registry {
    /// Registers a consumer; returns its id, its inbox and the receiving end of its channel.
    pub fn add(
        &mut self,
        streams: Vec<StreamKey>,
        group: Option<ConsumerGroup>,
    ) -> (u64, Arc<Inbox>, flume::Receiver<SharedMessage>) {
        let (sender, receiver) = flume::unbounded();
        let inbox = Arc::new(Inbox::new(sender));
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push(Entry {
            id,
            streams,
            group,
            inbox: inbox.clone(),
            outbox: Vec::new(),
        });
        (id, inbox, receiver)
    }

    /// Unregisters a consumer; its channel is closed once drained.
    pub fn remove(&mut self, id: u64) {
        self.entries.retain(|e| {
            if e.id == id {
                e.inbox.close();
            }
            e.id != id
        });
    }

    /// Unregisters every consumer: their `next()` then fails (after what was delivered).
    pub fn clear(&mut self) {
        self.flush();
        for entry in self.entries.drain(..) {
            entry.inbox.close();
        }
    }

    /// Number of registered consumers.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Delivers what [`Registry::dispatch`] has collected since the last flush.
    pub fn flush(&mut self) {
        for entry in &mut self.entries {
            if !entry.outbox.is_empty() {
                entry.inbox.deliver(&mut entry.outbox);
            }
        }
    }

    /// Dispatches messages, then delivers them.
    pub fn dispatch_all(&mut self, messages: impl IntoIterator<Item = (SharedMessage, bool)>) {
        for (message, broadcast) in messages {
            self.dispatch(message, broadcast);
        }
        self.flush();
    }

    /// Collects `message` for its consumers by the dispatch rule (see the module docs);
    /// [`Registry::flush`] delivers.
    pub fn dispatch(&mut self, message: SharedMessage, broadcast: bool) {
        self.targets.clear();
        if broadcast {
            self.targets.extend(0..self.entries.len());
        } else {
            self.select(&message);
        }
        // The last recipient takes the message itself: no reference count traffic.
        if let Some((&last, rest)) = self.targets.split_last() {
            for &i in rest {
                self.entries[i].outbox.push(message.clone());
            }
            self.entries[last].outbox.push(message);
        }
    }

    /// The recipients of a message with a key, into `targets`.
    fn select(&mut self, message: &SharedMessage) {
        let key = message.header().stream_key();
        self.matching.clear();
        for (i, entry) in self.entries.iter().enumerate() {
            if !entry.streams.contains(key) {
                continue;
            }
            if entry.group.is_some() {
                self.matching.push(i);
            } else {
                self.targets.push(i);
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
            let mut chosen = None;
            for j in first..self.matching.len() {
                if &self.entries[self.matching[j]].group != group {
                    continue;
                }
                self.handled[j] = true;
                if nth == pick {
                    chosen = Some(self.matching[j]);
                }
                nth += 1;
            }
            self.targets.extend(chosen);
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

    type Handle = (Arc<Inbox>, flume::Receiver<SharedMessage>);

    fn add(reg: &mut Registry, streams: &[&str], group: Option<&str>) -> (u64, Handle) {
        let (id, inbox, rx) = reg.add(keys(streams), group.map(ConsumerGroup::new));
        (id, (inbox, rx))
    }

    fn drain((inbox, rx): &Handle) -> Vec<SeqNo> {
        inbox.drain(rx).iter().map(|m| m.sequence()).collect()
    }

    fn dispatch(reg: &mut Registry, key: &str, seq: SeqNo, broadcast: bool) {
        reg.dispatch_all([(msg(key, seq, "x"), broadcast)]);
    }

    #[test]
    fn ungrouped_by_key_and_broadcast_to_all() {
        let mut reg = Registry::default();
        let (_, a) = add(&mut reg, &["a"], None);
        let (_, b) = add(&mut reg, &["b"], None);
        let (_, none) = add(&mut reg, &[], None);
        let (_, g) = add(&mut reg, &["a"], Some("g"));
        dispatch(&mut reg, "a", 1, false);
        dispatch(&mut reg, "b", 2, false);
        dispatch(&mut reg, "broadcast", 3, true);
        // An explicit key `broadcast` is not a broadcast.
        dispatch(&mut reg, "broadcast", 4, false);
        assert_eq!(drain(&a), vec![1, 3]);
        assert_eq!(drain(&b), vec![2, 3]);
        assert_eq!(drain(&none), vec![3]);
        assert_eq!(drain(&g), vec![1, 3]);
    }

    #[test]
    fn groups_round_robin_by_sequence() {
        let mut reg = Registry::default();
        let (id1, m1) = add(&mut reg, &["k"], Some("abc"));
        let (_, other) = add(&mut reg, &["k"], Some("other"));
        for seq in 0..4 {
            dispatch(&mut reg, "k", seq, false);
        }
        assert_eq!(drain(&m1), vec![0, 1, 2, 3]);
        assert_eq!(drain(&other), vec![0, 1, 2, 3]);
        let (_, m2) = add(&mut reg, &["k", "z"], Some("abc"));
        for seq in 4..14 {
            dispatch(&mut reg, "k", seq, false);
        }
        assert_eq!(drain(&m1), vec![4, 6, 8, 10, 12]);
        assert_eq!(drain(&m2), vec![5, 7, 9, 11, 13]);
        assert_eq!(drain(&other), (4..14).collect::<Vec<_>>());
        // Only m2 subscribes to z: it is the whole group for that key.
        dispatch(&mut reg, "z", 20, false);
        dispatch(&mut reg, "z", 21, false);
        assert_eq!(drain(&m2), vec![20, 21]);
        // Leaving the group.
        reg.remove(id1);
        assert_eq!(reg.len(), 2);
        dispatch(&mut reg, "k", 30, false);
        assert_eq!(drain(&m2), vec![30]);
        assert!(m1.1.is_disconnected());
    }

    #[test]
    fn inbox_keeps_order_across_modes() {
        let mut reg = Registry::default();
        let (_, (inbox, rx)) = add(&mut reg, &["k"], None);
        // Waiting on an empty inbox: the first message goes straight to the channel.
        inbox.prepare_next();
        reg.dispatch_all((0..3).map(|seq| (msg("k", seq, "x"), false)));
        assert_eq!(rx.len(), 1);
        // A `next()` whose future was dropped moved one more into the channel.
        inbox.prepare_next();
        assert_eq!(rx.len(), 2);
        // A stream takes the rest, and later deliveries, in order.
        inbox.stream();
        reg.dispatch_all([(msg("k", 3, "x"), false)]);
        let got: Vec<_> = rx.drain().map(|m| m.sequence()).collect();
        assert_eq!(got, vec![0, 1, 2, 3]);
        // Back to `next()`: batches are queued again.
        inbox.prepare_next();
        reg.dispatch_all((4..6).map(|seq| (msg("k", seq, "x"), false)));
        assert_eq!(rx.len(), 1);
        assert_eq!(drain(&(inbox.clone(), rx.clone())), vec![4, 5]);
        // Unregistering hands over what is queued, then the channel ends.
        reg.dispatch_all([(msg("k", 6, "x"), false)]);
        reg.clear();
        assert_eq!(rx.recv().unwrap().sequence(), 6);
        assert!(rx.recv().is_err());
    }

    #[test]
    fn concurrent_next_futures_are_all_served() {
        let mut reg = Registry::default();
        let (_, (inbox, rx)) = add(&mut reg, &["k"], None);
        // Two `next()` calls whose futures wait together.
        inbox.prepare_next();
        let first = rx.recv_async();
        inbox.prepare_next();
        let second = rx.recv_async();
        reg.dispatch_all((0..3).map(|seq| (msg("k", seq, "x"), false)));
        let (a, b) = futures::executor::block_on(futures::future::join(first, second));
        assert_eq!((a.unwrap().sequence(), b.unwrap().sequence()), (0, 1));
        assert_eq!(drain(&(inbox, rx)), vec![2]);
    }

    #[test]
    fn clear_disconnects_everyone() {
        let mut reg = Registry::default();
        let (_, a) = add(&mut reg, &["a"], None);
        reg.clear();
        assert!(a.1.is_disconnected());
        assert!(a.1.recv().is_err());
    }
}
