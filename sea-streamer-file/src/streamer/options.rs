//! Options: [`FileConnectOptions`], [`FileConsumerOptions`], [`FileProducerOptions`], and the
//! [`AutoStreamReset`] / [`StreamMode`] enums.

use crate::error::{ConfigErr, FileErr};
use crate::io::write_queue::{QueueLimits, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES};
use sea_streamer_types::{
    ConnectOptions, ConsumerGroup, ConsumerMode, ConsumerOptions, ProducerOptions, StreamErr,
    StreamResult,
};
use std::time::Duration;

/// Default distance between beacons: 1 MiB.
pub const DEFAULT_BEACON_INTERVAL: u32 = 1024 * 1024;
/// Default file size limit: 16 GiB.
pub const DEFAULT_FILE_SIZE_LIMIT: u64 = 16 * 1024 * 1024 * 1024;
/// Default number of messages a reader prefetches per subscriber.
pub const DEFAULT_PREFETCH_MESSAGE: usize = 1000;
/// Subscribe with this key to receive every stream of the file (ungrouped consumers only).
pub const SEA_STREAMER_WILDCARD: &str = "SEA_STREAMER_WILDCARD";

/// Where a consumer without a committed position starts.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum AutoStreamReset {
    /// At the first frame of the file.
    Earliest,
    /// After the last frame (live only).
    Latest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Create {
    Never,
    IfNotExists,
    Only,
}

/// Options of `FileStreamer::connect` ([`crate::FileStreamer`]).
///
/// ```
/// use sea_streamer_file::FileConnectOptions;
/// let mut options = FileConnectOptions::default();
/// options.set_create_if_not_exists(true).set_end_with_eos(true);
/// options.set_beacon_interval(4096).unwrap();
/// assert!(options.set_beacon_interval(1000).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct FileConnectOptions {
    create: Create,
    end_with_eos: bool,
    beacon_interval: u32,
    file_size_limit: u64,
    prefetch_message: usize,
    file_notification: bool,
    max_queued_messages: usize,
    max_queued_bytes: usize,
}

impl Default for FileConnectOptions {
    fn default() -> Self {
        Self {
            create: Create::Never,
            end_with_eos: false,
            beacon_interval: DEFAULT_BEACON_INTERVAL,
            file_size_limit: DEFAULT_FILE_SIZE_LIMIT,
            prefetch_message: DEFAULT_PREFETCH_MESSAGE,
            file_notification: true,
            max_queued_messages: DEFAULT_MAX_QUEUED_MESSAGES,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
        }
    }
}

impl FileConnectOptions {
    /// Whether `connect` creates a missing file.
    pub fn create_if_not_exists(&self) -> bool {
        self.create == Create::IfNotExists
    }

    /// `true`: create the file if missing; `false`: never create.
    pub fn set_create_if_not_exists(&mut self, v: bool) -> &mut Self {
        self.create = if v {
            Create::IfNotExists
        } else {
            Create::Never
        };
        self
    }

    /// Whether `connect` creates the file and fails if it exists.
    pub fn create_only(&self) -> bool {
        self.create == Create::Only
    }

    /// `true`: create the file, failing if it exists; `false`: never create.
    pub fn set_create_only(&mut self, v: bool) -> &mut Self {
        self.create = if v { Create::Only } else { Create::Never };
        self
    }

    /// Whether ending the producer writes an EOS frame.
    pub fn end_with_eos(&self) -> bool {
        self.end_with_eos
    }

    /// Write an EOS frame when the producer (or streamer) is ended.
    pub fn set_end_with_eos(&mut self, v: bool) -> &mut Self {
        self.end_with_eos = v;
        self
    }

    /// Beacon interval used for new files.
    pub fn beacon_interval(&self) -> u32 {
        self.beacon_interval
    }

    /// Set the beacon interval; must be a positive multiple of 1024.
    pub fn set_beacon_interval(&mut self, v: u32) -> Result<&mut Self, FileErr> {
        if v == 0 || !v.is_multiple_of(1024) {
            return Err(ConfigErr::InvalidBeaconInterval.into());
        }
        self.beacon_interval = v;
        Ok(self)
    }

    /// Largest size the producer lets the file grow to.
    pub fn file_size_limit(&self) -> u64 {
        self.file_size_limit
    }

    /// Set the file size limit.
    pub fn set_file_size_limit(&mut self, v: u64) -> &mut Self {
        self.file_size_limit = v;
        self
    }

    /// Messages a reader prefetches per subscriber.
    pub fn prefetch_message(&self) -> usize {
        self.prefetch_message
    }

    /// Set the prefetch depth.
    pub fn set_prefetch_message(&mut self, v: usize) -> &mut Self {
        self.prefetch_message = v;
        self
    }

    /// Whether live consumers watch the file for changes (default `true`).
    pub fn file_notification(&self) -> bool {
        self.file_notification
    }

