//! The error type of the Redis backend and the conversion from `redis::RedisError`.

use redis::ServerErrorKind as S;
use redis::{ErrorKind, RedisError};
use sea_streamer_types::{StreamErr, StreamResult};

/// Result type of this crate.
pub type RedisResult<T> = StreamResult<T, RedisErr>;

/// Errors of the Redis backend; wrapped in [`StreamErr::Backend`].
#[derive(thiserror::Error, Debug, Clone)]
pub enum RedisErr {
    /// A Redis entry id could not be parsed.
    #[error("Failed to parse message ID: {0}")]
    MessageId(String),
    /// A reply to `XREAD` / `XREADGROUP` had an unexpected shape.
    #[error("Failed to parse StreamReadReply: {0:?}")]
    StreamReadReply(String),
    /// The producer's background task has ended.
    #[error("The Producer task died")]
    ProducerDied,
    /// The consumer's background task has ended.
    #[error("Consumer died with unrecoverable error. Check the log for details.")]
    ConsumerDied,
    /// The server returned an error reply.
    #[error("The server generated an invalid response: {0}")]
    ResponseError(String),
    /// Authentication failed.
    #[error("The authentication with the server failed: {0}")]
    AuthenticationFailed(String),
    /// A reply had an unexpected type.
    #[error("Operation failed because of a type mismatch: {0}")]
    TypeError(String),
    /// A script was aborted.
    #[error("A script execution was aborted: {0}")]
    ExecAbortError(String),
    /// The server is loading its data set.
    #[error("The server cannot response because it's loading a dump: {0}")]
    BusyLoadingError(String),
    /// A script does not exist.
    #[error("A script that was requested does not actually exist: {0}")]
    NoScriptError(String),
    /// The client configuration is invalid.
    #[error("An error that was caused because the parameter to the client were wrong: {0}")]
    InvalidClientConfig(String),
    /// Cluster redirection: the key lives on another node.
    #[error("Raised if a key moved to a different node: {0}")]
    Moved(String),
    /// Cluster redirection: ask another node.
    #[error("Raised if a key moved to a different node but we need to ask: {0}")]
    Ask(String),
    /// The request should be retried.
    #[error("Raised if a request needs to be retried: {0}")]
    TryAgain(String),
    /// The cluster is down.
    #[error("Raised if a redis cluster is down: {0}")]
    ClusterDown(String),
    /// A request spans several hash slots.
    #[error("A request spans multiple slots: {0}")]
    CrossSlot(String),
    /// A cluster master is unavailable.
    #[error("A cluster master is unavailable: {0}")]
    MasterDown(String),
    /// An I/O error (connection lost, refused, timed out).
    #[error("IO error: {0}")]
    IoError(String),
    /// The client detected the error before execution.
    #[error("An error raised that was identified on the client before execution: {0}")]
    ClientError(String),
    /// An error code unknown to the redis crate.
    #[error("Extension error: {0}")]
    ExtensionError(String),
    /// Write attempted on a read-only replica.
    #[error("Attempt to write to a read-only server: {0}")]
    ReadOnly(String),
    /// Anything else.
    #[error("Unknown error: {0}")]
    Unknown(String),
    /// The producer's queue is full: too many messages (or payload bytes) sent and not yet
    /// answered by Redis (see `RedisProducerOptions::set_max_queued_messages` /
    /// `set_max_queued_bytes`). Nothing was queued; retry once receipts have resolved.
    #[error("The producer queue is full: {messages} messages ({bytes} payload bytes) await Redis")]
    QueueFull {
        /// Messages sent and not yet answered.
        messages: usize,
        /// Their payload bytes.
        bytes: usize,
    },
    /// A header was named like the message field (`msg` by default), which holds the payload
    /// of an entry and so cannot be a header. Nothing was sent.
    #[error("A header cannot be named `{0}`: that is the message field")]
    ReservedHeader(String),
}

impl From<RedisError> for RedisErr {
    fn from(err: RedisError) -> Self {
        let text = err.to_string();
        classify(&err, text)
    }
}

/// The variant of `err`'s kind, with the message `text`.
fn classify(err: &RedisError, text: String) -> RedisErr {
    match err.kind() {
        ErrorKind::Server(S::ResponseError) => RedisErr::ResponseError(text),
        ErrorKind::Server(S::ExecAbort) => RedisErr::ExecAbortError(text),
        ErrorKind::Server(S::BusyLoading) => RedisErr::BusyLoadingError(text),
        ErrorKind::Server(S::NoScript) => RedisErr::NoScriptError(text),
        ErrorKind::Server(S::Moved) => RedisErr::Moved(text),
        ErrorKind::Server(S::Ask) => RedisErr::Ask(text),
        ErrorKind::Server(S::TryAgain) => RedisErr::TryAgain(text),
        ErrorKind::Server(S::ClusterDown) => RedisErr::ClusterDown(text),
        ErrorKind::Server(S::CrossSlot) => RedisErr::CrossSlot(text),
        ErrorKind::Server(S::MasterDown) => RedisErr::MasterDown(text),
        ErrorKind::Server(S::ReadOnly) => RedisErr::ReadOnly(text),
        ErrorKind::Parse => RedisErr::ResponseError(text),
        ErrorKind::AuthenticationFailed => RedisErr::AuthenticationFailed(text),
        ErrorKind::UnexpectedReturnType => RedisErr::TypeError(text),
        ErrorKind::InvalidClientConfig => RedisErr::InvalidClientConfig(text),
        ErrorKind::Io => RedisErr::IoError(text),
        ErrorKind::Client => RedisErr::ClientError(text),
        ErrorKind::Extension => RedisErr::ExtensionError(text),
        _ => RedisErr::Unknown(text),
    }
}

/// Wrap a `redis::RedisError` into a [`StreamErr`].
pub(crate) fn map_err(err: RedisError) -> StreamErr<RedisErr> {
    StreamErr::Backend(err.into())
}

/// Like [`map_err`], for an error while connecting to `addr` (`host:port`): the message names
/// the address, which the redis crate's own message (`Connection refused …`) does not.
pub(crate) fn connect_err(err: RedisError, addr: &str) -> StreamErr<RedisErr> {
    StreamErr::Backend(classify(&err, format!("connecting to {addr}: {err}")))
}

// How errors are classified (reconnect, follow MOVED, retry later, fatal): `crate::policy`.

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn conversion_and_display() {
        let io: RedisErr = RedisError::from(std::io::Error::other("gone")).into();
        assert!(matches!(io, RedisErr::IoError(_)));
        assert_eq!(RedisErr::ProducerDied.to_string(), "The Producer task died");
        assert_eq!(
            RedisErr::MessageId("x".into()).to_string(),
            "Failed to parse message ID: x"
        );
        assert_eq!(
            RedisErr::StreamReadReply("x".into()).to_string(),
            "Failed to parse StreamReadReply: \"x\""
        );
    }

    #[test]
    fn connect_errors_name_the_address_and_keep_their_kind() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = connect_err(RedisError::from(refused), "127.0.0.1:1");
        assert!(
            matches!(e, StreamErr::Backend(RedisErr::IoError(_))),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("connecting to 127.0.0.1:1: "), "{text}");
        assert!(text.contains("refused"), "{text}");
    }
}
