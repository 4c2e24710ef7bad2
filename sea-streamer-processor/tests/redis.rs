//! The processor on Redis (SEA_STREAMER_TEST_REDIS; a consumer group, `XACK` per processed
//! message): retries and dead letters with nothing left pending, per-stream order at
//! concurrency 8, and a shutdown with 1,000 messages in flight that leaves exactly the
//! unprocessed ones pending.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{number, seven_thirteen, seven_thirteen_counts, until, Record, WAIT};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_processor::{DeadLetter, HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_redis::{
    parse_message_id, AutoCommit, AutoStreamReset, RedisConsumer, RedisConsumerOptions,
    RedisProducer, RedisStreamer, TimestampFormat,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, SeqNo,
    SharedMessage, StreamKey, Streamer,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn url() -> Option<String> {
    service_url("SEA_STREAMER_TEST_REDIS")
}

fn key(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).unwrap()
}

async fn connect(url: &str) -> RedisStreamer {
    let _ = env_logger::try_init();
    RedisStreamer::connect(url.parse().unwrap(), Default::default())
        .await
        .unwrap()
}

/// A member of `group` acknowledging only what the processor acknowledges.
async fn group_consumer(
    streamer: &RedisStreamer,
    keys: &[StreamKey],
    group: &str,
) -> RedisConsumer {
    let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new(group))
        .unwrap();
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(AutoCommit::Disabled);
    streamer.create_consumer(keys, options).await.unwrap()
}

/// The first `n` messages of `stream`.
async fn read(streamer: &RedisStreamer, stream: &StreamKey, n: usize) -> Vec<SharedMessage> {
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(stream), options)
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let message = timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .unwrap();
        out.push(message);
    }
    out
}

/// Sends `payload(i)` to `keys[i % keys.len()]` for `i` in `0..n`, awaiting every receipt.
async fn produce(
    producer: &RedisProducer,
    keys: &[StreamKey],
    n: u64,
    payload: impl Fn(u64) -> String,
) {
    let mut receipts = Vec::new();
    for i in 0..n {
        let key = &keys[(i % keys.len() as u64) as usize];
        receipts.push(producer.send_to(key, payload(i).as_str()).unwrap());
    }
    for receipt in receipts {
        timeout(WAIT, receipt)
            .await
            .expect("in time")
            .expect("sent");
    }
}

fn admin() -> redis::Connection {
    redis::Client::open(url().unwrap().as_str())
        .and_then(|c| c.get_connection())
        .expect("admin connection")
}

fn seq_of(id: &str) -> SeqNo {
    parse_message_id(TimestampFormat::default(), id).unwrap().1
}

/// The sequence numbers pending in `group` on `stream` (`XPENDING`).
fn pending(stream: &StreamKey, group: &str) -> BTreeSet<SeqNo> {
    let entries: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream.name())
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .query(&mut admin())
        .expect("XPENDING");
    entries.iter().map(|(id, ..)| seq_of(id)).collect()
}

