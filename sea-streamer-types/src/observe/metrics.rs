//! Metric handles every backend records through ([`ProducerMetrics`], [`ConsumerMetrics`],
//! [`ProcessorMetrics`]) over the `metrics` facade, and the metric names ([`names`]).
//!
//! Handles are registered once, when a producer, consumer or runner is created, with
//! labels from configuration only (backend, stream key, group); recording is then an
//! atomic update of the handle. Without a recorder installed (the application's choice),
//! every handle is a no-op. A recorder installed after a handle is registered is not seen by
//! that handle: install the exporter before creating streamers.

use crate::{StreamKey, Timestamp};
use metrics::{Counter, Gauge, Histogram, Label};
use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

/// Metric names and label keys (the table is in [the module docs](crate::observe)).
pub mod names {
    /// Counter: messages a producer sent.
    pub const PRODUCER_MESSAGES: &str = "sea_streamer_producer_messages_total";
    /// Counter: payload bytes a producer sent.
    pub const PRODUCER_BYTES: &str = "sea_streamer_producer_bytes_total";
    /// Counter: sends or receipts that failed.
    pub const PRODUCER_ERRORS: &str = "sea_streamer_producer_errors_total";
    /// Gauge: messages sent whose receipt has not arrived.
    pub const PRODUCER_IN_FLIGHT: &str = "sea_streamer_producer_in_flight";
    /// Histogram (seconds): from send to receipt.
    pub const PRODUCER_SEND_SECONDS: &str = "sea_streamer_producer_send_seconds";
    /// Counter: messages a consumer delivered.
    pub const CONSUMER_MESSAGES: &str = "sea_streamer_consumer_messages_total";
    /// Counter: payload bytes a consumer delivered.
    pub const CONSUMER_BYTES: &str = "sea_streamer_consumer_bytes_total";
    /// Counter: errors a consumer returned or recovered from.
    pub const CONSUMER_ERRORS: &str = "sea_streamer_consumer_errors_total";
    /// Counter: reconnections of a consumer.
    pub const CONSUMER_RECONNECTS: &str = "sea_streamer_consumer_reconnects_total";
    /// Gauge: the consumer's lag, as last measured (see `ConsumerLag`).
    pub const CONSUMER_LAG: &str = "sea_streamer_consumer_lag";
    /// Histogram (seconds): consume time minus the message's timestamp.
    pub const CONSUMER_EVENT_TIME_SECONDS: &str = "sea_streamer_consumer_event_time_seconds";
    /// Counter: messages the processor runner handled successfully.
    pub const PROCESSOR_HANDLED: &str = "sea_streamer_processor_handled_total";
    /// Counter: handler attempts that failed and were retried.
    pub const PROCESSOR_RETRIED: &str = "sea_streamer_processor_retried_total";
    /// Counter: messages sent to the dead-letter destination.
    pub const PROCESSOR_DEAD_LETTERED: &str = "sea_streamer_processor_dead_lettered_total";
    /// Histogram (seconds): one handler attempt.
    pub const PROCESSOR_HANDLER_SECONDS: &str = "sea_streamer_processor_handler_seconds";

    /// Label: the backend (`kafka`, `redis`, `file`, `stdio`).
    pub const BACKEND: &str = "backend";
    /// Label: the stream key.
    pub const STREAM: &str = "stream";
    /// Label: the consumer group, where there is one.
    pub const GROUP: &str = "group";
}

fn labels(backend: &'static str, stream: &StreamKey, group: Option<&str>) -> Vec<Label> {
    let mut labels = vec![
        Label::from_static_parts(names::BACKEND, backend),
        Label::new(names::STREAM, stream.name().to_owned()),
    ];
    if let Some(group) = group {
        labels.push(Label::new(names::GROUP, group.to_owned()));
    }
    labels
}

/// A producer's metrics for one stream key.
///
/// ```
/// use sea_streamer_types::{ProducerMetrics, StreamKey};
/// use std::time::Duration;
///
/// let metrics = ProducerMetrics::new("file", &StreamKey::new("orders").unwrap());
/// metrics.sent(42);
/// metrics.receipt(Duration::from_millis(2));
/// ```
#[derive(Debug, Clone)]
pub struct ProducerMetrics {
    messages: Counter,
    bytes: Counter,
    errors: Counter,
    in_flight: Gauge,
    send_seconds: Histogram,
}

impl ProducerMetrics {
    /// Registers the handles of `backend`'s producer for `stream`.
    pub fn new(backend: &'static str, stream: &StreamKey) -> Self {
        let labels = labels(backend, stream, None);
        Self {
            messages: metrics::counter!(names::PRODUCER_MESSAGES, labels.iter()),
            bytes: metrics::counter!(names::PRODUCER_BYTES, labels.iter()),
            errors: metrics::counter!(names::PRODUCER_ERRORS, labels.iter()),
            in_flight: metrics::gauge!(names::PRODUCER_IN_FLIGHT, labels.iter()),
            send_seconds: metrics::histogram!(names::PRODUCER_SEND_SECONDS, labels.iter()),
        }
    }

    /// One message of `bytes` payload bytes was sent (and is now in flight).
    pub fn sent(&self, bytes: usize) {
        self.messages.increment(1);
        self.bytes.increment(bytes as u64);
        self.in_flight.increment(1.0);
    }

    /// A receipt arrived `latency` after its send.
    pub fn receipt(&self, latency: Duration) {
        self.in_flight.decrement(1.0);
        self.send_seconds.record(latency.as_secs_f64());
    }