    /// `true` (the default): a live consumer's reader watches the file (inotify on Linux) and
    /// wakes as soon as the file changes, polling only as a safety net (at most every 256 ms).
    /// Where no watcher can be created it falls back to polling by itself. `false`: never watch;
    /// poll the file with a back-off from 1 ms to 64 ms, as without notification. A reader is
    /// shared by the consumers of a file: it keeps the setting of the streamer that started it.
    ///
    /// ```
    /// use sea_streamer_file::FileConnectOptions;
    /// let mut options = FileConnectOptions::default();
    /// assert!(options.file_notification());
    /// options.set_file_notification(false);
    /// assert!(!options.file_notification());
    /// ```
    pub fn set_file_notification(&mut self, v: bool) -> &mut Self {
        self.file_notification = v;
        self
    }

    /// Bound the producers' queue: at most this many messages (default 100 000) sent and not yet
    /// handed to the OS by the file's writer thread. Once reached, `send` returns
    /// [`FileErr::QueueFull`] and queues nothing; the room comes back as the writer catches up
    /// (e.g. after `flush`). A value of 0 is taken as 1. All producers of a file in a process
    /// share one writer and so one queue: it keeps the bounds of the streamer that started it.
    ///
    /// ```
    /// use sea_streamer_file::FileConnectOptions;
    /// let mut options = FileConnectOptions::default();
    /// assert_eq!(options.max_queued_messages(), 100_000);
    /// assert_eq!(options.max_queued_bytes(), 64 * 1024 * 1024);
    /// options.set_max_queued_messages(10_000).set_max_queued_bytes(8 << 20);
    /// assert_eq!(options.max_queued_messages(), 10_000);
    /// ```
    pub fn set_max_queued_messages(&mut self, v: usize) -> &mut Self {
        self.max_queued_messages = v.max(1);
        self
    }

    /// See [`FileConnectOptions::set_max_queued_messages`].
    pub fn max_queued_messages(&self) -> usize {
        self.max_queued_messages
    }

    /// Bound the payload bytes (default 64 MiB) sent and not yet handed to the OS; beyond it
    /// `send` returns [`FileErr::QueueFull`]. A single larger message is accepted when nothing
    /// else is queued. See [`FileConnectOptions::set_max_queued_messages`].
    pub fn set_max_queued_bytes(&mut self, v: usize) -> &mut Self {
        self.max_queued_bytes = v;
        self
    }

    /// See [`FileConnectOptions::set_max_queued_bytes`].
    pub fn max_queued_bytes(&self) -> usize {
        self.max_queued_bytes
    }

    pub(crate) fn queue_limits(&self) -> QueueLimits {
        QueueLimits {
            max_messages: self.max_queued_messages,
            max_bytes: self.max_queued_bytes,
        }
    }
}

impl ConnectOptions for FileConnectOptions {
    type Error = FileErr;

    /// There is no timeout: always `Err(TimeoutNotSet)`.
    fn timeout(&self) -> StreamResult<Duration, FileErr> {
        Err(StreamErr::TimeoutNotSet)
    }

    /// Accepted and ignored.
    fn set_timeout(&mut self, _: Duration) -> StreamResult<&mut Self, FileErr> {
        Ok(self)
    }
}

/// Options of `FileStreamer::create_consumer` ([`crate::FileStreamer`]).
#[derive(Debug, Clone)]
pub struct FileConsumerOptions {
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
    auto_stream_reset: AutoStreamReset,
    live_streaming: bool,
}

impl Default for FileConsumerOptions {
    fn default() -> Self {
        Self::new(ConsumerMode::RealTime)
    }
}

impl FileConsumerOptions {
    /// Where to start without a committed position (default `Latest`).
    pub fn set_auto_stream_reset(&mut self, v: AutoStreamReset) -> &mut Self {
        self.auto_stream_reset = v;
        self
    }

    /// Where to start without a committed position.
    pub fn auto_stream_reset(&self) -> &AutoStreamReset {
        &self.auto_stream_reset
    }

    /// Whether to follow the file as it grows (default `true`).
    pub fn set_live_streaming(&mut self, v: bool) -> &mut Self {
        self.live_streaming = v;
        self
    }

    /// Whether to follow the file as it grows.
    pub fn live_streaming(&self) -> &bool {
        &self.live_streaming
    }

    pub(crate) fn group(&self) -> Option<&ConsumerGroup> {
        self.group.as_ref()
    }

    pub(crate) fn consumer_mode(&self) -> ConsumerMode {
        self.mode
    }
}

impl ConsumerOptions for FileConsumerOptions {
    type Error = FileErr;

    fn new(mode: ConsumerMode) -> Self {
        Self {
            mode,
            group: None,
            auto_stream_reset: AutoStreamReset::Latest,
            live_streaming: true,
        }
    }

    fn mode(&self) -> StreamResult<&ConsumerMode, FileErr> {
        Ok(&self.mode)
    }

    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, FileErr> {
        self.group.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    fn set_consumer_group(&mut self, group_id: ConsumerGroup) -> StreamResult<&mut Self, FileErr> {
        self.group = Some(group_id);
        Ok(self)
    }
}

/// Options of `FileStreamer::create_generic_producer` ([`crate::FileStreamer`]); there are none.
#[derive(Debug, Default, Clone)]
pub struct FileProducerOptions {}

impl ProducerOptions for FileProducerOptions {}
