//! Connecting to a stream URL, creating producers and consumers, and noticing the end of a stream.
//!
//! The same calls work for every backend; the only backend-specific settings live here:
//! a `file://` streamer creates its file when missing and writes an end-of-stream (EOS) frame
//! when its producer ends, so that consumers of a finished file stop by themselves.

use crate::cli::StartFrom;
use sea_streamer::{
    file::FileErr, BackendErr, ConsumerMode, ConsumerOptions, Message, SeaConnectOptions,
    SeaConsumer, SeaConsumerOptions, SeaProducer, SeaStreamReset, SeaStreamer, SharedMessage,
    StreamErr, StreamUrl, Streamer,
};

/// Error type of every backend behind [`SeaStreamer`].
pub type Error = sea_streamer::Error;

/// Connect options used by all examples: a `file://` stream is created if missing and ended
/// with an EOS frame; other backends keep their defaults.
pub fn connect_options() -> SeaConnectOptions {
    let mut options = SeaConnectOptions::default();
    options.set_file_connect_options(|o| {
        o.set_create_if_not_exists(true).set_end_with_eos(true);
    });
    options
}

/// Connects to the streamer (server, file or pipe) named by `url`.
pub async fn connect(url: &StreamUrl) -> Result<SeaStreamer, Error> {
    log::debug!("connecting to {:?}", url.streamer());
    SeaStreamer::connect(url.streamer(), connect_options()).await
}

/// Options of a plain (`RealTime`, uncommitted) consumer starting at `start`.
pub fn consumer_options(start: StartFrom) -> SeaConsumerOptions {
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(match start {
        StartFrom::Earliest => SeaStreamReset::Earliest,
        StartFrom::Latest => SeaStreamReset::Latest,
    });
    options
}

/// Connects to `url` and subscribes a `RealTime` consumer to all of its stream keys.
///
/// The streamer is returned too: keep it alive as long as the consumer.
pub async fn open_consumer(
    url: &StreamUrl,
    start: StartFrom,
) -> Result<(SeaStreamer, SeaConsumer), Error> {
    let streamer = connect(url).await?;
    let consumer = streamer
        .create_consumer(url.stream_keys(), consumer_options(start))
        .await?;
    Ok((streamer, consumer))
}

/// Connects to `url` and creates a producer anchored to its single stream key.
///
/// The streamer is returned too: keep it alive as long as the producer.
pub async fn open_producer(url: &StreamUrl) -> Result<(SeaStreamer, SeaProducer), Error> {
    open_producer_with(url, Default::default()).await
}

/// [`open_producer`] with producer `options` (e.g. from [`crate::cli::ProducerArgs`]).
pub async fn open_producer_with(
    url: &StreamUrl,
    options: sea_streamer::SeaProducerOptions,
) -> Result<(SeaStreamer, SeaProducer), Error> {
    let key = url.stream_key()?;
    let streamer = connect(url).await?;
    let producer = streamer.create_producer(key, options).await?;
    Ok((streamer, producer))
}

/// Whether `err` means the stream has ended for good (a `file://` stream whose producer
/// wrote its EOS frame). Other backends have no end: their streams can always grow.
pub fn is_end_of_stream(err: &Error) -> bool {
    matches!(
        err,
        StreamErr::Backend(BackendErr::File(FileErr::StreamEnded))
    )
}

/// Waits for the next message; `Ok(None)` once the stream has ended (see [`is_end_of_stream`]),
/// or, for a `stdio://` consumer, once stdin has ended and every line read was delivered.
pub async fn next_or_end(consumer: &SeaConsumer) -> Result<Option<SharedMessage>, Error> {
    use futures::FutureExt;
    use sea_streamer::{Backend, Consumer, SeaStreamerBackend};
    let next = if consumer.backend() == Backend::Stdio {
        tokio::select! {
            biased;
            next = consumer.next() => Some(next),
            // stdin has ended: what is queued, then the end
            _ = sea_streamer::stdio::stdin_closed() => consumer.next().now_or_never(),
        }
    } else {
        Some(consumer.next().await)
    };
    match next {
        None => {
            log::info!("end of stdin");
            Ok(None)
        }
        Some(Ok(message)) => Ok(Some(message.to_owned())),
        Some(Err(err)) if is_end_of_stream(&err) => {
            log::info!("end of stream");
            Ok(None)
        }
        Some(Err(err)) => Err(err),
    }
}

/// Counts processed messages against an optional limit (`--count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    max: Option<u64>,
    done: u64,
}

impl Limit {
    /// A limit of `max` messages, or none.
    pub fn new(max: Option<u64>) -> Self {
        Self { max, done: 0 }
    }

    /// Whether the limit has been reached.
    pub fn reached(&self) -> bool {
        self.max.is_some_and(|m| self.done >= m)
    }

    /// How many more messages may be processed (`None`: unlimited).
    pub fn remaining(&self) -> Option<u64> {
        self.max.map(|m| m.saturating_sub(self.done))
    }

    /// Records `n` processed messages.
    pub fn add(&mut self, n: u64) {
        self.done += n;
    }

    /// Messages processed so far.
    pub fn done(&self) -> u64 {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit() {
        let mut none = Limit::new(None);
        none.add(1_000);
        assert!(!none.reached());
        assert_eq!(none.remaining(), None);

        let mut three = Limit::new(Some(3));
        assert!(!three.reached());
        three.add(2);
        assert_eq!(three.remaining(), Some(1));
        three.add(1);
        assert!(three.reached());
        assert_eq!(three.done(), 3);
        let zero = Limit::new(Some(0));
        assert!(zero.reached());
    }

    #[test]
    fn end_of_stream_is_only_the_file_one() {
        assert!(is_end_of_stream(&StreamErr::Backend(BackendErr::File(
            FileErr::StreamEnded
        ))));
        assert!(!is_end_of_stream(&StreamErr::Backend(BackendErr::File(
            FileErr::ProducerEnded
        ))));
        assert!(!is_end_of_stream(&StreamErr::StreamKeyEmpty));
    }
}