/// The sequence numbers of `stream`'s entries, in order (`XRANGE`).
fn entries(stream: &StreamKey) -> Vec<SeqNo> {
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(stream.name())
        .arg("-")
        .arg("+")
        .query(&mut admin())
        .expect("XRANGE");
    entries.iter().map(|(id, _)| seq_of(id)).collect()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn retries_and_dead_letters_with_nothing_left_pending() {
    let Some(url) = url() else { return };
    let streamer = connect(&url).await;
    let (input, output, dead) = (key("proc-in"), key("proc-out"), key("proc-dead"));
    let group = random_key("proc-group");
    const N: u64 = 200;
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&producer, std::slice::from_ref(&input), N, |i| {
        (i + 1).to_string()
    })
    .await;

    let consumer = group_consumer(&streamer, std::slice::from_ref(&input), &group).await;
    let record = Record::default();
    let handler = {
        let (record, producer, output) = (record.clone(), producer.clone(), output.clone());
        move |message: SharedMessage, outbox: Outbox| {
            seven_thirteen(
                record.clone(),
                producer.clone(),
                output.clone(),
                message,
                outbox,
            )
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_max_attempts(3)
        .set_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .set_commit_interval(Duration::from_millis(100));
    let processor = Processor::new(&consumer, handler, options)
        .dead_letter(producer.clone(), dead.clone())
        .flush_at_end(producer.clone());
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed + s.dead_lettered == N);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the processor stops")
        .expect("no error");

    let (processed, dead_lettered, retried) = seven_thirteen_counts(N);
    assert_eq!(summary.processed, processed);
    assert_eq!(summary.dead_lettered, dead_lettered);
    assert_eq!(summary.retried, retried);
    assert_eq!((summary.abandoned, summary.failed), (0, 0));
    let expected: BTreeSet<u64> = (1..=N).filter(|n| !n.is_multiple_of(13)).collect();
    assert_eq!(*record.handled.lock().unwrap(), expected);

    // Exactly the 13th ones are dead letters, with their error text and attempts.
    let ids = entries(&input);
    let mut thirteens = BTreeSet::new();
    for letter in read(&streamer, &dead, dead_lettered as usize).await {
        let letter = DeadLetter::from_json(letter.message().as_str().unwrap()).unwrap();
        let n: u64 = String::from_utf8(letter.payload_bytes().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(letter.error, format!("unlucky {n}"));
        assert_eq!(letter.attempts, 3);
        assert_eq!(letter.stream_key, input.name());
        assert_eq!(*letter.header().unwrap().sequence(), ids[n as usize - 1]);
        thirteens.insert(n);
    }
    assert_eq!(
        thirteens,
        (1..=N).filter(|n| n.is_multiple_of(13)).collect()
    );

    let outputs: BTreeSet<u64> = read(&streamer, &output, expected.len())
        .await
        .iter()
        .map(|m| m.message().as_str().unwrap()[4..].parse().unwrap())
        .collect();
    assert_eq!(outputs, expected);

    // Everything is acknowledged: nothing is pending in the group.
    assert_eq!(pending(&input, &group), BTreeSet::new());
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn concurrency_eight_keeps_each_stream_in_order() {
    let Some(url) = url() else { return };
    let streamer = connect(&url).await;
    const STREAMS: u64 = 8;
    const PER: u64 = 50;
    let inputs: Vec<StreamKey> = (0..STREAMS).map(|_| key("proc-order")).collect();
    let group = random_key("proc-group");
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&producer, &inputs, STREAMS * PER, |i| i.to_string()).await;
    let consumer = group_consumer(&streamer, &inputs, &group).await;

    let seen: Arc<Mutex<HashMap<String, Vec<u64>>>> = Default::default();
    let busy: Arc<Mutex<HashSet<String>>> = Default::default();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let handler = {
        let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
        move |message: SharedMessage, _: Outbox| {
            let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
            async move {
                let key = message.stream_key().name().to_owned();
                assert!(
                    busy.lock().unwrap().insert(key.clone()),
                    "two messages of one stream at once"
                );
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(running, Ordering::SeqCst);
                let n = number(&message);
                sea_streamer_runtime::sleep(Duration::from_millis(n * 7 % 5)).await;
                seen.lock().unwrap().entry(key.clone()).or_default().push(n);
                now.fetch_sub(1, Ordering::SeqCst);
                busy.lock().unwrap().remove(&key);
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options.set_concurrency(8);
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed == STREAMS * PER);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.processed, STREAMS * PER);

    let seen = seen.lock().unwrap().clone();
    for (k, key) in inputs.iter().enumerate() {
        let sent: Vec<u64> = (0..PER).map(|j| j * STREAMS + k as u64).collect();
        assert_eq!(seen[key.name()], sent, "stream {key} in order");
        assert_eq!(pending(key, &group), BTreeSet::new());
    }
    let max = max.load(Ordering::SeqCst);
    assert!(max <= 8, "at most 8 at a time, saw {max}");
    assert!(max > 1, "streams were handled concurrently");
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_leaves_exactly_them_pending() {
    let Some(url) = url() else { return };
    let streamer = connect(&url).await;
    const STREAMS: u64 = 8;
    const DONE: u64 = 50; // per stream, the messages that can finish
    const STUCK: u64 = 125; // per stream, the ones from the first that never finishes
    let inputs: Vec<StreamKey> = (0..STREAMS).map(|_| key("proc-stop")).collect();
    let group = random_key("proc-group");
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&producer, &inputs, STREAMS * (DONE + STUCK), |i| {
        i.to_string()
    })
    .await;
    let consumer = group_consumer(&streamer, &inputs, &group).await;

    let blocked = Arc::new(AtomicUsize::new(0));
    let handler = {
        let blocked = blocked.clone();
        move |message: SharedMessage, _: Outbox| {
            let blocked = blocked.clone();
            async move {
                if number(&message) / STREAMS >= DONE {
                    blocked.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(8)
        .set_max_in_flight(1000)
        .set_shutdown_deadline(Duration::from_secs(1));
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    let shutdown = {
        let blocked = blocked.clone();
        until(progress, move |s| {
            s.in_flight() == 1000 && blocked.load(Ordering::SeqCst) == STREAMS as usize
        })
    };
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the deadline ends the run")
        .unwrap();
    assert_eq!(summary.processed, STREAMS * DONE);
    assert_eq!(summary.abandoned, 1000);
    assert_eq!(summary.fetched, STREAMS * (DONE + STUCK));
    // The processed prefix of every stream is acknowledged, the rest is pending.
    for key in &inputs {
        let ids = entries(key);
        assert_eq!(
            pending(key, &group),
            ids[DONE as usize..].iter().copied().collect(),
            "exactly the unprocessed entries of {key} are pending"
        );
    }
    consumer.end().await.unwrap();
}
