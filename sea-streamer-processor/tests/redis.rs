//! The processor on Redis (SEA_STREAMER_TEST_REDIS; a consumer group, `XACK` per processed
//! message): retries and dead letters with nothing left pending, per-stream order at
//! concurrency 8, and a shutdown with 1,000 messages in flight that leaves exactly the
//! unprocessed ones pending.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::dead_letters::{
    check_dead_letters, check_outputs, run_seven_thirteen, seven_thirteen_counts, successes,
};
use common::order::handle_at_concurrency_eight;
use common::shutdown::{shutdown_with_a_thousand_in_flight, Stuck};
use common::{number, WAIT};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_redis::{
    parse_message_id, AutoCommit, AutoStreamReset, RedisConsumer, RedisConsumerOptions,
    RedisProducer, RedisStreamer, TimestampFormat,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, SeqNo,
    SharedMessage, StreamKey, Streamer,
};
use std::collections::BTreeSet;

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
    run_seven_thirteen(&consumer, &producer, &output, &dead, N).await;

    let (_, dead_lettered, _) = seven_thirteen_counts(N);
    let ids = entries(&input);
    let letters = read(&streamer, &dead, dead_lettered as usize).await;
    check_dead_letters(&letters, &input, N, |n, header| {
        assert_eq!(*header.sequence(), ids[n as usize - 1], "original sequence");
    });
    check_outputs(&read(&streamer, &output, successes(N).len()).await, N);

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

    let seen = handle_at_concurrency_eight(
        &consumer,
        STREAMS * PER,
        |m| m.stream_key().name().to_owned(),
        number,
    )
    .await;
    for (k, key) in inputs.iter().enumerate() {
        let sent: Vec<u64> = (0..PER).map(|j| j * STREAMS + k as u64).collect();
        assert_eq!(seen[key.name()], sent, "stream {key} in order");
        assert_eq!(pending(key, &group), BTreeSet::new());
    }
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_leaves_exactly_them_pending() {
    let Some(url) = url() else { return };
    let streamer = connect(&url).await;
    const INPUT: Stuck = Stuck {
        lanes: 8,
        done: 50,
        stuck: 125,
    };
    let inputs: Vec<StreamKey> = (0..INPUT.lanes).map(|_| key("proc-stop")).collect();
    let group = random_key("proc-group");
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &producer,
        &inputs,
        INPUT.lanes * (INPUT.done + INPUT.stuck),
        |i| i.to_string(),
    )
    .await;
    let consumer = group_consumer(&streamer, &inputs, &group).await;

    // the payloads are numbered across the streams
    shutdown_with_a_thousand_in_flight(
        &consumer,
        INPUT,
        |m| number(m) / INPUT.lanes >= INPUT.done,
        None,
    )
    .await;
    // The processed prefix of every stream is acknowledged, the rest is pending.
    for key in &inputs {
        let ids = entries(key);
        assert_eq!(
            pending(key, &group),
            ids[INPUT.done as usize..].iter().copied().collect(),
            "exactly the unprocessed entries of {key} are pending"
        );
    }
    consumer.end().await.unwrap();
}
