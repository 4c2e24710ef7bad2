//! Messages and payloads.
//!
//! A message is a [`MessageHeader`] (stream key, shard, sequence number, timestamp)
//! plus a payload. [`Payload`] is a borrowed view of the body; [`OwnedMessage`] and
//! [`SharedMessage`] own their bytes. The [`Message`] trait is what every backend's
//! message type implements; [`Buffer`] is what producers accept as a payload.

use crate::{SeqNo, ShardId, StreamKey, Timestamp};
use std::sync::Arc;

#[cfg(feature = "json")]
use crate::JsonErr;

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
    timestamp: Timestamp,
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

/// Types that can be sent as a message payload.
///
/// Implemented for [`Payload`], `&[u8]`, `&str` and `String`. For a `Vec<u8>`, pass
/// `vec.as_slice()`.
///
/// ```
/// use sea_streamer_types::Buffer;
///
/// let bytes: &[u8] = b"hello";
/// assert_eq!(bytes.size(), 5);
/// assert_eq!(bytes.as_str().unwrap(), "hello");
/// assert_eq!(String::from("hi").into_bytes(), b"hi".to_vec());
/// ```
pub trait Buffer {
    /// Length in bytes.
    fn size(&self) -> usize;
    /// Converts into an owned byte vector (copying if borrowed).
    fn into_bytes(self) -> Vec<u8>;
    /// Borrows the bytes.
    fn as_bytes(&self) -> &[u8];
    /// Borrows the content as UTF-8 text, failing if it is not valid UTF-8.
    fn as_str(&self) -> Result<&str, std::str::Utf8Error>;
}

/// Either raw bytes or a string known to be valid UTF-8.
///
/// ```
/// use sea_streamer_types::BytesOrStr;
///
/// assert_eq!(BytesOrStr::Str("abc").len(), 3);
/// assert!(BytesOrStr::Bytes(&[]).is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BytesOrStr<'a> {
    /// Raw bytes, not necessarily UTF-8.
    Bytes(&'a [u8]),
    /// Valid UTF-8 text.
    Str(&'a str),
}

impl BytesOrStr<'_> {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Self::Bytes(b) => b.len(),
            Self::Str(s) => s.len(),
        }
    }

    /// Whether the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Conversion into [`BytesOrStr`]; implemented for `&str` and `&[u8]`.
///
/// ```
/// use sea_streamer_types::{BytesOrStr, IntoBytesOrStr};
///
/// assert_eq!("hi".into_bytes_or_str(), BytesOrStr::Str("hi"));
/// ```
pub trait IntoBytesOrStr<'a>
where
    Self: 'a,
{
    /// Performs the conversion.
    fn into_bytes_or_str(self) -> BytesOrStr<'a>;
}

impl<'a> IntoBytesOrStr<'a> for &'a str {
    fn into_bytes_or_str(self) -> BytesOrStr<'a> {
        BytesOrStr::Str(self)
    }
}

impl<'a> IntoBytesOrStr<'a> for &'a [u8] {
    fn into_bytes_or_str(self) -> BytesOrStr<'a> {
        BytesOrStr::Bytes(self)
    }
}

/// A borrowed view of a message body.
///
/// ```
/// use sea_streamer_types::{Buffer, Payload};
///
/// let payload = Payload::new("hello");
/// assert_eq!(payload.size(), 5);
/// assert_eq!(payload.as_str().unwrap(), "hello");
/// assert_eq!(Payload::default().size(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Payload<'a> {
    data: BytesOrStr<'a>,
}

impl<'a> Payload<'a> {
    /// Creates a payload from a `&str` or `&[u8]`.
    pub fn new<D: IntoBytesOrStr<'a>>(data: D) -> Self {
        Self {
            data: data.into_bytes_or_str(),
        }
    }

    /// Decodes the payload as JSON (feature `json`).
    ///
    /// ```
    /// # #[cfg(feature = "json")]
    /// # {
    /// use sea_streamer_types::Payload;
    ///
    /// let v: Vec<u32> = Payload::new("[1,2,3]").deserialize_json().unwrap();
    /// assert_eq!(v, vec![1, 2, 3]);
    /// # }
    /// ```
    #[cfg(feature = "json")]
    pub fn deserialize_json<D: serde::de::DeserializeOwned>(&self) -> Result<D, JsonErr> {
        Ok(serde_json::from_str(self.as_str()?)?)
    }
}

