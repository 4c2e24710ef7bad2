//! Property-style tests of [`AckTracker`]: random gaps, random acknowledgement orders,
//! several shards, checked after every step against a plain model.

use super::*;
use std::collections::BTreeSet;

/// A small deterministic generator (xorshift64*), so failures are reproducible by seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn key(name: &str) -> StreamKey {
    StreamKey::new(name).unwrap()
}

/// The expected position: one past the largest acknowledged sequence that lies below every
/// unacknowledged tracked one.
fn model_position(tracked: &BTreeSet<SeqNo>, acked: &BTreeSet<SeqNo>) -> Option<SeqNo> {
    let first_open = tracked.difference(acked).next().copied();
    acked
        .iter()
        .rfind(|a| first_open.is_none_or(|u| **a < u))
        .map(|a| a + 1)
}

#[test]
fn random_orders_match_the_model_and_never_pass_an_open_message() {
    for seed in 0..300 {
        let mut rng = Rng::new(seed);
        let stream = key("s");
        let shard = ShardId::new(seed % 3);
        let mut tracker = AckTracker::default();
        let mut tracked = BTreeSet::new();
        let mut acked = BTreeSet::new();
        let mut open: Vec<SeqNo> = Vec::new();
        let mut next_seq: SeqNo = rng.below(1000) as SeqNo;
        let total = 1 + rng.below(200);
        let mut received = 0;
        while received < total || !open.is_empty() {
            let receive = received < total && (open.is_empty() || rng.below(3) > 0);
            if receive {
                // gaps between sequence numbers, as Kafka's control records leave
                next_seq += 1 + if rng.below(4) == 0 {
                    rng.below(5) as SeqNo
                } else {
                    0
                };
                assert!(tracker.track(&stream, shard, next_seq));
                tracked.insert(next_seq);
                open.push(next_seq);
                received += 1;
            } else {
                let seq = open.swap_remove(rng.below(open.len()));
                tracker.ack(&stream, shard, seq);
                acked.insert(seq);
            }
            let position = tracker.position(&stream, shard);
            assert_eq!(position, model_position(&tracked, &acked), "seed {seed}");
            if let Some(position) = position {
                assert!(
                    open.iter().all(|o| *o >= position),
                    "seed {seed}: position {position} passes an open message of {open:?}"
                );
            }
            assert_eq!(tracker.in_flight(), open.len(), "seed {seed}");
        }
        assert_eq!(tracker.position(&stream, shard), Some(next_seq + 1));
    }
}

#[test]
fn shards_are_independent() {
    let mut rng = Rng::new(7);
    let mut tracker = AckTracker::default();
    let shards = [
        (key("a"), ShardId::new(0)),
        (key("a"), ShardId::new(1)),
        (key("b"), ShardId::new(0)),
    ];
    let mut open = Vec::new();
    for seq in 0..50 {
        for (stream, shard) in &shards {
            tracker.track(stream, *shard, seq);
            open.push((stream.clone(), *shard, seq));
        }
    }
    // Hold back one message of shard ("a", 1); acknowledge everything else in random order.
    let held = (key("a"), ShardId::new(1), 20);
    open.retain(|m| m != &held);
    while !open.is_empty() {
        let (stream, shard, seq) = open.swap_remove(rng.below(open.len()));
        tracker.ack(&stream, shard, seq);
    }
    assert_eq!(tracker.position(&key("a"), ShardId::new(0)), Some(50));
    assert_eq!(tracker.position(&key("a"), ShardId::new(1)), Some(20));
    assert_eq!(tracker.position(&key("b"), ShardId::new(0)), Some(50));
    assert_eq!(tracker.in_flight(), 1);
    tracker.ack(&held.0, held.1, held.2);
    assert_eq!(tracker.position(&key("a"), ShardId::new(1)), Some(50));
}

#[test]
fn nothing_is_committable_before_the_first_message_is_processed() {
    let mut tracker = AckTracker::default();
    let s = key("s");
    let shard = ShardId::default();
    tracker.track(&s, shard, 5);
    tracker.track(&s, shard, 6);
    tracker.ack(&s, shard, 6);
    assert_eq!(tracker.position(&s, shard), None);
    assert!(tracker.uncommitted().is_empty());
    tracker.ack(&s, shard, 5);
    assert_eq!(tracker.uncommitted(), vec![(s, shard, 7)]);
}

#[test]
fn untracked_acks_in_order_advance() {
    let mut tracker = AckTracker::default();
    let s = key("s");
    let shard = ShardId::default();
    for seq in 0..10 {
        assert!(tracker.ack(&s, shard, seq));
        assert_eq!(tracker.position(&s, shard), Some(seq + 1));
    }
    assert_eq!(tracker.in_flight(), 0);
}

#[test]
fn redelivered_and_duplicate_messages_are_ignored() {
    let mut tracker = AckTracker::default();
    let s = key("s");
    let shard = ShardId::default();
    for seq in 0..3 {
        tracker.track(&s, shard, seq);
    }
    assert!(tracker.track(&s, shard, 1), "tracking twice keeps it open");
    tracker.ack(&s, shard, 0);
    tracker.ack(&s, shard, 1);
    assert!(!tracker.ack(&s, shard, 1), "a second ack changes nothing");
    assert_eq!(tracker.position(&s, shard), Some(2));
    // delivered again after a rewind: already covered
    assert!(!tracker.track(&s, shard, 0));
    assert_eq!(tracker.in_flight(), 1);
    assert_eq!(tracker.position(&s, shard), Some(2));
}

#[test]
fn commits_are_reported_once_and_never_move_back() {
    let mut tracker = AckTracker::default();
    let (a, b) = (key("a"), key("b"));
    let shard = ShardId::default();
    tracker.ack(&b, shard, 3);
    tracker.ack(&a, shard, 0);
    assert_eq!(
        tracker.uncommitted(),
        vec![(a.clone(), shard, 1), (b.clone(), shard, 4)]
    );
    tracker.mark_committed(&a, shard, 1);
    tracker.mark_committed(&b, shard, 4);
    assert!(tracker.uncommitted().is_empty());
    tracker.mark_committed(&a, shard, 0);
    tracker.ack(&a, shard, 1);
    assert_eq!(tracker.uncommitted(), vec![(a.clone(), shard, 2)]);
    // a failed commit is simply not marked: it is reported again
    assert_eq!(tracker.uncommitted(), vec![(a.clone(), shard, 2)]);
    assert!(tracker.forget(&a, shard));
    assert!(tracker.uncommitted().is_empty());
}

#[test]
fn the_largest_sequence_does_not_overflow() {
    let mut tracker = AckTracker::default();
    let s = key("s");
    tracker.ack(&s, ShardId::default(), SeqNo::MAX);
    assert_eq!(tracker.position(&s, ShardId::default()), Some(SeqNo::MAX));
}
