//! File stubs for builds without a runtime: everything compiles, every operation fails
//! with an [`io::Error`] of kind [`io::ErrorKind::Other`] naming the features to enable.

use futures::future::{ready, Ready};
use std::{
    future::Future,
    io::{self, SeekFrom},
    path::Path,
};

fn no_runtime() -> io::Error {
    io::Error::other(crate::NO_RUNTIME)
}

/// Stand-in for an open file; it cannot be obtained without a runtime.
#[derive(Debug)]
pub struct File;

impl File {
    /// Fails: no runtime to do file I/O on.
    pub async fn open<P: AsRef<Path>>(_: P) -> Result<Self, io::Error> {
        Err(no_runtime())
    }

    /// Fails: no runtime to do file I/O on.
    pub async fn metadata(&self) -> Result<std::fs::Metadata, io::Error> {
        Err(no_runtime())
    }

    /// Fails: no runtime to do file I/O on.
    pub async fn flush(&self) -> Result<(), io::Error> {
        Err(no_runtime())
    }

    /// Fails: no runtime to do file I/O on.
    pub async fn sync_all(&self) -> Result<(), io::Error> {
        Err(no_runtime())
    }
}

/// Stand-in for the runtime's `OpenOptions`; the options are accepted and ignored, and
/// [`OpenOptions::open`] fails.
#[derive(Debug, Default, Clone)]
pub struct OpenOptions;

impl OpenOptions {
    /// New options.
    pub fn new() -> Self {
        Self
    }

    /// Open for reading (ignored).
    pub fn read(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Open for writing (ignored).
    pub fn write(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Truncate on open (ignored).
    pub fn truncate(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Open in append mode (ignored).
    pub fn append(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Create if missing (ignored).
    pub fn create(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Create, failing if it exists (ignored).
    pub fn create_new(&mut self, _: bool) -> &mut Self {
        self
    }

    /// Fails: no runtime to do file I/O on.
    pub async fn open(&self, _: impl AsRef<Path>) -> Result<File, io::Error> {
        Err(no_runtime())
    }
}

/// Reading, as the runtimes' `AsyncReadExt` offers it.
pub trait AsyncReadExt {
    /// The future returned by [`AsyncReadExt::read`].
    type Future: Future<Output = Result<usize, io::Error>>;

    /// Read into `buf`, resolving to the number of bytes read.
    fn read(&mut self, buf: &mut [u8]) -> Self::Future;
}

/// Writing, as the runtimes' `AsyncWriteExt` offers it.
pub trait AsyncWriteExt {
    /// The future returned by [`AsyncWriteExt::write_all`].
    type Future: Future<Output = Result<(), io::Error>>;

    /// Write all of `buf`.
    fn write_all(&mut self, buf: &[u8]) -> Self::Future;
}

/// Seeking, as the runtimes' `AsyncSeekExt` offers it.
pub trait AsyncSeekExt {
    /// The future returned by [`AsyncSeekExt::seek`].
    type Future: Future<Output = Result<u64, io::Error>>;

    /// Move the cursor, resolving to the new position from the start.
    fn seek(&mut self, pos: SeekFrom) -> Self::Future;
}

impl AsyncReadExt for File {
    type Future = Ready<Result<usize, io::Error>>;

    fn read(&mut self, _: &mut [u8]) -> Self::Future {
        ready(Err(no_runtime()))
    }
}

impl AsyncWriteExt for File {
    type Future = Ready<Result<(), io::Error>>;

    fn write_all(&mut self, _: &[u8]) -> Self::Future {
        ready(Err(no_runtime()))
    }
}

impl AsyncSeekExt for File {
    type Future = Ready<Result<u64, io::Error>>;

    fn seek(&mut self, _: SeekFrom) -> Self::Future {
        ready(Err(no_runtime()))
    }
}
