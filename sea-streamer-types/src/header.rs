//! [`MessageHeader`]: the metadata of a message (stream key, shard, sequence number,
//! timestamp).

use crate::{SeqNo, ShardId, StreamKey, Timestamp};

/// Metadata of a message.
///
/// ```
/// use sea_streamer_types::{export::time::macros::datetime, MessageHeader, ShardId, StreamKey};
///
/// let header = MessageHeader::new(
///     StreamKey::new("hello").unwrap(),
///     ShardId::new(0),
///     1,
///     datetime!(2023-06-05 13:55:53.001 UTC),
/// );
/// assert_eq!(header.stream_key().name(), "hello");
/// assert_eq!(*header.sequence(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageHeader {
    stream_key: StreamKey,
    shard_id: ShardId,
    sequence: SeqNo,
    pub(crate) timestamp: Timestamp,
}

impl MessageHeader {
    /// Creates a header.
    pub fn new(
        stream_key: StreamKey,
        shard_id: ShardId,
        sequence: SeqNo,
        timestamp: Timestamp,
    ) -> Self {
        Self {
            stream_key,
            shard_id,
            sequence,
            timestamp,
        }
    }

    /// The stream the message belongs to.
    pub fn stream_key(&self) -> &StreamKey {
        &self.stream_key
    }

    /// The shard the message belongs to.
    pub fn shard_id(&self) -> &ShardId {
        &self.shard_id
    }

    /// The sequence number of the message within its shard.
    pub fn sequence(&self) -> &SeqNo {
        &self.sequence
    }

    /// The message timestamp.
    pub fn timestamp(&self) -> &Timestamp {
        &self.timestamp
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MessageHeader {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeStruct};

        let timestamp = self
            .timestamp
            .format(crate::TIMESTAMP_FORMAT)
            .map_err(S::Error::custom)?;
        let mut s = serializer.serialize_struct("MessageHeader", 4)?;
        s.serialize_field("stream_key", &self.stream_key)?;
        s.serialize_field("shard_id", &self.shard_id.id())?;
        s.serialize_field("sequence", &self.sequence)?;
        s.serialize_field("timestamp", &timestamp)?;
        s.end()
    }
}
