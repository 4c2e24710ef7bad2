//! [`FileSink`]: a buffered byte writer with a size quota, backed by the background writer thread;
//! [`FileSinkWriter`]: a [`std::io::Write`] handle on the same sink.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::async_file::AsyncFile;
use crate::io::bytes::{ByteSink, Bytes};
use crate::io::write_thread::{wait, WriterHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Writes bytes to a file in the background; at most `quota` bytes in total.
///
/// ```no_run
/// use sea_streamer_file::{AsyncFile, ByteSink, Bytes, FileId, FileSink};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let file = AsyncFile::new_ow(FileId::new("/tmp/raw.bin")).await?;
/// let mut sink = FileSink::new(file, 1024)?;
/// sink.write(Bytes::from_slice(b"hello"))?;
/// sink.flush(1).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileSink {
    id: FileId,
    writer: WriterHandle,
    quota: Arc<AtomicU64>,
}

/// Take up to `want` bytes of the remaining quota; returns how many were granted.
fn reserve(quota: &AtomicU64, want: usize) -> usize {
    let mut granted = 0;
    let _ = quota.fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
        granted = (want as u64).min(left) as usize;
        Some(left - granted as u64)
    });
    granted
}

/// Queue `slice` on `writer` within `quota`; beyond it only the allowed part is queued.
fn queue(writer: &WriterHandle, quota: &AtomicU64, slice: &[u8]) -> Result<(), FileErr> {
    let allowed = reserve(quota, slice.len());
    if writer.shared.push(&slice[..allowed])? {
        writer.wake();
    }
    if allowed < slice.len() {
        return Err(FileErr::FileLimitExceeded);
    }
    Ok(())
}

impl FileSink {
    /// Write to `file` (at its current position); `quota` = bytes that may still be written.
    pub fn new(file: AsyncFile, quota: u64) -> Result<Self, FileErr> {
        let id = file.id();
        let writer = WriterHandle::spawn(id.clone(), file.into_std(), None)?;
        Ok(Self {
            id,
            writer,
            quota: Arc::new(AtomicU64::new(quota)),
        })
    }

    /// Wait until everything written reached the OS. (`marker` is accepted for compatibility.)
    pub async fn flush(&mut self, _marker: u32) -> Result<(), FileErr> {
        wait(self.writer.flush()).await
    }

    /// Flush everything and fsync.
    pub async fn sync_all(&mut self) -> Result<(), FileErr> {
        wait(self.writer.sync()).await
    }

    /// Flush, fsync and stop; returns the file (opened again for reading and writing, at its end).
    /// Writers from [`FileSink::as_writer`] fail with `BrokenPipe` afterwards.
    pub async fn end(self) -> Result<AsyncFile, FileErr> {
        wait(self.writer.end(true)).await?;
        let mut file = AsyncFile::new_rw(self.id.clone()).await?;
        file.seek(sea_streamer_types::SeqPos::End).await?;
        Ok(file)
    }

    /// A [`std::io::Write`] handle that queues bytes on this sink (same order, same quota), for
    /// code that wants a plain writer, e.g. `write!` or `std::io::copy`.
    ///
    /// ```no_run
    /// use sea_streamer_file::{AsyncFile, FileId, FileSink};
    /// use std::io::Write;
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// let file = AsyncFile::new_ow(FileId::new("/tmp/log.txt")).await?;
    /// let mut sink = FileSink::new(file, 1 << 20)?;
    /// let mut writer = sink.as_writer();
    /// writeln!(writer, "hello {}", 42)?;
    /// writer.end()?; // waits until the bytes reached the OS
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_writer(&mut self) -> FileSinkWriter {
        FileSinkWriter {
            writer: self.writer.clone(),
            quota: self.quota.clone(),
        }
    }
}

impl ByteSink for FileSink {
    /// Queue bytes; beyond the quota only the allowed part is queued and `FileLimitExceeded` returned.
    fn write(&mut self, bytes: Bytes) -> Result<(), FileErr> {
        queue(&self.writer, &self.quota, bytes.as_slice())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        self.writer.detach();
    }
}

/// A [`std::io::Write`] handle on a [`FileSink`] (see [`FileSink::as_writer`]).
///
/// `write` queues the bytes without blocking and `flush` does nothing (as upstream); call
/// [`FileSinkWriter::end`] to wait until they reached the OS. Once the sink has ended (or was
/// dropped), writes fail with `BrokenPipe`. Near the sink's quota `write` accepts only the bytes
/// that fit (a short write); with no quota left it fails with an `Other` error wrapping
/// `FileErr::FileLimitExceeded`.
#[derive(Debug)]
pub struct FileSinkWriter {
    writer: WriterHandle,
    quota: Arc<AtomicU64>,
}

fn to_io(e: FileErr) -> std::io::Error {
    use std::io::{Error, ErrorKind};
    match e {
        FileErr::IoError(e) => e,
        FileErr::TaskDead(_) => Error::new(ErrorKind::BrokenPipe, e),
        e => Error::other(e),
    }
}

impl FileSinkWriter {
    /// Wait (blocking the calling thread) until everything queued so far reached the OS.
    pub fn end(self) -> std::io::Result<()> {
        self.writer
            .flush()
            .recv()
            .unwrap_or(Err(FileErr::TaskDead("writer")))
            .map_err(to_io)
    }
}

impl std::io::Write for FileSinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let allowed = reserve(&self.quota, buf.len());
        if allowed == 0 {
            return Err(to_io(FileErr::FileLimitExceeded));
        }
        if self.writer.shared.push(&buf[..allowed]).map_err(to_io)? {
            self.writer.wake();
        }
        Ok(allowed)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