impl Default for Payload<'_> {
    fn default() -> Self {
        Self::new("")
    }
}

impl Buffer for Payload<'_> {
    fn size(&self) -> usize {
        self.data.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        match self.data {
            BytesOrStr::Bytes(b) => b,
            BytesOrStr::Str(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        match self.data {
            BytesOrStr::Bytes(b) => std::str::from_utf8(b),
            BytesOrStr::Str(s) => Ok(s),
        }
    }
}

impl Buffer for &[u8] {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        self
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(self)
    }
}

impl Buffer for &str {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        str::as_bytes(self)
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        Ok(self)
    }
}

impl Buffer for String {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        String::into_bytes(self)
    }

    fn as_bytes(&self) -> &[u8] {
        str::as_bytes(self)
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        Ok(String::as_str(self))
    }
}

/// A message delivered by a consumer.
///
/// Backends implement the five required methods; [`Message::to_owned`] and
/// [`Message::identifier`] are provided.
///
/// ```
/// use sea_streamer_types::{
///     Buffer, Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
/// };
///
/// let header = MessageHeader::new(
///     StreamKey::new("hello").unwrap(),
///     ShardId::new(1),
///     7,
///     Timestamp::now_utc(),
/// );
/// let msg = OwnedMessage::new(header, b"payload".to_vec());
/// assert_eq!(msg.message().as_str().unwrap(), "payload");
/// assert_eq!(msg.identifier(), (StreamKey::new("hello").unwrap(), ShardId::new(1), 7));
/// ```
pub trait Message: Send {
    /// The stream key of the message.
    fn stream_key(&self) -> StreamKey;
    /// The shard of the message.
    fn shard_id(&self) -> ShardId;
    /// The sequence number of the message within its shard.
    fn sequence(&self) -> SeqNo;
    /// The message timestamp.
    fn timestamp(&self) -> Timestamp;
    /// The message body.
    fn message(&self) -> Payload<'_>;

    /// Copies the message (header and payload bytes) into a [`SharedMessage`].
    fn to_owned(&self) -> SharedMessage {
        let payload = self.message().into_bytes();
        let length = payload.len();
        SharedMessage::new(
            MessageHeader::new(
                self.stream_key(),
                self.shard_id(),
                self.sequence(),
                self.timestamp(),
            ),
            payload,
            0,
            length,
        )
    }

    /// `(stream_key, shard_id, sequence)`, which uniquely identifies a message.
    fn identifier(&self) -> (StreamKey, ShardId, SeqNo) {
        (self.stream_key(), self.shard_id(), self.sequence())
    }
}

/// A message owning its header and payload bytes.
///
/// ```
/// use sea_streamer_types::{MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
///
/// let header = MessageHeader::new(
///     StreamKey::new("a").unwrap(),
///     ShardId::new(0),
///     1,
///     Timestamp::now_utc(),
/// );
/// let msg = OwnedMessage::new(header.clone(), vec![1, 2, 3]);
/// assert_eq!(msg.header(), &header);
/// let shared = msg.to_shared();
/// assert_eq!(shared.to_owned_message().take(), (header, vec![1, 2, 3]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedMessage {
    header: MessageHeader,
    payload: Vec<u8>,
}

impl OwnedMessage {
    /// Creates a message.
    pub fn new(header: MessageHeader, payload: Vec<u8>) -> Self {
        Self { header, payload }
    }

    /// The message header.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Splits into header and payload.
    pub fn take(self) -> (MessageHeader, Vec<u8>) {
        (self.header, self.payload)
    }

