//! [`FileSink`]: a buffered byte writer with a size quota, backed by the background writer thread.

use crate::writer::{wait, WriterHandle, BATCH};
use crate::{AsyncFile, ByteSink, Bytes, FileErr, FileId};

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
    quota: u64,
}

impl FileSink {
    /// Write to `file` (at its current position); `quota` = bytes that may still be written.
    pub fn new(file: AsyncFile, quota: u64) -> Result<Self, FileErr> {
        let id = file.id();
        let writer = WriterHandle::spawn(id.clone(), file.into_std())?;
        Ok(Self { id, writer, quota })
    }

    /// Wait until everything written reached the OS. (`marker` is accepted for compatibility.)
    pub async fn flush(&mut self, _marker: u32) -> Result<(), FileErr> {
        wait(self.writer.flush()).await
    }

    /// Flush everything and fsync.
    pub async fn sync_all(&mut self) -> Result<(), FileErr> {
        wait(self.writer.end(true)).await?;
        let mut file = AsyncFile::new_rw(self.id.clone()).await?;
        file.seek(sea_streamer_types::SeqPos::End).await?;
        self.writer = WriterHandle::spawn(self.id.clone(), file.into_std())?;
        Ok(())
    }

    /// Flush, fsync and stop; returns the file (opened again for reading and writing, at its end).
    pub async fn end(self) -> Result<AsyncFile, FileErr> {
        wait(self.writer.end(true)).await?;
        let mut file = AsyncFile::new_rw(self.id.clone()).await?;
        file.seek(sea_streamer_types::SeqPos::End).await?;
        Ok(file)
    }
}

impl ByteSink for FileSink {
    /// Queue bytes; beyond the quota only the allowed part is queued and `FileLimitExceeded` returned.
    fn write(&mut self, bytes: Bytes) -> Result<(), FileErr> {
        if let Some(e) = self.writer.shared.error() {
            return Err(e);
        }
        let slice = bytes.as_slice();
        let allowed = (slice.len() as u64).min(self.quota) as usize;
        let full = {
            let mut buf = self
                .writer
                .shared
                .buf
                .lock()
                .map_err(|_| FileErr::TaskDead("writer"))?;
            buf.extend_from_slice(&slice[..allowed]);
            buf.len() >= BATCH
        };
        self.quota -= allowed as u64;
        if full {
            self.writer.wake();
        }
        if allowed < slice.len() {
            return Err(FileErr::FileLimitExceeded);
        }
        Ok(())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        self.writer.detach();
    }
}
