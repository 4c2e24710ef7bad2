//! The runner's observability, as a wrapper around the user's handler ([`Observed`]):
//! [`ProcessorMetrics`] per input stream (registered the first time a stream key is seen,
//! labelled from configuration only); one attempt in [`ATTEMPT_SAMPLE`] timed (reading the
//! clock twice and recording a histogram sample cost as much as the rest of the runner's
//! per-message work on a fast backend), every attempt run inside the trace scope of its
//! message's `traceparent` (so what the handler sends continues the trace) and inside a
//! debug-level `sea_streamer.handle` tracing span. The run loop records how each message
//! ended through [`StreamMetrics`], its own cache of the handles (no lock per message).

use crate::attempt::Outcome;
use crate::{Handler, HandlerErr, Outbox};
use sea_streamer_types::{Message, ProcessorMetrics, SharedMessage, StreamKey, TraceContext};
use std::future::Future;
use std::pin::Pin;
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
    pub(crate) fn metrics_of(&self, key: &StreamKey) -> Arc<ProcessorMetrics> {
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
}

/// An attempt being timed: its stream's handles and its start (see [`ATTEMPT_SAMPLE`]).
pub(crate) type Timing = Option<(Arc<ProcessorMetrics>, Instant)>;

/// Records the duration of an attempt being timed.
#[inline]
pub(crate) fn timed(timing: Timing) {
    if let Some((metrics, started)) = timing {
        metrics.attempt(started.elapsed());
    }
}

impl<H: Handler> Observed<H> {
    /// One attempt of the user's handler, observed. A message without a trace context, with
    /// debug tracing off, runs the handler's future inline; otherwise it is boxed inside its
    /// trace scope and span (most messages have neither, and this future, a message's first
    /// attempt, is moved at every message: it is kept to the handler's own).
    pub(crate) async fn handle(
        &self,
        message: SharedMessage,
        outbox: Outbox,
    ) -> Result<(), HandlerErr> {
        let timing = self.timing(&message);
        let result = self.first(message, outbox).await;
        timed(timing);
        result
    }

    /// [`handle`](Self::handle) without timing: a message's first attempt, which the run loop
    /// times itself (its sampling counter and cached handles need no atomic and no lock).
    pub(crate) async fn first(
        &self,
        message: SharedMessage,
        outbox: Outbox,
    ) -> Result<(), HandlerErr> {
        match self.scope(&message) {
            None => self.inner.handle(message, outbox).await,
            Some(context) => self.traced(message, outbox, context).await,
        }
    }

    /// Starts timing an attempt, if it is one of the sampled ones (see [`ATTEMPT_SAMPLE`]).
    #[inline]
    fn timing(&self, message: &SharedMessage) -> Timing {
        let sampled = self
            .attempts
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(ATTEMPT_SAMPLE);
        sampled.then(|| {
            (
                self.metrics_of(message.header().stream_key()),
                Instant::now(),
            )
        })
    }

    /// How an attempt at `message` runs: `None` for the handler's future inline (a message
    /// without a trace context, with debug tracing off: most messages), otherwise
    /// [`traced`](Self::traced) in this context (a message without headers pays for no
    /// parsing).
    #[inline]
    fn scope(&self, message: &SharedMessage) -> Option<Option<TraceContext>> {
        let context = message.headers().and_then(TraceContext::from_headers);
        if context.is_none() && !tracing::enabled!(tracing::Level::DEBUG) {
            None
        } else {
            Some(context)
        }
    }

    /// The attempt inside `context`'s scope (if any) and a debug-level span, boxed.
    fn traced(
        &self,
        message: SharedMessage,
        outbox: Outbox,
        context: Option<TraceContext>,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerErr>> + Send + '_>> {
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
        match context {
            Some(context) => Box::pin(context.scope(attempt).instrument(span)),
            None => Box::pin(attempt.instrument(span)),
        }
    }
}

/// The metrics handles of the input streams for the run loop, which owns this cache: no
/// lock and no reference count. A stream key is looked up by the address of its name (a
/// consumer hands out the same key for every message of a stream; the cache holds a clone of
/// each key, so no other name can be at that address): the stream of the previous message
/// first, then the others; by its text only when that fails.
#[derive(Default)]
pub(crate) struct StreamMetrics {
    /// The address of each stream's name, in the order of `streams`.
    names: Vec<usize>,
    streams: Vec<(StreamKey, Arc<ProcessorMetrics>)>,
    last: usize,
    /// First attempts started, for the sampling of their durations.
    attempts: u32,
}

impl StreamMetrics {
    /// Records how a message of `key` ended after `attempts` attempts.
    #[inline]
    pub(crate) fn finished<H>(
        &mut self,
        observed: &Observed<H>,
        key: &StreamKey,
        attempts: u32,
        outcome: &Outcome,
    ) {
        let metrics = self.of(observed, key);
        for _ in 1..attempts {
            metrics.retried();
        }
        match outcome {
            Outcome::Processed => metrics.handled(),
            Outcome::DeadLettered => metrics.dead_lettered(),
            Outcome::Failed(_) | Outcome::DeadLetterFailed(_) => {}
        }
    }

    /// Starts timing a first attempt at a message of `key` if it is one of the sampled ones
    /// (one in [`ATTEMPT_SAMPLE`], counted here).
    #[inline]
    pub(crate) fn timing<H>(&mut self, observed: &Observed<H>, key: &StreamKey) -> Timing {
        let n = self.attempts;
        self.attempts = n.wrapping_add(1);
        if !n.is_multiple_of(ATTEMPT_SAMPLE) {
            return None;
        }
        self.of(observed, key);
        Some((self.streams[self.last].1.clone(), Instant::now()))
    }

    /// The handles of `key`, taken from `observed` on first sight.
    fn of<H>(&mut self, observed: &Observed<H>, key: &StreamKey) -> &ProcessorMetrics {
        let name = key.name().as_ptr() as usize;
        if self.names.get(self.last) != Some(&name) {
            self.last = match self.names.iter().position(|n| *n == name) {
                Some(at) => at,
                None => self.find_or_add(observed, key),
            };
        }
        &self.streams[self.last].1
    }

    /// The place of `key` found by its text (a key equal to a known one at another
    /// address), or a new place.
    #[cold]
    fn find_or_add<H>(&mut self, observed: &Observed<H>, key: &StreamKey) -> usize {
        if let Some(at) = self.streams.iter().position(|(k, _)| k == key) {
            return at;
        }
        self.names.push(key.name().as_ptr() as usize);
        self.streams.push((key.clone(), observed.metrics_of(key)));
        self.streams.len() - 1
    }
}
