//! [`MessageSink`]: writes frames (and the beacons between them) to a `.ss` file.

use crate::encoder::{Encoder, StreamState};
use crate::format::{Checksum, Header, RunningChecksum, HEADER_SIZE, MAX_FILE_NAME};
use crate::pending::QueueLimits;
use crate::reader::Reader;
use crate::write_lock::WriteLock;
use crate::writer::{wait, WriterHandle, BATCH};
use crate::{end_of_stream, ConfigErr, FileErr, FileId};
use sea_streamer_types::{Buffer, Message as _, OwnedMessage, ShardId, StreamKey};
use std::collections::HashMap;
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

/// Per-stream state recovered by scanning a file: last sequence, timestamp and running checksum.
pub(crate) type Recovered = HashMap<(StreamKey, ShardId), StreamState>;

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
            created_at: crate::format::now_millis(),
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
    pub(crate) fn shared(&self) -> Arc<crate::writer::WriterShared> {
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
        let size = crate::format::frame_size(header.stream_key().name().len(), payload.len());
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

/// Where an appending writer continues: after the last complete, valid frame, or at the start of
/// a trailing EOS frame (it is overwritten). Bytes after that offset may be cut only if they are
/// a torn tail (nothing decodable follows them); corruption followed by valid data is refused
/// with [`FileErr::CorruptForAppend`] and nothing is changed.
fn resume_position(reader: &mut Reader) -> Result<u64, FileErr> {
    let size = reader.file_size()?;
    let interval = reader.interval() as u64;
    // Start from the last beacon; if no complete frame follows it, the frame it interrupts may be
    // the last one (e.g. an EOS to overwrite): start one beacon earlier.
    let mut k = size / interval;
    loop {
        reader.rewind(sea_streamer_types::SeqPos::At(k as _))?;
        let aligned = reader.offset();
        let mut position = aligned;
        let mut found = false;
        let failure = loop {
            let at = reader.offset();
            match reader.next_frame() {
                // an EOS is overwritten only if it is the last frame: keep reading
                Ok(Some(f)) if f.is_eos() => {
                    position = f.start;
                    found = true;
                }
                Ok(Some(f)) => {
                    position = f.end;
                    found = true;
                }
                Ok(None) if at < size => break Some((at, crate::reader::INCOMPLETE.to_owned())),
                Ok(None) => break None,
                Err(e) => break Some((at, e.to_string())),
            }
        };
        let reached = aligned / interval;
        if found || reached == 0 {
            if let Some((at, cause)) = failure {
                if let Some(resume_at) = reader.resume_point(at)? {
                    return Err(FileErr::CorruptForAppend {
                        file: reader.file_id().path().to_owned(),
                        offset: at,
                        resume_at,
                        cause,
                    });
                }
                log::warn!(
                    "{}: torn tail at offset {at} ({cause}); nothing decodable follows",
                    reader.file_id()
                );
            }
            return Ok(position);
        }
        k = reached - 1;
    }
}

/// Scan a whole file and collect the last state of every stream (sequence, timestamp, running checksum).
pub(crate) fn scan_streams(file_id: &FileId, until: u64) -> Result<Recovered, FileErr> {
    let mut reader = Reader::open(file_id)?;
    let mut out: Recovered = HashMap::new();
    while reader.offset() < until {
        match reader.next_frame() {
            Ok(Some(f)) if f.is_eos() => (),
            Ok(Some(f)) => {
                let header = f.header()?;
                let entry = out
                    .entry((f.key.clone(), ShardId::new(f.shard)))
                    .or_insert_with(|| StreamState {
                        seq: *header.sequence(),
                        ts: *header.timestamp(),
                        running: RunningChecksum::new(),
                    });
                entry.seq = *header.sequence();
                entry.ts = *header.timestamp();
                entry.running.update(Checksum(f.checksum));
            }
            Ok(None) => break,
            Err(e) => {
                log::warn!("{file_id}: scan stopped at {}: {e}", reader.offset());
                break;
            }
        }
    }
    Ok(out)
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
