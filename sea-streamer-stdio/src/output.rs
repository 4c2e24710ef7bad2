//! Writing messages: the process-wide stdout thread prints what producers send, in the
//! format `[{timestamp} | {stream_key} | {sequence}] {payload}\n`, and completes their
//! receipts.
//!
//! Requests are drained from the queue in batches; a batch is formatted into one buffer,
//! written and flushed, and only then are its receipts completed (so a receipt means the
//! line has reached the output). All lines of a batch share one timestamp (taken when the
//! batch starts), and the timestamp text is formatted once per second.

use crate::consumer_group::registry;
use crate::util::{push_decimal, SecondsText};
use crate::{StdioErr, StdioResult};
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, SharedMessage, StreamKey, Timestamp};
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// A request to the output thread.
pub(crate) enum Request {
    /// Print one message (nothing is printed for an empty payload).
    Send {
        key: StreamKey,
        payload: Vec<u8>,
        loopback: bool,
        receipt: ReceiptSender,
    },
    /// Finish what was queued before, then exit.
    Shutdown,
}

/// State shared by a [`ReceiptSender`] and its [`SendFuture`].
#[derive(Default)]
struct Slot {
    result: Option<StdioResult<MessageHeader>>,
    waker: Option<Waker>,
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// The writing end of a receipt. If dropped without a result (the output thread exited
/// first), the receipt resolves to `Disconnected`.
pub(crate) struct ReceiptSender(Option<Arc<Mutex<Slot>>>);

impl ReceiptSender {
    fn complete(mut self, result: StdioResult<MessageHeader>) {
        if let Some(slot) = self.0.take() {
            fill(&slot, result);
        }
    }
}

fn fill(slot: &Arc<Mutex<Slot>>, result: StdioResult<MessageHeader>) {
    // Nobody is waiting if the future was dropped.
    if Arc::strong_count(slot) == 1 {
        return;
    }
    let waker = {
        let mut state = lock(slot);
        state.result = Some(result);
        state.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Drop for ReceiptSender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            fill(
                &slot,
                Err(sea_streamer_types::StreamErr::Backend(
                    StdioErr::Disconnected,
                )),
            );
        }
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
    Waiting(Arc<Mutex<Slot>>),
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
        let SendState::Waiting(slot) = &self.0 else {
            return Poll::Ready(Err(sea_streamer_types::StreamErr::Backend(
                StdioErr::Disconnected,
            )));
        };
        let result = {
            let mut state = lock(slot);
            match state.result.take() {
                Some(result) => result,
                None => {
                    match &state.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => state.waker = Some(cx.waker().clone()),
                    }
                    return Poll::Pending;
                }
            }
        };
        self.0 = SendState::Done;
        Poll::Ready(result)
    }
}

/// A connected receipt sender and future.
pub(crate) fn receipt() -> (ReceiptSender, SendFuture) {
    let slot = Arc::new(Mutex::new(Slot::default()));
    (
        ReceiptSender(Some(slot.clone())),
        SendFuture(SendState::Waiting(slot)),
    )
}

