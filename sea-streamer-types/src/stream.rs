//! Stream identifiers: stream keys, shards, sequence numbers and timestamps.
//!
//! A message is uniquely identified by its [`StreamKey`], [`ShardId`] and [`SeqNo`].
//! Timestamps are [`time::OffsetDateTime`] values (aliased as [`Timestamp`]) and are
//! rendered as text with [`TIMESTAMP_FORMAT`].

use crate::StreamKeyErr;
use std::{fmt::Display, str::FromStr, sync::Arc};
use time::{format_description::BorrowedFormatItem, macros::format_description};

pub use time::OffsetDateTime as Timestamp;

/// Maximum length of a stream key, in bytes.
pub const MAX_STREAM_KEY_LEN: usize = 249;

/// Reserved stream key for control and signal messages exchanged inside backends.
pub const SEA_STREAMER_INTERNAL: &str = "SEA_STREAMER_INTERNAL";

/// Canonical text form of a [`Timestamp`]: `YYYY-MM-DDTHH:MM:SS.fraction`.
///
/// When formatting, trailing zeros of the fraction are dropped but at least one digit
/// is printed. When parsing, the `.` and at least one fractional digit are required.
///
/// ```
/// use sea_streamer_types::{export::time::macros::datetime, TIMESTAMP_FORMAT};
///
/// let ts = datetime!(2023-06-05 13:55:53.001 UTC);
/// assert_eq!(ts.format(TIMESTAMP_FORMAT).unwrap(), "2023-06-05T13:55:53.001");
/// let ts = datetime!(2023-06-05 13:55:53 UTC);
/// assert_eq!(ts.format(TIMESTAMP_FORMAT).unwrap(), "2023-06-05T13:55:53.0");
/// ```
pub const TIMESTAMP_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");

/// Sequence number (offset) of a message within a shard.
#[cfg(not(feature = "wide-seq-no"))]
pub type SeqNo = u64;
/// Sequence number (offset) of a message within a shard.
#[cfg(feature = "wide-seq-no")]
pub type SeqNo = u128;

/// Identifies a stream (a Kafka topic, a Redis stream, a key in a file or pipe).
///
/// A valid key is at most [`MAX_STREAM_KEY_LEN`] bytes of `[a-zA-Z0-9._-]`, and is not
/// empty. Cloning is cheap (the name is reference counted).
///
/// ```
/// use sea_streamer_types::StreamKey;
///
/// let key = StreamKey::new("my-fancy_topic.1").unwrap();
/// assert_eq!(key.name(), "my-fancy_topic.1");
/// assert_eq!(key.to_string(), "my-fancy_topic.1");
/// assert!(StreamKey::new("a:b").is_err());
/// assert!(StreamKey::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamKey {
    name: Arc<str>,
}

impl StreamKey {
    /// Validates `key` and creates a stream key.
    ///
    /// Returns [`StreamKeyErr::InvalidStreamKey`] if [`is_valid_stream_key`] rejects it.
    pub fn new<S: AsRef<str>>(key: S) -> Result<Self, StreamKeyErr> {
        let key = key.as_ref();
        if is_valid_stream_key(key) {
            Ok(Self { name: key.into() })
        } else {
            Err(StreamKeyErr::InvalidStreamKey)
        }
    }

    /// The key text.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Display for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for StreamKey {
    type Err = StreamKeyErr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for StreamKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for StreamKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = StreamKey;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a stream key matching [a-zA-Z0-9._-]{1, 249}")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StreamKey, E> {
                StreamKey::new(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Identifies a shard (partition) of a stream.
///
/// Its `Display` prints the `Debug` form, as upstream does.
///
/// ```
/// use sea_streamer_types::ShardId;
///
/// let shard = ShardId::new(3);
/// assert_eq!(shard.id(), 3);
/// assert_eq!(shard.to_string(), "ShardId { id: 3 }");
/// assert_eq!(ShardId::default(), ShardId::new(0));
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardId {
    id: u64,
}

impl ShardId {
    /// Creates a shard id.
    pub const fn new(id: u64) -> Self {
        Self { id }
    }

    /// The numeric id.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Display for ShardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// A position to rewind a consumer to, see [`crate::Consumer::rewind`].
///
/// ```
/// use sea_streamer_types::SeqPos;
///
/// let pos = SeqPos::At(25);
/// assert_ne!(pos, SeqPos::Beginning);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqPos {
    /// The first message still available.
    Beginning,
    /// After the last message: only new messages are received.
    End,
    /// A specific sequence number (inclusive or exclusive depending on the backend).
    At(SeqNo),
}

/// Whether `s` is a valid stream key: between 1 and [`MAX_STREAM_KEY_LEN`] bytes, each
/// character accepted by [`is_valid_stream_key_char`].
///
/// ```
/// use sea_streamer_types::is_valid_stream_key;
///
/// assert!(is_valid_stream_key("hello"));
/// assert!(!is_valid_stream_key("a/b"));
/// assert!(!is_valid_stream_key(""));
/// ```
pub fn is_valid_stream_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_STREAM_KEY_LEN && s.chars().all(is_valid_stream_key_char)
}

/// Whether `c` may appear in a stream key: ASCII alphanumeric, `.`, `_` or `-`.
///
/// ```
/// use sea_streamer_types::is_valid_stream_key_char;
///
/// assert!(is_valid_stream_key_char('_'));
/// assert!(!is_valid_stream_key_char(':'));
/// ```
pub fn is_valid_stream_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}
