//! # sea-streamer-file: the `.ss` file backend of sea-streamer
//!
//! A stream is an append-only binary `.ss` file (format: see [`format`](mod@format)). Producers append frames;
//! consumers replay the file, follow it live like `tail -f`, or seek inside it by timestamp or
//! sequence number using the beacons the writer leaves at every beacon interval.
//!
//! ```no_run
//! use sea_streamer_file::{AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer};
//! use sea_streamer_types::{
//!     Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
//!     StreamerUri,
//! };
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let uri: StreamerUri = "file:///tmp/demo.ss".parse()?;
//! let mut options = FileConnectOptions::default();
//! options.set_create_if_not_exists(true);
//! let streamer = FileStreamer::connect(uri, options).await?;
//!
//! let key = StreamKey::new("hello")?;
//! let mut producer = streamer.create_producer(key.clone(), Default::default()).await?;
//! producer.send("world")?.await?;
//! producer.flush().await?;
//!
//! let mut consumer_options = FileConsumerOptions::new(ConsumerMode::RealTime);
//! consumer_options.set_auto_stream_reset(AutoStreamReset::Earliest);
//! let consumer = streamer.create_consumer(&[key], consumer_options).await?;
//! let message = consumer.next().await?;
//! assert_eq!(message.message().as_str()?, "world");
//! # Ok(())
//! # }
//! ```
//!
//! ## Differences from upstream 0.5.2
//!
//! See the crate README (section "Differences from upstream 0.5.2"). In short: crash-safe reading
//! and appending (partial tails are never delivered and are truncated by a recovering writer),
//! corruption told apart from a torn tail (a writer refuses a corrupt file with
//! [`FileErr::CorruptForAppend`] instead of cutting valid frames; readers and consumers get
//! [`FileErr::Corrupted`]; [`verify`] / `ss-verify --repair` keep every valid frame; frame
//! headers, which the checksum does not cover, are checked by [`verify`]),
//! resumable consumer groups with durable commits ([`FileConsumer::commit`]), shard ids preserved,
//! seeks that check the sought stream, batched writing and reading (see [`NextFuture`]), and one
//! writing process per file (an exclusive `flock` held while a [`MessageSink`] writes; a writer in
//! another process gets an `IoError` of kind `WouldBlock` instead of corrupting the file).
//!
//! ## Live follow
//!
//! A live consumer's reader thread reads until it finds no complete frame, then waits for the file
//! to grow, whoever appends to it (this process or another one). By default it watches the file
//! with the `notify` crate (inotify on Linux): a change wakes it at once, and it polls at most every
//! 256 ms only as a safety net for missed events. One watcher per file is shared by the readers of
//! that file and dropped with the last of them. Where no watcher can be created (inotify limits,
//! an unsupported file system) the reader logs it at debug level and polls with a back-off from
//! 1 ms to 64 ms, as it does when [`FileConnectOptions::set_file_notification`] turned watching
//! off. `MessageSource` and `FileSource` poll.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod buffer;
mod commit;
mod consumer;
mod crc;
mod dispatch;
mod dyn_file;
mod encoder;
mod error;
mod file;
mod file_id;
mod file_sink;
mod file_source;
pub mod format;
mod options;
mod pending;
mod producer;
mod reader;
mod seek;
mod sink;
mod source;
mod streamer;
mod surveyor;
pub mod verify;
mod watch;
mod window;
mod write_lock;
mod writer;

pub use buffer::*;
pub use consumer::{FileConsumer, FileMessageStream, NextFuture};
pub use dispatch::query_streamer;
pub use dyn_file::{DynFileSource, DynReadFuture};
pub use error::*;
pub use file::AsyncFile;
pub use file_id::*;
pub use file_sink::{FileSink, FileSinkWriter};
pub use file_source::{FileReader, FileReaderFuture, FileSource, FileSourceFuture, ReadFrom};
pub use options::*;
pub use producer::{FileProducer, SendFuture};
pub use seek::SeekTarget;
pub use sink::MessageSink;
pub use source::{FileSourceType, MessageSource};
pub use streamer::FileStreamer;
pub use surveyor::{BeaconReader, MockBeacon, SurveyResult, Surveyor};

use sea_streamer_types::{
    Buffer as _, MessageHeader, OwnedMessage, ShardId, SharedMessage, StreamKey, Timestamp,
    SEA_STREAMER_INTERNAL,
};

/// Default distance between beacons: 1 MiB.
pub const DEFAULT_BEACON_INTERVAL: u32 = 1024 * 1024;
/// Default file size limit: 16 GiB.
pub const DEFAULT_FILE_SIZE_LIMIT: u64 = 16 * 1024 * 1024 * 1024;
/// Default number of messages a reader prefetches per subscriber.
pub const DEFAULT_PREFETCH_MESSAGE: usize = 1000;
/// Subscribe with this key to receive every stream of the file (ungrouped consumers only).
pub const SEA_STREAMER_WILDCARD: &str = "SEA_STREAMER_WILDCARD";
/// Payload of the end-of-stream frame.
pub const END_OF_STREAM: &str = "EOS";
/// Payload of the internal pulse marker (never written to files).
pub const PULSE_MESSAGE: &str = "PULSE";

/// Re-exported dependencies.
pub mod export {
    pub use flume;
}

/// The message type delivered by [`FileConsumer`].
pub type FileMessage = SharedMessage;

/// Access to the header of a message.
pub trait HasMessageHeader: sea_streamer_types::Message {
    /// The header.
    fn header(&self) -> &MessageHeader;
}

impl HasMessageHeader for SharedMessage {
    fn header(&self) -> &MessageHeader {
        SharedMessage::header(self)
    }
}

impl HasMessageHeader for OwnedMessage {
    fn header(&self) -> &MessageHeader {
        OwnedMessage::header(self)
    }
}

/// The end-of-stream message: key `SEA_STREAMER_INTERNAL`, shard 0, sequence 0, now, payload `EOS`.
///
/// ```
/// use sea_streamer_file::{end_of_stream, is_end_of_stream};
/// assert!(is_end_of_stream(&end_of_stream()));
/// ```
pub fn end_of_stream() -> OwnedMessage {
    OwnedMessage::new(
        MessageHeader::new(internal_key(), ShardId::new(0), 0, Timestamp::now_utc()),
        END_OF_STREAM.as_bytes().to_vec(),
    )
}

/// Whether a message is the end-of-stream message.
pub fn is_end_of_stream<M: HasMessageHeader>(mess: &M) -> bool {
    mess.header().stream_key().name() == SEA_STREAMER_INTERNAL
        && mess.message().as_bytes() == END_OF_STREAM.as_bytes()
}

pub(crate) fn internal_key() -> StreamKey {
    StreamKey::new(SEA_STREAMER_INTERNAL).expect("valid key")
}