/// Whether the printer should keep running after a batch.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Exit,
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
    /// One timestamp per batch: all its lines are printed together.
    now: Option<Timestamp>,
    seconds: SecondsText,
    pending: Vec<(ReceiptSender, MessageHeader)>,
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
            now: None,
            seconds: SecondsText::default(),
            pending: Vec::new(),
            loopback: Vec::new(),
            failed: None,
        }
    }

    /// Runs until all senders are gone or a [`Request::Shutdown`] is processed.
    /// `loopback` receives the printed messages of loopback producers, batch by batch.
    pub fn run(
        &mut self,
        requests: &flume::Receiver<Request>,
        mut loopback: impl FnMut(&mut Vec<SharedMessage>),
    ) {
        while let Ok(first) = requests.recv() {
            let mut flow = self.handle(first);
            if flow == Flow::Continue {
                for request in requests.drain() {
                    flow = self.handle(request);
                    if flow == Flow::Exit {
                        break;
                    }
                }
            }
            self.finish_batch();
            if !self.loopback.is_empty() {
                loopback(&mut self.loopback);
                self.loopback.clear();
            }
            if flow == Flow::Exit {
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

    /// Writes one message (unless empty) and queues its receipt.
    pub fn handle(&mut self, request: Request) -> Flow {
        let (key, payload, loopback, receipt) = match request {
            Request::Shutdown => return Flow::Exit,
            Request::Send {
                key,
                payload,
                loopback,
                receipt,
            } => (key, payload, loopback, receipt),
        };
        let timestamp = *self.now.get_or_insert_with(Timestamp::now_utc);
        if payload.is_empty() {
            let header = MessageHeader::new(key, ShardId::new(0), 0, timestamp);
            self.pending.push((receipt, header));
            return Flow::Continue;
        }
        let sequence = self.next_sequence(&key);
        let buf = &mut self.buf;
        buf.push(b'[');
        buf.extend_from_slice(self.seconds.get(timestamp).as_bytes());
        buf.extend_from_slice(b" | ");
        buf.extend_from_slice(key.name().as_bytes());
        buf.extend_from_slice(b" | ");
        push_decimal(buf, u128::from(sequence));
        buf.extend_from_slice(b"] ");
        buf.extend_from_slice(&payload);
        buf.push(b'\n');
        if buf.len() >= OUT_BUFFER {
            self.write_out();
        }
        let header = MessageHeader::new(key, ShardId::new(0), sequence, timestamp);
        if loopback {
            let len = payload.len();
            self.loopback
                .push(SharedMessage::new(header.clone(), payload, 0, len));
        }
        self.pending.push((receipt, header));
        Flow::Continue
    }

    /// Writes the buffer out, remembering the first error of the batch.
    fn write_out(&mut self) {
        if let Err(e) = self.out.write_all(&self.buf) {
            self.failed.get_or_insert(e);
        }
        self.buf.clear();
        if self.buf.capacity() > 16 * OUT_BUFFER {
            // Do not keep the memory of one huge message.
            self.buf = Vec::with_capacity(OUT_BUFFER + 1024);
        }
    }

    /// Writes and flushes the output, then completes the receipts of the batch.
    pub fn finish_batch(&mut self) {
        self.write_out();
        self.store_current();
        self.now = None;
        let flushed = self.out.flush();
        match self.failed.take().map_or(flushed, Err) {
            Ok(()) => {
                for (receipt, header) in self.pending.drain(..) {
                    receipt.complete(Ok(header));
                }
            }
            Err(e) => {
                log::error!("writing stdout failed: {e}");
                for (receipt, _) in self.pending.drain(..) {
                    let err = std::io::Error::new(e.kind(), e.to_string());
                    receipt.complete(Err(sea_streamer_types::StreamErr::Backend(
                        StdioErr::IoError(err),
                    )));
                }
            }
        }
    }
}

/// Handle of the running stdout thread.
struct OutputThread {
    sender: flume::Sender<Request>,
    exited: flume::Receiver<()>,
}

static OUTPUT: Mutex<Option<OutputThread>> = Mutex::new(None);

/// Per-key counters of this process; they outlive a disconnect.
static COUNTERS: LazyLock<Mutex<HashMap<StreamKey, SeqNo>>> = LazyLock::new(Default::default);

/// The queue of the stdout thread, spawning `sea-streamer-stdio-stdout` if none runs.
///
/// If the thread cannot be spawned, the error is logged and the returned queue is closed,
/// so sends fail with `Disconnected`.
pub(crate) fn output_queue() -> flume::Sender<Request> {
    let mut output = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(thread) = output.as_ref() {
        return thread.sender.clone();
    }
    let (sender, requests) = flume::unbounded();
    let (exit_signal, exited) = flume::bounded::<()>(0);
    let spawned = std::thread::Builder::new()
        .name("sea-streamer-stdio-stdout".to_owned())
        .spawn(move || {
            let mut counters = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
            let mut printer = Printer::new(std::io::stdout(), &mut counters);
            printer.run(&requests, |batch| {
                let mut consumers = registry();
                for message in batch.drain(..) {
                    consumers.dispatch(message, false);
                }
            });
            drop(printer);
            drop(counters);
            // Requests queued after the shutdown resolve to `Disconnected` (flume keeps
            // queued items while senders live, so drop them here); closing the queue makes
            // later sends fail. Then tell `shutdown_output` we are done.
            drop(requests.drain());
            drop(requests);
            drop(exit_signal);
        });
    match spawned {
        Ok(_) => {
            *output = Some(OutputThread {
                sender: sender.clone(),
                exited,
            });
        }
        Err(e) => log::error!("cannot spawn the stdout thread: {e}"),
    }
    sender
}

/// Queues a shutdown after everything pending and waits until the stdout thread exited.
/// Does nothing if no thread runs.
pub(crate) async fn shutdown_output() {
    let thread = OUTPUT.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(OutputThread { sender, exited }) = thread {
        let _ = sender.send(Request::Shutdown);
        drop(sender);
        // Resolves with `Err(Disconnected)` when the thread drops its signal on exit.
        let _ = exited.recv_async().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use sea_streamer_types::{Buffer, Message};

    fn key(name: &str) -> StreamKey {
        StreamKey::new(name).unwrap()
    }

    fn send(queue: &flume::Sender<Request>, k: &str, payload: &str, loopback: bool) -> SendFuture {
        let (receipt, future) = receipt();
        queue
            .send(Request::Send {
                key: key(k),
                payload: payload.as_bytes().to_vec(),
                loopback,
                receipt,
            })
            .unwrap();
        future
    }

    /// Splits `[ts | key | seq] payload` lines, checking the timestamp's shape.
    fn lines(out: &[u8]) -> Vec<(String, String, String)> {
        String::from_utf8(out.to_vec())
            .unwrap()
            .lines()
            .map(|line| {
                let (meta, payload) = line.split_once("] ").unwrap();
                let parts: Vec<&str> = meta[1..].split(" | ").collect();
                assert_eq!(parts.len(), 3, "{line}");
                assert!(crate::parser::parse_timestamp(parts[0]).is_some(), "{line}");
                assert_eq!(parts[0].len(), 19);
                (parts[1].to_owned(), parts[2].to_owned(), payload.to_owned())
            })
            .collect()
    }

    #[test]
    fn prints_format_counters_and_receipts() {
        let (queue, requests) = flume::unbounded();
        let a0 = send(&queue, "a", "x0", false);
        let b0 = send(&queue, "b", "{\"y\":1}", false);
        let empty = send(&queue, "a", "", false);
        let a1 = send(&queue, "a", "x1", true);
        queue.send(Request::Shutdown).unwrap();
        let late = send(&queue, "a", "late", false);
        let mut counters = HashMap::new();
        let mut out = Vec::new();
        let mut looped = Vec::new();
        Printer::new(&mut out, &mut counters).run(&requests, |batch| {
            looped.append(batch);
        });
        drop(requests);
        assert_eq!(
            lines(&out),
            vec![
                ("a".into(), "0".into(), "x0".into()),
                ("b".into(), "0".into(), "{\"y\":1}".into()),
                ("a".into(), "1".into(), "x1".into()),
            ]
        );
        let a0 = block_on(a0).unwrap();
        assert_eq!((a0.stream_key().name(), *a0.sequence()), ("a", 0));
        assert_eq!(*block_on(b0).unwrap().sequence(), 0);
        assert_eq!(*block_on(empty).unwrap().sequence(), 0);
        let a1 = block_on(a1).unwrap();
        assert_eq!(*a1.sequence(), 1);
        assert_eq!(a1.shard_id().id(), 0);
        assert!(matches!(
            block_on(late),
            Err(sea_streamer_types::StreamErr::Backend(
                StdioErr::Disconnected
            ))
        ));
        assert_eq!(looped.len(), 1);
        assert_eq!(looped[0].header(), &a1);
        assert_eq!(looped[0].message().as_str().unwrap(), "x1");
        assert_eq!(counters.get(&key("a")), Some(&2));
    }

    #[test]
    fn counters_continue_across_printers() {
        let mut counters = HashMap::new();
        for round in 0..2 {
            let (queue, requests) = flume::unbounded();
            let f = send(&queue, "k", "p", false);
            drop(queue);
            let mut out = Vec::new();
            Printer::new(&mut out, &mut counters).run(&requests, |_| {});
            assert_eq!(*block_on(f).unwrap().sequence(), round);
        }
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn write_errors_fail_the_receipts() {
        let (queue, requests) = flume::unbounded();
        let f = send(&queue, "k", &"z".repeat(100_000), false);
        drop(queue);
        let mut counters = HashMap::new();
        Printer::new(Broken, &mut counters).run(&requests, |_| {});
        match block_on(f) {
            Err(sea_streamer_types::StreamErr::Backend(StdioErr::IoError(e))) => {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
