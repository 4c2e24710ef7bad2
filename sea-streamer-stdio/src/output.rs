//! Writing messages: the process-wide stdout thread prints what producers send, in the
//! format `[{timestamp} | {stream_key} | {sequence}] {payload}\n`, and completes their
//! receipts.
//!
//! Producers append their messages to a shared [`Queue`]: the payload bytes go into one
//! buffer, and every message queued until the printer takes the queue shares one [`Batch`]
//! for its receipt, so a send allocates nothing of its own. The printer takes everything
//! queued at once (swapping buffers, which are reused), formats it into one output buffer,
//! writes and flushes it, and only then completes the batch (so a receipt means the line
//! has reached the output). All lines of a batch share one timestamp (taken when the batch
//! starts), and the timestamp text is formatted once per second. A batch whose receipts
//! were all dropped skips the receipt bookkeeping.

use crate::consumer_group::registry;
use crate::limits::{QueueFull, QueueLimits};
use crate::util::{push_decimal, SecondsText};
use crate::{StdioErr, StdioResult};
use sea_streamer_types::{
    MessageHeader, SeqNo, ShardId, SharedMessage, StreamErr, StreamKey, Timestamp,
};
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One queued message: its key is `keys[key]` and its payload `bytes[start..start + len]`
/// of its [`Requests`].
struct Request {
    key: usize,
    start: usize,
    len: usize,
    loopback: bool,
}

/// Queued messages. Consecutive messages to one key share one entry of `keys`, so a send
/// to the same key as the previous one does not touch the key's reference count (which
/// the printer's thread would otherwise bounce with the producer's).
#[derive(Default)]
struct Requests {
    list: Vec<Request>,
    bytes: Vec<u8>,
    keys: Vec<StreamKey>,
}

impl Requests {
    fn clear(&mut self) {
        self.list.clear();
        self.bytes.clear();
        self.keys.clear();
    }
}

/// The outcome of a printed batch.
enum Outcome {
    /// Printed: the batch's timestamp and each message's key and sequence number.
    Printed(Timestamp, Vec<(StreamKey, SeqNo)>),
    /// Writing failed.
    Failed(std::io::ErrorKind, String),
    /// The output thread went away before printing.
    Disconnected,
}

/// The receipts of the messages queued together.
#[derive(Default)]
struct Batch {
    state: Mutex<BatchState>,
}

#[derive(Default)]
struct BatchState {
    outcome: Option<Outcome>,
    wakers: Vec<Waker>,
}