    /// `count` receipts arrived together (no latency recorded).
    pub fn receipts(&self, count: usize) {
        self.in_flight.decrement(count as f64);
    }

    /// A send or receipt failed (and is no longer in flight if `was_in_flight`).
    pub fn error(&self, was_in_flight: bool) {
        self.errors.increment(1);
        if was_in_flight {
            self.in_flight.decrement(1.0);
        }
    }
}

/// How often [`ConsumerMetrics::received`] records the event-time latency: one message in
/// this many (the first one always), so reading the clock and the exporter's work per
/// histogram sample (about 1,200 instructions to drain one into a Prometheus histogram) do
/// not cost every message. At 64, a consumer of 100,000 messages a second still records
/// about 1,500 latencies a second; a slow stream (one message a second) records one a minute.
pub const EVENT_TIME_SAMPLE: u32 = 64;

/// A consumer's metrics for one stream key.
///
/// ```
/// use sea_streamer_types::{ConsumerMetrics, StreamKey, Timestamp};
///
/// let metrics = ConsumerMetrics::new("redis", &StreamKey::new("orders").unwrap(), Some("workers"));
/// metrics.received(42, Timestamp::now_utc());
/// metrics.lag(0);
/// ```
#[derive(Debug)]
pub struct ConsumerMetrics {
    messages: Counter,
    bytes: Counter,
    errors: Counter,
    reconnects: Counter,
    lag: Gauge,
    event_time: Histogram,
    sample: AtomicU32,
}

impl Clone for ConsumerMetrics {
    fn clone(&self) -> Self {
        Self {
            messages: self.messages.clone(),
            bytes: self.bytes.clone(),
            errors: self.errors.clone(),
            reconnects: self.reconnects.clone(),
            lag: self.lag.clone(),
            event_time: self.event_time.clone(),
            sample: AtomicU32::new(0),
        }
    }
}

impl ConsumerMetrics {
    /// Registers the handles of `backend`'s consumer of `stream` (in `group`, if any).
    pub fn new(backend: &'static str, stream: &StreamKey, group: Option<&str>) -> Self {
        let labels = labels(backend, stream, group);
        Self {
            messages: metrics::counter!(names::CONSUMER_MESSAGES, labels.iter()),
            bytes: metrics::counter!(names::CONSUMER_BYTES, labels.iter()),
            errors: metrics::counter!(names::CONSUMER_ERRORS, labels.iter()),
            reconnects: metrics::counter!(names::CONSUMER_RECONNECTS, labels.iter()),
            lag: metrics::gauge!(names::CONSUMER_LAG, labels.iter()),
            event_time: metrics::histogram!(names::CONSUMER_EVENT_TIME_SECONDS, labels.iter()),
            sample: AtomicU32::new(0),
        }
    }

    /// One message of `bytes` payload bytes with this timestamp was delivered.
    pub fn received(&self, bytes: usize, timestamp: Timestamp) {
        self.messages.increment(1);
        self.bytes.increment(bytes as u64);
        if self
            .sample
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(EVENT_TIME_SAMPLE)
        {
            let latency = Timestamp::now_utc() - timestamp;
            self.event_time.record(latency.as_seconds_f64().max(0.0));
        }
    }

    /// An error was returned or recovered from.
    pub fn error(&self) {
        self.errors.increment(1);
    }

    /// The consumer reconnected.
    pub fn reconnect(&self) {
        self.reconnects.increment(1);
    }

    /// Sets the lag gauge.
    pub fn lag(&self, behind: u64) {
        self.lag.set(behind as f64);
    }
}

/// The processor runner's metrics for one input stream.
///
/// ```
/// use sea_streamer_types::{ProcessorMetrics, StreamKey};
/// use std::time::Duration;
///
/// let metrics = ProcessorMetrics::new("kafka", &StreamKey::new("orders").unwrap(), None);
/// metrics.attempt(Duration::from_micros(150));
/// metrics.handled();
/// ```
#[derive(Debug, Clone)]
pub struct ProcessorMetrics {
    handled: Counter,
    retried: Counter,
    dead_lettered: Counter,
    handler_seconds: Histogram,
}

impl ProcessorMetrics {
    /// Registers the handles of a runner reading `stream` of `backend` (in `group`, if any).
    pub fn new(backend: &'static str, stream: &StreamKey, group: Option<&str>) -> Self {
        let labels = labels(backend, stream, group);
        Self {
            handled: metrics::counter!(names::PROCESSOR_HANDLED, labels.iter()),
            retried: metrics::counter!(names::PROCESSOR_RETRIED, labels.iter()),
            dead_lettered: metrics::counter!(names::PROCESSOR_DEAD_LETTERED, labels.iter()),
            handler_seconds: metrics::histogram!(names::PROCESSOR_HANDLER_SECONDS, labels.iter()),
        }
    }

    /// One handler attempt took `duration`.
    pub fn attempt(&self, duration: Duration) {
        self.handler_seconds.record(duration.as_secs_f64());
    }

    /// A message was handled successfully.
    pub fn handled(&self) {
        self.handled.increment(1);
    }

    /// An attempt failed and will be retried.
    pub fn retried(&self) {
        self.retried.increment(1);
    }

    /// A message went to the dead-letter destination.
    pub fn dead_lettered(&self) {
        self.dead_lettered.increment(1);
    }
}
