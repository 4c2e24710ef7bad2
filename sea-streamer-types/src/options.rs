//! Option traits implemented by each backend's connect, consumer and producer options.

use crate::{ConsumerGroup, ConsumerMode, StreamResult};
use std::time::Duration;

/// Options for [`crate::Streamer::connect`].
pub trait ConnectOptions: Default + Clone + Send {
    /// The backend-specific error type.
    type Error: std::error::Error;

    /// The connection timeout; `Err(TimeoutNotSet)` if it was never set (backend-specific).
    fn timeout(&self) -> StreamResult<Duration, Self::Error>;
    /// Sets the connection timeout.
    fn set_timeout(&mut self, d: Duration) -> StreamResult<&mut Self, Self::Error>;
}

/// Options for [`crate::Streamer::create_consumer`].
pub trait ConsumerOptions: Default + Clone + Send {
    /// The backend-specific error type.
    type Error: std::error::Error;

    /// Default options for the given mode.
    fn new(mode: ConsumerMode) -> Self;
    /// The consumer mode.
    fn mode(&self) -> StreamResult<&ConsumerMode, Self::Error>;
    /// The consumer group; `Err(ConsumerGroupNotSet)` if unset.
    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, Self::Error>;
    /// Sets the consumer group.
    fn set_consumer_group(
        &mut self,
        group_id: ConsumerGroup,
    ) -> StreamResult<&mut Self, Self::Error>;
}

/// Options for [`crate::Streamer::create_generic_producer`].
pub trait ProducerOptions: Default + Clone + Send {}
