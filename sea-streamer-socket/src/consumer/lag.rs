//! [`ConsumerLag`] for [`SeaConsumer`]: the wrapped backend's own measure.

use super::{SeaConsumer, SeaConsumerInner};
use crate::BackendErr;
use sea_streamer_types::{ConsumerLag, Lag, StreamResult};

/// The lag of whichever backend the consumer wraps, in that backend's unit (see
/// [`ConsumerLag`] for the table): Kafka and Redis count messages, a file counts bytes, and
/// stdio has no lag (`StreamErr::Unsupported`). Measuring also sets the backend's
/// `sea_streamer_consumer_lag` gauge.
///
/// ```
/// # #[cfg(feature = "backend-stdio")]
/// # async fn demo() -> Result<(), sea_streamer_socket::Error> {
/// use sea_streamer_socket::{SeaConnectOptions, SeaConsumerOptions, SeaStreamer};
/// use sea_streamer_types::{ConsumerLag, ConsumerMode, ConsumerOptions, StreamErr, StreamKey, Streamer};
///
/// let streamer = SeaStreamer::connect("stdio://".parse()?, SeaConnectOptions::default()).await?;
/// let consumer = streamer
///     .create_consumer(&[StreamKey::new("jobs")?], SeaConsumerOptions::new(ConsumerMode::RealTime))
///     .await?;
/// assert!(matches!(consumer.lag().await, Err(StreamErr::Unsupported(_))));
/// # Ok(())
/// # }
/// ```
impl ConsumerLag for SeaConsumer {
    async fn lag(&self) -> StreamResult<Lag, BackendErr> {
        match &self.consumer {
            #[cfg(feature = "backend-kafka")]
            SeaConsumerInner::Kafka(c) => c.lag().await.map_err(crate::map_err),
            #[cfg(feature = "backend-redis")]
            SeaConsumerInner::Redis(c) => c.lag().await.map_err(crate::map_err),
            #[cfg(feature = "backend-stdio")]
            SeaConsumerInner::Stdio(_) => Err(sea_streamer_types::StreamErr::Unsupported(
                "stdio has no consumer lag: a pipe has no end to measure against".into(),
            )),
            #[cfg(feature = "backend-file")]
            SeaConsumerInner::File(_) => Err(sea_streamer_types::StreamErr::Unsupported(
                "the file backend's consumer lag is not available in this build".into(),
            )),
        }
    }
}
