//! The end-of-stream message (the frame that closes a stream, see `ss-format.md` §6), the
//! internal pulse marker, and [`HasMessageHeader`], through which both are recognised.

use sea_streamer_types::{
    Buffer as _, MessageHeader, OwnedMessage, ShardId, SharedMessage, StreamKey, Timestamp,
    SEA_STREAMER_INTERNAL,
};

/// Payload of the end-of-stream frame.
pub const END_OF_STREAM: &str = "EOS";
/// Payload of the internal pulse marker (never written to files).
pub const PULSE_MESSAGE: &str = "PULSE";

/// The message type delivered by [`FileConsumer`](crate::FileConsumer).
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