    /// Converts into a [`SharedMessage`] without copying the payload.
    pub fn to_shared(self) -> SharedMessage {
        let length = self.payload.len();
        SharedMessage::new(self.header, self.payload, 0, length)
    }
}

impl Message for OwnedMessage {
    fn stream_key(&self) -> StreamKey {
        self.header.stream_key().clone()
    }

    fn shard_id(&self) -> ShardId {
        *self.header.shard_id()
    }

    fn sequence(&self) -> SeqNo {
        *self.header.sequence()
    }

    fn timestamp(&self) -> Timestamp {
        *self.header.timestamp()
    }

    fn message(&self) -> Payload<'_> {
        Payload::new(self.payload.as_slice())
    }
}

/// A message whose payload is a slice of a reference-counted buffer; cloning is cheap.
///
/// Equality and hashing consider the header, the whole buffer, the offset and the
/// length, not only the visible bytes.
///
/// ```
/// use sea_streamer_types::{
///     Buffer, Message, MessageHeader, SharedMessage, ShardId, StreamKey, Timestamp,
/// };
///
/// let header = MessageHeader::new(
///     StreamKey::new("a").unwrap(),
///     ShardId::new(0),
///     1,
///     Timestamp::now_utc(),
/// );
/// let msg = SharedMessage::new(header, b"xxhelloyy".to_vec(), 2, 5);
/// assert_eq!(msg.message().as_str().unwrap(), "hello");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SharedMessage {
    header: MessageHeader,
    bytes: Arc<Vec<u8>>,
    offset: u32,
    length: u32,
}

impl SharedMessage {
    /// Creates a message whose payload is `bytes[offset..offset + length]`.
    ///
    /// # Panics
    ///
    /// Panics if `offset > bytes.len()`, as upstream does. A range that otherwise does
    /// not fit in `bytes` (`offset + length > bytes.len()`), or an offset or length that
    /// does not fit in `u32`, also panics here rather than later when the payload is read.
    pub fn new(header: MessageHeader, bytes: Vec<u8>, offset: usize, length: usize) -> Self {
        assert!(
            offset <= bytes.len(),
            "SharedMessage offset {offset} is beyond the buffer length {}",
            bytes.len()
        );
        assert!(
            length <= bytes.len() - offset,
            "SharedMessage range {offset}+{length} is beyond the buffer length {}",
            bytes.len()
        );
        let offset = u32::try_from(offset).expect("SharedMessage offset must fit in u32");
        let length = u32::try_from(length).expect("SharedMessage length must fit in u32");
        Self {
            header,
            bytes: Arc::new(bytes),
            offset,
            length,
        }
    }

    /// Creates a message whose payload is `bytes[offset..offset + length]` of a buffer that
    /// is already shared, so many messages can be slices of one buffer (e.g. one read of
    /// many lines) without copying it or allocating per message.
    ///
    /// Equality and hashing still consider the whole buffer, as for [`SharedMessage::new`].
    ///
    /// ```
    /// use sea_streamer_types::{
    ///     Buffer, Message, MessageHeader, SharedMessage, ShardId, StreamKey, Timestamp,
    /// };
    /// use std::sync::Arc;
    ///
    /// let header = |seq| {
    ///     MessageHeader::new(StreamKey::new("a").unwrap(), ShardId::new(0), seq, Timestamp::now_utc())
    /// };
    /// let chunk = Arc::new(b"one\ntwo\n".to_vec());
    /// let first = SharedMessage::from_shared(header(0), chunk.clone(), 0, 3);
    /// let second = SharedMessage::from_shared(header(1), chunk, 4, 3);
    /// assert_eq!(first.message().as_str().unwrap(), "one");
    /// assert_eq!(second.message().as_str().unwrap(), "two");
    /// ```
    ///
    /// # Panics
    ///
    /// As [`SharedMessage::new`]: panics if `offset > bytes.len()`, if
    /// `offset + length > bytes.len()`, or if the offset or length does not fit in `u32`.
    pub fn from_shared(
        header: MessageHeader,
        bytes: Arc<Vec<u8>>,
        offset: usize,
        length: usize,
    ) -> Self {
        assert!(
            offset <= bytes.len(),
            "SharedMessage offset {offset} is beyond the buffer length {}",
            bytes.len()
        );
        assert!(
            length <= bytes.len() - offset,
            "SharedMessage range {offset}+{length} is beyond the buffer length {}",
            bytes.len()
        );
        let offset = u32::try_from(offset).expect("SharedMessage offset must fit in u32");
        let length = u32::try_from(length).expect("SharedMessage length must fit in u32");
        Self {
            header,
            bytes,
            offset,
            length,
        }
    }

