//! Observability of the file backend (issue #13): consumer lag in bytes over a known backlog,
//! producer and consumer counters equal to the message and byte counts, headers refused.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use metrics::{
    Counter, Gauge, Histogram, Key, KeyName, Label, Metadata, Recorder, SharedString, Unit,
};
use sea_streamer_file::{
    format::HEADER_SIZE, AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer,
};
use sea_streamer_types::{
    observe::{names, EVENT_TIME_SAMPLE},
    Buffer, Consumer, ConsumerLag, ConsumerMode, ConsumerOptions, Headers, LagUnit, Message,
    Producer, ProducerWithHeaders, StreamErr, StreamKey, Streamer,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use util::temp_file;

/// Keeps every counter and gauge (as raw bits) in memory, histograms as sample counts.
#[derive(Debug, Default)]
struct TestRecorder {
    cells: Mutex<Vec<(Key, Arc<AtomicU64>)>>,
}

impl TestRecorder {
    fn cell(&self, key: &Key) -> Arc<AtomicU64> {
        let mut cells = self.cells.lock().unwrap();
        if let Some((_, c)) = cells.iter().find(|(k, _)| k == key) {
            return c.clone();
        }
        let c = Arc::new(AtomicU64::new(0));
        cells.push((key.clone(), c.clone()));
        c
    }
}

struct Samples(Arc<AtomicU64>);

impl metrics::HistogramFn for Samples {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
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
        Histogram::from_arc(Arc::new(Samples(self.cell(key))))
    }
}

/// The process's recorder, installed before any producer or consumer registers handles.
fn recorder() -> &'static TestRecorder {
    static RECORDER: OnceLock<&'static TestRecorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder: &'static TestRecorder = Box::leak(Box::default());
        metrics::set_global_recorder(recorder).expect("no other recorder");
        recorder
    })
}

fn raw(name: &str, stream: &StreamKey) -> u64 {
    let key = Key::from_parts(
        name.to_owned(),
        vec![
            Label::new(names::BACKEND, "file"),
            Label::new(names::STREAM, stream.name().to_owned()),
        ],
    );
    recorder().cell(&key).load(Ordering::Relaxed)
}

fn gauge(name: &str, stream: &StreamKey) -> f64 {
    f64::from_bits(raw(name, stream))
}

async fn connect(name: &str) -> (FileStreamer, sea_streamer_file::FileId) {
    let file = temp_file(name);
    let streamer = FileStreamer::connect(
        file.to_streamer_uri().unwrap(),
        FileConnectOptions::default(),
    )
    .await
    .unwrap();
    (streamer, file)
}

fn earliest() -> FileConsumerOptions {
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options
}

fn file_len(file: &sea_streamer_file::FileId) -> u64 {
    std::fs::metadata(file.path()).unwrap().len()
}

