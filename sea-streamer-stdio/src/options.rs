//! Options of the stdio streamer, its consumers and producers.

use crate::{QueueLimits, StdioErr};
use sea_streamer_types::{
    ConnectOptions, ConsumerGroup, ConsumerMode, ConsumerOptions, ProducerOptions, StreamErr,
    StreamResult,
};
use std::time::Duration;

/// Options of [`StdioStreamer::connect`](sea_streamer_types::Streamer::connect) for [`crate::StdioStreamer`].
///
/// With loopback on, producers created by that streamer also deliver every message they
/// print to this process's consumers (with the printed key, sequence and timestamp, shard 0).
///
/// ```
/// use sea_streamer_stdio::StdioConnectOptions;
///
/// let mut options = StdioConnectOptions::default();
/// assert!(!options.loopback());
/// options.set_loopback(true);
/// assert!(options.loopback());
/// ```
#[derive(Debug, Default, Clone)]
pub struct StdioConnectOptions {
    loopback: bool,
    queue_limits: QueueLimits,
}

impl StdioConnectOptions {
    /// Whether producers feed what they print back to this process's consumers.
    pub fn loopback(&self) -> bool {
        self.loopback
    }

    /// Turns loopback on or off (off by default).
    pub fn set_loopback(&mut self, b: bool) {
        self.loopback = b;
    }

    /// The bound on what each producer of the streamer may have waiting for the stdout
    /// thread (see [`crate::StdioProducer`]); by default 100 000 messages or 64 MiB.
    pub fn queue_limits(&self) -> QueueLimits {
        self.queue_limits
    }

    /// Sets the bound on what each producer may have waiting for the stdout thread; a send
    /// beyond it is refused with [`crate::QueueFull`].
    ///
    /// ```
    /// use sea_streamer_stdio::{QueueLimits, StdioConnectOptions};
    ///
    /// let mut options = StdioConnectOptions::default();
    /// options.set_queue_limits(QueueLimits { max_messages: 1000, max_bytes: 1 << 20 });
    /// assert_eq!(options.queue_limits().max_messages, 1000);
    /// ```
    pub fn set_queue_limits(&mut self, limits: QueueLimits) {
        self.queue_limits = limits;
    }
}

impl ConnectOptions for StdioConnectOptions {
    type Error = StdioErr;

    /// There is no connection, hence no timeout: always `Err(TimeoutNotSet)`.
    fn timeout(&self) -> StreamResult<Duration, StdioErr> {
        Err(StreamErr::TimeoutNotSet)
    }

    /// Accepted and ignored.
    fn set_timeout(&mut self, _: Duration) -> StreamResult<&mut Self, StdioErr> {
        Ok(self)
    }
}

/// Options of [`crate::StdioStreamer`]'s consumers.
///
/// ```
/// use sea_streamer_stdio::StdioConsumerOptions;
/// use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions};
///
/// let mut options = StdioConsumerOptions::new(ConsumerMode::LoadBalanced);
/// assert!(options.consumer_group().is_err());
/// options.set_consumer_group(ConsumerGroup::new("abc")).unwrap();
/// assert_eq!(options.consumer_group().unwrap().name(), "abc");
/// ```
#[derive(Debug, Clone)]
pub struct StdioConsumerOptions {
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
}

impl Default for StdioConsumerOptions {
    fn default() -> Self {
        Self::new(ConsumerMode::RealTime)
    }
}

impl ConsumerOptions for StdioConsumerOptions {
    type Error = StdioErr;

    fn new(mode: ConsumerMode) -> Self {
        Self { mode, group: None }
    }

    fn mode(&self) -> StreamResult<&ConsumerMode, StdioErr> {
        Ok(&self.mode)
    }

    /// `Err(ConsumerGroupNotSet)` if unset.
    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, StdioErr> {
        self.group.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    /// Members of a group share its messages: each goes to `members[sequence % len]`.
    fn set_consumer_group(&mut self, group: ConsumerGroup) -> StreamResult<&mut Self, StdioErr> {
        self.group = Some(group);
        Ok(self)
    }
}

/// Options of [`crate::StdioProducer`] (there are none).
///
/// ```
/// let _ = sea_streamer_stdio::StdioProducerOptions::default();
/// ```
#[derive(Debug, Default, Clone)]
pub struct StdioProducerOptions {}

impl ProducerOptions for StdioProducerOptions {}
