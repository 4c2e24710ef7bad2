//! A consumer's metrics and `traceparent` events on the path of every delivered message.
//!
//! The future and stream types of [`KafkaConsumer`](crate::KafkaConsumer) are part of the
//! 0.5 API: they map rdkafka's items through a plain `fn` pointer, which cannot carry the
//! consumer's metric handles. So every live consumer takes one of [`SLOTS`] slots of a
//! process-wide table, and its `next()`/`stream()` map through the functions of its slot
//! (`fn`s generic over the slot number), which find the consumer's [`ConsumerObs`] there:
//! one uncontended read lock and a look-up among the consumer's topics per message. A
//! consumer created while every slot is taken records no per-message metrics (a warning
//! says so once); its lag gauge and spans still work.

use crate::message::{map_item, map_next};
use crate::{KafkaErr, KafkaMessage, KafkaResult};
use rdkafka::consumer::{DefaultConsumerContext, MessageStream};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::{BorrowedMessage, Message as _};
use sea_streamer_types::{ConsumerMetrics, Lag, Message, StreamKey, TraceContext};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// How many consumers can record per-message metrics at the same time in one process.
pub(crate) const SLOTS: usize = 128;

/// The label value of the backend.
pub(crate) const BACKEND: &str = "kafka";

/// What one consumer records.
#[derive(Debug)]
pub(crate) struct ConsumerObs {
    /// The metric handles of each subscribed topic.
    streams: Vec<(StreamKey, ConsumerMetrics)>,
    /// Record a `sea_streamer.consume` event for messages with a `traceparent` header.
    trace: bool,
    /// A broker connection was reported lost and no message came since.
    lost: AtomicBool,
}

impl ConsumerObs {
    /// Registers the handles of a consumer of `streams` in `group` (if it has one that
    /// comes from configuration).
    pub(crate) fn new(streams: &[StreamKey], group: Option<&str>, trace: bool) -> Self {
        Self {
            streams: streams
                .iter()
                .map(|s| (s.clone(), ConsumerMetrics::new(BACKEND, s, group)))
                .collect(),
            trace,
            lost: AtomicBool::new(false),
        }
    }

    fn metrics_of(&self, topic: &str) -> Option<&ConsumerMetrics> {
        self.streams
            .iter()
            .find(|(key, _)| key.name() == topic)
            .map(|(_, m)| m)
    }

    /// Sets the lag gauge of every topic from a measured `lag`.
    pub(crate) fn set_lag(&self, lag: &Lag) {
        for (key, metrics) in &self.streams {
            metrics.lag(lag.of_stream(key));
        }
    }

    /// A message was delivered.
    fn delivered(&self, message: &KafkaMessage<'_>) {
        if self.lost.load(Ordering::Relaxed) && self.lost.swap(false, Ordering::Relaxed) {
            self.reconnected();
        }
        let raw = message.inner();
        if let Some(metrics) = self.metrics_of(raw.topic()) {
            metrics.received(raw.payload_len(), message.timestamp());
        }
        if self.trace {
            if let Some(context) = message.headers().and_then(TraceContext::from_headers) {
                tracing::info!(
                    name: "sea_streamer.consume",
                    backend = BACKEND,
                    stream = raw.topic(),
                    shard = raw.partition(),
                    sequence = raw.offset(),
                    trace_id = %context.trace_id(),
                    parent_id = %context.span_id(),
                    "consume"
                );
            }
        }
    }

    /// `next()` returned an error: counted for every topic of the consumer (librdkafka's
    /// consumer errors are not tied to one topic). A lost broker connection
    /// (`BrokerTransportFailure`, `AllBrokersDown`), which librdkafka re-establishes on its
    /// own, makes the next delivered message count as a reconnect.
    fn failed(&self, err: &KafkaErr) {
        for (_, metrics) in &self.streams {
            metrics.error();
        }
        if matches!(
            err.rdkafka_error_code(),
            Some(RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown)
        ) {
            self.lost.store(true, Ordering::Relaxed);
        }
    }

    /// A message arrived after a lost broker connection: librdkafka reconnected.
    fn reconnected(&self) {
        for (_, metrics) in &self.streams {
            metrics.reconnect();
        }
        let stream = self
            .streams
            .first()
            .map(|(s, _)| s.name())
            .unwrap_or_default();
        let _span =
            tracing::info_span!("sea_streamer.reconnect", backend = BACKEND, stream).entered();
        tracing::info!("messages flow again after a lost broker connection");
    }
}

