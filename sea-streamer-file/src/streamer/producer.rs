//! [`FileProducer`]: appends messages to a file through a writer shared by all producers of that file.

use crate::error::{FileErr, FileResult};
use crate::file_id::FileId;
use crate::io::write_queue::QueueLimits;
use crate::io::write_thread::wait;
use crate::streamer::observe::ProducerStatsCache;
use crate::write::message_sink::MessageSink;
use crate::write::recover::scan_streams;
use sea_streamer_types::{
    Buffer, Headers, MessageHeader, Producer, ProducerWithHeaders, SeqNo, ShardId, StreamErr,
    StreamKey,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};

/// The writer shared by every producer of one file.
#[derive(Debug)]
pub(crate) struct WriterSlot {
    file_id: FileId,
    end_with_eos: bool,
    state: Mutex<WriterState>,
}

#[derive(Debug)]
struct WriterState {
    sink: Option<MessageSink>,
    scanned: bool,
    /// Metric handles per stream key (labels don't name the file, so one set per writer is enough).
    stats: ProducerStatsCache,
}

fn writers() -> &'static Mutex<HashMap<FileId, Weak<WriterSlot>>> {
    static WRITERS: OnceLock<Mutex<HashMap<FileId, Weak<WriterSlot>>>> = OnceLock::new();
    WRITERS.get_or_init(Default::default)
}

fn poisoned<T>(_: T) -> FileErr {
    FileErr::TaskDead("writer lock")
}

impl WriterSlot {
    /// The live writer of a file, or a new one appending to it.
    pub fn get_or_open(
        file_id: &FileId,
        beacon_interval: u32,
        limit: u64,
        end_with_eos: bool,
        limits: QueueLimits,
    ) -> Result<Arc<Self>, FileErr> {
        let mut map = writers().lock().map_err(poisoned)?;
        if let Some(slot) = map.get(file_id).and_then(|w| w.upgrade()) {
            if slot.is_alive() {
                return Ok(slot);
            }
        }
        let sink = MessageSink::append_sync(file_id.clone(), beacon_interval, limit)?;
        sink.set_queue_limits(limits)?;
        // `MessageSink::append` recovered the streams of the file already
        let scanned = true;
        let slot = Arc::new(Self {
            file_id: file_id.clone(),
            end_with_eos,
            state: Mutex::new(WriterState {
                sink: Some(sink),
                scanned,
                stats: ProducerStatsCache::default(),
            }),
        });
        map.insert(file_id.clone(), Arc::downgrade(&slot));
        Ok(slot)
    }

    /// The live writer of a file, if any.
    pub fn get(file_id: &FileId) -> Option<Arc<Self>> {
        let map = writers().lock().ok()?;
        map.get(file_id)
            .and_then(|w| w.upgrade())
            .filter(|s| s.is_alive())
    }

    fn is_alive(&self) -> bool {
        self.state.lock().map(|s| s.sink.is_some()).unwrap_or(false)
    }

    /// End the writer for every producer: EOS if configured, flush, fsync.
    pub async fn end(&self) -> Result<(), FileErr> {
        let rx = {
            let mut st = self.state.lock().map_err(poisoned)?;
            let mut sink = st.sink.take().ok_or(FileErr::ProducerEnded)?;
            if let Ok(mut map) = writers().lock() {
                map.remove(&self.file_id);
            }
            sink.begin_end(self.end_with_eos)?
        };
        wait(rx).await
    }

    fn send(&self, key: &StreamKey, payload: &[u8]) -> Result<MessageHeader, FileErr> {
        let mut st = self.state.lock().map_err(poisoned)?;
        let WriterState {
            sink,
            scanned,
            stats,
        } = &mut *st;
        let started = stats.start();
        let Some(writer) = sink.as_mut() else {
            stats.error(key);
            return Err(FileErr::ProducerEnded);
        };
        let shard = ShardId::new(0);
        let seq: SeqNo = match writer.stream(key, shard) {
            Some(s) => s.seq + 1,
            None if !*scanned => {
                // first send of an unknown key to a file with earlier data: recover numbering
                *scanned = true;
                let recovered = match scan_streams(&self.file_id, writer.started_from()) {
                    Ok(r) => r,
                    Err(e) => {
                        stats.error(key);
                        return Err(e);
                    }
                };
                writer.seed(recovered);
                writer.stream(key, shard).map(|s| s.seq + 1).unwrap_or(1)
            }
            None => 1,
        };
        let header = MessageHeader::new(
            key.clone(),
            shard,
            seq,
            crate::format::primitives::now_millis(),
        );
        match writer.write_counted(&header, payload) {
            Ok(_) => {
                stats.sent(key, payload.len(), started);
                Ok(header)
            }
            // nothing was queued: the writer goes on
            Err(e @ FileErr::QueueFull { .. }) => {
                stats.error(key);
                Err(e)
            }
            Err(e) => {
                stats.error(key);
                log::error!("{}: writer stopped: {e}", self.file_id);
                *sink = None;
                if let Ok(mut map) = writers().lock() {
                    map.remove(&self.file_id);
                }
                Err(e)
            }
        }
    }