impl Batch {
    fn complete(&self, outcome: Outcome) {
        let wakers = {
            let mut state = lock(&self.state);
            if state.outcome.is_some() {
                return;
            }
            state.outcome = Some(outcome);
            std::mem::take(&mut state.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }
}

/// What producers have queued and the printer has not taken yet.
struct Pending {
    requests: Requests,
    batch: Arc<Batch>,
    /// No more sends are accepted (a shutdown was queued, or the thread is gone).
    closed: bool,
    /// The printer should exit after printing what is queued.
    shutdown: bool,
    /// The printer is waiting for requests.
    idle: bool,
}

/// The queue between producers and the printer.
pub(crate) struct Queue {
    pending: Mutex<Pending>,
    ready: Condvar,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

impl Queue {
    /// An open, empty queue.
    pub fn new() -> Self {
        Self {
            pending: Mutex::new(Pending {
                requests: Requests::default(),
                batch: Arc::default(),
                closed: false,
                shutdown: false,
                idle: false,
            }),
            ready: Condvar::new(),
        }
    }

    /// A closed queue: every send fails with `Disconnected`.
    fn closed() -> Self {
        let queue = Self::new();
        lock(&queue.pending).closed = true;
        queue
    }

    /// Queues a message; `Err(Disconnected)` once the queue is closed, a [`QueueFull`]
    /// error if `limits` would be exceeded.
    pub fn send(
        &self,
        key: &StreamKey,
        payload: &[u8],
        loopback: bool,
        limits: &QueueLimits,
    ) -> StdioResult<SendFuture> {
        let (batch, index, wake) = {
            let mut pending = lock(&self.pending);
            if pending.closed {
                return Err(StreamErr::Backend(StdioErr::Disconnected));
            }
            let requests = &mut pending.requests;
            let (messages, bytes) = (requests.list.len(), requests.bytes.len());
            if !limits.admits(messages, bytes, payload.len()) {
                return Err(StreamErr::Backend(QueueFull { messages, bytes }.into()));
            }
            if requests.keys.last() != Some(key) {
                requests.keys.push(key.clone());
            }
            let start = requests.bytes.len();
            requests.bytes.extend_from_slice(payload);
            requests.list.push(Request {
                key: requests.keys.len() - 1,
                start,
                len: payload.len(),
                loopback,
            });
            let index = requests.list.len() - 1;
            let wake = std::mem::take(&mut pending.idle);
            (pending.batch.clone(), index, wake)
        };
        if wake {
            self.ready.notify_one();
        }
        Ok(SendFuture(SendState::Waiting {
            batch,
            index,
            waker: None,
        }))
    }

    /// Closes the queue; the printer exits after printing what was queued before.
    pub fn shutdown(&self) {
        let mut pending = lock(&self.pending);
        pending.closed = true;
        pending.shutdown = true;
        drop(pending);
        self.ready.notify_one();
    }

    /// Waits for requests and takes them all, leaving `requests` (emptied) in their place.
    /// Returns the batch of the taken requests and whether to exit after it.
    fn take(&self, requests: &mut Requests) -> (Arc<Batch>, bool) {
        requests.clear();
        let mut pending = lock(&self.pending);
        while pending.requests.list.is_empty() && !pending.shutdown {
            pending.idle = true;
            pending = self.ready.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
        pending.idle = false;
        std::mem::swap(&mut pending.requests, requests);
        let batch = std::mem::take(&mut pending.batch);
        (batch, pending.shutdown)
    }
}

/// Future of a send's receipt: resolves once the message has been printed.
///
/// The receipt's header has the stream key, shard 0, the sequence number printed and the
/// time of printing. An empty payload prints nothing and its receipt has sequence 0.
///
/// ```no_run
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// use sea_streamer_stdio::StdioProducer;
/// use sea_streamer_types::{Producer, StreamKey};
///
/// let producer = StdioProducer::new();
/// let receipt = producer.send_to(&StreamKey::new("hello")?, "world")?.await?;
/// assert_eq!(receipt.stream_key().name(), "hello");
/// # Ok(()) }
/// ```
pub struct SendFuture(SendState);

enum SendState {
    Waiting {
        batch: Arc<Batch>,
        index: usize,
        /// Where this future's waker is in the batch's list, once registered.
        waker: Option<usize>,
    },
    Done,
}

impl std::fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendFuture")
    }
}

impl Future for SendFuture {
    type Output = StdioResult<MessageHeader>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let SendState::Waiting {
            batch,
            index,
            waker,
        } = &mut self.0
        else {
            return Poll::Ready(Err(StreamErr::Backend(StdioErr::Disconnected)));
        };
        let result = {
            let mut state = lock(&batch.state);
            match &state.outcome {
                Some(Outcome::Printed(timestamp, entries)) => {
                    let (key, sequence) = &entries[*index];
                    Ok(MessageHeader::new(
                        key.clone(),
                        ShardId::new(0),
                        *sequence,
                        *timestamp,
                    ))
                }
                Some(Outcome::Failed(kind, message)) => Err(StreamErr::Backend(StdioErr::IoError(
                    std::io::Error::new(*kind, message.clone()),
                ))),
                Some(Outcome::Disconnected) => Err(StreamErr::Backend(StdioErr::Disconnected)),
                None => {
                    match *waker {
                        Some(i) if state.wakers[i].will_wake(cx.waker()) => {}
                        Some(i) => state.wakers[i] = cx.waker().clone(),
                        None => {
                            *waker = Some(state.wakers.len());
                            state.wakers.push(cx.waker().clone());
                        }
                    }
                    return Poll::Pending;
                }
            }
        };
        self.0 = SendState::Done;
        Poll::Ready(result)
    }
}

/// Completes a batch with `Disconnected` unless it was completed before (e.g. when the
/// printer unwinds half-way).
struct BatchGuard(Arc<Batch>);

impl Drop for BatchGuard {
    fn drop(&mut self) {
        self.0.complete(Outcome::Disconnected);
    }
}

/// Size above which the output buffer is written out before the batch ends.
const OUT_BUFFER: usize = 1 << 16;

/// Prints messages to a writer; owns the per-key sequence counters while it runs.
pub(crate) struct Printer<'c, W: Write> {
    out: W,
    buf: Vec<u8>,
    counters: &'c mut HashMap<StreamKey, SeqNo>,
    /// The counter of the last key printed, kept out of the map while in use.
    current: Option<(StreamKey, SeqNo)>,
    seconds: SecondsText,
    loopback: Vec<SharedMessage>,
    failed: Option<std::io::Error>,
}

