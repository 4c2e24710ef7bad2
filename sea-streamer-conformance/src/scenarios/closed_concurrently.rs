//! The `consumers_closed_concurrently` scenario: many consumers, each with a read in
//! flight, are closed at the same moment from different tasks.
//!
//! Nothing may hang or panic, the streamer goes on working, and nothing is lost: a new
//! member of the LoadBalanced group receives every message the group had not received, a
//! new RealTime consumer from the earliest message receives all of them, and messages
//! produced afterwards reach new consumers.

use std::collections::BTreeSet;

use futures::future::{join, join_all};
use sea_streamer_runtime::{spawn_task, timeout};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::{all, connect_acking, drain_group, next_in_flight, read_in_order};
use super::{connect_consumer, new_key, opt_out, produce, WAIT};
use crate::backend::{Backend, ConsumerOf};
use crate::service::random_key;

/// Consumers of each kind that are closed together.
const EACH: usize = 3;

/// `EACH` (3) RealTime consumers and (unless the backend opts out) `EACH` (3) members of a
/// LoadBalanced group read half of `n` messages, then all are closed concurrently.
pub async fn consumers_closed_concurrently<B: Backend>(b: &B, n: usize)
where
    ConsumerOf<B>: 'static,
{
    const WHAT: &str = "consumers_closed_concurrently";
    assert!(n >= 2, "{WHAT} needs at least two messages");
    let caps = b.capabilities();
    let streamer = b.connect().await;
    let key = new_key("close-all");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let mut watchers = Vec::with_capacity(EACH);
    for _ in 0..EACH {
        watchers.push(connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await);
    }
    let mut members = Vec::with_capacity(EACH);
    match caps.load_balanced {
        Ok(()) => {
            for _ in 0..EACH {
                let mode = ConsumerMode::LoadBalanced;
                members.push(connect_acking(b, &streamer, &key, mode, Some(group.clone())).await);
            }
        }
        Err(why) => opt_out("consumers_closed_concurrently (LoadBalanced)", why),
    }
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let half = n / 2;
    let fan_out = join_all(watchers.iter().map(|c| read_in_order(c, 0..half, WHAT)));
    let first_half = all(0..half);
    let (_, shares) = join(fan_out, drain_group(&members, &first_half, WHAT)).await;
    let mut seen: BTreeSet<usize> = shares.iter().flatten().copied().collect();
    for member in &members {
        if let Some(i) = next_in_flight(member, WHAT).await {
            seen.insert(i);
        }
    }
    for watcher in &watchers {
        next_in_flight(watcher, WHAT).await;
    }

    let closing: Vec<_> = watchers
        .into_iter()
        .chain(members)
        .map(|consumer| spawn_task(async move { drop(consumer) }))
        .collect();
    for (i, handle) in closing.into_iter().enumerate() {
        match timeout(WAIT, handle).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{WHAT}: closing consumer {i} panicked: {e}"),
            Err(_) => panic!("{WHAT}: closing consumer {i} did not finish within {WAIT:?}"),
        }
    }

    // Consumers created after the close, before the next messages are produced.
    let next = n..2 * n;
    let after = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let replay = caps.replay.is_ok();
    let member = match caps.load_balanced.and(caps.handover).and(caps.regroup) {
        Ok(()) => {
            let mode = ConsumerMode::LoadBalanced;
            Some(connect_acking(b, &streamer, &key, mode, Some(group)).await)
        }
        Err(why) => {
            opt_out("consumers_closed_concurrently (next member)", why);
            None
        }
    };
    produce(&mut producer, next.clone()).await;
    if let Some(member) = member {
        let rest: BTreeSet<usize> = all(0..2 * n).difference(&seen).copied().collect();
        drain_group(std::slice::from_ref(&member), &rest, WHAT).await;
    }
    if replay {
        read_in_order(&after, 0..2 * n, WHAT).await;
    } else {
        opt_out(
            "consumers_closed_concurrently (replay)",
            caps.replay.unwrap_err(),
        );
        read_in_order(&after, next, WHAT).await;
    }
    producer.end().await.expect("end failed");
}