    fn flush(&self) -> Result<flume::Receiver<Result<(), FileErr>>, FileErr> {
        let st = self.state.lock().map_err(poisoned)?;
        Ok(st
            .sink
            .as_ref()
            .ok_or(FileErr::ProducerEnded)?
            .begin_flush())
    }
}

/// A producer appending to one file. Clones share the file's writer.
///
/// ```no_run
/// use sea_streamer_file::{FileConnectOptions, FileStreamer};
/// use sea_streamer_types::{Producer, StreamKey, Streamer};
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let mut options = FileConnectOptions::default();
/// options.set_create_if_not_exists(true);
/// let streamer = FileStreamer::connect("file:///tmp/p.ss".parse()?, options).await?;
/// let mut producer = streamer.create_producer(StreamKey::new("hello")?, Default::default()).await?;
/// let receipt = producer.send("one")?.await?;
/// assert_eq!(*receipt.sequence(), 1);
/// producer.flush().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileProducer {
    file_id: FileId,
    slot: Arc<WriterSlot>,
    anchor: Option<StreamKey>,
}

impl Clone for FileProducer {
    fn clone(&self) -> Self {
        Self {
            file_id: self.file_id.clone(),
            slot: self.slot.clone(),
            anchor: self.anchor.clone(),
        }
    }
}

impl FileProducer {
    pub(crate) fn new(file_id: FileId, slot: Arc<WriterSlot>) -> Self {
        Self {
            file_id,
            slot,
            anchor: None,
        }
    }

    /// The file written to.
    pub fn file_id(&self) -> &FileId {
        &self.file_id
    }
}

/// The receipt of a send: resolves at once (the frame is queued when `send` returns). Its header
/// equals the stored one: the timestamp is truncated to milliseconds, the precision of the file.
pub struct SendFuture {
    result: Option<FileResult<MessageHeader>>,
}

impl std::fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendFuture").finish()
    }
}

impl Future for SendFuture {
    type Output = FileResult<MessageHeader>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(
            self.result
                .take()
                .unwrap_or(Err(StreamErr::Backend(FileErr::ProducerEnded))),
        )
    }
}

impl Producer for FileProducer {
    type Error = FileErr;
    type SendFuture = SendFuture;

    /// Queue a message: key `stream`, shard 0, next sequence of the key (the first is 1), now.
    /// Writer gone → `Err(Backend(ProducerEnded))`; the file's queue full →
    /// `Err(Backend(QueueFull))` and nothing queued (see
    /// [`FileConnectOptions::set_max_queued_messages`](crate::FileConnectOptions::set_max_queued_messages));
    /// a write failure (e.g. size limit) is returned
    /// in the receipt and stops the writer.
    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> FileResult<SendFuture> {
        match self.slot.send(stream, payload.as_bytes()) {
            Ok(header) => Ok(SendFuture {
                result: Some(Ok(header)),
            }),
            Err(e @ (FileErr::ProducerEnded | FileErr::QueueFull { .. })) => {
                Err(StreamErr::Backend(e))
            }
            Err(e) => Ok(SendFuture {
                result: Some(Err(StreamErr::Backend(e))),
            }),
        }
    }

    /// End the shared writer of this file (for every producer of it): EOS if `end_with_eos`, flush, fsync.
    async fn end(self) -> FileResult<()> {
        self.slot.end().await.map_err(StreamErr::Backend)
    }

    /// Wait until every queued frame reached the OS.
    async fn flush(&mut self) -> FileResult<()> {
        let rx = self.slot.flush()?;
        wait(rx).await.map_err(StreamErr::Backend)
    }

