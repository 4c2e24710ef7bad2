//! [`MessageSink`]: writes frames (and the beacons between them) to a `.ss` file.

use crate::eos::end_of_stream;
use crate::error::{ConfigErr, FileErr};
use crate::file_id::FileId;
use crate::format::checksum::Checksum;
use crate::format::header::{Header, HEADER_SIZE, MAX_FILE_NAME};
use crate::io::file_lock::WriteLock;
use crate::io::write_queue::QueueLimits;
use crate::io::write_queue::BATCH;
use crate::io::write_thread::{wait, WriterHandle};
use crate::read::reader::Reader;
use crate::write::encoder::{Encoder, StreamState};
use crate::write::recover::{resume_position, scan_streams, Recovered};
use sea_streamer_types::{Buffer, Message as _, OwnedMessage, ShardId, StreamKey};
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;

/// Writes frames to a `.ss` file, inserting beacons at every beacon point.
///
/// Writes are buffered and handed to a background thread in large batches;
/// [`MessageSink::flush`] waits until everything written so far reached the OS.
///
/// ```no_run
/// use sea_streamer_file::{FileId, MessageSink, DEFAULT_FILE_SIZE_LIMIT};
/// use sea_streamer_types::{MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut sink = MessageSink::new(FileId::new("/tmp/demo.ss"), 1024, DEFAULT_FILE_SIZE_LIMIT).await?;
/// let header = MessageHeader::new(StreamKey::new("hello").unwrap(), ShardId::new(0), 1, Timestamp::now_utc());
/// sink.write(OwnedMessage::new(header, b"world".to_vec()))?;
/// sink.end(true).await?; // EOS, flush, fsync
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MessageSink {
    file_id: FileId,
    encoder: Encoder,
    writer: WriterHandle,
    limit: u64,
    started_from: u64,
    header: Header,
}

impl MessageSink {
    /// Create (or truncate) the file and write a fresh header.
    /// An interval below 128 → `ConfigErr(InvalidBeaconInterval)` (upstream panics).
    pub async fn new(file_id: FileId, beacon_interval: u32, limit: u64) -> Result<Self, FileErr> {
        Self::new_sync(file_id, beacon_interval, limit)
    }

    pub(crate) fn new_sync(
        file_id: FileId,
        beacon_interval: u32,
        limit: u64,
    ) -> Result<Self, FileErr> {
        // Truncated only once the write lock is held: another process may be writing it.
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(file_id.path())?;
        let lock = WriteLock::acquire(&file_id)?;
        file.set_len(0)?;
        Self::fresh(file_id, file, lock, beacon_interval, limit)
    }

    /// Open (or create) the file for appending.
    ///
    /// An empty file gets a fresh header. Otherwise writing continues right after the last complete
    /// and valid frame; a trailing EOS frame and a torn tail (an incomplete last write with nothing
    /// decodable after it) are cut off first (upstream keeps the bytes and overwrites them).
    /// Corrupt bytes followed by valid data are not a torn tail: the file is left untouched and
    /// the result is [`FileErr::CorruptForAppend`] (repair it with `ss-verify --repair`). The
    /// file's own beacon interval wins over `beacon_interval` (a mismatch is logged).
    pub async fn append(
        file_id: FileId,
        beacon_interval: u32,
        limit: u64,
    ) -> Result<Self, FileErr> {
        Self::append_sync(file_id, beacon_interval, limit)
    }

