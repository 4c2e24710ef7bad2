//! A group consumer whose stream appears while it creates its group (issue #10).
//!
//! `XGROUP CREATE` on a missing key fails ("requires the key to exist"). If the key is written
//! right after that reply, a consumer that then asks `EXISTS` finds it and must not take the
//! `XGROUP` reply for a real error: it goes back to waiting and creates its group on its next
//! look. Through `SeaStreamer` this interleaving was common (a consumer's first `next()`
//! and the producer's first `send` start together, at the consumer's first check of its
//! missing key): `concurrent_streams` failed 3 runs in 6.
//!
//! Here the interleaving is forced rather than waited for: a thread per key writes the key
//! and deletes it again, over and over (one round trip each way), until the consumer's group
//! exists; the deletion and the look for the group are one atomic script, so a group once
//! created is never deleted. Every check a consumer makes (at creation and while waiting) thus
//! meets a key that comes and goes between its commands. Before the fix about one check in
//! four failed the consumer.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, key, next, url};
use futures::future::{join_all, select, Either};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions,
    RedisStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Consumers (one key each) racing a flapping key at once.
const CONSUMERS: usize = 16;
/// Rounds of `CONSUMERS` consumers (before the fix the test failed in 4 runs of 5 with one
/// round of 12; a round takes well under a second).
const ROUNDS: usize = 3;
/// Messages produced once a consumer's group exists.
const N: usize = 5;
/// What the flapping writes (a consumer may receive the last one).
const MARKER: &str = "marker";
/// A flapping thread gives up after this long (the test has failed by then).
const FLAP_LIMIT: Duration = Duration::from_secs(60);

/// Deletes the key unless a consumer group exists on it; 1 if one does.
const DELETE_UNLESS_GROUP: &str = "\
if #redis.call('XINFO', 'GROUPS', KEYS[1]) > 0 then return 1 end \
redis.call('DEL', KEYS[1]) \
return 0";

/// Write `stream` and delete it again until a group exists on it (or `stop`), then report on
/// `done`.
fn flap(url: String, stream: StreamKey, stop: Arc<AtomicBool>, done: flume::Sender<usize>) {
    std::thread::spawn(move || {
        let mut conn = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .expect("flapping connection");
        let started = Instant::now();
        let mut flaps = 0;
        while !stop.load(Ordering::Relaxed) && started.elapsed() < FLAP_LIMIT {
            redis::cmd("XADD")
                .arg(stream.name())
                .arg("*")
                .arg(sea_streamer_redis::MSG)
                .arg(MARKER)
                .query::<String>(&mut conn)
                .expect("XADD");
            let grouped: i64 = redis::cmd("EVAL")
                .arg(DELETE_UNLESS_GROUP)
                .arg(1)
                .arg(stream.name())
                .query(&mut conn)
                .expect("EVAL");
            flaps += 1;
            if grouped == 1 {
                break;
            }
        }
        let _ = done.send(flaps);
    });
}

/// Group consumers of every mode, start point and commit style, without `mkstream`.
fn options(i: usize) -> RedisConsumerOptions {
    let mode = [ConsumerMode::Resumable, ConsumerMode::LoadBalanced][i % 2];
    let reset = [AutoStreamReset::Earliest, AutoStreamReset::Latest][i / 2 % 2];
    let commit = [
        AutoCommit::Delayed,
        AutoCommit::Immediate,
        AutoCommit::Disabled,
    ][i / 4 % 3];
    let mut options = RedisConsumerOptions::new(mode);
    options.set_auto_stream_reset(reset).set_auto_commit(commit);
    options
}

/// Stops the flapping threads when the test ends, passed or failed.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// One consumer on one flapping key: `next()` must never fail; once the flapping stops (the
/// group exists) the produced messages arrive in order, after at most one marker.
async fn one(
    streamer: &RedisStreamer,
    stream: StreamKey,
    consumer: RedisConsumer,
    done: flume::Receiver<usize>,
    what: String,
) {
    let mut waiting = Box::pin(consumer.next());
    let first = match select(waiting.as_mut(), Box::pin(done.recv_async())).await {
        Either::Left((msg, _)) => {
            let msg = msg.unwrap_or_else(|e| panic!("{what}: next() failed: {e}"));
            done.recv_async().await.expect("flapping ended");
            Some(msg.message().as_str().expect("utf8").to_owned())
        }
        Either::Right((flaps, _)) => {
            flaps.expect("flapping ended");
            None
        }
    };
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .expect("producer");
    let receipts: Vec<_> = (0..N)
        .map(|i| producer.send(i.to_string()).expect("send"))
        .collect();
    for receipt in receipts {
        receipt.await.expect("receipt");
    }
    let mut got = Vec::new();
    if let Some(first) = first {
        got.push(first);
    } else {
        let msg = sea_streamer_runtime::timeout(Duration::from_secs(60), waiting)
            .await
            .unwrap_or_else(|_| panic!("{what}: no message within 60 s"))
            .unwrap_or_else(|e| panic!("{what}: next() failed: {e}"));
        got.push(msg.message().as_str().expect("utf8").to_owned());
    }
    while got.iter().filter(|m| *m != MARKER).count() < N {
        let msg = next(&consumer).await;
        got.push(msg.message().as_str().expect("utf8").to_owned());
    }
    let markers = got.iter().filter(|m| *m == MARKER).count();
    assert!(
        markers <= 1,
        "{what}: only the last write survives: {got:?}"
    );
    let numbers: Vec<String> = got.into_iter().filter(|m| m != MARKER).collect();
    let expected: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    assert_eq!(numbers, expected, "{what}");
}

/// Group consumers on keys that keep appearing and disappearing while they are created and
/// while they wait: none fails, each creates its group and reads its stream.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn key_appearing_during_group_creation_is_waited_for() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    for _ in 0..ROUNDS {
        round(&streamer, &url).await;
    }
}

/// `CONSUMERS` consumers, each on its own flapping key, all at once.
async fn round(streamer: &RedisStreamer, url: &str) {
    let stop = Arc::new(AtomicBool::new(false));
    let _stop = StopOnDrop(stop.clone());
    let mut lanes = Vec::with_capacity(CONSUMERS);
    for i in 0..CONSUMERS {
        let stream = key("flap");
        let (tx, rx) = flume::bounded(1);
        flap(url.to_owned(), stream.clone(), stop.clone(), tx);
        let options = options(i);
        let what = format!("{stream} {options:?}");
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&stream), options)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        lanes.push((stream, consumer, rx, what));
    }
    join_all(
        lanes
            .into_iter()
            .map(|(stream, consumer, rx, what)| one(streamer, stream, consumer, rx, what)),
    )
    .await;
}
