//! Error types shared by every backend.
//!
//! [`StreamErr`] is the error type of every fallible operation, generic over the
//! backend-specific error `E`. [`StreamUrlErr`] and [`StreamKeyErr`] describe bad
//! addresses and bad stream keys; [`JsonErr`] (feature `json`) describes payloads
//! that cannot be decoded as JSON.

use thiserror::Error;

/// The result type of every fallible sea-streamer operation.
///
/// `E` is the backend-specific error, wrapped in [`StreamErr::Backend`].
pub type StreamResult<T, E> = std::result::Result<T, StreamErr<E>>;

/// Common errors that may occur in any backend.
///
/// ```
/// use sea_streamer_types::{StreamErr, StreamKeyErr};
///
/// let err: StreamErr<std::io::Error> = StreamKeyErr::InvalidStreamKey.into();
/// assert_eq!(
///     err.to_string(),
///     "StreamKeyErr Invalid stream key: valid pattern is [a-zA-Z0-9._-]{1, 249}"
/// );
/// ```
#[derive(Error, Debug)]
pub enum StreamErr<E: std::error::Error> {
    /// Failed to connect to the server or open the resource.
    #[error("Connection Error: {0}")]
    Connect(String),
    /// A timeout was requested but has never been configured.
    #[error("Timeout has not yet been set")]
    TimeoutNotSet,
    /// [`crate::Producer::anchor`] was called on an already anchored producer.
    #[error("Producer has already been anchored")]
    AlreadyAnchored,
    /// The producer has no anchored stream key.
    #[error("Producer has not yet been anchored")]
    NotAnchored,
    /// A consumer group is set where none is expected.
    #[error("Consumer group is set; but not expected")]
    ConsumerGroupIsSet,
    /// A consumer group is required but has not been set.
    #[error("Consumer group has not yet been set")]
    ConsumerGroupNotSet,
    /// The set of stream keys would become (or is) empty.
    #[error("Stream key set is empty")]
    StreamKeyEmpty,
    /// The stream key is not part of the subscription.
    #[error("Stream key not found")]
    StreamKeyNotFound,
    /// Commit was attempted on a [`crate::ConsumerMode::RealTime`] consumer.
    #[error("You cannot commit on a real-time consumer")]
    CommitNotAllowed,
    /// A payload was expected to be UTF-8 but is not.
    #[error("Utf8Error: {0}")]
    Utf8Error(std::str::Utf8Error),
    /// A stream URL could not be parsed.
    #[error("StreamUrlErr {0}")]
    StreamUrlErr(#[from] StreamUrlErr),
    /// A stream key is invalid.
    #[error("StreamKeyErr {0}")]
    StreamKeyErr(#[from] StreamKeyErr),
    /// The backend does not support the requested feature.
    #[error("Unsupported feature: {0}")]
    Unsupported(String),
    /// A backend-specific error.
    #[error("Backend error: {0}")]
    Backend(E),
    /// An error raised by the async runtime (e.g. a failed task or I/O).
    #[error("Runtime error: {0}")]
    Runtime(Box<dyn std::error::Error + Send + Sync>),
}

/// Errors in parsing a [`crate::StreamUrl`] or [`crate::StreamerUri`].
///
/// ```
/// use sea_streamer_types::{StreamUrl, StreamUrlErr};
///
/// let err = "proto://sea-ql.org:1234".parse::<StreamUrl>().unwrap_err();
/// assert!(matches!(err, StreamUrlErr::NoEndingSlash));
/// ```
#[derive(Error, Debug, Clone)]
pub enum StreamUrlErr {
    /// A node address is not a valid URL.
    #[error("UrlParseError {0}")]
    UrlParseError(#[from] url::ParseError),
    /// One of the stream keys is invalid.
    #[error("StreamKeyErr {0}")]
    StreamKeyErr(#[from] StreamKeyErr),
    /// Exactly one stream key was expected.
    #[error("Expected one stream key, found zero or more than one")]
    NotOneStreamKey,
    /// No node was specified.
    #[error("No node has been specified")]
    ZeroNode,
    /// The URL has no `protocol://` prefix and no host.
    #[error("Protocol is required")]
    ProtocolRequired,
    /// A stream URL must contain a `/` separating hosts from streams.
    #[error("URL must have an ending slash, even when streams is empty")]
    NoEndingSlash,
}

/// Error of [`crate::StreamKey`] validation.
///
/// ```
/// use sea_streamer_types::{StreamKey, StreamKeyErr};
///
/// assert!(matches!(StreamKey::new("a b"), Err(StreamKeyErr::InvalidStreamKey)));
/// ```
#[derive(Error, Debug, Clone, Copy)]
pub enum StreamKeyErr {
    /// The key is empty, too long, or contains a character outside `[a-zA-Z0-9._-]`.
    #[error("Invalid stream key: valid pattern is [a-zA-Z0-9._-]{{1, 249}}")]
    InvalidStreamKey,
}

/// Errors in decoding a payload as JSON (feature `json`).
#[cfg(feature = "json")]
#[derive(Error, Debug)]
pub enum JsonErr {
    /// The payload is not valid UTF-8.
    #[error("Utf8Error {0}")]
    Utf8Error(#[from] std::str::Utf8Error),
    /// The payload is not valid JSON for the target type.
    #[error("serde_json::Error {0}")]
    SerdeJson(#[from] serde_json::Error),
}

/// Wraps an error raised by the async runtime as [`StreamErr::Runtime`].
///
/// ```
/// use sea_streamer_types::{runtime_error, StreamErr};
///
/// let io = std::io::Error::other("task panicked");
/// let err: StreamErr<std::fmt::Error> = runtime_error(io);
/// assert_eq!(err.to_string(), "Runtime error: task panicked");
/// ```
pub fn runtime_error<T: std::error::Error, E: std::error::Error + Send + Sync + 'static>(
    e: E,
) -> StreamErr<T> {
    StreamErr::Runtime(Box::new(e))
}
