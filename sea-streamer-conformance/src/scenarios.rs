//! The conformance scenarios. Each is an `async fn` generic over [`Backend`]; it panics with a
//! message naming the backend and what went wrong, so it can be awaited straight from a test.
//!
//! Every wait on the backend is bounded by [`WAIT`] so that a lost message fails the test
//! instead of hanging it. No scenario asserts on timing.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures::future::{select, Either};
use sea_streamer_runtime::{sleep, timeout};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, Message, Producer, SeqNo, SeqPos, ShardId,
    SharedMessage, StreamErr, StreamKey, Streamer, Timestamp,
};

use crate::backend::{Backend, RewindRule, SeekRule};
use crate::service::random_key;

mod before_stream;
mod closed_concurrently;
mod closed_mid_stream;
mod concurrent_one_stream;
mod concurrent_streams;
mod earliest;
mod handler_error;
mod isolation;
mod producer_mid_burst;
mod restart;
mod support;

pub use before_stream::consumer_before_stream;
pub use closed_concurrently::consumers_closed_concurrently;
pub use closed_mid_stream::consumer_closed_mid_stream;
pub use concurrent_one_stream::concurrent_consumers;
pub use concurrent_streams::concurrent_streams;
pub use earliest::new_consumer_earliest;
pub use handler_error::continue_after_handler_error;
pub use isolation::streams_isolated;
pub use producer_mid_burst::producer_ended_mid_burst;
pub use restart::restart;

/// The longest any single wait on the backend may take before the scenario fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// The payload of the `i`-th message of a scenario: its index, then filler up to about
/// 256 bytes, so payload integrity covers more than a few bytes.
pub fn payload(i: usize) -> String {
    let head = format!("{i}:");
    let fill: String = (0..(256 - head.len()))
        .map(|j| char::from(b'a' + ((i + j) % 26) as u8))
        .collect();
    head + &fill
}

/// The index encoded in a payload made by [`payload`].
pub fn index_of(payload: &str) -> usize {
    payload
        .split(':')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("payload {payload:?} was not made by this suite"))
}

fn new_key(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).expect("random_key makes valid keys")
}

fn text(m: &SharedMessage) -> String {
    m.message()
        .as_str()
        .unwrap_or_else(|e| panic!("payload is not UTF-8: {e}"))
        .to_owned()
}

fn millis(ts: &Timestamp) -> i128 {
    ts.unix_timestamp_nanos() / 1_000_000
}

/// Waits for one message from `consumer` and copies it out.
pub async fn next_owned<C: Consumer>(consumer: &C, what: &str) -> SharedMessage {
    match timeout(WAIT, consumer.next()).await {
        Ok(Ok(m)) => Message::to_owned(&m),
        Ok(Err(e)) => panic!("{what}: next() failed: {e}"),
        Err(_) => panic!("{what}: no message within {WAIT:?}"),
    }
}

async fn connect_consumer<B: Backend>(
    b: &B,
    streamer: &B::Streamer,
    key: &StreamKey,
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
) -> crate::backend::ConsumerOf<B> {
    let consumer = streamer
        .create_consumer(std::slice::from_ref(key), b.consumer_options(mode, group))
        .await
        .unwrap_or_else(|e| panic!("create_consumer({key}, {mode:?}) failed: {e}"));
    b.consumer_ready(&consumer).await;
    consumer
}

async fn produce<P: Producer>(producer: &mut P, range: std::ops::Range<usize>) -> Vec<SeqNo> {
    let mut futures = Vec::with_capacity(range.len());
    for i in range {
        futures.push(
            producer
                .send(payload(i).as_str())
                .unwrap_or_else(|e| panic!("send({i}) failed: {e}")),
        );
    }
    producer.flush().await.expect("flush failed");
    let mut seqs = Vec::with_capacity(futures.len());
    for f in futures {
        let receipt = timeout(WAIT, f)
            .await
            .expect("receipt did not arrive")
            .expect("send failed");
        seqs.push(*receipt.sequence());
    }
    seqs
}

