//! Error types of the file backend: [`FileErr`], [`ConfigErr`], [`SeekErr`].

pub(crate) mod format;

use format::{FormatErr, ShortStringErr, UnixTimestampErr};
use sea_streamer_types::{StreamErr, StreamKeyErr, StreamResult};
use std::str::Utf8Error;
use thiserror::Error;

/// Errors of the file backend.
#[derive(Error, Debug)]
pub enum FileErr {
    /// An option or a combination of options is invalid.
    #[error("ConfigErr: {0}")]
    ConfigErr(#[source] ConfigErr),
    /// A string in the file (e.g. the header's file name) is not valid UTF-8.
    #[error("Utf8Error: {0}")]
    Utf8Error(#[source] Utf8Error),
    /// An I/O error from the operating system.
    #[error("IO Error: {0}")]
    IoError(#[source] std::io::Error),
    /// Stands in for an [`FileErr::IoError`] that was handed out already (see [`FileErr::take`]).
    #[error("Duplicate IoError")]
    DuplicateIoError,
    /// File-system watching failed.
    #[error("Watch Error: {0}")]
    WatchError(String),
    /// The bytes do not follow the `.ss` format (bad magic, checksum mismatch, ...).
    #[error("FormatErr: {0}")]
    FormatErr(#[source] FormatErr),
    /// Seeking failed.
    #[error("SeekErr: {0}")]
    SeekErr(#[source] SeekErr),
    /// The file was removed while being read or written.
    #[error("File Removed")]
    FileRemoved,
    /// Writing would make the file larger than the configured size limit.
    #[error("File Limit Exceeded")]
    FileLimitExceeded,
    /// A background task or thread is gone.
    #[error("Task Dead ({0})")]
    TaskDead(&'static str),
    /// The file ended in the middle of a frame (or a bounded reader hit the end).
    #[error("Not Enough Bytes: the file might be truncated.")]
    NotEnoughBytes,
    /// The stream ended: an EOS frame was read, or the reader stopped after an error.
    #[error("Stream Ended: the file might have been removed or an EOS message.")]
    StreamEnded,
    /// The shared writer of the file is gone.
    #[error("Producer Ended: the file might have been removed or was ended intentionally.")]
    ProducerEnded,
    /// A commit (sidecar) file of a resumable consumer group cannot be understood.
    /// (Not in upstream 0.5.2.)
    #[error("Invalid commit file: {0}")]
    InvalidCommit(String),
    /// Corrupt bytes in the middle of a file: decoding failed at `offset`, yet valid data
    /// (a frame, or a beacon leading to one) follows at `resume_at`, so this is not a torn tail
    /// (an incomplete last write). `ss-verify --repair` drops the corrupt bytes and keeps the rest.
    /// (Not in upstream 0.5.2, which reported `NotEnoughBytes` or a checksum error.)
    #[error("Corrupted: {file}: corrupt data at offset {offset} ({cause}); valid data resumes at offset {resume_at}")]
    Corrupted {
        /// The file.
        file: String,
        /// Where decoding failed (start of the bad frame).
        offset: u64,
        /// Where the next valid frame starts.
        resume_at: u64,
        /// Why decoding failed.
        cause: String,
    },
    /// A writer (`MessageSink::append`, a producer) refuses to open a file whose corruption is
    /// followed by valid data: cutting it would lose that data. Nothing was changed; repair the
    /// file with `ss-verify --file <file> --repair`. (Not in upstream 0.5.2, which cut the file.)
    #[error("Corrupt file not opened for writing: {file}: corrupt data at offset {offset} ({cause}) is followed by valid data at offset {resume_at}; nothing was changed. Run `ss-verify --file {file} --repair` to drop the corrupt bytes and keep the rest")]
    CorruptForAppend {
        /// The file.
        file: String,
        /// Where decoding failed (start of the bad frame).
        offset: u64,
        /// Where the next valid frame starts.
        resume_at: u64,
        /// Why decoding failed.
        cause: String,
    },
    /// The producers' queue of this file is full: too many messages (or payload bytes) sent and
    /// not yet handed to the OS by the writer (see `FileConnectOptions::set_max_queued_messages`
    /// / `set_max_queued_bytes`). Nothing was queued; retry once the writer has caught up (e.g.
    /// after `flush`). (Not in upstream 0.5.2, whose queue was unbounded.)
    #[error(
        "The producer queue is full: {messages} messages ({bytes} payload bytes) await the writer"
    )]
    QueueFull {
        /// Messages sent and not yet written.
        messages: usize,
        /// Their payload bytes.
        bytes: usize,
    },
}

/// Result type of the file backend's `Streamer`/`Producer`/`Consumer` methods.
pub type FileResult<T> = StreamResult<T, FileErr>;

/// Invalid configuration.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErr {
    /// `AutoStreamReset::Latest` needs live streaming.
    #[error("Cannot stream from a non-live file at the end")]
    LatestButNotLive,
    /// All consumers of one group must use the same mode.
    #[error("Consumers in the same ConsumerGroup must use the same ConsumerMode")]
    SameGroupSameMode,
    /// The beacon interval must be a positive multiple of 1024.
    #[error("Please choose a 'better aligned' beacon interval")]
    InvalidBeaconInterval,
    /// The wildcard stream key cannot be used by a grouped consumer.
    #[error("Wildcard stream can only be subscribed in ungrouped Consumer")]
    NoWildcardInGroup,
}

/// Seeking errors.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekErr {
    /// The target lies beyond the data in the file.
    #[error("Out Of Bound: what you are seeking is probably not in this file")]
    OutOfBound,
    /// The beacon search did not converge.
    #[error("Exhausted: there must be an algorithmic error")]
    Exhausted,
}

impl FileErr {
    /// Return the error, leaving an equivalent copy in `self`.
    /// An [`FileErr::IoError`] cannot be copied, so the copy left behind is [`FileErr::DuplicateIoError`].
    pub fn take(&mut self) -> Self {
        let copy = match &*self {
            FileErr::IoError(_) => FileErr::DuplicateIoError,
            other => other.duplicate(),
        };
        std::mem::replace(self, copy)
    }

    /// A copy of this error (an I/O error is copied as a new I/O error of the same kind and message).
    pub(crate) fn duplicate(&self) -> Self {
        match self {
            FileErr::IoError(e) => FileErr::IoError(std::io::Error::new(e.kind(), e.to_string())),
            FileErr::WatchError(s) => FileErr::WatchError(s.clone()),
            FileErr::InvalidCommit(s) => FileErr::InvalidCommit(s.clone()),
            FileErr::ConfigErr(e) => FileErr::ConfigErr(*e),
            FileErr::Utf8Error(e) => FileErr::Utf8Error(*e),
            FileErr::DuplicateIoError => FileErr::DuplicateIoError,
            FileErr::FormatErr(e) => FileErr::FormatErr(*e),
            FileErr::SeekErr(e) => FileErr::SeekErr(*e),
            FileErr::FileRemoved => FileErr::FileRemoved,
            FileErr::FileLimitExceeded => FileErr::FileLimitExceeded,
            FileErr::TaskDead(s) => FileErr::TaskDead(s),
            FileErr::NotEnoughBytes => FileErr::NotEnoughBytes,
            FileErr::StreamEnded => FileErr::StreamEnded,
            FileErr::ProducerEnded => FileErr::ProducerEnded,
            FileErr::QueueFull { messages, bytes } => FileErr::QueueFull {
                messages: *messages,
                bytes: *bytes,
            },
            FileErr::Corrupted {
                file,
                offset,
                resume_at,
                cause,
            } => FileErr::Corrupted {
                file: file.clone(),
                offset: *offset,
                resume_at: *resume_at,
                cause: cause.clone(),
            },
            FileErr::CorruptForAppend {
                file,
                offset,
                resume_at,
                cause,
            } => FileErr::CorruptForAppend {
                file: file.clone(),
                offset: *offset,
                resume_at: *resume_at,
                cause: cause.clone(),
            },
        }
    }
}

impl From<FileErr> for StreamErr<FileErr> {
    fn from(e: FileErr) -> Self {
        StreamErr::Backend(e)
    }
}

impl From<std::io::Error> for FileErr {
    fn from(e: std::io::Error) -> Self {
        FileErr::IoError(e)
    }
}

impl From<FormatErr> for FileErr {
    fn from(e: FormatErr) -> Self {
        FileErr::FormatErr(e)
    }
}

impl From<ShortStringErr> for FileErr {
    fn from(e: ShortStringErr) -> Self {
        FileErr::FormatErr(FormatErr::ShortStringErr(e))
    }
}

impl From<UnixTimestampErr> for FileErr {
    fn from(e: UnixTimestampErr) -> Self {
        FileErr::FormatErr(FormatErr::UnixTimestampErr(e))
    }
}

impl From<StreamKeyErr> for FileErr {
    fn from(e: StreamKeyErr) -> Self {
        FileErr::FormatErr(FormatErr::StreamKeyErr(e))
    }
}

impl From<ConfigErr> for FileErr {
    fn from(e: ConfigErr) -> Self {
        FileErr::ConfigErr(e)
    }
}

impl From<SeekErr> for FileErr {
    fn from(e: SeekErr) -> Self {
        FileErr::SeekErr(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_io_error() {
        let mut e = FileErr::IoError(std::io::Error::other("boom"));
        let taken = e.take();
        assert!(matches!(taken, FileErr::IoError(_)));
        assert!(matches!(e, FileErr::DuplicateIoError));
    }

    #[test]
    fn duplicate_keeps_kind() {
        let e = FileErr::FormatErr(FormatErr::ChecksumErr {
            received: 1,
            computed: 2,
        });
        assert_eq!(e.duplicate().to_string(), e.to_string());
        let e = FileErr::IoError(std::io::Error::new(std::io::ErrorKind::NotFound, "x"));
        assert!(
            matches!(e.duplicate(), FileErr::IoError(ref io) if io.kind() == std::io::ErrorKind::NotFound)
        );
    }
}
