//! Observability on the test Redis (issue #13): consumer lag with a known backlog (group and
//! RealTime), metric counters against message counts (through a recorder installed for this
//! test binary), headers written and read, and `traceparent` propagation.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::fixture::{realtime_earliest, resumable, Fixture};
use common::server::PrivateRedis;
use common::{connect, consume, key, url};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use sea_streamer_redis::RedisConnectOptions;
use sea_streamer_types::observe::{names, EVENT_TIME_SAMPLE};
use sea_streamer_types::{
    ConsumerLag, Headers, Producer, ProducerWithHeaders, StreamKey, Streamer,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A recorder keeping every counter and gauge by name and `stream` label (test streams
/// have random names, so tests running at once do not mix).
#[derive(Default)]
struct TestRecorder {
    values: Mutex<HashMap<(String, String), Arc<AtomicU64>>>,
}

impl TestRecorder {
    fn cell(&self, key: &Key) -> Arc<AtomicU64> {
        let stream = key
            .labels()
            .find(|l| l.key() == names::STREAM)
            .map(|l| l.value().to_owned())
            .unwrap_or_default();
        let mut values = self.values.lock().unwrap();
        values
            .entry((key.name().to_owned(), stream))
            .or_default()
            .clone()
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(Records(self.cell(key))))
    }
}

/// A histogram that counts its records.
struct Records(Arc<AtomicU64>);

impl metrics::HistogramFn for Records {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

static RECORDER: OnceLock<&'static TestRecorder> = OnceLock::new();

/// The recorder of this test binary, installed on first use (before any handle is made).
fn recorder() -> &'static TestRecorder {
    RECORDER.get_or_init(|| {
        let recorder: &'static TestRecorder = Box::leak(Box::default());
        metrics::set_global_recorder(recorder).expect("no other recorder");
        recorder
    })
}

fn counter(name: &str, stream: &StreamKey) -> u64 {
    recorder()
        .cell(&Key::from_parts(
            name.to_owned(),
            vec![metrics::Label::new(names::STREAM, stream.name().to_owned())],
        ))
        .load(Ordering::Relaxed)
}

fn gauge(name: &str, stream: &StreamKey) -> f64 {
    f64::from_bits(counter(name, stream))
}

const BACKLOG: usize = 1000;

/// A RealTime consumer's lag counts the entries after the last message `next()` returned.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn realtime_lag_with_a_backlog() {
    let Some(url) = url() else { return };
    recorder();
    let fx = Fixture::new(&url, "lag_rt").await;
    fx.send_numbers(0..BACKLOG).await;
    let consumer = fx.consumer(realtime_earliest()).await;
    let lag = consumer.lag().await.unwrap();
    assert_eq!(lag.total(), BACKLOG as u64);
    assert_eq!(lag.shards().len(), 1);
    assert_eq!(gauge(names::CONSUMER_LAG, &fx.stream), BACKLOG as f64);

    assert_eq!(consume(&consumer, 400).await, (0..400).collect::<Vec<_>>());
    assert_eq!(consumer.lag().await.unwrap().total(), 600);
    assert_eq!(gauge(names::CONSUMER_LAG, &fx.stream), 600.0);

    consume(&consumer, 600).await;
    assert!(consumer.lag().await.unwrap().is_caught_up());
    assert_eq!(gauge(names::CONSUMER_LAG, &fx.stream), 0.0);
    fx.send_numbers(0..3).await;
    assert_eq!(consumer.lag().await.unwrap().total(), 3);
}

/// A group consumer's lag is the group's: entries not yet delivered to the group.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_lag_with_a_backlog() {
    let Some(url) = url() else { return };
    let fx = Fixture::new(&url, "lag_group").await;
    fx.send_numbers(0..BACKLOG).await;
    // acks by `commit` only: the consumer reads when `next()` asks (no read-ahead)
    let mut options = resumable("lag");
    options.set_batch_size(100);
    let consumer = fx.consumer(options).await;
    assert_eq!(consumer.lag().await.unwrap().total(), BACKLOG as u64);

    consume(&consumer, 100).await;
    let lag = consumer.lag().await.unwrap().total();
    assert!(
        (BACKLOG as u64 - 200..BACKLOG as u64).contains(&lag),
        "lag {lag} after one batch"
    );
    consume(&consumer, BACKLOG - 100).await;
    assert_eq!(consumer.lag().await.unwrap().total(), 0);
}