/// N messages produced arrive in order per shard, with intact payloads, stream key, and
/// headers equal to their receipts (where the backend's receipts carry the consumed header).
pub async fn in_order<B: Backend>(b: &B, n: usize) {
    let streamer = b.connect().await;
    let key = new_key("in-order");
    b.prepare_stream(&streamer, &key).await;
    let consumer = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");

    let mut receipts = Vec::with_capacity(n);
    let mut pending = Vec::with_capacity(n);
    for i in 0..n {
        pending.push(producer.send(payload(i).as_str()).expect("send failed"));
    }
    producer.flush().await.expect("flush failed");
    for f in pending {
        receipts.push(
            timeout(WAIT, f)
                .await
                .expect("receipt did not arrive")
                .expect("send failed"),
        );
    }

    let mut last: BTreeMap<ShardId, (SeqNo, Timestamp)> = BTreeMap::new();
    for (i, receipt) in receipts.iter().enumerate() {
        let m = next_owned(&consumer, "in_order").await;
        assert_eq!(m.stream_key(), key, "message {i} has the wrong stream key");
        assert_eq!(
            text(&m),
            payload(i),
            "message {i} arrived out of order or corrupted"
        );
        if let Some((seq, ts)) = last.get(&m.shard_id()) {
            assert!(
                m.sequence() > *seq,
                "sequence went backwards at message {i}"
            );
            assert!(
                m.timestamp() >= *ts,
                "timestamp went backwards at message {i}"
            );
        }
        last.insert(m.shard_id(), (m.sequence(), m.timestamp()));
        if b.capabilities().receipt_matches_message {
            assert_eq!(
                receipt,
                m.header(),
                "receipt of message {i} differs from its header"
            );
        }
    }
    producer.end().await.expect("end failed");
}

/// Two RealTime consumers each see every message, in order.
pub async fn two_realtime_consumers<B: Backend>(b: &B, n: usize) {
    let streamer = b.connect().await;
    let key = new_key("fan-out");
    b.prepare_stream(&streamer, &key).await;
    let first = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let second = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;
    for (name, consumer) in [("first", &first), ("second", &second)] {
        for i in 0..n {
            let m = next_owned(consumer, name).await;
            assert_eq!(text(&m), payload(i), "{name} consumer: message {i}");
        }
    }
    producer.end().await.expect("end failed");
}

/// LoadBalanced consumers of one group split the stream: every message is delivered to
/// exactly one of them, none lost, none doubled.
pub async fn load_balanced<B: Backend>(b: &B, n: usize) {
    let caps = b.capabilities();
    if let Err(why) = caps.load_balanced {
        opt_out("load_balanced", why);
        return;
    }
    let streamer = b.connect().await;
    let key = new_key("balanced");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let mode = ConsumerMode::LoadBalanced;
    let a = connect_consumer(b, &streamer, &key, mode, Some(group.clone())).await;
    let c = connect_consumer(b, &streamer, &key, mode, Some(group)).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let (mut got_a, mut got_c) = (Vec::new(), Vec::new());
    let mut fa = Box::pin(a.next());
    let mut fc = Box::pin(c.next());
    while got_a.len() + got_c.len() < n {
        let raced = timeout(WAIT, select(fa, fc)).await.unwrap_or_else(|_| {
            panic!(
                "load_balanced: only {} of {n} messages arrived",
                got_a.len() + got_c.len()
            )
        });
        match raced {
            Either::Left((res, rest)) => {
                let m = res.unwrap_or_else(|e| panic!("load_balanced: next() failed: {e}"));
                got_a.push(index_of(&text(&Message::to_owned(&m))));
                drop(m);
                fa = Box::pin(a.next());
                fc = rest;
            }
            Either::Right((res, rest)) => {
                let m = res.unwrap_or_else(|e| panic!("load_balanced: next() failed: {e}"));
                got_c.push(index_of(&text(&Message::to_owned(&m))));
                drop(m);
                fc = Box::pin(c.next());
                fa = rest;
            }
        }
    }
    drop((fa, fc));
    let all: HashSet<usize> = got_a.iter().chain(got_c.iter()).copied().collect();
    assert_eq!(all.len(), n, "a message was delivered twice");
    assert_eq!(all, (0..n).collect(), "a message was lost");
    if caps.load_balanced_splits_one_shard {
        assert!(
            !got_a.is_empty() && !got_c.is_empty(),
            "the group did not split the stream: {} / {}",
            got_a.len(),
            got_c.len()
        );
    }
    producer.end().await.expect("end failed");
}