    pub(crate) fn append_sync(
        file_id: FileId,
        beacon_interval: u32,
        limit: u64,
    ) -> Result<Self, FileErr> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(file_id.path())?;
        // Before looking at the tail: another process may be appending to it.
        let lock = WriteLock::acquire(&file_id)?;
        let size = file.metadata()?.len();
        if size < HEADER_SIZE as u64 {
            // empty, or a crash while the header was being written
            file.set_len(0)?;
            return Self::fresh(file_id, file, lock, beacon_interval, limit);
        }
        let mut reader = Reader::open(&file_id)?;
        let header = reader.header().clone();
        if header.beacon_interval != beacon_interval {
            log::warn!(
                "{file_id}: beacon interval {} requested, the file uses {}",
                beacon_interval,
                header.beacon_interval
            );
        }
        let position = resume_position(&mut reader)?;
        if position < size {
            log::warn!(
                "{file_id}: cutting {} bytes (a torn tail or a trailing EOS) after offset {position}",
                size - position
            );
            file.set_len(position)?;
        }
        file.seek(SeekFrom::Start(position))?;
        let mut encoder = Encoder::new(header.beacon_interval, position);
        // the markers of the beacons this writer adds continue the streams already in the file
        for ((key, shard), state) in scan_streams(&file_id, position)? {
            encoder.seed(key, shard, state);
        }
        let writer = WriterHandle::spawn(file_id.clone(), file, Some(lock))?;
        {
            let mut buf = writer
                .shared
                .buf
                .lock()
                .map_err(|_| FileErr::TaskDead("writer"))?;
            encoder.start(&mut buf.bytes)?;
        }
        Ok(Self {
            file_id,
            encoder,
            writer,
            limit,
            started_from: position,
            header,
        })
    }

    fn fresh(
        file_id: FileId,
        file: File,
        lock: Arc<WriteLock>,
        interval: u32,
        limit: u64,
    ) -> Result<Self, FileErr> {
        if interval < HEADER_SIZE as u32 {
            return Err(ConfigErr::InvalidBeaconInterval.into());
        }
        let header = Header {
            file_name: file_name_of(&file_id),
            created_at: crate::format::primitives::now_millis(),
            beacon_interval: interval,
        };
        let mut bytes = Vec::with_capacity(HEADER_SIZE + 8);
        header.encode(&mut bytes)?;
        let mut encoder = Encoder::new(interval, HEADER_SIZE as u64);
        encoder.start(&mut bytes)?;
        let mut file = file;
        file.write_all(&bytes)?;
        let writer = WriterHandle::spawn(file_id.clone(), file, Some(lock))?;
        Ok(Self {
            file_id,
            encoder,
            writer,
            limit,
            started_from: HEADER_SIZE as u64,
            header,
        })
    }

    /// The file header.
    pub fn file_header(&self) -> &Header {
        &self.header
    }

    /// The file.
    pub fn file_id(&self) -> &FileId {
        &self.file_id
    }

    /// Queue one frame (never blocks on I/O); returns the payload checksum.
    ///
    /// A frame that would grow the file past the size limit is not written: `FileLimitExceeded`.
    pub fn write(&mut self, message: OwnedMessage) -> Result<Checksum, FileErr> {
        let payload = message.message();
        self.write_parts(message.header(), payload.as_bytes())
    }

    /// Queue one frame from its parts.
    pub(crate) fn write_parts(
        &mut self,
        header: &sea_streamer_types::MessageHeader,
        payload: &[u8],
    ) -> Result<Checksum, FileErr> {
        self.write_frame(header, payload, false)
    }

    /// Queue one frame of a producer: counted against the queue limits, `QueueFull` beyond them
    /// (see [`crate::pending`]).
    pub(crate) fn write_counted(
        &mut self,
        header: &sea_streamer_types::MessageHeader,
        payload: &[u8],
    ) -> Result<Checksum, FileErr> {
        self.write_frame(header, payload, true)
    }

    /// Bound what [`MessageSink::write_counted`] may queue.
    pub(crate) fn set_queue_limits(&self, limits: QueueLimits) -> Result<(), FileErr> {
        self.writer
            .shared
            .buf
            .lock()
            .map_err(|_| FileErr::TaskDead("writer"))?
            .set_limits(limits);
        Ok(())
    }

    /// The writer's shared state (tests hold the writer thread back through it).
    #[cfg(test)]
    pub(crate) fn shared(&self) -> Arc<crate::io::write_thread::WriterShared> {
        self.writer.shared.clone()
    }

    fn write_frame(
        &mut self,
        header: &sea_streamer_types::MessageHeader,
        payload: &[u8],
        counted: bool,
    ) -> Result<Checksum, FileErr> {
        if let Some(e) = self.writer.shared.error() {
            return Err(e);
        }
        let size =
            crate::format::layout::frame_size(header.stream_key().name().len(), payload.len());
        if self.encoder.offset() + size as u64 > self.limit {
            return Err(FileErr::FileLimitExceeded);
        }
        let mut buf = self
            .writer
            .shared
            .buf
            .lock()
            .map_err(|_| FileErr::TaskDead("writer"))?;
        if counted {
            buf.check(payload.len())?;
        }
        let crc = self.encoder.write(header, payload, &mut buf.bytes)?;
        if counted {
            buf.count(payload.len());
        }
        let full = buf.bytes.len() >= BATCH;
        drop(buf);
        if full {
            self.writer.wake();
        }
        Ok(crc)
    }

    /// Offset where the next byte will be written.
    pub fn offset(&self) -> u64 {
        self.encoder.offset()
    }

    /// Offset where this sink started writing (after the header, or after the recovered data).
    pub fn started_from(&self) -> u64 {
        self.started_from
    }

    /// Wait until everything written so far reached the OS.
    pub async fn flush(&mut self) -> Result<(), FileErr> {
        wait(self.writer.flush()).await
    }

    /// Start a flush; the returned receiver resolves when it is done (lets callers release locks first).
    pub(crate) fn begin_flush(&self) -> flume::Receiver<Result<(), FileErr>> {
        self.writer.flush()
    }

    /// Optionally write an EOS frame, then flush and fsync.
    pub async fn end(mut self, eos: bool) -> Result<(), FileErr> {
        let rx = self.begin_end(eos)?;
        wait(rx).await
    }

    /// Start ending; the returned receiver resolves when the file is synced.
    pub(crate) fn begin_end(
        &mut self,
        eos: bool,
    ) -> Result<flume::Receiver<Result<(), FileErr>>, FileErr> {
        if eos {
            let m = end_of_stream();
            let payload = m.message();
            // the EOS frame is allowed to exceed the limit slightly: it marks the end
            let mut buf = self
                .writer
                .shared
                .buf
                .lock()
                .map_err(|_| FileErr::TaskDead("writer"))?;
            self.encoder
                .write(m.header(), payload.as_bytes(), &mut buf.bytes)?;
        }
        Ok(self.writer.end(true))
    }

    /// State of a stream known to this sink.
    pub(crate) fn stream(&self, key: &StreamKey, shard: ShardId) -> Option<&StreamState> {
        self.encoder.stream(key, shard)
    }

    /// Seed stream states recovered by a scan.
    pub(crate) fn seed(&mut self, recovered: Recovered) {
        for ((k, s), st) in recovered {
            if self.encoder.stream(&k, s).is_none() {
                self.encoder.seed(k, s, st);
            }
        }
    }
}

impl Drop for MessageSink {
    fn drop(&mut self) {
        // write what is buffered and close, without EOS
        self.writer.detach();
    }
}

/// The file name stored in the header: the last path component, cut to 111 bytes.
fn file_name_of(file_id: &FileId) -> String {
    let name = std::path::Path::new(file_id.path())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file_id.path());
    let mut end = name.len().min(MAX_FILE_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}
