//! The runner's observability, as a wrapper around the user's handler ([`Observed`]):
//! [`ProcessorMetrics`] per input stream (registered the first time a stream key is seen,
//! labelled from configuration only); one attempt in [`ATTEMPT_SAMPLE`] timed (reading the
//! clock twice and recording a histogram sample cost as much as the rest of the runner's
//! per-message work on a fast backend), every attempt run inside the trace scope of its
//! message's `traceparent` (so what the handler sends continues the trace) and inside a
//! debug-level `sea_streamer.handle` tracing span.

use crate::attempt::Outcome;
use crate::{Handler, HandlerErr, Outbox};
use futures::future::Either;
use sea_streamer_types::{Message, ProcessorMetrics, SharedMessage, StreamKey, TraceContext};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tracing::Instrument;

/// The handler duration histogram records one attempt in this many (the first one always).
pub(crate) const ATTEMPT_SAMPLE: u32 = 8;

/// The labels of the runner's metrics besides the stream: backend and consumer group.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    pub(crate) backend: &'static str,
    pub(crate) group: Option<String>,
}

impl Default for Labels {
    fn default() -> Self {
        Self {
            backend: "unknown",
            group: None,
        }
    }
}

/// The user's handler, observed.
pub(crate) struct Observed<H> {
    inner: H,
    labels: Labels,
    /// The handles of each input stream seen so far (a run reads a few streams at most: a
    /// linear search beats hashing; the lock is never contended, handlers run on one task).
    streams: Mutex<Vec<(StreamKey, Arc<ProcessorMetrics>)>>,
    /// Attempts started, for the sampling of their durations.
    attempts: AtomicU32,
}

impl<H> Observed<H> {
    pub(crate) fn new(inner: H, labels: Labels) -> Self {
        Self {
            inner,
            labels,
            streams: Mutex::new(Vec::new()),
            attempts: AtomicU32::new(0),
        }
    }

    /// The handles of `key`'s metrics, registered on first sight.
    fn metrics_of(&self, key: &StreamKey) -> Arc<ProcessorMetrics> {
        let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, m)) = streams.iter().find(|(k, _)| k == key) {
            return m.clone();
        }
        let metrics = Arc::new(ProcessorMetrics::new(
            self.labels.backend,
            key,
            self.labels.group.as_deref(),
        ));
        streams.push((key.clone(), metrics.clone()));
        metrics
    }

    /// Records how a message of `key` ended after `attempts` attempts.
    pub(crate) fn finished(&self, key: &StreamKey, attempts: u32, outcome: &Outcome) {
        let metrics = self.metrics_of(key);
        for _ in 1..attempts {
            metrics.retried();
        }
        match outcome {
            Outcome::Processed => metrics.handled(),
            Outcome::DeadLettered => metrics.dead_lettered(),
            Outcome::Failed(_) | Outcome::DeadLetterFailed(_) => {}
        }
    }
}

impl<H: Handler> Handler for Observed<H> {
    fn handle(
        &self,
        message: SharedMessage,
        outbox: Outbox,
    ) -> impl Future<Output = Result<(), HandlerErr>> + Send {
        let sampled = self
            .attempts
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(ATTEMPT_SAMPLE);
        let timing = sampled.then(|| {
            (
                self.metrics_of(message.header().stream_key()),
                Instant::now(),
            )
        });
        // a message without headers pays for no parsing and no scope
        let context = message.headers().and_then(TraceContext::from_headers);
        let span = if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug_span!(
                "sea_streamer.handle",
                stream = message.stream_key().name(),
                shard = message.shard_id().id(),
                sequence = message.sequence(),
                trace_id = context.map(|c| c.trace_id()).unwrap_or_default(),
            )
        } else {
            tracing::Span::none()
        };
        let attempt = self.inner.handle(message, outbox);
        let timed = async move {
            let result = attempt.await;
            if let Some((metrics, started)) = timing {
                metrics.attempt(started.elapsed());
            }
            result
        };
        match context {
            Some(context) => Either::Left(context.scope(timed).instrument(span)),
            None => Either::Right(timed.instrument(span)),
        }
    }
}