/// A Resumable consumer that committed after message `k` and was restarted resumes with
/// message `k + 1`.
pub async fn resumable<B: Backend>(b: &B, n: usize) {
    assert!(n >= 2, "resumable needs at least two messages");
    if let Err(why) = b.capabilities().resumable {
        opt_out("resumable", why);
        return;
    }
    let streamer = b.connect().await;
    let key = new_key("resume");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let mode = ConsumerMode::Resumable;
    let mut first = connect_consumer(b, &streamer, &key, mode, Some(group.clone())).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let k = n / 2;
    let mut committed = None;
    for i in 0..=k {
        let m = next_owned(&first, "resumable (first run)").await;
        assert_eq!(text(&m), payload(i));
        committed = Some(m.header().clone());
    }
    let header = committed.expect("read at least one message");
    b.commit(&mut first, &header)
        .await
        .unwrap_or_else(|e| panic!("commit failed: {e}"));
    drop(first);

    let second = connect_consumer(b, &streamer, &key, mode, Some(group)).await;
    for i in (k + 1)..n {
        let m = next_owned(&second, "resumable (after restart)").await;
        assert_eq!(
            text(&m),
            payload(i),
            "the restarted consumer did not resume after the committed message {k}"
        );
    }
    producer.end().await.expect("end failed");
}

/// Seek to a timestamp and rewind to a sequence number (and to the beginning).
pub async fn seek_and_rewind<B: Backend>(b: &B) {
    let caps = b.capabilities();
    let streamer = b.connect().await;
    let key = new_key("seek");
    b.prepare_stream(&streamer, &key).await;
    let mut consumer = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    // Three batches whose timestamps are guaranteed to differ in milliseconds: the pauses
    // make distinct times to seek between; they do not wait for any event.
    const BATCH: usize = 10;
    for batch in 0..3 {
        produce(&mut producer, batch * BATCH..(batch + 1) * BATCH).await;
        sleep(Duration::from_millis(5)).await;
    }
    let mut headers = Vec::new();
    for i in 0..3 * BATCH {
        let m = next_owned(&consumer, "seek_and_rewind (first read)").await;
        assert_eq!(text(&m), payload(i));
        headers.push(m.header().clone());
    }

    match caps.rewind {
        RewindRule::Unsupported(why) => opt_out("rewind", why),
        rule => {
            let target = *headers[BATCH].sequence();
            consumer
                .rewind(SeqPos::At(target))
                .await
                .expect("rewind(At) failed");
            let expect = if rule == RewindRule::Inclusive {
                BATCH
            } else {
                BATCH + 1
            };
            let m = next_owned(&consumer, "after rewind(At)").await;
            assert_eq!(
                text(&m),
                payload(expect),
                "rewind(At({target})) with {rule:?}"
            );

            consumer
                .rewind(SeqPos::Beginning)
                .await
                .expect("rewind(Beginning) failed");
            let m = next_owned(&consumer, "after rewind(Beginning)").await;
            assert_eq!(text(&m), payload(0), "rewind(Beginning)");
        }
    }

    match caps.seek {
        SeekRule::Unsupported(why) => opt_out("seek", why),
        rule => {
            let at = *headers[BATCH - 1].timestamp();
            let expect = headers
                .iter()
                .position(|h| match rule {
                    SeekRule::StrictlyLater => millis(h.timestamp()) > millis(&at),
                    _ => millis(h.timestamp()) >= millis(&at),
                })
                .expect("a later batch exists");
            consumer.seek(at).await.expect("seek failed");
            let m = next_owned(&consumer, "after seek").await;
            assert_eq!(text(&m), payload(expect), "seek({at}) with {rule:?}");
        }
    }
    producer.end().await.expect("end failed");
}

