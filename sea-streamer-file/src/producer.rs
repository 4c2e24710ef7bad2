//! [`FileProducer`]: appends messages to a file through a writer shared by all producers of that file.

use crate::sink::scan_streams;
use crate::writer::wait;
use crate::{FileErr, FileId, FileResult, MessageSink};
use sea_streamer_types::{Buffer, MessageHeader, Producer, SeqNo, ShardId, StreamErr, StreamKey};
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
    ) -> Result<Arc<Self>, FileErr> {
        let mut map = writers().lock().map_err(poisoned)?;
        if let Some(slot) = map.get(file_id).and_then(|w| w.upgrade()) {
            if slot.is_alive() {
                return Ok(slot);
            }
        }
        let sink = MessageSink::append_sync(file_id.clone(), beacon_interval, limit)?;
        // `MessageSink::append` recovered the streams of the file already
        let scanned = true;
        let slot = Arc::new(Self {
            file_id: file_id.clone(),
            end_with_eos,
            state: Mutex::new(WriterState {
                sink: Some(sink),
                scanned,
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
        let WriterState { sink, scanned } = &mut *st;
        let Some(writer) = sink.as_mut() else {
            return Err(FileErr::ProducerEnded);
        };
        let shard = ShardId::new(0);
        let seq: SeqNo = match writer.stream(key, shard) {
            Some(s) => s.seq + 1,
            None if !*scanned => {
                // first send of an unknown key to a file with earlier data: recover numbering
                *scanned = true;
                let recovered = scan_streams(&self.file_id, writer.started_from())?;
                writer.seed(recovered);
                writer.stream(key, shard).map(|s| s.seq + 1).unwrap_or(1)
            }
            None => 1,
        };
        let header = MessageHeader::new(key.clone(), shard, seq, crate::format::now_millis());
        match writer.write_parts(&header, payload) {
            Ok(_) => Ok(header),
            Err(e) => {
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
    /// Writer gone → `Err(Backend(ProducerEnded))`; a write failure (e.g. size limit) is returned
    /// in the receipt and stops the writer.
    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> FileResult<SendFuture> {
        match self.slot.send(stream, payload.as_bytes()) {
            Ok(header) => Ok(SendFuture {
                result: Some(Ok(header)),
            }),
            Err(FileErr::ProducerEnded) => Err(StreamErr::Backend(FileErr::ProducerEnded)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send_sync<T: Send + Sync>() {}

    #[test]
    fn producer_is_send_sync() {
        is_send_sync::<FileProducer>();
        is_send_sync::<SendFuture>();
    }
}
