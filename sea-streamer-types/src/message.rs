//! Messages: the [`Message`] trait every backend's message type implements, and the two
//! message types of this crate, [`OwnedMessage`] (owns its bytes) and [`SharedMessage`] (a
//! slice of a shared buffer). The header is in [`MessageHeader`](crate::MessageHeader), payload
//! types in [`Payload`](crate::Payload) / [`Buffer`](crate::Buffer).

use crate::{Buffer, Headers, MessageHeader, Payload, SeqNo, ShardId, StreamKey, Timestamp};
use bytes::Bytes;
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
/// The buffer is an `Arc<Vec<u8>>` ([`SharedMessage::new`], [`SharedMessage::from_shared`])
/// or a [`bytes::Bytes`] kept as it is ([`SharedMessage::from_bytes`]).
///
/// Equality and hashing consider the header, the whole buffer, the offset and the
/// length, not only the visible bytes (a `Bytes` is a whole buffer at offset 0), and the
/// [`Headers`].
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
#[derive(Clone)]
pub struct SharedMessage {
    header: MessageHeader,
    buffer: SharedBuffer,
    headers: Option<Arc<Headers>>,
}

/// Where a [`SharedMessage`]'s payload lives.
#[derive(Clone)]
enum SharedBuffer {
    /// `bytes[offset..offset + length]`: what [`SharedMessage::new`] and
    /// [`SharedMessage::from_shared`] make.
    Vec {
        bytes: Arc<Vec<u8>>,
        offset: u32,
        length: u32,
    },
    /// The whole of a [`Bytes`] ([`SharedMessage::from_bytes`]): the buffer is the `Bytes`,
    /// at offset 0.
    Bytes(Bytes),
}

impl SharedBuffer {
    /// `(whole buffer, offset, length)`, what equality and hashing consider.
    fn parts(&self) -> (&[u8], usize, usize) {
        match self {
            Self::Vec {
                bytes,
                offset,
                length,
            } => (bytes.as_slice(), *offset as usize, *length as usize),
            Self::Bytes(bytes) => (bytes, 0, bytes.len()),
        }
    }
}

impl PartialEq for SharedMessage {
    fn eq(&self, other: &Self) -> bool {
        self.header == other.header
            && self.buffer.parts() == other.buffer.parts()
            && self.headers == other.headers
    }
}

impl Eq for SharedMessage {}

impl std::hash::Hash for SharedMessage {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.header.hash(state);
        self.buffer.parts().hash(state);
        self.headers.hash(state);
    }
}

impl std::fmt::Debug for SharedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (bytes, offset, length) = self.buffer.parts();
        f.debug_struct("SharedMessage")
            .field("header", &self.header)
            .field("bytes", &bytes)
            .field("offset", &offset)
            .field("length", &length)
            .field("headers", &self.headers)
            .finish()
    }
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
            buffer: SharedBuffer::Vec {
                bytes,
                offset: offset32,
                length: length32,
            },
            headers: None,
        })
    }

    /// Creates a message whose payload is the whole of `bytes`, without copying it: a
    /// [`Bytes`] is already a cheap, reference-counted view of its buffer, such as the payload
    /// a network client hands out (slice it first for a part of it).
    ///
    /// As a buffer, `bytes` is the whole buffer at offset 0: the message equals (and hashes
    /// as) one made by [`SharedMessage::new`] over a copy of the same bytes. The message (and
    /// its clones) keep the whole allocation `bytes` is a view of until they are dropped.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sea_streamer_types::{
    ///     Buffer, Message, MessageHeader, SharedMessage, ShardId, StreamKey, Timestamp,
    /// };
    ///
    /// let header = MessageHeader::new(StreamKey::new("a").unwrap(), ShardId::new(0), 1, Timestamp::now_utc());
    /// let frame = Bytes::from_static(b"[a] hello\n");
    /// let msg = SharedMessage::from_bytes(header.clone(), frame.slice(4..9));
    /// assert_eq!(msg.message().as_str().unwrap(), "hello");
    /// assert_eq!(msg, SharedMessage::new(header, b"hello".to_vec(), 0, 5));
    /// ```
    pub fn from_bytes(header: MessageHeader, bytes: Bytes) -> Self {
        Self {
            header,
            buffer: SharedBuffer::Bytes(bytes),
            headers: None,
        }
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
    /// payload covers the whole buffer; otherwise the visible bytes are copied. (For a
    /// message made by [`SharedMessage::from_bytes`], the `Bytes` becomes the `Vec` as
    /// `Vec::from(Bytes)` does: without a copy when it is the only view of its allocation.)
    pub fn to_owned_message(self) -> OwnedMessage {
        let payload = match self.buffer {
            SharedBuffer::Vec {
                bytes,
                offset,
                length,
            } => {
                let range = offset as usize..offset as usize + length as usize;
                if range.start == 0 && range.end == bytes.len() {
                    match Arc::try_unwrap(bytes) {
                        Ok(bytes) => bytes,
                        Err(shared) => shared[range].to_vec(),
                    }
                } else {
                    bytes[range].to_vec()
                }
            }
            SharedBuffer::Bytes(bytes) => Vec::from(bytes),
        };
        OwnedMessage::new(self.header, payload)
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

    #[inline]
    fn message(&self) -> Payload<'_> {
        Payload::new(match &self.buffer {
            SharedBuffer::Vec {
                bytes,
                offset,
                length,
            } => {
                let start = *offset as usize;
                &bytes[start..start + *length as usize]
            }
            SharedBuffer::Bytes(bytes) => bytes,
        })
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
mod tests;
