//! [`DynFileSource`]: a byte reader that is either bounded ([`FileReader`]) or following
//! ([`FileSource`]) and can switch between the two at the same offset.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::async_file::AsyncFile;
use crate::io::bytes::{ByteSource, Bytes};
use crate::io::file_source::{
    FileReader, FileReaderFuture, FileSource, FileSourceFuture, ReadFrom,
};
use sea_streamer_types::SeqPos;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Which kind of byte reader a [`DynFileSource`] (or a [`MessageSource`](crate::MessageSource)) uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSourceType {
    /// Bounded: the end of the data is `NotEnoughBytes`.
    FileReader,
    /// Following: waits for the file to grow.
    FileSource,
}

/// A [`FileReader`] or a [`FileSource`], chosen at run time.
///
/// `Dead` is a source that has been given up: it reads nothing (`StreamEnded`), has offset and
/// size 0, and cannot be switched.
///
/// ```no_run
/// use sea_streamer_file::{Bytes, DynFileSource, FileId, FileSourceType};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut source = DynFileSource::new(FileId::new("/tmp/log.txt"), FileSourceType::FileReader).await?;
/// let first = Bytes::read_from(&mut source, 4).await?; // bounded: NotEnoughBytes past the end
/// let mut source = source.switch_to(FileSourceType::FileSource).await?; // now waits for growth
/// let next = Bytes::read_from(&mut source, 4).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub enum DynFileSource {
    /// Bounded reader.
    FileReader(FileReader),
    /// Following reader.
    FileSource(FileSource),
    /// No reader.
    Dead,
}

/// The future of [`DynFileSource`]'s [`ByteSource`] implementation: the future of whichever
/// reader is inside.
pub enum DynReadFuture<'a> {
    /// From a [`FileReader`] (also the answer of a `Dead` source).
    FileReader(FileReaderFuture<'a>),
    /// From a [`FileSource`].
    FileSource(FileSourceFuture<'a>),
}

impl std::fmt::Debug for DynReadFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::FileReader(_) => "DynReadFuture::FileReader",
            Self::FileSource(_) => "DynReadFuture::FileSource",
        })
    }
}

impl Future for DynReadFuture<'_> {
    type Output = Result<Bytes, FileErr>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::FileReader(f) => f.as_mut().poll(cx),
            Self::FileSource(f) => f.as_mut().poll(cx),
        }
    }
}

impl DynFileSource {
    /// Open a file from its beginning with the given kind of reader.
    pub async fn new(file_id: FileId, stype: FileSourceType) -> Result<Self, FileErr> {
        Ok(match stype {
            FileSourceType::FileReader => Self::FileReader(FileReader::new(file_id).await?),
            FileSourceType::FileSource => {
                Self::FileSource(FileSource::new(file_id, ReadFrom::Beginning).await?)
            }
        })
    }

    /// Move to a byte offset (`At(n)` = byte `n`); returns it. `Dead` → `StreamEnded`.
    pub async fn seek(&mut self, to: SeqPos) -> Result<u64, FileErr> {
        match self {
            Self::FileReader(r) => r.seek(to).await,
            Self::FileSource(s) => s.seek(to).await,
            Self::Dead => Err(FileErr::StreamEnded),
        }
    }

    /// The kind of reader inside (a `Dead` source reports `FileReader`: it reads nothing more,
    /// like a bounded reader at its end).
    pub fn source_type(&self) -> FileSourceType {
        match self {
            Self::FileSource(_) => FileSourceType::FileSource,
            Self::FileReader(_) | Self::Dead => FileSourceType::FileReader,
        }
    }

    /// Continue at the same offset with the other kind of reader (no-op if it is already of
    /// that kind). `Dead` → `StreamEnded`.
    pub async fn switch_to(self, stype: FileSourceType) -> Result<Self, FileErr> {
        if self.is_dead() {
            return Err(FileErr::StreamEnded);
        }
        if self.source_type() == stype {
            return Ok(self);
        }
        let (file_id, offset) = match &self {
            Self::FileReader(r) => (r.file_id(), r.offset()),
            Self::FileSource(s) => (s.file_id(), s.offset()),
            Self::Dead => unreachable!("checked above"),
        };
        let mut next = Self::new(file_id, stype).await?;
        next.seek(SeqPos::At(offset as _)).await?;
        Ok(next)
    }

    /// Stop reading; returns the file positioned at [`DynFileSource::offset`].
    ///
    /// # Panics
    /// On `Dead`, which holds no file.
    pub async fn end(self) -> AsyncFile {
        match self {
            Self::FileReader(r) => r.into_file().await,
            Self::FileSource(s) => s.into_file().await,
            Self::Dead => panic!("DynFileSource::end on a Dead source, which holds no file"),
        }
    }

    /// Offset of the next byte returned (0 if `Dead`).
    pub fn offset(&self) -> u64 {
        match self {
            Self::FileReader(r) => r.offset(),
            Self::FileSource(s) => s.offset(),
            Self::Dead => 0,
        }
    }

    /// Known size of the file (0 if `Dead`).
    pub fn file_size(&self) -> u64 {
        match self {
            Self::FileReader(r) => r.file_size(),
            Self::FileSource(s) => s.file_size(),
            Self::Dead => 0,
        }
    }

    /// Whether this is `Dead`.
    pub fn is_dead(&self) -> bool {
        matches!(self, Self::Dead)
    }
}

impl ByteSource for DynFileSource {
    type Future<'a> = DynReadFuture<'a>;

    /// Request from the reader inside; `Dead` answers `StreamEnded`.
    fn request_bytes(&mut self, size: usize) -> Self::Future<'_> {
        match self {
            Self::FileReader(r) => DynReadFuture::FileReader(r.request_bytes(size)),
            Self::FileSource(s) => DynReadFuture::FileSource(s.request_bytes(size)),
            Self::Dead => {
                DynReadFuture::FileReader(Box::pin(std::future::ready(Err(FileErr::StreamEnded))))
            }
        }
    }
}
