//! Byte-level readers: [`FileSource`] follows a growing file, [`FileReader`] is bounded.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::async_file::AsyncFile;
use crate::io::backoff::Backoff;
use crate::io::bytes::{ByteBuffer, ByteSource, Bytes};
use sea_streamer_types::{export::futures::future::BoxFuture, SeqPos};

/// Where a [`FileSource`] starts.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum ReadFrom {
    /// At byte 0.
    Beginning,
    /// At the current end of the file.
    End,
}

/// Reads bytes from a file as it grows (`tail -f`); a removed file → `FileRemoved`.
///
/// ```no_run
/// use sea_streamer_file::{FileId, FileSource, ReadFrom};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut source = FileSource::new(FileId::new("/tmp/log.txt"), ReadFrom::End).await?;
/// let new_bytes = source.stream_bytes().await?; // waits for the file to grow
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileSource {
    file: AsyncFile,
    buffer: ByteBuffer,
    offset: u64,
}

impl FileSource {
    /// Open a file for following.
    pub async fn new(file_id: FileId, read_from: ReadFrom) -> Result<Self, FileErr> {
        let mut file = AsyncFile::new_r(file_id).await?;
        let offset = match read_from {
            ReadFrom::Beginning => 0,
            ReadFrom::End => file.seek(SeqPos::End).await?,
        };
        Ok(Self {
            file,
            buffer: ByteBuffer::new(),
            offset,
        })
    }

    /// Offset of the next byte returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Known size of the file.
    pub fn file_size(&self) -> u64 {
        self.file.size()
    }

    async fn fill(&mut self, backoff: &mut Backoff) -> Result<(), FileErr> {
        let bytes = self.file.read().await?;
        if bytes.is_empty() {
            if std::fs::metadata(self.file.id().path()).is_err() {
                return Err(FileErr::FileRemoved);
            }
            backoff.sleep().await;
        } else {
            backoff.reset();
            self.buffer.append(bytes);
        }
        Ok(())
    }

    /// Whatever bytes are available (waits if there are none).
    pub async fn stream_bytes(&mut self) -> Result<Bytes, FileErr> {
        let mut backoff = Backoff::polling();
        while self.buffer.is_empty() {
            self.fill(&mut backoff).await?;
        }
        let size = self.buffer.size();
        self.offset += size as u64;
        Ok(self.buffer.consume(size))
    }

    async fn request(&mut self, size: usize) -> Result<Bytes, FileErr> {
        let mut backoff = Backoff::polling();
        while self.buffer.size() < size {
            self.fill(&mut backoff).await?;
        }
        self.offset += size as u64;
        Ok(self.buffer.consume(size))
    }

    /// Move to a byte offset (`At(n)` = byte `n`); returns it.
    pub async fn seek(&mut self, to: SeqPos) -> Result<u64, FileErr> {
        self.buffer.clear();
        self.offset = self.file.seek(to).await?;
        Ok(self.offset)
    }

    /// The bytes read from the file but not yet consumed.
    pub async fn drain(self) -> ByteBuffer {
        self.buffer
    }

    pub(crate) fn file_id(&self) -> FileId {
        self.file.id()
    }

    /// The file, positioned at [`FileSource::offset`].
    pub(crate) async fn into_file(self) -> AsyncFile {
        let mut file = self.file;
        let _ = file.seek(SeqPos::At(self.offset as _)).await;
        file
    }
}

/// Future of [`FileSource`]'s [`ByteSource`] implementation.
pub type FileSourceFuture<'a> = BoxFuture<'a, Result<Bytes, FileErr>>;

impl ByteSource for FileSource {
    type Future<'a> = FileSourceFuture<'a>;

    fn request_bytes(&mut self, size: usize) -> Self::Future<'_> {
        Box::pin(self.request(size))
    }
}

/// Reads bytes of a file up to its known size; beyond → `NotEnoughBytes`.
#[derive(Debug)]
pub struct FileReader {
    file: AsyncFile,
    buffer: ByteBuffer,
    offset: u64,
}

impl FileReader {
    /// Open a file for bounded reading from the start.
    pub async fn new(file_id: FileId) -> Result<Self, FileErr> {
        Ok(Self {
            file: AsyncFile::new_r(file_id).await?,
            buffer: ByteBuffer::new(),
            offset: 0,
        })
    }

    /// Move to a byte offset (`At(n)` = byte `n`); returns it.
    pub async fn seek(&mut self, to: SeqPos) -> Result<u64, FileErr> {
        self.buffer.clear();
        self.offset = self.file.seek(to).await?;
        Ok(self.offset)
    }

    /// Offset of the next byte returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Known size of the file.
    pub fn file_size(&self) -> u64 {
        self.file.size()
    }

    /// Refresh the known size.
    pub async fn resize(&mut self) -> Result<u64, FileErr> {
        self.file.resize().await
    }

    pub(crate) fn file_id(&self) -> FileId {
        self.file.id()
    }

    /// The file, positioned at [`FileReader::offset`].
    pub(crate) async fn into_file(self) -> AsyncFile {
        let mut file = self.file;
        let _ = file.seek(SeqPos::At(self.offset as _)).await;
        file
    }

    async fn request(&mut self, size: usize) -> Result<Bytes, FileErr> {
        if self.offset + size as u64 > self.file.size() {
            return Err(FileErr::NotEnoughBytes);
        }
        while self.buffer.size() < size {
            let bytes = self.file.read().await?;
            if bytes.is_empty() {
                return Err(FileErr::NotEnoughBytes);
            }
            self.buffer.append(bytes);
        }
        self.offset += size as u64;
        Ok(self.buffer.consume(size))
    }
}

/// Future of [`FileReader`]'s [`ByteSource`] implementation.
pub type FileReaderFuture<'a> = BoxFuture<'a, Result<Bytes, FileErr>>;

impl ByteSource for FileReader {
    type Future<'a> = FileReaderFuture<'a>;

    fn request_bytes(&mut self, size: usize) -> Self::Future<'_> {
        Box::pin(self.request(size))
    }
}
