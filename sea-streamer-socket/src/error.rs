//! [`BackendErr`]: the error of whichever backend is wrapped; [`Error`] =
//! `StreamErr<BackendErr>`.

use sea_streamer_types::StreamErr;

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileErr;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaErr;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsErr;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisErr;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioErr;

/// The error of the wrapped backend.
///
/// ```
/// # #[cfg(feature = "backend-stdio")] {
/// use sea_streamer_socket::BackendErr;
/// use sea_streamer_stdio::StdioErr;
///
/// let err: BackendErr = StdioErr::Disconnected.into();
/// assert!(err.to_string().starts_with("StdioBackendErr: "));
/// # }
/// ```
#[derive(thiserror::Error, Debug)]
pub enum BackendErr {
    /// A Kafka error.
    #[cfg(feature = "backend-kafka")]
    #[error("KafkaBackendErr: {0}")]
    Kafka(KafkaErr),
    /// A Redis error.
    #[cfg(feature = "backend-redis")]
    #[error("RedisBackendErr: {0}")]
    Redis(RedisErr),
    /// A stdio error.
    #[cfg(feature = "backend-stdio")]
    #[error("StdioBackendErr: {0}")]
    Stdio(StdioErr),
    /// A file error.
    #[cfg(feature = "backend-file")]
    #[error("FileBackendErr: {0}")]
    File(FileErr),
    /// A NATS error.
    #[cfg(feature = "backend-nats")]
    #[error("NatsBackendErr: {0}")]
    Nats(NatsErr),
}

/// The error type of every socket operation.
pub type Error = StreamErr<BackendErr>;

#[cfg(feature = "backend-kafka")]
impl From<KafkaErr> for BackendErr {
    fn from(e: KafkaErr) -> Self {
        Self::Kafka(e)
    }
}

#[cfg(feature = "backend-redis")]
impl From<RedisErr> for BackendErr {
    fn from(e: RedisErr) -> Self {
        Self::Redis(e)
    }
}

#[cfg(feature = "backend-stdio")]
impl From<StdioErr> for BackendErr {
    fn from(e: StdioErr) -> Self {
        Self::Stdio(e)
    }
}

#[cfg(feature = "backend-file")]
impl From<FileErr> for BackendErr {
    fn from(e: FileErr) -> Self {
        Self::File(e)
    }
}

#[cfg(feature = "backend-nats")]
impl From<NatsErr> for BackendErr {
    fn from(e: NatsErr) -> Self {
        Self::Nats(e)
    }
}

crate::backend::impl_sea_streamer_backend! {
    impl for BackendErr { |this| *this, BackendErr }
    Kafka = KafkaErr, Redis = RedisErr, Stdio = StdioErr, File = FileErr, Nats = NatsErr,
}

/// Converts a backend's `StreamErr<E>` into [`Error`]: only `StreamErr::Backend(e)` changes
/// (into `StreamErr::Backend(BackendErr::X(e))`); every other variant passes through.
pub(crate) fn map_err<E>(err: StreamErr<E>) -> Error
where
    E: std::error::Error,
    BackendErr: From<E>,
{
    match err {
        StreamErr::Backend(e) => StreamErr::Backend(e.into()),
        StreamErr::Connect(s) => StreamErr::Connect(s),
        StreamErr::TimeoutNotSet => StreamErr::TimeoutNotSet,
        StreamErr::AlreadyAnchored => StreamErr::AlreadyAnchored,
        StreamErr::NotAnchored => StreamErr::NotAnchored,
        StreamErr::ConsumerGroupIsSet => StreamErr::ConsumerGroupIsSet,
        StreamErr::ConsumerGroupNotSet => StreamErr::ConsumerGroupNotSet,
        StreamErr::StreamKeyEmpty => StreamErr::StreamKeyEmpty,
        StreamErr::StreamKeyNotFound => StreamErr::StreamKeyNotFound,
        StreamErr::CommitNotAllowed => StreamErr::CommitNotAllowed,
        StreamErr::Utf8Error(e) => StreamErr::Utf8Error(e),
        StreamErr::StreamUrlErr(e) => StreamErr::StreamUrlErr(e),
        StreamErr::StreamKeyErr(e) => StreamErr::StreamKeyErr(e),
        StreamErr::Unsupported(s) => StreamErr::Unsupported(s),
        StreamErr::Runtime(e) => StreamErr::Runtime(e),
    }
}
