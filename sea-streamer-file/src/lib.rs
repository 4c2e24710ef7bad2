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
//! resumable consumer groups with durable commits ([`FileConsumer::commit`], and
//! [`Acknowledge`](sea_streamer_types::Acknowledge): only the contiguous prefix of processed
//! messages is committed), shard ids preserved,
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

// Layers, bottom up: `error` and `file_id`; `io` (byte containers, file handles, the writer
// thread); `format` (the byte layout of `.ss` files); `read` (frames out of files); `write`
// (frames into files); `streamer` (the Streamer / Producer / Consumer API); `verify` (the tool
// layer). A module uses only modules of its own layer or below.
mod eos;
mod error;
mod file_id;
pub mod format;
mod io;
mod read;
mod streamer;
pub mod verify;
mod write;

pub use eos::{
    end_of_stream, is_end_of_stream, FileMessage, HasMessageHeader, END_OF_STREAM, PULSE_MESSAGE,
};
pub use error::{ConfigErr, FileErr, FileResult, SeekErr};
pub use file_id::FileId;
pub use io::async_file::AsyncFile;
pub use io::bytes::{Appendable, ByteBuffer, ByteSink, ByteSource, Bytes};
pub use io::dyn_file::{DynFileSource, DynReadFuture, FileSourceType};
pub use io::file_sink::{FileSink, FileSinkWriter};
pub use io::file_source::{FileReader, FileReaderFuture, FileSource, FileSourceFuture, ReadFrom};
pub use read::message_source::MessageSource;
pub use read::mode::StreamMode;
pub use read::seek::SeekTarget;
pub use read::surveyor::{BeaconReader, MockBeacon, SurveyResult, Surveyor};
pub use streamer::consumer::{FileConsumer, FileMessageStream, NextFuture};
pub use streamer::dispatch::registry::query_streamer;
pub use streamer::file_streamer::FileStreamer;
pub use streamer::options::{
    AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileProducerOptions,
    DEFAULT_BEACON_INTERVAL, DEFAULT_FILE_SIZE_LIMIT, DEFAULT_PREFETCH_MESSAGE,
    SEA_STREAMER_WILDCARD,
};
pub use streamer::producer::{FileProducer, SendFuture};
pub use write::message_sink::MessageSink;

/// Re-exported dependencies.
pub mod export {
    pub use flume;
}