/// A backlog of 1,000 messages: the lag is the bytes between the consumer's position and the
/// end of the file (all of it but the header before reading), goes down as messages are read
/// and is 0 once the last one is; the gauge follows; the producer's and the consumer's
/// counters equal the message and payload byte counts.
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn lag_and_counters_over_a_backlog() {
    recorder();
    let (streamer, file) = connect("observe-lag").await;
    let key = StreamKey::new("observe_lag").unwrap();
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let mut payload_bytes = 0u64;
    for i in 0..1000 {
        let payload = format!("message-{i}-{}", "x".repeat(i % 50));
        payload_bytes += payload.len() as u64;
        producer.send(payload).unwrap().await.unwrap();
    }
    producer.flush().await.unwrap();
    assert_eq!(raw(names::PRODUCER_MESSAGES, &key), 1000);
    assert_eq!(raw(names::PRODUCER_BYTES, &key), payload_bytes);
    assert_eq!(raw(names::PRODUCER_ERRORS, &key), 0);
    assert_eq!(gauge(names::PRODUCER_IN_FLIGHT, &key), 0.0);
    // one send in 64 is timed (sends 0, 64, ..., 960)
    assert_eq!(raw(names::PRODUCER_SEND_SECONDS, &key), 16);

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), earliest())
        .await
        .unwrap();
    let end = file_len(&file);
    let lag = consumer.lag().await.unwrap();
    assert_eq!(lag.shards().len(), 1);
    assert_eq!(lag.shards()[0].stream_key, key);
    assert_eq!(lag.shards()[0].unit, LagUnit::Bytes);
    assert_eq!(lag.total(), end - HEADER_SIZE as u64, "all but the header");
    assert_eq!(gauge(names::CONSUMER_LAG, &key), lag.total() as f64);

    let mut last = lag.total();
    let mut read_bytes = 0u64;
    for i in 0..1000 {
        let message = consumer.next().await.unwrap();
        read_bytes += message.message().size() as u64;
        if i % 250 == 249 {
            let lag = consumer.lag().await.unwrap().total();
            assert!(lag < last, "lag went down: {lag} < {last}");
            assert_eq!(lag, end - consumer.position());
            assert_eq!(gauge(names::CONSUMER_LAG, &key), lag as f64);
            last = lag;
        }
    }
    assert_eq!(last, 0, "caught up after the last message");
    assert!(consumer.lag().await.unwrap().is_caught_up());
    assert_eq!(read_bytes, payload_bytes);
    assert_eq!(raw(names::CONSUMER_MESSAGES, &key), 1000);
    assert_eq!(raw(names::CONSUMER_BYTES, &key), payload_bytes);
    assert_eq!(raw(names::CONSUMER_ERRORS, &key), 0);
    // one message in EVENT_TIME_SAMPLE (64) has its event time recorded: ceil(1000 / 64)
    assert_eq!(EVENT_TIME_SAMPLE, 64);
    assert_eq!(raw(names::CONSUMER_EVENT_TIME_SECONDS, &key), 16);
    drop(consumer);
    producer.end().await.unwrap();
    std::fs::remove_file(file.path()).ok();
}

/// A consumer of two keys reports each key with the file's byte lag.
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn lag_per_subscribed_key() {
    recorder();
    let (streamer, file) = connect("observe-keys").await;
    let a = StreamKey::new("observe_a").unwrap();
    let b = StreamKey::new("observe_b").unwrap();
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    for i in 0..10 {
        producer.send_to(&a, format!("a{i}")).unwrap();
        producer.send_to(&b, format!("b{i}")).unwrap();
    }
    producer.end().await.unwrap();
    let consumer = streamer
        .create_consumer(&[a.clone(), b.clone()], earliest())
        .await
        .unwrap();
    let lag = consumer.lag().await.unwrap();
    let behind = file_len(&file) - HEADER_SIZE as u64;
    assert_eq!(lag.shards().len(), 2);
    assert_eq!(lag.of_stream(&a), behind);
    assert_eq!(lag.of_stream(&b), behind);
    assert_eq!(gauge(names::CONSUMER_LAG, &b), behind as f64);
    for _ in 0..20 {
        consumer.next().await.unwrap();
    }
    assert_eq!(raw(names::CONSUMER_MESSAGES, &a), 10);
    assert_eq!(raw(names::CONSUMER_MESSAGES, &b), 10);
    drop(consumer);
    std::fs::remove_file(file.path()).ok();
}

/// The .ss format carries no headers: an empty set sends as `send_to`, any header is refused
/// with `Unsupported` and nothing is written (the next message takes the next sequence).
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn headers_are_refused() {
    let (streamer, file) = connect("observe-headers").await;
    let key = StreamKey::new("observe_headers").unwrap();
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    let first = producer
        .send_to_with_headers(&key, &Headers::new(), "plain")
        .unwrap()
        .await
        .unwrap();
    assert_eq!(*first.sequence(), 1);
    let mut headers = Headers::new();
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    let refused = producer.send_to_with_headers(&key, &headers, "with headers");
    assert!(
        matches!(refused, Err(StreamErr::Unsupported(_))),
        "{refused:?}"
    );
    let next = producer.send_to(&key, "after").unwrap().await.unwrap();
    assert_eq!(*next.sequence(), 2, "the refused message took no sequence");
    producer.flush().await.unwrap();
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), earliest())
        .await
        .unwrap();
    let m = consumer.next().await.unwrap();
    assert_eq!(m.message().as_str().unwrap(), "plain");
    assert_eq!(m.headers(), None);
    let m = consumer.next().await.unwrap();
    assert_eq!(m.message().as_str().unwrap(), "after");
    drop(consumer);
    producer.end().await.unwrap();
    std::fs::remove_file(file.path()).ok();
}
