//! The `consumer_closed_mid_stream` scenario: a consumer closed while it is reading loses
//! nothing for its group.
//!
//! - Resumable (unless the backend opts out): consumers of one group are started one after
//!   the other; each reads a few messages, commits them (acknowledging each through
//!   `Acknowledge` where the consumer implements it), puts one more `next()` in
//!   flight and is closed. Each next start resumes at or before the first uncommitted
//!   message, so together they receive every message.
//! - LoadBalanced (unless the backend opts out): two members read concurrently; the one
//!   that received most is closed with a read in flight; the other then receives every
//!   message the group has not yet received.

use std::collections::BTreeSet;

use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::{
    all, commit, commit_acked, connect_acking, drain_group, drain_group_until, handle,
    next_in_flight,
};
use super::{index_of, new_key, next_owned, opt_out, payload, produce, text};
use crate::backend::Backend;
use crate::service::random_key;

/// Both halves of the scenario, on `n` messages each.
pub async fn consumer_closed_mid_stream<B: Backend>(b: &B, n: usize) {
    assert!(
        n >= 4,
        "consumer_closed_mid_stream needs at least four messages"
    );
    let caps = b.capabilities();
    match caps.resumable {
        Ok(()) => next_start(b, n).await,
        Err(why) => opt_out("consumer_closed_mid_stream (Resumable)", why),
    }
    match caps.load_balanced.and(caps.handover) {
        Ok(()) => next_member(b, n).await,
        Err(why) => opt_out("consumer_closed_mid_stream (LoadBalanced)", why),
    }
}

async fn next_start<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "consumer_closed_mid_stream (Resumable)";
    let streamer = b.connect().await;
    let key = new_key("closed");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    // Processed messages are acknowledged one by one where the consumer implements
    // `Acknowledge`, else committed through `Backend::commit`.
    let acknowledge = b.capabilities().acknowledge.is_ok();
    let chunk = (n / 4).max(1);
    let mut committed = 0; // the first uncommitted message
    let mut seen = BTreeSet::new();
    for generation in 0.. {
        if committed >= n {
            break;
        }
        assert!(
            generation <= n,
            "{WHAT}: no progress after {generation} starts"
        );
        let mode = ConsumerMode::Resumable;
        let mut consumer = connect_acking(b, &streamer, &key, mode, Some(group.clone())).await;
        let mut last = None;
        for read in 0..chunk.min(n - committed) {
            let m = next_owned(&consumer, WHAT).await;
            let body = text(&m);
            let i = index_of(&body);
            assert_eq!(body, payload(i), "{WHAT}: payload {i} corrupted");
            if read == 0 {
                assert!(
                    i <= committed,
                    "{WHAT}: start {generation} began at message {i}, after the first \
                     uncommitted message {committed}: messages were lost"
                );
            } else if let Some((prev, _)) = &last {
                assert_eq!(i, prev + 1, "{WHAT}: start {generation} skipped a message");
            }
            if acknowledge {
                handle(b, &consumer, m.header(), false, WHAT);
            }
            seen.insert(i);
            last = Some((i, m.header().clone()));
        }
        let (i, header) = last.expect("read at least one message");
        if acknowledge {
            commit_acked(b, &consumer, WHAT).await;
        } else {
            commit(b, &mut consumer, &header, WHAT).await;
        }
        committed = committed.max(i + 1);
        if let Some(j) = next_in_flight(&consumer, WHAT).await {
            seen.insert(j);
        }
        drop(consumer);
    }
    assert_eq!(seen, all(0..n), "{WHAT}: messages were lost");
    producer.end().await.expect("end failed");
}

async fn next_member<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "consumer_closed_mid_stream (LoadBalanced)";
    let streamer = b.connect().await;
    let key = new_key("closed-member");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let mode = ConsumerMode::LoadBalanced;
    let mut members = Vec::with_capacity(2);
    for _ in 0..2 {
        members.push(connect_acking(b, &streamer, &key, mode, Some(group.clone())).await);
    }
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let third = n / 3;
    let shares = drain_group_until(&members, |seen| seen.len() >= third, WHAT).await;
    let mut seen: BTreeSet<usize> = shares.iter().flatten().copied().collect();
    let busiest = (0..shares.len())
        .max_by_key(|&i| shares[i].len())
        .expect("two members");
    let closed = members.remove(busiest);
    if let Some(j) = next_in_flight(&closed, WHAT).await {
        seen.insert(j);
    }
    drop(closed);

    let rest: BTreeSet<usize> = all(0..n).difference(&seen).copied().collect();
    drain_group(&members, &rest, WHAT).await;
    producer.end().await.expect("end failed");
}
