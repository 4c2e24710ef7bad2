//! [`StdioProducer`]: prints messages to stdout.

use crate::limits::QueueLimits;
use crate::observe::ProducerStatsCache;
use crate::output::{output_queue, Queue};
use crate::{PayloadLineBreak, SendFuture, StdioErr, StdioResult, BROADCAST};
use sea_streamer_types::{Buffer, Headers, Producer, ProducerWithHeaders, StreamErr, StreamKey};
use std::future::Future;
use std::sync::Arc;

/// A producer that prints `[{timestamp} | {stream_key} | {sequence}] {payload}` lines to
/// stdout. All producers of a process share one output thread and one sequence counter
/// per stream key (starting at 0); empty payloads print nothing. A payload must be UTF-8
/// and must not contain a line break (`\n`): such payloads are refused by `send`, see
/// [`PayloadLineBreak`].
///
/// What waits for the stdout thread is bounded ([`QueueLimits`], by default 100 000
/// messages or 64 MiB): when stdout is slow or blocked and the bound is reached, `send`
/// refuses with a [`QueueFull`](crate::QueueFull) error instead of growing without limit.
/// Await receipts (or `flush`) to wait for room.
///
/// ```no_run
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// use sea_streamer_stdio::StdioProducer;
/// use sea_streamer_types::{Producer, StreamKey};
///
/// let mut producer = StdioProducer::new();
/// producer.anchor(StreamKey::new("hello")?)?;
/// producer.send("world")?; // prints `[2023-02-24T08:13:10 | hello | 0] world`
/// producer.end().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StdioProducer {
    stream: Option<StreamKey>,
    queue: Arc<Queue>,
    loopback: bool,
    limits: QueueLimits,
    /// Metric handles per stream key, shared by clones.
    stats: Arc<ProducerStatsCache>,
}

impl Default for StdioProducer {
    fn default() -> Self {
        Self::new()
    }
}

impl StdioProducer {
    /// A producer without loopback (starts the stdout thread if none runs).
    pub fn new() -> Self {
        Self::new_with(false, QueueLimits::default())
    }

    pub(crate) fn new_with(loopback: bool, limits: QueueLimits) -> Self {
        Self {
            stream: None,
            queue: output_queue(),
            loopback,
            limits,
            stats: Default::default(),
        }
    }

    /// The bound on what this producer may have waiting for the stdout thread.
    pub fn queue_limits(&self) -> QueueLimits {
        self.limits
    }

    /// Sets the bound on what this producer may have waiting for the stdout thread.
    ///
    /// ```
    /// use sea_streamer_stdio::{QueueLimits, StdioProducer};
    ///
    /// let mut producer = StdioProducer::new();
    /// let limits = QueueLimits { max_messages: 10, max_bytes: 1 << 20 };
    /// producer.set_queue_limits(limits);
    /// assert_eq!(producer.queue_limits(), limits);
    /// ```
    pub fn set_queue_limits(&mut self, limits: QueueLimits) {
        self.limits = limits;
    }
}

impl Producer for StdioProducer {
    type Error = StdioErr;
    type SendFuture = SendFuture;

    /// Queues a message; `Err(Utf8Error)` if the payload is not UTF-8,
    /// `Err(Backend(IoError(_)))` of kind `InvalidInput` wrapping a [`PayloadLineBreak`] if
    /// it contains a `\n` (nothing is printed), `Err(Backend(IoError(_)))` of kind
    /// `WouldBlock` wrapping a [`QueueFull`](crate::QueueFull) if the queue is at its
    /// [`QueueLimits`], and `Err(Backend(Disconnected))` after the streamer was disconnected.
    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> StdioResult<SendFuture> {
        if let Err(e) = payload.as_str() {
            self.stats.error(stream);
            return Err(StreamErr::Utf8Error(e));
        }
        if let Some(position) = memchr::memchr(b'\n', payload.as_bytes()) {
            self.stats.error(stream);
            return Err(StreamErr::Backend(PayloadLineBreak { position }.into()));
        }
        let sent = self
            .queue
            .send(stream, payload.as_bytes(), self.loopback, &self.limits);
        match &sent {
            // the empty message of `flush` is no message
            Ok(_) if payload.size() == 0 && stream.name() == BROADCAST => {}
            Ok(_) => self.stats.sent(stream, payload.size()),
            Err(_) => self.stats.error(stream),
        }
        sent
    }

    /// Same as [`Producer::flush`].
    fn end(mut self) -> impl Future<Output = StdioResult<()>> + Send {
        let flushed = self.flush_now();
        async move { flushed?.await.map(|_| ()) }
    }

    /// Resolves once everything sent before has been printed: it sends an empty message
    /// (which prints nothing) to `broadcast` and awaits its receipt.
    fn flush(&mut self) -> impl Future<Output = StdioResult<()>> + Send {
        let flushed = self.flush_now();
        async move { flushed?.await.map(|_| ()) }
    }

    fn anchor(&mut self, stream: StreamKey) -> StdioResult<()> {
        if self.stream.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.stream = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> StdioResult<&StreamKey> {
        self.stream.as_ref().ok_or(StreamErr::NotAnchored)
    }
}

/// Stdio carries no headers (a line is `[key | seq] payload`): only an empty [`Headers`] is
/// accepted (then this is [`Producer::send_to`]); any header fails with
/// `StreamErr::Unsupported` and nothing is printed. (An addition to the 0.5 API.)
///
/// ```
/// use sea_streamer_stdio::StdioProducer;
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamErr, StreamKey};
///
/// let producer = StdioProducer::new();
/// let key = StreamKey::new("hello").unwrap();
/// let mut headers = Headers::new();
/// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// let refused = producer.send_to_with_headers(&key, &headers, "hi");
/// assert!(matches!(refused, Err(StreamErr::Unsupported(_))));
/// ```
impl ProducerWithHeaders for StdioProducer {
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> StdioResult<SendFuture> {
        if !headers.is_empty() {
            return Err(StreamErr::Unsupported(
                "the stdio backend carries no headers (a line has no place for them)".into(),
            ));
        }
        self.send_to(stream, payload)
    }
}

impl StdioProducer {
    fn flush_now(&mut self) -> StdioResult<SendFuture> {
        self.send_to(&StreamKey::new(BROADCAST)?, "")
    }
}
