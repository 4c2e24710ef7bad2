//! A producer's metrics (handles per stream key, [`ProducerObs`]), the receipt side of them
//! ([`Tracked`]), and the `traceparent` header of opt-in trace propagation ([`stamp`]).

use crate::consumer_observe::BACKEND;
use rdkafka::message::{Header, Headers as _, ToBytes};
use rdkafka::producer::FutureRecord;
use sea_streamer_types::{ProducerMetrics, StreamKey, TraceContext, TRACEPARENT};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// One send in this many has its send-to-receipt latency measured (the first one always),
/// so reading the clock does not cost every message.
const LATENCY_SAMPLE: u32 = 8;

/// What a producer (and its clones) records.
#[derive(Debug, Default)]
pub(crate) struct ProducerObs {
    /// Write a `traceparent` header on every record.
    trace: bool,
    /// Metric handles per stream key, registered the first time the key is sent to (or
    /// anchored); a producer writes to few keys, so a list searched in order is the fastest map.
    keys: RwLock<Vec<(StreamKey, Arc<ProducerMetrics>)>>,
    sample: AtomicU32,
}

impl ProducerObs {
    /// The state of a producer with propagation `trace`.
    pub(crate) fn new(trace: bool) -> Self {
        Self {
            trace,
            ..Default::default()
        }
    }

    /// Whether records get a `traceparent` header.
    pub(crate) fn trace(&self) -> bool {
        self.trace
    }

    /// The handles of `stream_key`.
    pub(crate) fn metrics(&self, stream_key: &StreamKey) -> Arc<ProducerMetrics> {
        let find = |keys: &[(StreamKey, Arc<ProducerMetrics>)]| {
            keys.iter()
                .find(|(k, _)| k.name() == stream_key.name())
                .map(|(_, m)| m.clone())
        };
        if let Some(m) = find(&self.keys.read().unwrap_or_else(|e| e.into_inner())) {
            return m;
        }
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = find(&keys) {
            return m;
        }
        let m = Arc::new(ProducerMetrics::new(BACKEND, stream_key));
        keys.push((stream_key.clone(), m.clone()));
        m
    }

    /// A record of `bytes` payload bytes was queued: what its [`SendFuture`](crate::SendFuture)
    /// reports on receipt.
    pub(crate) fn sent(&self, metrics: Arc<ProducerMetrics>, bytes: usize) -> Tracked {
        metrics.sent(bytes);
        let timed = self
            .sample
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(LATENCY_SAMPLE);
        Tracked {
            metrics,
            sent_at: timed.then(Instant::now),
        }
    }
}

/// A record in flight, as its [`SendFuture`](crate::SendFuture) reports it.
#[derive(Debug)]
pub(crate) struct Tracked {
    metrics: Arc<ProducerMetrics>,
    sent_at: Option<Instant>,
}

impl Tracked {
    /// The receipt arrived.
    pub(crate) fn delivered(self) {
        match self.sent_at {
            Some(at) => self.metrics.receipt(at.elapsed()),
            None => self.metrics.receipts(1),
        }
    }

    /// The record could not be delivered.
    pub(crate) fn failed(self) {
        self.metrics.error(true);
    }

    /// The future was dropped before the receipt: the record is no longer watched (librdkafka
    /// still delivers it), so it leaves the in-flight gauge.
    pub(crate) fn abandoned(self) {
        self.metrics.receipts(1);
    }
}

/// Adds a `traceparent` header to `record` unless it has one: a child of
/// [`TraceContext::current`], or a new trace; records the `sea_streamer.produce` event.
pub(crate) fn stamp<'a, K, P>(
    mut record: FutureRecord<'a, K, P>,
    stream_key: &StreamKey,
) -> FutureRecord<'a, K, P>
where
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    let headers = record.headers.take().unwrap_or_default();
    if headers.iter().any(|h| h.key == TRACEPARENT) {
        record.headers = Some(headers);
        return record;
    }
    let parent = TraceContext::current();
    let context = parent.map_or_else(TraceContext::new_root, |p| p.child());
    let value = context.to_string();
    record.headers = Some(headers.insert(Header {
        key: TRACEPARENT,
        value: Some(value.as_bytes()),
    }));
    tracing::info!(
        name: "sea_streamer.produce",
        backend = BACKEND,
        stream = stream_key.name(),
        trace_id = %context.trace_id(),
        span_id = %context.span_id(),
        parent_id = %parent.map(|p| p.span_id()).unwrap_or_default(),
        "produce"
    );
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn traceparent(record: &FutureRecord<'_, (), [u8]>) -> TraceContext {
        let headers = record.headers.as_ref().unwrap();
        let found = headers.iter().find(|h| h.key == TRACEPARENT).unwrap();
        std::str::from_utf8(found.value.unwrap())
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn stamps_a_root_a_child_or_keeps_the_given_one() {
        let key = StreamKey::new("t").unwrap();
        let root = stamp(FutureRecord::<(), [u8]>::to("t"), &key);
        let root_ctx = traceparent(&root);

        let parent = TraceContext::new_root();
        let mut scoped =
            std::pin::pin!(parent
                .scope(async { traceparent(&stamp(FutureRecord::<(), [u8]>::to("t"), &key)) }));
        let waker = std::task::Waker::noop();
        let std::task::Poll::Ready(child) = scoped
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
        else {
            panic!("ready");
        };
        assert_eq!(child.trace_id(), parent.trace_id());
        assert_ne!(child.span_id(), parent.span_id());
        assert_ne!(child.trace_id(), root_ctx.trace_id());

        let again = stamp(root, &key);
        assert_eq!(again.headers.as_ref().unwrap().count(), 1);
        assert_eq!(traceparent(&again), root_ctx);
    }

    #[test]
    fn one_handle_per_key() {
        let obs = ProducerObs::new(false);
        let a = obs.metrics(&StreamKey::new("a").unwrap());
        let b = obs.metrics(&StreamKey::new("b").unwrap());
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(Arc::ptr_eq(&a, &obs.metrics(&StreamKey::new("a").unwrap())));
    }
}
