//! [`StdioStreamer`]: the entry point of the stdio backend.

use crate::consumer_group::registry;
use crate::output::shutdown_output;
use crate::{
    QueueLimits, StdioConnectOptions, StdioConsumer, StdioConsumerOptions, StdioErr, StdioProducer,
    StdioProducerOptions, StdioResult,
};
use sea_streamer_types::{
    ConsumerMode, ConsumerOptions, StreamErr, StreamKey, Streamer, StreamerUri,
};
use std::future::Future;

/// The stdio streamer: consumers read stdin, producers print to stdout.
///
/// There is one stdin and one stdout per process, so the state behind every
/// `StdioStreamer` is process-wide.
///
/// ```no_run
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// use sea_streamer_stdio::{StdioConnectOptions, StdioStreamer};
/// use sea_streamer_types::{Producer, StreamKey, Streamer, StreamerUri};
///
/// let streamer = StdioStreamer::connect(StreamerUri::zero(), StdioConnectOptions::default()).await?;
/// let producer = streamer
///     .create_producer(StreamKey::new("hello")?, Default::default())
///     .await?;
/// producer.send("world")?.await?;
/// streamer.disconnect().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
pub struct StdioStreamer {
    loopback: bool,
    queue_limits: QueueLimits,
}

impl Streamer for StdioStreamer {
    type Error = StdioErr;
    type Producer = StdioProducer;
    type Consumer = StdioConsumer;
    type ConnectOptions = StdioConnectOptions;
    type ConsumerOptions = StdioConsumerOptions;
    type ProducerOptions = StdioProducerOptions;

    /// Never fails; the URI is ignored (pass `StreamerUri::zero()` or `stdio://`).
    fn connect(
        _: StreamerUri,
        options: StdioConnectOptions,
    ) -> impl Future<Output = StdioResult<Self>> + Send {
        futures::future::ready(Ok(Self {
            loopback: options.loopback(),
            queue_limits: options.queue_limits(),
        }))
    }

    /// Process-wide: unregisters every consumer (their `next()` then fails), prints all
    /// pending output and stops the stdout thread. Existing producers then fail with
    /// `Disconnected`; new streamers, producers and consumers work as before.
    fn disconnect(self) -> impl Future<Output = StdioResult<()>> + Send {
        registry().clear();
        async {
            shutdown_output().await;
            Ok(())
        }
    }

    /// A producer with this streamer's loopback setting and queue limits.
    fn create_generic_producer(
        &self,
        _: StdioProducerOptions,
    ) -> impl Future<Output = StdioResult<StdioProducer>> + Send {
        futures::future::ready(Ok(StdioProducer::new_with(
            self.loopback,
            self.queue_limits,
        )))
    }

    /// `RealTime` (a group, if set, is honoured with a warning) or `LoadBalanced` (a group
    /// is required); `Resumable` is unsupported. An empty `streams` receives broadcasts only.
    fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: StdioConsumerOptions,
    ) -> impl Future<Output = StdioResult<StdioConsumer>> + Send {
        futures::future::ready(create_consumer(streams, options))
    }
}

fn create_consumer(
    streams: &[StreamKey],
    options: StdioConsumerOptions,
) -> StdioResult<StdioConsumer> {
    let group = options.consumer_group().ok().cloned();
    match options.mode()? {
        ConsumerMode::RealTime => {
            if let Some(group) = &group {
                log::warn!(
                    "consumer group `{}` set on a RealTime consumer: it joins the group",
                    group.name()
                );
            }
        }
        ConsumerMode::Resumable => {
            return Err(StreamErr::Unsupported(
                "stdio does not support Resumable".to_owned(),
            ))
        }
        ConsumerMode::LoadBalanced => {
            if group.is_none() {
                return Err(StreamErr::ConsumerGroupNotSet);
            }
        }
    }
    let (id, inbox, receiver) = registry().add(streams.to_vec(), group);
    Ok(StdioConsumer::new(id, streams.to_vec(), inbox, receiver))
}