    fn anchor(&mut self, stream: StreamKey) -> FileResult<()> {
        if self.anchor.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.anchor = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> FileResult<&StreamKey> {
        self.anchor.as_ref().ok_or(StreamErr::NotAnchored)
    }
}

/// The `.ss` format has no place for headers: only an empty [`Headers`] is accepted (then
/// this is [`Producer::send_to`]); any header fails with `StreamErr::Unsupported` and nothing
/// is written. (An addition to the 0.5 API.)
///
/// ```no_run
/// use sea_streamer_file::{FileConnectOptions, FileStreamer};
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamErr, StreamKey, Streamer};
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let mut options = FileConnectOptions::default();
/// options.set_create_if_not_exists(true);
/// let streamer = FileStreamer::connect("file:///tmp/h.ss".parse()?, options).await?;
/// let producer = streamer.create_generic_producer(Default::default()).await?;
/// let key = StreamKey::new("hello")?;
/// producer.send_to_with_headers(&key, &Headers::new(), "plain")?.await?;
/// let mut headers = Headers::new();
/// headers.insert("content-type", "text/plain");
/// let refused = producer.send_to_with_headers(&key, &headers, "with headers");
/// assert!(matches!(refused, Err(StreamErr::Unsupported(_))));
/// # Ok(())
/// # }
/// ```
impl ProducerWithHeaders for FileProducer {
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> FileResult<SendFuture> {
        if !headers.is_empty() {
            return Err(StreamErr::Unsupported(
                "the file backend carries no headers (the .ss format has no place for them)".into(),
            ));
        }
        self.send_to(stream, payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send_sync<T: Send + Sync>() {}

    #[test]
    fn producer_is_send_sync() {
        is_send_sync::<FileProducer>();
        is_send_sync::<SendFuture>();
    }

    fn temp_file(name: &str) -> FileId {
        let path = std::env::temp_dir().join(format!(
            "sea-streamer-queue-{name}-{}-{}.ss",
            std::process::id(),
            crate::format::primitives::now_millis().unix_timestamp_nanos()
        ));
        FileId::new(path.to_string_lossy().into_owned())
    }

    fn shared(slot: &WriterSlot) -> Arc<crate::io::write_thread::WriterShared> {
        let st = slot.state.lock().expect("lock");
        st.sink.as_ref().expect("open").shared()
    }

    fn flush(slot: &WriterSlot) {
        slot.flush()
            .expect("alive")
            .recv()
            .expect("reply")
            .expect("flushed");
    }

    fn frames(file_id: &FileId) -> usize {
        let mut reader = crate::read::reader::Reader::open(file_id).expect("open");
        std::iter::from_fn(|| reader.next_frame().expect("valid"))
            .filter(|f| !f.is_eos())
            .count()
    }

    fn waiting(slot: &WriterSlot) -> crate::io::write_queue::Count {
        shared(slot).buf.lock().expect("lock").waiting()
    }

    /// With the writer thread held back, exactly `max_queued_messages` sends are accepted and the
    /// next one is `QueueFull` (nothing queued, the writer goes on); once the backlog is written
    /// every accepted message is in the file and the whole bound is available again.
    #[test]
    fn queue_bound_on_messages() {
        let id = temp_file("messages");
        let mut options = crate::streamer::options::FileConnectOptions::default();
        options.set_max_queued_messages(10);
        let slot = WriterSlot::get_or_open(&id, 1024, u64::MAX, false, options.queue_limits())
            .expect("open");
        let key = StreamKey::new("queue").expect("key");
        let writer = shared(&slot);
        for round in 1..=2 {
            let hold = writer.hold.lock().expect("hold");
            for _ in 0..10 {
                slot.send(&key, &[7u8; 100]).expect("within the bound");
            }
            let err = slot.send(&key, b"x").expect_err("the queue is full");
            assert!(
                matches!(
                    err,
                    FileErr::QueueFull {
                        messages: 10,
                        bytes: 1000
                    }
                ),
                "{err:?}"
            );
            drop(hold);
            flush(&slot);
            assert_eq!(waiting(&slot), Default::default());
            assert_eq!(frames(&id), 10 * round, "every accepted message is written");
        }
        // the refused sends took no sequence number
        let header = slot.send(&key, b"last").expect("room again");
        assert_eq!(*header.sequence(), 21);
        drop(slot);
        std::fs::remove_file(id.path()).ok();
    }

    /// The byte bound, through a producer: payload bytes count until written; a message larger
    /// than the bound passes alone. The storage of a backlog is given back once written.
    #[test]
    fn queue_bound_on_bytes_and_memory_returned() {
        let id = temp_file("bytes");
        let limit = 8 * 1024 * 1024;
        let limits = QueueLimits {
            max_messages: 1000,
            max_bytes: limit,
        };
        let slot =
            WriterSlot::get_or_open(&id, 1024 * 1024, u64::MAX, false, limits).expect("open");
        let producer = FileProducer::new(id.clone(), slot.clone());
        let key = StreamKey::new("bytes").expect("key");
        let writer = shared(&slot);
        let chunk = vec![1u8; 1024 * 1024];
        let hold = writer.hold.lock().expect("hold");
        for _ in 0..8 {
            producer
                .send_to(&key, chunk.as_slice())
                .expect("within the bound");
        }
        let err = producer.send_to(&key, [1u8].as_slice()).expect_err("full");
        assert!(
            matches!(
                err,
                StreamErr::Backend(FileErr::QueueFull {
                    messages: 8,
                    bytes
                }) if bytes == limit
            ),
            "{err:?}"
        );
        assert!(writer.buf.lock().expect("lock").bytes.capacity() >= limit);
        drop(hold);
        flush(&slot);
        assert_eq!(frames(&id), 8);
        // both buffers of the writer have been through the queue again: neither kept the backlog
        flush(&slot);
        assert!(
            writer.buf.lock().expect("lock").bytes.capacity()
                <= crate::io::write_queue::SHRINK_ABOVE
        );
        flush(&slot);
        assert!(
            writer.buf.lock().expect("lock").bytes.capacity()
                <= crate::io::write_queue::SHRINK_ABOVE
        );
        // alone, a message larger than the bound is accepted
        let hold = writer.hold.lock().expect("hold");
        let big = vec![2u8; limit + 1];
        producer.send_to(&key, big.as_slice()).expect("alone");
        assert!(producer.send_to(&key, [1u8].as_slice()).is_err());
        drop(hold);
        flush(&slot);
        assert_eq!(frames(&id), 9);
        drop((producer, slot));
        std::fs::remove_file(id.path()).ok();
    }
}
