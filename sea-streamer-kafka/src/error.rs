//! The backend error type and the conversions used throughout the crate.

use sea_streamer_types::{runtime_error, StreamErr, StreamResult};

/// The backend error of this crate: rdkafka's error type.
pub use rdkafka::error::KafkaError as KafkaErr;

/// The result type of this crate.
pub type KafkaResult<T> = StreamResult<T, KafkaErr>;

/// Wraps an rdkafka error as [`StreamErr::Backend`].
pub(crate) fn stream_err(err: KafkaErr) -> StreamErr<KafkaErr> {
    StreamErr::Backend(err)
}

/// Wraps a task join error as [`StreamErr::Runtime`].
pub(crate) fn join_err<E>(err: E) -> StreamErr<KafkaErr>
where
    E: std::error::Error + Send + Sync + 'static,
{
    runtime_error(err)
}
