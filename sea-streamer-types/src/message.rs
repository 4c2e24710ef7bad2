//! Messages: the [`Message`] trait every backend's message type implements, and the two
//! message types of this crate, [`OwnedMessage`] (owns its bytes) and [`SharedMessage`] (a
//! slice of a shared buffer). The header is in [`MessageHeader`](crate::MessageHeader), payload
//! types in [`Payload`](crate::Payload) / [`Buffer`](crate::Buffer).

use crate::{Buffer, Headers, MessageHeader, Payload, SeqNo, ShardId, StreamKey, Timestamp};
use std::sync::Arc;
use thiserror::Error;

/// Why a payload range cannot be a [`SharedMessage`] (see [`SharedMessage::try_from_shared`]).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadRangeErr {
    /// The offset lies past the end of the buffer.
    #[error("SharedMessage offset {offset} is beyond the buffer length {buffer}")]
    OffsetBeyondBuffer {
        /// Start of the payload.
        offset: usize,
        /// Length of the buffer.
        buffer: usize,
    },
    /// The range ends past the end of the buffer.
    #[error("SharedMessage range {offset}+{length} is beyond the buffer length {buffer}")]
    BeyondBuffer {
        /// Start of the payload.
        offset: usize,
        /// Length of the payload.
        length: usize,
        /// Length of the buffer.
        buffer: usize,
    },
    /// The offset or the length does not fit in `u32` (a shared buffer over 4 GiB).
    #[error("SharedMessage offset {offset} and length {length} must fit in u32")]
    TooLarge {
        /// Start of the payload.
        offset: usize,
        /// Length of the payload.
        length: usize,
    },
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

    /// The message's [`Headers`], where the backend carries them and the record had any
    /// (an addition to the 0.5 API; `None` by default, see [`Headers`] for each backend).
    fn headers(&self) -> Option<&Headers> {
        None
    }

    /// Copies the message (header, payload bytes and [`Headers`]) into a [`SharedMessage`].
    fn to_owned(&self) -> SharedMessage {
        let payload = self.message().into_bytes();
        let length = payload.len();
        let message = SharedMessage::new(
            MessageHeader::new(
                self.stream_key(),
                self.shard_id(),
                self.sequence(),
                self.timestamp(),
            ),
            payload,
            0,
            length,
        );
        match self.headers() {
            Some(headers) => message.with_headers(headers.clone()),
            None => message,
        }
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
    headers: Option<Arc<Headers>>,
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
        Self::from_shared(header, Arc::new(bytes), offset, length)
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
    /// [`SharedMessage::try_from_shared`] returns these cases as an error instead.
    pub fn from_shared(
        header: MessageHeader,
        bytes: Arc<Vec<u8>>,
        offset: usize,
        length: usize,
    ) -> Self {
        Self::try_from_shared(header, bytes, offset, length).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`SharedMessage::from_shared`] that returns a [`PayloadRangeErr`] instead of
    /// panicking when the range does not fit in `bytes` or does not fit in `u32`.
    ///
    /// ```
    /// use sea_streamer_types::{MessageHeader, PayloadRangeErr, SharedMessage, ShardId, StreamKey, Timestamp};
    /// use std::sync::Arc;
    ///
    /// let header = MessageHeader::new(StreamKey::new("a").unwrap(), ShardId::new(0), 0, Timestamp::now_utc());
    /// let err = SharedMessage::try_from_shared(header, Arc::new(vec![0; 4]), 2, 3).unwrap_err();
    /// assert!(matches!(err, PayloadRangeErr::BeyondBuffer { offset: 2, length: 3, buffer: 4 }));
    /// ```
    pub fn try_from_shared(
        header: MessageHeader,
        bytes: Arc<Vec<u8>>,
        offset: usize,
        length: usize,
    ) -> Result<Self, PayloadRangeErr> {
        let buffer = bytes.len();
        if offset > buffer {
            return Err(PayloadRangeErr::OffsetBeyondBuffer { offset, buffer });
        }
        if length > buffer - offset {
            return Err(PayloadRangeErr::BeyondBuffer {
                offset,
                length,
                buffer,
            });
        }
        let too_large = PayloadRangeErr::TooLarge { offset, length };
        let offset32 = u32::try_from(offset).map_err(|_| too_large)?;
        let length32 = u32::try_from(length).map_err(|_| too_large)?;
        Ok(Self {
            header,
            bytes,
            offset: offset32,
            length: length32,
            headers: None,
        })
    }

    /// Attaches [`Headers`] (an addition to the 0.5 API). Empty headers are dropped, so a
    /// message read with no header equals one built without.
    ///
    /// ```
    /// use sea_streamer_types::{Headers, Message, MessageHeader, SharedMessage, ShardId, StreamKey, Timestamp};
    ///
    /// let header = MessageHeader::new(StreamKey::new("a").unwrap(), ShardId::new(0), 0, Timestamp::now_utc());
    /// let mut headers = Headers::new();
    /// headers.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    /// let message = SharedMessage::new(header, b"hi".to_vec(), 0, 2).with_headers(headers);
    /// assert!(message.headers().unwrap().get("traceparent").is_some());
    /// ```
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = (!headers.is_empty()).then(|| Arc::new(headers));
        self
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

    /// Converts into an [`OwnedMessage`] (which has no [`Headers`]: they are dropped).
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

    fn headers(&self) -> Option<&Headers> {
        self.headers.as_deref()
    }

    /// The same message, sharing its buffer: no payload copy (the buffer is immutable, so
    /// the result is indistinguishable from a copy).
    fn to_owned(&self) -> SharedMessage {
        self.clone()
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
    fn try_from_shared_returns_the_errors_from_shared_panics_with() {
        let buf = Arc::new(vec![0; 4]);
        assert_eq!(
            SharedMessage::try_from_shared(header(0), buf.clone(), 5, 0).unwrap_err(),
            PayloadRangeErr::OffsetBeyondBuffer {
                offset: 5,
                buffer: 4
            }
        );
        let err = SharedMessage::try_from_shared(header(0), buf.clone(), 2, 3).unwrap_err();
        assert_eq!(
            err,
            PayloadRangeErr::BeyondBuffer {
                offset: 2,
                length: 3,
                buffer: 4
            }
        );
        assert_eq!(
            err.to_string(),
            "SharedMessage range 2+3 is beyond the buffer length 4"
        );
        let ok = SharedMessage::try_from_shared(header(0), buf, 1, 3).expect("fits");
        assert_eq!(ok.message().as_bytes(), &[0, 0, 0]);
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