/// Where the server cannot tell the group's lag (entries deleted after its position), the
/// entries after its last delivered id are counted.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_lag_counted_after_deletions() {
    let Some(url) = url() else { return };
    let fx = Fixture::new(&url, "lag_del").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(fx.producer.send(i.to_string()).unwrap().await.unwrap());
    }
    let consumer = fx.consumer(resumable("lag")).await;
    let mut conn = raw(&url);
    let seq = *ids[4].sequence();
    let (t, s) = (seq >> 16, seq & 0xFFFF);
    let _: u64 = redis::cmd("XDEL")
        .arg(fx.stream.name())
        .arg(format!("{t}-{s}"))
        .query(&mut conn)
        .unwrap();
    assert_eq!(consumer.lag().await.unwrap().total(), 9);
}

/// Counters of a producer and a consumer equal the messages and bytes they carried.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn counters_equal_message_counts() {
    let Some(url) = url() else { return };
    recorder();
    let fx = Fixture::new(&url, "metrics").await;
    fx.send_numbers(0..BACKLOG).await;
    let bytes: usize = (0..BACKLOG).map(|i| i.to_string().len()).sum();
    let s = &fx.stream;
    assert_eq!(counter(names::PRODUCER_MESSAGES, s), BACKLOG as u64);
    assert_eq!(counter(names::PRODUCER_BYTES, s), bytes as u64);
    assert_eq!(counter(names::PRODUCER_ERRORS, s), 0);
    assert_eq!(gauge(names::PRODUCER_IN_FLIGHT, s), 0.0);

    let consumer = fx.consumer(realtime_earliest()).await;
    consume(&consumer, BACKLOG).await;
    assert_eq!(counter(names::CONSUMER_MESSAGES, s), BACKLOG as u64);
    assert_eq!(counter(names::CONSUMER_BYTES, s), bytes as u64);
    assert_eq!(counter(names::CONSUMER_ERRORS, s), 0);
    assert_eq!(counter(names::CONSUMER_RECONNECTS, s), 0);
    // latencies are sampled: one message in EVENT_TIME_SAMPLE (the first one always)
    assert_eq!(
        counter(names::CONSUMER_EVENT_TIME_SECONDS, s),
        (BACKLOG as u64).div_ceil(EVENT_TIME_SAMPLE as u64)
    );
    // and one send in 32 (the producer's LATENCY_SAMPLE)
    let sends = counter(names::PRODUCER_SEND_SECONDS, s);
    assert!(
        (BACKLOG as u64 / 32..=BACKLOG as u64 / 32 + 1).contains(&sends),
        "{sends}"
    );

    // a failed send counts as an error
    let mut headers = Headers::new();
    headers.insert("msg", "x");
    assert!(fx.producer.send_to_with_headers(s, &headers, "p").is_err());
    let _ = fx
        .producer
        .send_with_ts(s, sea_streamer_types::Timestamp::UNIX_EPOCH, "old");
    fx.producer.flush_immut().await.unwrap();
    assert_eq!(counter(names::PRODUCER_ERRORS, s), 1);
    assert_eq!(gauge(names::PRODUCER_IN_FLIGHT, s), 0.0);
}

/// A consumer that loses its connection (the server restarted) counts a reconnection.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn reconnects_are_counted() {
    let Some(mut server) = PrivateRedis::start() else {
        return;
    };
    recorder();
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let stream = key("reconnects");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), realtime_earliest())
        .await
        .unwrap();
    producer.send("0").unwrap().await.unwrap();
    consume(&consumer, 1).await;
    assert_eq!(counter(names::CONSUMER_RECONNECTS, &stream), 0);

    server.kill();
    let receipt = producer.send("1").unwrap();
    server.restart();
    receipt.await.expect("delivered after the restart");
    assert_eq!(consume(&consumer, 1).await, [1]);
    assert!(counter(names::CONSUMER_RECONNECTS, &stream) >= 1);
    assert_eq!(counter(names::CONSUMER_MESSAGES, &stream), 2);
}

fn raw(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}