impl<'c, W: Write> Printer<'c, W> {
    /// A printer writing to `out` with the given counters.
    pub fn new(out: W, counters: &'c mut HashMap<StreamKey, SeqNo>) -> Self {
        Self {
            out,
            buf: Vec::with_capacity(OUT_BUFFER + 1024),
            counters,
            current: None,
            seconds: SecondsText::default(),
            loopback: Vec::new(),
            failed: None,
        }
    }

    /// Runs until a shutdown of `queue` is processed. `loopback` receives the printed
    /// messages of loopback producers, batch by batch.
    pub fn run(&mut self, queue: &Queue, mut loopback: impl FnMut(&mut Vec<SharedMessage>)) {
        let mut requests = Requests::default();
        loop {
            let (batch, exit) = queue.take(&mut requests);
            let guard = BatchGuard(batch);
            self.print_batch(&mut requests, &guard.0);
            drop(guard);
            if !self.loopback.is_empty() {
                loopback(&mut self.loopback);
                self.loopback.clear();
            }
            if requests.bytes.capacity() > 16 * OUT_BUFFER {
                // Do not keep the memory of one huge batch.
                requests.bytes = Vec::new();
            }
            if exit {
                return;
            }
        }
    }

    /// The next sequence number of `key`.
    fn next_sequence(&mut self, key: &StreamKey) -> SeqNo {
        match &mut self.current {
            Some((current, counter)) if current == key => {
                let seq = *counter;
                *counter = seq.wrapping_add(1);
                return seq;
            }
            _ => {}
        }
        self.store_current();
        let seq = self.counters.remove(key).unwrap_or(0);
        self.current = Some((key.clone(), seq.wrapping_add(1)));
        seq
    }

    /// Puts the cached counter back into the map.
    fn store_current(&mut self) {
        if let Some((key, counter)) = self.current.take() {
            self.counters.insert(key, counter);
        }
    }

    /// Prints the requests of one batch, flushes, and completes the batch.
    fn print_batch(&mut self, requests: &mut Requests, batch: &Arc<Batch>) {
        let Requests { list, bytes, keys } = requests;
        if list.is_empty() {
            return;
        }
        let _span = tracing::trace_span!(
            "sea_streamer.produce_batch",
            backend = crate::observe::BACKEND,
            count = list.len()
        )
        .entered();
        let timestamp = Timestamp::now_utc();
        // Receipts are only recorded if someone holds one (the queue no longer does).
        let receipts = Arc::strong_count(batch) > 1;
        let mut entries = Vec::with_capacity(if receipts { list.len() } else { 0 });
        for request in list.drain(..) {
            let key = &keys[request.key];
            let payload = &bytes[request.start..request.start + request.len];
            let sequence = if payload.is_empty() {
                0
            } else {
                self.print(key, payload, timestamp)
            };
            if request.loopback && !payload.is_empty() {
                let header = MessageHeader::new(key.clone(), ShardId::new(0), sequence, timestamp);
                self.loopback.push(SharedMessage::new(
                    header,
                    payload.to_vec(),
                    0,
                    payload.len(),
                ));
            }
            if receipts {
                entries.push((key.clone(), sequence));
            }
        }
        self.write_out();
        self.store_current();
        let flushed = self.out.flush();
        match self.failed.take().map_or(flushed, Err) {
            Ok(()) => batch.complete(Outcome::Printed(timestamp, entries)),
            // A reader that went away is how a pipeline normally ends (`| head`): the
            // receipts say so, and a program decides whether it is an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                log::debug!("stdout was closed: {e}");
                batch.complete(Outcome::Failed(e.kind(), e.to_string()));
            }
            Err(e) => {
                log::error!("writing stdout failed: {e}");
                batch.complete(Outcome::Failed(e.kind(), e.to_string()));
            }
        }
    }

    /// Formats one line into the output buffer; returns its sequence number.
    fn print(&mut self, key: &StreamKey, payload: &[u8], timestamp: Timestamp) -> SeqNo {
        let sequence = self.next_sequence(key);
        let buf = &mut self.buf;
        buf.push(b'[');
        buf.extend_from_slice(self.seconds.get(timestamp).as_bytes());
        buf.extend_from_slice(b" | ");
        buf.extend_from_slice(key.name().as_bytes());
        buf.extend_from_slice(b" | ");
        push_decimal(buf, u128::from(sequence));
        buf.extend_from_slice(b"] ");
        buf.extend_from_slice(payload);
        buf.push(b'\n');
        if buf.len() >= OUT_BUFFER {
            self.write_out();
        }
        sequence
    }

    /// Writes the buffer out, remembering the first error of the batch.
    fn write_out(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        if let Err(e) = self.out.write_all(&self.buf) {
            self.failed.get_or_insert(e);
        }
        self.buf.clear();
        if self.buf.capacity() > 16 * OUT_BUFFER {
            // Do not keep the memory of one huge message.
            self.buf = Vec::with_capacity(OUT_BUFFER + 1024);
        }
    }
}

