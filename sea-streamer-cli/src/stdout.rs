//! Standard output and its closing by the reader (`sea consume … | head`).
//!
//! A closed stdout is a normal end: every command that writes to stdout turns a broken pipe
//! into [`Closed`], and `main` ends the program quietly (exit 0, nothing on stderr) when an
//! error's cause chain holds one. Rust ignores `SIGPIPE`, so a write to a closed pipe fails
//! with `BrokenPipe` instead of killing the process.

use sea_streamer_socket::{BackendErr, Error};
use sea_streamer_types::StreamErr;
use std::io::{self, BufWriter, Stdout, Write};

/// The reader of stdout went away.
#[derive(Debug, Clone, Copy)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for Closed {}

/// Whether an error's cause chain says that stdout was closed.
pub fn is_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Closed>())
}

/// Whether a socket error (of a stdio producer) means that stdout was closed.
pub fn closed_by_backend(e: &Error) -> bool {
    match e {
        StreamErr::Backend(BackendErr::Stdio(sea_streamer_stdio::StdioErr::IoError(e))) => {
            e.kind() == io::ErrorKind::BrokenPipe
        }
        _ => false,
    }
}

/// Buffered stdout; every write or flush error of kind `BrokenPipe` becomes [`Closed`].
pub struct Out {
    inner: BufWriter<Stdout>,
}

impl Out {
    /// Wraps the process' stdout.
    pub fn new() -> Self {
        Self {
            inner: BufWriter::with_capacity(64 * 1024, io::stdout()),
        }
    }

    /// Writes all of `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.inner.write_all(bytes).map_err(convert)
    }

    /// Hands what is buffered to the reader.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.inner.flush().map_err(convert)
    }
}

/// A write error as an `anyhow` error: [`Closed`] for a broken pipe.
fn convert(e: io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        anyhow::Error::new(Closed)
    } else {
        anyhow::Error::new(e).context("writing to stdout")
    }
}
