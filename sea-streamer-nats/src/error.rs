//! The backend's error type: each variant names the server or stream and the cause.

use sea_streamer_types::StreamErr;
use thiserror::Error;

/// A result whose error is a [`StreamErr`] of [`NatsErr`].
pub type NatsResult<T> = Result<T, StreamErr<NatsErr>>;

/// What went wrong talking to a NATS server.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum NatsErr {
    /// The URL cannot name a NATS server.
    #[error("invalid NATS URL {url}: {cause}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        cause: String,
    },
    /// No server of the list could be reached, or it refused the credentials.
    #[error("cannot connect to NATS server {servers}: {cause}")]
    Connect {
        /// The servers tried.
        servers: String,
        /// The client's error.
        cause: String,
    },
    /// The JetStream stream holding a key is missing and may not be created.
    #[error("JetStream stream {stream} (for subject {subject}) does not exist on {server} and creating streams is off")]
    StreamNotFound {
        /// The JetStream stream name.
        stream: String,
        /// The subject (stream key).
        subject: String,
        /// The server connected to.
        server: String,
    },
    /// Creating, reading or updating a JetStream stream failed (JetStream off, no rights, ...).
    #[error("JetStream stream {stream} on {server}: {cause}")]
    Stream {
        /// The JetStream stream name.
        stream: String,
        /// The server connected to.
        server: String,
        /// The client's error.
        cause: String,
    },
    /// Publishing failed or was not acknowledged.
    #[error("publish to {subject} on {server}: {cause}")]
    Publish {
        /// The subject.
        subject: String,
        /// The server connected to.
        server: String,
        /// The client's error.
        cause: String,
    },
    /// Creating or reading a JetStream consumer failed.
    #[error("JetStream consumer {consumer} of stream {stream} on {server}: {cause}")]
    Consumer {
        /// The JetStream stream name.
        stream: String,
        /// The consumer's name (`ordered` for RealTime consumers).
        consumer: String,
        /// The server connected to.
        server: String,
        /// The client's error.
        cause: String,
    },
    /// Acknowledging or flushing acknowledgements failed.
    #[error("acknowledgement on {server}: {cause}")]
    Ack {
        /// The server connected to.
        server: String,
        /// The client's error.
        cause: String,
    },
    /// The producer has ended (or its task stopped): nothing more can be sent through it.
    #[error("the NATS producer has ended")]
    ProducerEnded,
    /// The consumer's message streams have all ended.
    #[error("the NATS consumer's subscriptions have ended")]
    ConsumerEnded,
}

/// A [`StreamErr::Backend`] of `e`.
pub(crate) fn backend(e: NatsErr) -> StreamErr<NatsErr> {
    StreamErr::Backend(e)
}
