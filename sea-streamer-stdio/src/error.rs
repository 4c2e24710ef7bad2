//! Errors of the stdio backend: [`StdioErr`] and the [`StdioResult`] alias.

use sea_streamer_types::StreamResult;
use thiserror::Error;

/// Errors of the stdio backend.
///
/// ```
/// use sea_streamer_stdio::StdioErr;
///
/// assert_eq!(
///     StdioErr::Disconnected.to_string(),
///     "StdioStreamer has been disconnected"
/// );
/// ```
#[derive(Error, Debug)]
pub enum StdioErr {
    /// The consumer's channel was closed, e.g. after [`crate::StdioStreamer`] was disconnected.
    #[error("Flume RecvError: {0}")]
    RecvError(flume::RecvError),
    /// Reading stdin or writing stdout failed.
    #[error("IO Error: {0}")]
    IoError(std::io::Error),
    /// The streamer was disconnected, so this producer can no longer print.
    #[error("StdioStreamer has been disconnected")]
    Disconnected,
}

/// Why [`crate::StdioProducer`] refused a payload: it contains a line break (`\n`), and
/// stdout carries one message per line, so printing it would split it into two messages
/// (the second of which could pose as any stream, sequence number and time).
///
/// The producer returns it from `send` / `send_to` as
/// `StreamErr::Backend(StdioErr::IoError(e))` where `e.kind()` is
/// [`std::io::ErrorKind::InvalidInput`] and `e.get_ref()` downcasts to this type.
///
/// ```
/// use sea_streamer_stdio::{PayloadLineBreak, StdioErr, StdioProducer};
/// use sea_streamer_types::{Producer, StreamErr, StreamKey};
///
/// let producer = StdioProducer::new();
/// let key = StreamKey::new("k").unwrap();
/// match producer.send_to(&key, "one\ntwo") {
///     Err(StreamErr::Backend(StdioErr::IoError(e))) => {
///         assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
///         let cause = e.get_ref().unwrap().downcast_ref::<PayloadLineBreak>().unwrap();
///         assert_eq!(cause.position, 3);
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("the payload has a line break at byte {position}: stdio prints one message per line")]
pub struct PayloadLineBreak {
    /// Byte offset of the first `\n` in the payload.
    pub position: usize,
}

impl From<PayloadLineBreak> for StdioErr {
    fn from(e: PayloadLineBreak) -> Self {
        StdioErr::IoError(std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    }
}

/// Result type of the stdio backend.
///
/// ```
/// use sea_streamer_stdio::{StdioErr, StdioResult};
/// use sea_streamer_types::StreamErr;
///
/// let r: StdioResult<()> = Err(StreamErr::Backend(StdioErr::Disconnected));
/// assert!(r.is_err());
/// ```
pub type StdioResult<T> = StreamResult<T, StdioErr>;