/// `end()` flushes everything sent before it, even when no receipt was awaited.
pub async fn end_flushes<B: Backend>(b: &B, n: usize) {
    let streamer = b.connect().await;
    let key = new_key("end");
    b.prepare_stream(&streamer, &key).await;
    let consumer = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    for i in 0..n {
        // The receipt futures are dropped unawaited on purpose: that must not cancel sends.
        drop(producer.send(payload(i).as_str()).expect("send failed"));
    }
    timeout(WAIT, producer.end())
        .await
        .expect("end() did not return")
        .expect("end failed");
    for i in 0..n {
        let m = next_owned(&consumer, "end_flushes").await;
        assert_eq!(text(&m), payload(i), "message {i} after end()");
    }
}

/// Invalid stream keys, unanchored producers and unknown streams give typed errors.
pub async fn typed_errors<B: Backend>(b: &B) {
    for bad in ["a b", "a:b", "stream?", "é", ""] {
        assert!(
            StreamKey::new(bad).is_err(),
            "{bad:?} accepted as a stream key"
        );
    }
    assert!(StreamKey::new("a".repeat(250)).is_err());

    let streamer = b.connect().await;
    let key = new_key("errors");
    let mut producer = streamer
        .create_generic_producer(b.producer_options())
        .await
        .expect("create_generic_producer failed");
    assert!(matches!(producer.send("x"), Err(StreamErr::NotAnchored)));
    assert!(matches!(producer.anchored(), Err(StreamErr::NotAnchored)));
    producer.anchor(key.clone()).expect("first anchor");
    assert!(matches!(
        producer.anchor(key.clone()),
        Err(StreamErr::AlreadyAnchored)
    ));

    b.prepare_stream(&streamer, &key).await;
    let mut consumer = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let unknown = new_key("unknown");
    let assigned = consumer.assign((unknown.clone(), ShardId::new(0)));
    let unassigned = consumer.unassign((unknown, ShardId::new(0)));
    match b.capabilities().assign {
        Ok(()) => {
            assert!(
                matches!(assigned, Err(StreamErr::StreamKeyNotFound)),
                "assign of an unknown stream: {assigned:?}"
            );
            assert!(
                matches!(unassigned, Err(StreamErr::StreamKeyNotFound)),
                "unassign of an unknown stream: {unassigned:?}"
            );
        }
        Err(why) => {
            opt_out("assign", why);
            assert!(
                matches!(assigned, Err(StreamErr::Unsupported(_))),
                "{assigned:?}"
            );
            assert!(
                matches!(unassigned, Err(StreamErr::Unsupported(_))),
                "{unassigned:?}"
            );
        }
    }
    producer.end().await.expect("end failed");
}

/// Runs every scenario with modest sizes.
pub async fn run_all<B: Backend>(b: &B)
where
    crate::backend::ConsumerOf<B>: 'static,
{
    in_order(b, 100).await;
    two_realtime_consumers(b, 20).await;
    load_balanced(b, 40).await;
    resumable(b, 10).await;
    seek_and_rewind(b).await;
    end_flushes(b, 50).await;
    typed_errors(b).await;
    consumer_before_stream(b, 20).await;
    concurrent_consumers(b, 30).await;
    concurrent_streams(b, 4, 20).await;
    consumer_closed_mid_stream(b, 20).await;
    consumers_closed_concurrently(b, 20).await;
    producer_ended_mid_burst(b, 50).await;
    streams_isolated(b, 10).await;
    new_consumer_earliest(b, 10).await;
    continue_after_handler_error(b, 12).await;
    restart(b, 10).await;
}

/// Says, on stderr (shown even for passing tests), which scenario a backend opted out of.
fn opt_out(scenario: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "conformance: {scenario} skipped by this backend: {why}"
    );
}
