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
