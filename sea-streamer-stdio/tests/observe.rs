//! Observability of the stdio backend (issue #13): lag is not applicable (Unsupported),
//! headers are refused (Unsupported, nothing printed), and with loopback the producer's and
//! the consumer's counters equal the message and payload byte counts.

use metrics::{
    Counter, Gauge, Histogram, Key, KeyName, Label, Metadata, Recorder, SharedString, Unit,
};
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioErr, StdioStreamer};
use sea_streamer_types::{
    observe::{names, EVENT_TIME_SAMPLE},
    Buffer, Consumer, ConsumerLag, Headers, Message, Producer, ProducerWithHeaders, StreamErr,
    StreamKey, Streamer, StreamerUri,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Keeps every counter (histograms as sample counts) in memory.
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

    fn get(&self, name: &str, stream: &StreamKey) -> u64 {
        let key = Key::from_parts(
            name.to_owned(),
            vec![
                Label::new(names::BACKEND, "stdio"),
                Label::new(names::STREAM, stream.name().to_owned()),
            ],
        );
        self.cell(&key).load(Ordering::Relaxed)
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

async fn run() -> Result<(), StreamErr<StdioErr>> {
    // one test function per process: the recorder is installed before any handle is registered
    let recorder: &'static TestRecorder = Box::leak(Box::default());
    metrics::set_global_recorder(recorder).expect("no other recorder");

    let key = StreamKey::new("observe_stdio")?;
    let mut options = StdioConnectOptions::default();
    options.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), options).await?;
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), StdioConsumerOptions::default())
        .await?;

    // lag: not applicable
    assert!(
        matches!(consumer.lag().await, Err(StreamErr::Unsupported(_))),
        "stdio lag is Unsupported"
    );

    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await?;
    // headers: an empty set sends, any header is refused and nothing is printed
    producer
        .send_to_with_headers(&key, &Headers::new(), "plain")?
        .await?;
    let mut headers = Headers::new();
    headers.insert("content-type", "text/plain");
    let refused = producer.send_to_with_headers(&key, &headers, "with headers");
    assert!(
        matches!(refused, Err(StreamErr::Unsupported(_))),
        "{refused:?}"
    );

    let mut bytes = "plain".len() as u64;
    for i in 0..100 {
        let payload = format!("line {i}");
        bytes += payload.len() as u64;
        producer.send(payload)?;
    }
    producer.flush().await?;
    let mut received = 0u64;
    for i in 0..101 {
        let m = consumer.next().await?;
        received += m.message().size() as u64;
        if i == 0 {
            assert_eq!(
                m.message().as_str().unwrap(),
                "plain",
                "the refused one never came"
            );
        }
    }
    assert_eq!(received, bytes);
    assert_eq!(recorder.get(names::PRODUCER_MESSAGES, &key), 101);
    assert_eq!(recorder.get(names::PRODUCER_BYTES, &key), bytes);
    assert_eq!(recorder.get(names::PRODUCER_ERRORS, &key), 0);
    assert_eq!(recorder.get(names::CONSUMER_MESSAGES, &key), 101);
    assert_eq!(recorder.get(names::CONSUMER_BYTES, &key), bytes);
    // one message in EVENT_TIME_SAMPLE (64) has its event time recorded: ceil(101 / 64)
    assert_eq!(EVENT_TIME_SAMPLE, 64);
    assert_eq!(recorder.get(names::CONSUMER_EVENT_TIME_SECONDS, &key), 2);

    // a payload with a line break is an error, counted
    assert!(producer.send("a\nb").is_err());
    assert_eq!(recorder.get(names::PRODUCER_ERRORS, &key), 1);
    streamer.disconnect().await?;
    Ok(())
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test]
async fn main() {
    run().await.unwrap();
}

#[cfg(feature = "runtime-async-std")]
#[async_std::test]
async fn main() {
    run().await.unwrap();
}

#[cfg(not(any(feature = "runtime-tokio", feature = "runtime-async-std")))]
#[test]
fn main() {
    futures::executor::block_on(run()).unwrap();
}
