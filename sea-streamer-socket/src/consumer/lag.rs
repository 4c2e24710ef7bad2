//! [`ConsumerLag`] for [`SeaConsumer`]: the wrapped backend's own measure.

use super::{SeaConsumer, SeaConsumerInner};
use crate::{map_err, BackendErr};
use sea_streamer_types::{ConsumerLag, Lag, StreamResult};

/// The lag of whichever backend the consumer wraps, in that backend's unit (see
/// [`ConsumerLag`] for the table): Kafka and Redis count messages, a file counts bytes, and
/// stdio has no lag (`StreamErr::Unsupported`). NATS does not measure its lag yet
/// (`StreamErr::Unsupported`). Measuring also sets the backend's
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
            SeaConsumerInner::Kafka(c) => c.lag().await.map_err(map_err),
            #[cfg(feature = "backend-redis")]
            SeaConsumerInner::Redis(c) => c.lag().await.map_err(map_err),
            #[cfg(feature = "backend-stdio")]
            SeaConsumerInner::Stdio(c) => c.lag().await.map_err(map_err),
            #[cfg(feature = "backend-file")]
            SeaConsumerInner::File(c) => c.lag().await.map_err(map_err),
            // sea-streamer-nats has no `ConsumerLag` yet (JetStream would give it as the
            // consumer info's pending count).
            #[cfg(feature = "backend-nats")]
            SeaConsumerInner::Nats(_) => Err(sea_streamer_types::StreamErr::Unsupported(
                "lag: the NATS backend does not measure consumer lag yet".to_owned(),
            )),
        }
    }
}
