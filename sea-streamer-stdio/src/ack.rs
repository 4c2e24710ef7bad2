//! [`Acknowledge`] for [`StdioConsumer`]: a documented no-op.

use crate::{StdioConsumer, StdioResult};
use sea_streamer_types::{Acknowledge, MessageHeader};

/// Stdin cannot be replayed, so there is nothing to make durable: every call is a no-op
/// that returns `Ok`. A restarted process reads whatever comes next on its stdin.
///
/// ```
/// # async fn demo() -> sea_streamer_stdio::StdioResult<()> {
/// use sea_streamer_stdio::{StdioConsumerOptions, StdioStreamer};
/// use sea_streamer_types::{
///     export::time::OffsetDateTime, Acknowledge, MessageHeader, ShardId, StreamKey, Streamer,
///     StreamerUri,
/// };
///
/// let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
/// let key = StreamKey::new("hello")?;
/// let consumer = streamer
///     .create_consumer(&[key.clone()], StdioConsumerOptions::default())
///     .await?;
/// let header = MessageHeader::new(key, ShardId::new(0), 0, OffsetDateTime::now_utc());
/// consumer.track(&header)?;
/// consumer.ack(&header)?;
/// consumer.commit_acked().await?;
/// # Ok(()) }
/// # futures::executor::block_on(demo()).unwrap();
/// ```
impl Acknowledge for StdioConsumer {
    fn track(&self, _: &MessageHeader) -> StdioResult<()> {
        Ok(())
    }

    fn ack(&self, _: &MessageHeader) -> StdioResult<()> {
        Ok(())
    }

    fn commit_acked(&self) -> impl std::future::Future<Output = StdioResult<()>> + Send {
        futures::future::ready(Ok(()))
    }
}
