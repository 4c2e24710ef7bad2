//! Helpers shared by the scenarios of issue #16: reading a range in order, draining a
//! consumer group whose members share a stream, putting a `next()` in flight before a
//! consumer is closed, and acknowledging through the backend's hooks.
//!
//! Every wait is bounded by [`WAIT`]; none is a sleep.

use std::collections::BTreeSet;
use std::future::Future;
use std::ops::Range;
use std::pin::pin;
use std::task::Poll;

use futures::future::poll_fn;
use futures::stream::{FuturesUnordered, StreamExt};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, Message, MessageHeader, SharedMessage, StreamKey,
    Streamer,
};

use super::{index_of, next_owned, payload, text, WAIT};
use crate::backend::{Backend, ConsumerOf};

/// Reads `range.len()` messages from `consumer`, each the next index of `range` with an
/// intact payload; returns their headers.
pub(crate) async fn read_in_order<C: Consumer>(
    consumer: &C,
    range: Range<usize>,
    what: &str,
) -> Vec<MessageHeader> {
    let mut headers = Vec::with_capacity(range.len());
    for i in range {
        let m = next_owned(consumer, what).await;
        assert_eq!(text(&m), payload(i), "{what}: expected message {i}");
        headers.push(m.header().clone());
    }
    headers
}

/// Reads from `consumer` until every index of `want` has arrived (duplicates of indices
/// already seen are tolerated: at-least-once); returns the indices in arrival order.
pub(crate) async fn read_until<C: Consumer>(
    consumer: &C,
    want: &BTreeSet<usize>,
    what: &str,
) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    while !want.is_subset(&seen) {
        let m = next_owned(consumer, what).await;
        let body = text(&m);
        let i = index_of(&body);
        assert_eq!(body, payload(i), "{what}: payload {i} corrupted");
        seen.insert(i);
        order.push(i);
    }
    order
}

async fn next_of<C: Consumer>(
    member: usize,
    consumer: &C,
) -> (usize, Result<SharedMessage, String>) {
    let result = consumer
        .next()
        .await
        .map(|m| Message::to_owned(&m))
        .map_err(|e| e.to_string());
    (member, result)
}

/// Polls every member of a group concurrently until every index of `want` has arrived at
/// one of them; returns, per member, the indices it received (duplicates included, so the
/// caller can decide whether to tolerate them).
pub(crate) async fn drain_group<C: Consumer>(
    members: &[C],
    want: &BTreeSet<usize>,
    what: &str,
) -> Vec<Vec<usize>> {
    drain_group_until(members, |seen| want.is_subset(seen), what).await
}

/// As [`drain_group`], until `done` holds for the set of indices received so far.
pub(crate) async fn drain_group_until<C: Consumer>(
    members: &[C],
    done: impl Fn(&BTreeSet<usize>) -> bool,
    what: &str,
) -> Vec<Vec<usize>> {
    let mut got = vec![Vec::new(); members.len()];
    let mut seen = BTreeSet::new();
    if members.is_empty() {
        return got;
    }
    let mut pending: FuturesUnordered<_> = members
        .iter()
        .enumerate()
        .map(|(i, c)| next_of(i, c))
        .collect();
    while !done(&seen) {
        let Ok(Some((member, result))) = timeout(WAIT, pending.next()).await else {
            panic!(
                "{what}: after {} distinct messages, none more arrived within {WAIT:?}",
                seen.len()
            );
        };
        let m = result.unwrap_or_else(|e| panic!("{what}: next() failed: {e}"));
        let body = text(&m);
        let i = index_of(&body);
        assert_eq!(body, payload(i), "{what}: payload {i} corrupted");
        seen.insert(i);
        got[member].push(i);
        pending.push(next_of(member, &members[member]));
    }
    got
}

/// Polls one `next()` of `consumer` once and drops it, so that the consumer is closed
/// with a read in flight. Returns the index of the message if that poll delivered one
/// (the caller counts it as received).
pub(crate) async fn next_in_flight<C: Consumer>(consumer: &C, what: &str) -> Option<usize> {
    let mut next = pin!(consumer.next());
    poll_fn(|cx| match next.as_mut().poll(cx) {
        Poll::Ready(Ok(m)) => Poll::Ready(Some(index_of(&text(&Message::to_owned(&m))))),
        Poll::Ready(Err(e)) => panic!("{what}: next() failed: {e}"),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

/// Tracks `header` and, unless `fail` (a handler error), acknowledges it, through the
/// backend's `Acknowledge` hooks.
pub(crate) fn handle<B: Backend>(
    b: &B,
    consumer: &ConsumerOf<B>,
    header: &MessageHeader,
    fail: bool,
    what: &str,
) {
    b.track(consumer, header)
        .unwrap_or_else(|e| panic!("{what}: track failed: {e}"));
    if !fail {
        b.ack(consumer, header)
            .unwrap_or_else(|e| panic!("{what}: ack failed: {e}"));
    }
}

/// Commits what was acknowledged, within [`WAIT`].
pub(crate) async fn commit_acked<B: Backend>(b: &B, consumer: &ConsumerOf<B>, what: &str) {
    match timeout(WAIT, b.commit_acked(consumer)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: commit_acked failed: {e}"),
        Err(_) => panic!("{what}: commit_acked did not return within {WAIT:?}"),
    }
}

/// Commits `header` (and everything before it) through [`Backend::commit`], within [`WAIT`].
pub(crate) async fn commit<B: Backend>(
    b: &B,
    consumer: &mut ConsumerOf<B>,
    header: &MessageHeader,
    what: &str,
) {
    match timeout(WAIT, b.commit(consumer, header)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: commit failed: {e}"),
        Err(_) => panic!("{what}: commit did not return within {WAIT:?}"),
    }
}

/// Creates a consumer with [`Backend::acking_consumer_options`] and waits until it is ready.
pub(crate) async fn connect_acking<B: Backend>(
    b: &B,
    streamer: &B::Streamer,
    key: &StreamKey,
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
) -> ConsumerOf<B> {
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(key),
            b.acking_consumer_options(mode, group),
        )
        .await
        .unwrap_or_else(|e| panic!("create_consumer({key}, {mode:?}) failed: {e}"));
    b.consumer_ready(&consumer).await;
    consumer
}

/// The set `range` as indices.
pub(crate) fn all(range: Range<usize>) -> BTreeSet<usize> {
    range.collect()
}
