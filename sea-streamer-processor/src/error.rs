//! What a handler returns on failure ([`HandlerErr`]) and why a processor stopped
//! ([`ProcessorErr`]).

use sea_streamer_types::{MessageHeader, StreamErr};
use std::fmt;
use thiserror::Error;

/// A failed attempt at handling a message: its text, and whether another attempt could
/// succeed.
///
/// Any error converts into a *transient* `HandlerErr` (so `?` works in a handler); say
/// [`HandlerErr::permanent`] when retrying is pointless (a payload that cannot be parsed):
/// the message then goes to the dead-letter destination at once.
///
/// ```
/// use sea_streamer_processor::HandlerErr;
///
/// fn parse(payload: &str) -> Result<i64, HandlerErr> {
///     payload.trim().parse::<i64>().map_err(HandlerErr::permanent)
/// }
///
/// assert_eq!(parse(" 42 ").unwrap(), 42);
/// let err = parse("forty-two").unwrap_err();
/// assert!(err.is_permanent());
/// assert_eq!(err.message(), "invalid digit found in string");
///
/// let io: HandlerErr = std::io::Error::other("connection reset").into();
/// assert!(!io.is_permanent());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerErr {
    message: String,
    permanent: bool,
}

impl HandlerErr {
    /// A failure that another attempt may not repeat (the message is retried).
    pub fn transient<E: fmt::Display>(error: E) -> Self {
        Self {
            message: error.to_string(),
            permanent: false,
        }
    }

    /// A failure that every attempt would repeat (the message is not retried).
    pub fn permanent<E: fmt::Display>(error: E) -> Self {
        Self {
            message: error.to_string(),
            permanent: true,
        }
    }

    /// The error text (what a dead letter carries).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether retrying is pointless.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for HandlerErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every error converts into a transient failure, so `?` works in handlers.
impl<E: std::error::Error> From<E> for HandlerErr {
    fn from(error: E) -> Self {
        Self::transient(error)
    }
}

/// Why a processor stopped with an error. Before returning it, the processor finished
/// (within the shutdown deadline) the work already in flight and committed what was
/// processed.
#[derive(Error, Debug)]
pub enum ProcessorErr<E: std::error::Error> {
    /// The consumer failed to fetch, track, acknowledge or commit.
    #[error("consumer error: {0}")]
    Consumer(StreamErr<E>),
    /// A message failed its last attempt and the policy is to stop (no dead letter). It
    /// is not acknowledged, so it is delivered again after a restart.
    #[error("message {}/{}/{} failed after {attempts} attempt(s): {error}", .header.stream_key(), .header.shard_id().id(), .header.sequence())]
    Failed {
        /// The message's header.
        header: MessageHeader,
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error text.
        error: String,
    },
    /// A message could not be written to the dead-letter destination; it is not
    /// acknowledged.
    #[error("dead letter of {}/{}/{} not delivered: {error}", .header.stream_key(), .header.shard_id().id(), .header.sequence())]
    DeadLetter {
        /// The message's header.
        header: MessageHeader,
        /// The producer's error text.
        error: String,
    },
    /// Flushing a producer at the end failed.
    #[error("flush failed: {0}")]
    Flush(String),
    /// The options are not usable (e.g. a concurrency of 0).
    #[error("invalid options: {0}")]
    Options(String),
}
