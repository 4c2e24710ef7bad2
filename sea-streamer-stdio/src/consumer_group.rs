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
//! any time. A member that leaves gives back the messages dealt to it that it has not
//! received; they are dealt again among the members that remain (see [`Registry::remove`]).

mod inbox;

use crate::observe::ConsumerStats;
use inbox::Dealt;
pub(crate) use inbox::Inbox;
use sea_streamer_types::{Buffer, ConsumerGroup, Message, SeqNo, SharedMessage, StreamKey};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

/// One registered consumer.
#[derive(Debug)]
struct Entry {
    id: u64,
    streams: Vec<StreamKey>,
    group: Option<ConsumerGroup>,
    inbox: Arc<Inbox>,
    /// Messages dispatched to this consumer, delivered by [`Registry::flush`].
    outbox: Vec<Dealt>,
    /// Metric handles per subscribed key: what is delivered into the consumer's queue.
    stats: ConsumerStats,
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
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
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
        let stats = ConsumerStats::new(&streams, group.as_ref().map(|g| g.name()));
        self.entries.push(Entry {
            id,
            stats,
            streams,
            group,
            inbox: inbox.clone(),
            outbox: Vec::new(),
        });
        (id, inbox, receiver)
    }

    /// Unregisters a closing consumer whose channel is `receiver`. If it is a group member,
    /// the messages dealt to it that it has not received are dealt again, in order, to the
    /// group's remaining members by the same rule (after what those already hold); with no
    /// member left for a message's key, it is dropped (a group exists while it has members,
    /// as a line read while it has none goes to no member) and a debug line says how many.
    pub fn remove(&mut self, id: u64, receiver: &flume::Receiver<SharedMessage>) {
        let Some(at) = self.entries.iter().position(|e| e.id == id) else {
            return;
        };
        let entry = self.entries.remove(at);
        let back = entry.inbox.take_back(receiver);
        let Some(group) = entry.group else {
            return;
        };
        let mut dropped = 0usize;
        for message in back.into_iter().chain(
            entry
                .outbox
                .into_iter()
                .filter_map(|(m, dealt)| dealt.then_some(m)),
        ) {
            match self.member_for(&group, &message) {
                Some(i) => self.entries[i].outbox.push((message, true)),
                None => dropped += 1,
            }
        }
        if dropped > 0 {
            // as for a line read while the group has no member (e.g. at the end of a program)
            log::debug!(
                "{dropped} message(s) dealt to a closed member of group `{}` are dropped: \
                 no member of the group is left for their stream",
                group.name()
            );
        }
        self.flush();
    }

    /// The member of `group` that a message of its group is dealt to now, if the group has
    /// members subscribed to its key.
    fn member_for(&self, group: &ConsumerGroup, message: &SharedMessage) -> Option<usize> {
        let key = message.header().stream_key();
        let is_member = |e: &Entry| e.group.as_ref() == Some(group) && e.streams.contains(key);
        let count = self.entries.iter().filter(|e| is_member(e)).count();
        if count == 0 {
            return None;
        }
        let pick = pick_member(message.sequence(), count);
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| is_member(e))
            .nth(pick)
            .map(|(i, _)| i)
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
                for (message, _) in &entry.outbox {
                    if let Some(stats) = entry.stats.of(message.header().stream_key()) {
                        stats.received(message.message().size(), *message.header().timestamp());
                    }
                }
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
                let dealt = !broadcast && self.entries[i].group.is_some();
                self.entries[i].outbox.push((message.clone(), dealt));
            }
            let dealt = !broadcast && self.entries[last].group.is_some();
            self.entries[last].outbox.push((message, dealt));
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
        reg.remove(id1, &m1.1);
        assert_eq!(reg.len(), 2);
        dispatch(&mut reg, "k", 30, false);
        assert_eq!(drain(&m2), vec![30]);
        assert!(m1.1.is_disconnected());
    }

    #[test]
    fn a_closed_member_gives_back_what_it_did_not_receive() {
        let mut reg = Registry::default();
        let (id1, m1) = add(&mut reg, &["k", "only1"], Some("g"));
        let (_, m2) = add(&mut reg, &["k"], Some("g"));
        let (_, m3) = add(&mut reg, &["k"], Some("g"));
        let (_, solo) = add(&mut reg, &["k"], None);
        // m1 is dealt 0, 3, 6, 9; it reads 0 and has one `next()` in flight (3 goes to its
        // channel) when it is closed; 6 and 9 are queued. A broadcast (which everyone got)
        // and a message of a key only m1 subscribes to are not dealt again.
        m1.0.prepare_next();
        for seq in 0..4 {
            dispatch(&mut reg, "k", seq, false);
        }
        assert_eq!(m1.1.try_recv().unwrap().sequence(), 0);
        m1.0.prepare_next();
        assert_eq!(m1.1.len(), 1);
        dispatch(&mut reg, "broadcast", 100, true);
        dispatch(&mut reg, "only1", 200, false);
        for seq in 4..12 {
            dispatch(&mut reg, "k", seq, false);
        }
        reg.remove(id1, &m1.1);
        assert!(m1.1.is_disconnected());
        // 3, 6 and 9 are dealt again between m2 and m3 by `sequence % 2`, after what they
        // already hold.
        assert_eq!(drain(&m2), vec![1, 100, 4, 7, 10, 6]);
        assert_eq!(drain(&m3), vec![2, 100, 5, 8, 11, 3, 9]);
        assert_eq!(drain(&solo).len(), 13);
        // From now on the group is m2 and m3.
        dispatch(&mut reg, "k", 12, false);
        assert_eq!((drain(&m2), drain(&m3)), (vec![12], vec![]));
    }

    #[test]
    fn a_closing_stream_member_gives_back_its_channel() {
        let mut reg = Registry::default();
        let (id1, (inbox, rx)) = add(&mut reg, &["k"], Some("g"));
        let (_, m2) = add(&mut reg, &["k"], Some("g"));
        inbox.stream();
        dispatch(&mut reg, "broadcast", 0, true);
        for seq in 0..6 {
            dispatch(&mut reg, "k", seq, false);
        }
        assert_eq!(rx.try_recv().unwrap().sequence(), 0);
        reg.remove(id1, &rx);
        // The broadcast (sequence 0) it received too; then its own, then m1's.
        assert_eq!(drain(&m2), vec![0, 1, 3, 5, 0, 2, 4]);
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
