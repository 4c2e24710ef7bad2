//! [`ConsumerLag`] for [`FileConsumer`]: bytes between the consumer's read position and the
//! end of the file.

use crate::error::{FileErr, FileResult};
use crate::streamer::consumer::FileConsumer;
use sea_streamer_types::{ConsumerLag, Lag, LagUnit, ShardId, ShardLag, StreamErr};

/// The consumer's lag in bytes ([`LagUnit::Bytes`]): the file's size now minus
/// [`FileConsumer::position`] (the end of the last message `next()` returned, or where the
/// consumer started), 0 once it has returned the file's last message.
///
/// A file interleaves its stream keys, so the figure is the same for every key: the result has
/// one [`ShardLag`] per subscribed stream key (shard 0), each with the whole file's byte lag, and
/// the gauge `sea_streamer_consumer_lag` of each key is set to it. With several keys, read one
/// shard's figure (or [`Lag::of_stream`]) rather than [`Lag::total`], which adds them up. The
/// bytes count every frame after the position, other keys' messages, beacons and an end-of-stream
/// marker included; bytes still queued in a producer's writer (not yet flushed) are not counted.
/// A group member's position is that of the messages dealt to it.
///
/// ```no_run
/// use sea_streamer_file::{AutoStreamReset, FileConsumerOptions, FileStreamer};
/// use sea_streamer_types::{ConsumerLag, ConsumerMode, ConsumerOptions, LagUnit, StreamKey, Streamer};
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = FileStreamer::connect("file:///tmp/lag.ss".parse()?, Default::default()).await?;
/// let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
/// options.set_auto_stream_reset(AutoStreamReset::Earliest);
/// let consumer = streamer.create_consumer(&[StreamKey::new("hello")?], options).await?;
/// let lag = consumer.lag().await?;
/// assert_eq!(lag.shards()[0].unit, LagUnit::Bytes);
/// let _bytes_to_read = lag.shards()[0].behind;
/// # Ok(())
/// # }
/// ```
impl ConsumerLag for FileConsumer {
    async fn lag(&self) -> FileResult<Lag> {
        let end = std::fs::metadata(self.file_id().path())
            .map_err(|e| StreamErr::Backend(FileErr::IoError(e)))?
            .len();
        let behind = end.saturating_sub(self.position());
        self.stats.lag(behind);
        Ok(Lag::new(
            self.stats
                .keys()
                .map(|key| ShardLag {
                    stream_key: key.clone(),
                    shard_id: ShardId::new(0),
                    behind,
                    unit: LagUnit::Bytes,
                })
                .collect(),
        ))
    }
}
