//! # sea-streamer-file: the `.ss` file backend of sea-streamer
//!
//! A stream is an append-only binary `.ss` file (format: see [`format`]). Producers append frames;
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
//! * **Crash safety.** A file cut in the middle of a frame is read up to the last complete frame and
//!   nothing after it is delivered. A writer re-opening such a file (`MessageSink::append`, a producer)
//!   continues after the last complete, valid frame and **truncates** the partial tail (upstream kept the
//!   stale bytes and overwrote them in place). A trailing EOS is always overwritten, also in files
//!   without beacons (upstream then kept the EOS, hiding every later frame).
//! * **Corruption is detected and typed.** Besides the payload CRC ([`format::FormatErr::ChecksumErr`]),
//!   a frame interrupted by a beacon must agree with the beacon about how many of its bytes remain
//!   ([`format::FormatErr::BeaconMismatch`]); a bit flip in a length field is thus caught at the next
//!   beacon. [`MessageSource::resync`] skips to the next beacon after an error. Invalid input never
//!   panics: `MessageSink::new` with an interval below 128 and a negative timestamp return errors.
//! * **Resumable consumers** (upstream: `Unsupported`). A consumer in `ConsumerMode::Resumable`
//!   with a consumer group commits its position with [`FileConsumer::commit`]; the position is stored
//!   durably in a sidecar file `<file>.<group>.commit` (written to a temporary name, fsynced, then
//!   atomically renamed). A consumer of that group created later starts right after the last commit
//!   (or at the `AutoStreamReset` position when there is none).
//! * **Sharding.** Frames keep the shard id they were written with; consumers deliver it unchanged.
//! * **Seeking checks the stream.** The final frame-by-frame scan of `seek`/`rewind(At(n))` only stops
//!   at a frame of the sought stream (upstream stopped at any frame with a matching sequence or
//!   timestamp, whatever its key); for consumers any shard of the first subscribed key matches.
//! * **Writing.** Producers encode frames synchronously into a shared buffer that a background thread
//!   writes in large batches (no syscall per message); buffered frames reach the OS within ~10 ms
//!   even without `flush` (upstream did this once per second under async-std only). A frame that
//!   would exceed the file size limit is rejected whole (upstream wrote the part that fitted).
//!   When a producer continues an existing file, its sequence numbers continue from the file and
//!   the beacon running checksums are recomputed over the whole file (upstream seeded them with the
//!   last frame's own checksum).
//! * **Live following** polls the file for growth with an exponential back-off from 1 ms to 64 ms
//!   (upstream: file-system notifications plus back-off up to 1 s); a removed file ends the stream
//!   with `FileRemoved`.
//! * **Lower-level API.** The byte-level `FileSource`, `FileReader`, `FileSink`, `AsyncFile` and
//!   `DynFileSource` types of upstream are not provided; [`MessageSource`] and [`MessageSink`] cover
//!   frame-level access. New: the [`verify`] module (used by the `ss-verify` tool).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod buffer;
mod commit;
mod consumer;
mod crc;
mod dispatch;
mod encoder;
mod error;
mod file_id;
pub mod format;
mod options;
mod producer;
mod reader;
mod seek;
mod sink;
mod source;
mod streamer;
mod surveyor;
pub mod verify;
mod window;
mod writer;

pub use buffer::*;
pub use consumer::{FileConsumer, FileMessageStream, NextFuture};
pub use dispatch::query_streamer;
pub use error::*;
pub use file_id::*;
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