type Slot = RwLock<Option<Arc<ConsumerObs>>>;

/// The consumers recording per-message metrics, by slot.
static TABLE: [Slot; SLOTS] = [const { RwLock::new(None) }; SLOTS];

/// Whether the "every slot is taken" warning was given.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The argument of [`NextFn`].
type NextArg<'a> = (
    Option<Result<BorrowedMessage<'a>, KafkaErr>>,
    MessageStream<'a, DefaultConsumerContext>,
);

/// The mapping function of [`NextFuture`](crate::NextFuture).
pub(crate) type NextFn = for<'a> fn(NextArg<'a>) -> KafkaResult<KafkaMessage<'a>>;

/// The mapping function of [`KafkaMessageStream`](crate::KafkaMessageStream).
pub(crate) type ItemFn =
    for<'a> fn(Result<BorrowedMessage<'a>, KafkaErr>) -> KafkaResult<KafkaMessage<'a>>;

/// Records `result` for the consumer in slot `slot`.
fn observed(slot: usize, result: KafkaResult<KafkaMessage<'_>>) -> KafkaResult<KafkaMessage<'_>> {
    let guard = TABLE[slot].read().unwrap_or_else(|e| e.into_inner());
    if let Some(obs) = guard.as_ref() {
        match &result {
            Ok(message) => obs.delivered(message),
            Err(sea_streamer_types::StreamErr::Backend(err)) => obs.failed(err),
            Err(_) => {}
        }
    }
    result
}

fn next_at<const SLOT: usize>(arg: NextArg<'_>) -> KafkaResult<KafkaMessage<'_>> {
    observed(SLOT, map_next(arg))
}

fn item_at<const SLOT: usize>(
    item: Result<BorrowedMessage<'_>, KafkaErr>,
) -> KafkaResult<KafkaMessage<'_>> {
    observed(SLOT, map_item(item))
}

macro_rules! slot_fns {
    ($f:ident as $t:ty) => {
        slot_fns!(@ $f, $t; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25
            26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53
            54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81
            82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106
            107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127)
    };
    (@ $f:ident, $t:ty; $($n:literal)*) => {
        [$($f::<$n> as $t),*]
    };
}

static NEXT_FNS: [NextFn; SLOTS] = slot_fns!(next_at as NextFn);
static ITEM_FNS: [ItemFn; SLOTS] = slot_fns!(item_at as ItemFn);

/// A consumer's place in the table; frees it when dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    slot: Option<usize>,
    obs: Arc<ConsumerObs>,
}

impl Registration {
    /// Takes a free slot for `obs` (none if every slot is taken).
    pub(crate) fn new(obs: ConsumerObs) -> Self {
        let obs = Arc::new(obs);
        let slot = TABLE.iter().position(|slot| {
            let mut slot = slot.write().unwrap_or_else(|e| e.into_inner());
            if slot.is_none() {
                *slot = Some(obs.clone());
                true
            } else {
                false
            }
        });
        if slot.is_none() && !WARNED.swap(true, Ordering::Relaxed) {
            log::warn!(
                "more than {SLOTS} Kafka consumers at once: the newest record no per-message metrics"
            );
        }
        Self { slot, obs }
    }

    /// What the consumer records.
    pub(crate) fn obs(&self) -> &ConsumerObs {
        &self.obs
    }

    /// The mapping function of `next()`.
    pub(crate) fn next_fn(&self) -> NextFn {
        match self.slot {
            Some(slot) => NEXT_FNS[slot],
            None => map_next,
        }
    }

    /// The mapping function of `stream()`.
    pub(crate) fn item_fn(&self) -> ItemFn {
        match self.slot {
            Some(slot) => ITEM_FNS[slot],
            None => map_item,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            *TABLE[slot].write().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_taken_and_freed() {
        let key = StreamKey::new("slots").unwrap();
        let a = Registration::new(ConsumerObs::new(std::slice::from_ref(&key), None, false));
        let b = Registration::new(ConsumerObs::new(
            std::slice::from_ref(&key),
            Some("g"),
            false,
        ));
        let (sa, sb) = (a.slot.unwrap(), b.slot.unwrap());
        assert_ne!(sa, sb);
        assert!(a.next_fn() as usize == NEXT_FNS[sa] as usize);
        drop(a);
        assert!(TABLE[sa].read().unwrap().is_none());
        assert!(TABLE[sb].read().unwrap().is_some());
    }
}