    /// Sets the header timestamp to the current UTC time.
    pub fn touch(&mut self) {
        self.header.timestamp = Timestamp::now_utc();
    }

    /// The message header.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Takes the header, dropping the payload.
    pub fn take_header(self) -> MessageHeader {
        self.header
    }

    /// Converts into an [`OwnedMessage`].
    ///
    /// The buffer is moved without copying when this message is its only owner and the
    /// payload covers the whole buffer; otherwise the visible bytes are copied.
    pub fn to_owned_message(self) -> OwnedMessage {
        let range = self.range();
        let whole = range.start == 0 && range.end == self.bytes.len();
        let payload = if whole {
            match Arc::try_unwrap(self.bytes) {
                Ok(bytes) => bytes,
                Err(shared) => shared[range].to_vec(),
            }
        } else {
            self.bytes[range].to_vec()
        };
        OwnedMessage::new(self.header, payload)
    }

    fn range(&self) -> std::ops::Range<usize> {
        let start = self.offset as usize;
        start..start + self.length as usize
    }
}

impl Message for SharedMessage {
    fn stream_key(&self) -> StreamKey {
        self.header.stream_key().clone()
    }

    fn shard_id(&self) -> ShardId {
        *self.header.shard_id()
    }

    fn sequence(&self) -> SeqNo {
        *self.header.sequence()
    }

    fn timestamp(&self) -> Timestamp {
        *self.header.timestamp()
    }

    fn message(&self) -> Payload<'_> {
        Payload::new(&self.bytes[self.range()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(seq: SeqNo) -> MessageHeader {
        MessageHeader::new(
            StreamKey::new("k").unwrap(),
            ShardId::new(0),
            seq,
            Timestamp::now_utc(),
        )
    }

    #[test]
    fn from_shared_slices_one_buffer() {
        let chunk = Arc::new(b"[k] abc\nxyz".to_vec());
        let h = header(0);
        let a = SharedMessage::from_shared(h.clone(), chunk.clone(), 4, 3);
        let b = SharedMessage::from_shared(header(1), chunk.clone(), 8, 3);
        let empty = SharedMessage::from_shared(header(2), chunk.clone(), 11, 0);
        assert_eq!(a.message().as_bytes(), b"abc");
        assert_eq!(b.message().as_bytes(), b"xyz");
        assert!(empty.message().as_bytes().is_empty());
        // No copy: all three share the caller's buffer.
        assert_eq!(Arc::strong_count(&chunk), 4);
        // Same as `new` over an equal buffer.
        assert_eq!(a, SharedMessage::new(h, chunk.to_vec(), 4, 3));
        // Converting copies only the visible bytes of a shared buffer.
        assert_eq!(a.to_owned_message().take().1, b"abc".to_vec());
    }

    #[test]
    #[should_panic(expected = "beyond the buffer length")]
    fn from_shared_rejects_offset_past_the_end() {
        SharedMessage::from_shared(header(0), Arc::new(vec![0; 4]), 5, 0);
    }

    #[test]
    #[should_panic(expected = "beyond the buffer length")]
    fn from_shared_rejects_range_past_the_end() {
        SharedMessage::from_shared(header(0), Arc::new(vec![0; 4]), 2, 3);
    }
}