/// Handle of the running stdout thread.
struct OutputThread {
    queue: Arc<Queue>,
    exited: flume::Receiver<()>,
}

static OUTPUT: Mutex<Option<OutputThread>> = Mutex::new(None);

/// Per-key counters of this process; they outlive a disconnect.
static COUNTERS: LazyLock<Mutex<HashMap<StreamKey, SeqNo>>> = LazyLock::new(Default::default);

/// Closes the queue when the stdout thread ends (also by unwinding), failing what was
/// queued with `Disconnected`.
struct CloseOnExit(Arc<Queue>);

impl Drop for CloseOnExit {
    fn drop(&mut self) {
        let batch = {
            let mut pending = lock(&self.0.pending);
            pending.closed = true;
            pending.requests.clear();
            std::mem::take(&mut pending.batch)
        };
        batch.complete(Outcome::Disconnected);
    }
}

/// The queue of the stdout thread, spawning `sea-streamer-stdio-stdout` if none runs.
///
/// If the thread cannot be spawned, the error is logged and the returned queue is closed,
/// so sends fail with `Disconnected`.
pub(crate) fn output_queue() -> Arc<Queue> {
    let mut output = lock(&OUTPUT);
    if let Some(thread) = output.as_ref() {
        return thread.queue.clone();
    }
    let queue = Arc::new(Queue::new());
    let (exit_signal, exited) = flume::bounded::<()>(0);
    let closer = CloseOnExit(queue.clone());
    let spawned = std::thread::Builder::new()
        .name("sea-streamer-stdio-stdout".to_owned())
        .spawn(move || {
            let mut counters = lock(&COUNTERS);
            let mut printer = Printer::new(std::io::stdout(), &mut counters);
            printer.run(&closer.0, |batch| {
                registry().dispatch_all(batch.drain(..).map(|m| (m, false)));
            });
            drop(printer);
            drop(counters);
            drop(closer);
            // Tell `shutdown_output` we are done.
            drop(exit_signal);
        });
    match spawned {
        Ok(_) => {
            *output = Some(OutputThread {
                queue: queue.clone(),
                exited,
            });
            queue
        }
        Err(e) => {
            log::error!("cannot spawn the stdout thread: {e}");
            Arc::new(Queue::closed())
        }
    }
}

/// Queues a shutdown after everything pending and waits until the stdout thread exited.
/// Does nothing if no thread runs.
pub(crate) async fn shutdown_output() {
    let thread = lock(&OUTPUT).take();
    if let Some(OutputThread { queue, exited }) = thread {
        queue.shutdown();
        drop(queue);
        // Resolves with `Err(Disconnected)` when the thread drops its signal on exit.
        let _ = exited.recv_async().await;
    }
}

#[cfg(test)]
mod tests;
