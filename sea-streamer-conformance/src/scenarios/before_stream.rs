//! The `consumer_before_stream` scenario: consumers that are already waiting inside
//! `next()` on a stream that does not exist yet receive everything produced to it once it
//! appears.
//!
//! Kafka topics, Redis stream keys and streams inside a `.ss` file all come into being
//! with their first message. A consumer subscribed before that moment must wait (not fail,
//! not start after the first messages) and then deliver every message once, in order per
//! shard. The scenario runs one consumer of each mode the backend supports.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use futures::channel::oneshot;
use futures::future::{join, join_all, poll_fn};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, Message, Producer, SeqNo, ShardId, SharedMessage,
    Streamer,
};

use super::{connect_consumer, new_key, opt_out, payload, produce, text, WAIT};
use crate::backend::Backend;
use crate::service::random_key;

/// Consumers of every supported mode (RealTime; Resumable and LoadBalanced unless
/// [`Capabilities`](crate::Capabilities) opts out) are created on a stream that does not
/// exist, and each is polling inside `next()` before the first of `n` messages is produced.
/// Every consumer must then receive all `n` messages, each once, in order per shard.
///
/// The consumers are polled concurrently with the producer in the scenario's own task (a
/// backend's `next()` future need not be `Send`, so they are not spawned); the producer
/// starts only after every consumer's first `next()` future was polled and is pending.
/// [`Backend::prepare_stream`] is deliberately not called: the stream must not exist.
pub async fn consumer_before_stream<B: Backend>(b: &B, n: usize) {
    assert!(n > 0, "consumer_before_stream needs at least one message");
    let caps = b.capabilities();
    let streamer = b.connect().await;
    let key = new_key("before-stream");

    let mut modes = vec![(ConsumerMode::RealTime, None)];
    match caps.resumable {
        Ok(()) => modes.push((
            ConsumerMode::Resumable,
            Some(ConsumerGroup::new(random_key("resume"))),
        )),
        Err(why) => opt_out("consumer_before_stream (Resumable)", why),
    }
    match caps.load_balanced {
        Ok(()) => modes.push((
            ConsumerMode::LoadBalanced,
            Some(ConsumerGroup::new(random_key("balance"))),
        )),
        Err(why) => opt_out("consumer_before_stream (LoadBalanced)", why),
    }

    let mut consumers = Vec::with_capacity(modes.len());
    for (mode, group) in modes {
        consumers.push((
            mode,
            connect_consumer(b, &streamer, &key, mode, group).await,
        ));
    }
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");

    let mut waiting = Vec::with_capacity(consumers.len());
    let mut readers = Vec::with_capacity(consumers.len());
    for (mode, consumer) in &consumers {
        let (tx, rx) = oneshot::channel();
        waiting.push(rx);
        readers.push(read_all(consumer, *mode, n, tx));
    }
    let producing = async {
        for rx in waiting {
            rx.await.expect("a consumer stopped before it was polled");
        }
        produce(&mut producer, 0..n).await;
    };
    let (received, ()) = join(join_all(readers), producing).await;

    for ((mode, _), messages) in consumers.iter().zip(received) {
        check(&key, *mode, n, &messages);
    }
    producer.end().await.expect("end failed");
}

/// Reads `n` messages from `consumer`; sends on `polled` once its first `next()` future
/// was polled and is pending (nothing has been produced yet, so it must be).
async fn read_all<C: Consumer>(
    consumer: &C,
    mode: ConsumerMode,
    n: usize,
    polled: oneshot::Sender<()>,
) -> Vec<SharedMessage> {
    let what = format!("consumer_before_stream ({mode:?})");
    let mut first = pin!(consumer.next());
    let early = poll_fn(|cx| match first.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(Some(result.map(|m| Message::to_owned(&m)))),
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    match early {
        None => {}
        Some(Ok(m)) => panic!("{what}: a message arrived before any was produced: {m:?}"),
        Some(Err(e)) => panic!("{what}: next() on a stream that does not exist failed: {e}"),
    }
    // The receiver only goes away if the producing side already panicked.
    let _ = polled.send(());

    let mut messages = Vec::with_capacity(n);
    match timeout(WAIT, first).await {
        Ok(Ok(m)) => messages.push(Message::to_owned(&m)),
        Ok(Err(e)) => panic!("{what}: next() failed while waiting for the stream: {e}"),
        Err(_) => panic!("{what}: the first message did not arrive within {WAIT:?}"),
    }
    while messages.len() < n {
        messages.push(super::next_owned(consumer, &what).await);
    }
    messages
}

/// Every index `0..n` exactly once, on `key`, and increasing per shard (payload index and
/// sequence number).
fn check(
    key: &sea_streamer_types::StreamKey,
    mode: ConsumerMode,
    n: usize,
    messages: &[SharedMessage],
) {
    let mut seen = HashSet::with_capacity(n);
    let mut last: BTreeMap<ShardId, (usize, SeqNo)> = BTreeMap::new();
    for m in messages {
        assert_eq!(
            &m.stream_key(),
            key,
            "{mode:?}: message on the wrong stream"
        );
        let body = text(m);
        let i = super::index_of(&body);
        assert_eq!(body, payload(i), "{mode:?}: payload {i} corrupted");
        assert!(seen.insert(i), "{mode:?}: message {i} delivered twice");
        if let Some((prev, seq)) = last.get(&m.shard_id()) {
            assert!(
                i > *prev && m.sequence() > *seq,
                "{mode:?}: message {i} (seq {}) came after {prev} (seq {seq}) on shard {:?}",
                m.sequence(),
                m.shard_id()
            );
        }
        last.insert(m.shard_id(), (i, m.sequence()));
    }
    let missing: Vec<usize> = (0..n).filter(|i| !seen.contains(i)).collect();
    assert!(
        missing.is_empty(),
        "{mode:?}: messages {missing:?} were lost"
    );
}
