//! [`AsyncFile`]: a file handle with async methods, tracking its position and known size.
//!
//! File I/O is short and local, so the methods run the blocking calls directly.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::bytes::Bytes;
use sea_streamer_types::SeqPos;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};

/// Largest read of [`AsyncFile::read`].
const READ_SIZE: u64 = 10240;

/// A file with async methods.
///
/// ```no_run
/// use sea_streamer_file::{AsyncFile, FileId};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut file = AsyncFile::new_ow(FileId::new("/tmp/raw.bin")).await?;
/// file.write_all(b"hello").await?;
/// file.flush().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncFile {
    id: FileId,
    file: File,
    size: u64,
    pos: u64,
}

impl AsyncFile {
    fn open(id: FileId, options: &OpenOptions) -> Result<Self, FileErr> {
        let file = options.open(id.path())?;
        let size = file.metadata()?.len();
        Ok(Self {
            id,
            file,
            size,
            pos: 0,
        })
    }

    /// Open for reading.
    pub async fn new_r(id: FileId) -> Result<Self, FileErr> {
        Self::open(id, OpenOptions::new().read(true))
    }

    /// Open for reading and writing, creating it if missing.
    pub async fn new_rw(id: FileId) -> Result<Self, FileErr> {
        Self::open(
            id,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
    }

    /// Open for writing, creating or truncating it.
    pub async fn new_ow(id: FileId) -> Result<Self, FileErr> {
        Self::open(
            id,
            OpenOptions::new().write(true).create(true).truncate(true),
        )
    }

    /// Create a new file for writing; fails if it exists.
    pub async fn new_w(id: FileId) -> Result<Self, FileErr> {
        Self::open(id, OpenOptions::new().write(true).create_new(true))
    }

    /// Read up to 10 KiB at the current position (empty at the end of the file).
    pub async fn read(&mut self) -> Result<Bytes, FileErr> {
        let mut buf = Vec::with_capacity(READ_SIZE as usize);
        (&mut self.file).take(READ_SIZE).read_to_end(&mut buf)?;
        self.pos += buf.len() as u64;
        self.size = self.size.max(self.pos);
        Ok(Bytes::from_bytes(buf))
    }

    /// Write all bytes at the current position.
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<(), FileErr> {
        self.file.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        self.size = self.size.max(self.pos);
        Ok(())
    }

    /// Flush to the OS.
    pub async fn flush(&mut self) -> Result<(), FileErr> {
        self.file.flush()?;
        Ok(())
    }

    /// Flush to the disk (fsync).
    pub async fn sync_all(&mut self) -> Result<(), FileErr> {
        self.file.sync_all()?;
        Ok(())
    }

    /// Move to a byte offset (`At(n)` = byte `n`); returns the new offset.
    pub async fn seek(&mut self, to: SeqPos) -> Result<u64, FileErr> {
        let target = match to {
            SeqPos::Beginning => SeekFrom::Start(0),
            SeqPos::End => SeekFrom::End(0),
            #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
            SeqPos::At(n) => SeekFrom::Start(u64::try_from(n).unwrap_or(u64::MAX)),
        };
        self.pos = self.file.seek(target)?;
        Ok(self.pos)
    }

    /// The file.
    pub fn id(&self) -> FileId {
        self.id.clone()
    }

    /// Known size (see [`AsyncFile::resize`]).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Current position.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Refresh the known size from the file system.
    pub async fn resize(&mut self) -> Result<u64, FileErr> {
        self.size = self.file.metadata()?.len();
        Ok(self.size)
    }

    pub(crate) fn into_std(self) -> File {
        self.file
    }
}
