//! Primitive field codecs: short strings, millisecond timestamps and big-endian integers.

use crate::error::format::{ShortStringErr, UnixTimestampErr};
use crate::error::FileErr;
use crate::io::bytes::{ByteSink, ByteSource, Bytes};
use sea_streamer_types::Timestamp;

/// A string of at most 255 bytes, encoded as a length byte followed by UTF-8 bytes.
///
/// ```
/// use sea_streamer_file::format::ShortString;
/// assert!(ShortString::new("a".repeat(255)).is_ok());
/// assert!(ShortString::new("a".repeat(256)).is_err());
/// ```
#[repr(transparent)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortString(String);

impl ShortString {
    /// Wrap a string; longer than 255 bytes → [`ShortStringErr::StringTooLong`].
    pub fn new(string: String) -> Result<Self, ShortStringErr> {
        if string.len() > u8::MAX as usize {
            Err(ShortStringErr::StringTooLong)
        } else {
            Ok(Self(string))
        }
    }

    /// The inner string.
    pub fn string(self) -> String {
        self.0
    }

    /// Encoded size in bytes.
    pub fn size(&self) -> usize {
        Self::size_of(&self.0)
    }

    /// Encoded size of a string in bytes.
    pub fn size_of(string: &str) -> usize {
        1 + string.len()
    }

    /// Largest encoded size (256).
    pub fn max_size() -> usize {
        1 + u8::MAX as usize
    }

    /// Decode.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let len = read_array::<1>(file).await?[0] as usize;
        let bytes = read_vec(file, len).await?;
        let string = String::from_utf8(bytes).map_err(|e| FileErr::Utf8Error(e.utf8_error()))?;
        Ok(Self(string))
    }

    /// Encode; returns the number of bytes written.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut out = Vec::with_capacity(self.size());
        out.push(self.0.len() as u8);
        out.extend_from_slice(self.0.as_bytes());
        let len = out.len();
        sink.write(Bytes::from_bytes(out))?;
        Ok(len)
    }
}

/// A timestamp encoded as u64 milliseconds since the Unix epoch.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnixTimestamp(pub Timestamp);

impl UnixTimestamp {
    /// Encoded size (8).
    pub const fn size() -> usize {
        8
    }

    /// Decode; out of range → `FormatErr::UnixTimestampErr`.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let ms = u64::from_be_bytes(read_array::<8>(file).await?);
        Ok(Self(millis_to_timestamp(ms)?))
    }

    /// Encode (sub-millisecond precision is truncated); before 1970 → `FormatErr::UnixTimestampErr`.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let ms = timestamp_to_millis(&self.0)?;
        sink.write(Bytes::from_bytes(ms.to_be_bytes().to_vec()))?;
        Ok(8)
    }
}

macro_rules! int_codec {
    ($name:ident, $ty:ty, $n:expr, $doc:expr) => {
        #[doc = $doc]
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $ty);

        impl $name {
            /// Encoded size in bytes.
            pub const fn size() -> usize {
                $n
            }

            /// Decode.
            pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
                Ok(Self(<$ty>::from_be_bytes(read_array::<$n>(file).await?)))
            }

            /// Encode; returns the number of bytes written.
            pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
                sink.write(Bytes::from_slice(&self.0.to_be_bytes()))?;
                Ok($n)
            }
        }
    };
}

int_codec!(U64, u64, 8, "A big-endian `u64`.");
int_codec!(U32, u32, 4, "A big-endian `u32`.");
int_codec!(U16, u16, 2, "A big-endian `u16`.");

/// Serialize a timestamp with [`sea_streamer_types::TIMESTAMP_FORMAT`].
#[cfg(feature = "serde")]
pub fn serialize_timestamp<S: serde::Serializer>(
    ts: &Timestamp,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    let text = ts
        .format(&sea_streamer_types::TIMESTAMP_FORMAT)
        .map_err(S::Error::custom)?;
    serializer.serialize_str(&text)
}

/// Read exactly `n` bytes as a vector.
pub(crate) async fn read_vec(file: &mut impl ByteSource, n: usize) -> Result<Vec<u8>, FileErr> {
    Ok(file.request_bytes(n).await?.bytes())
}

/// Read exactly `N` bytes as an array.
pub(crate) async fn read_array<const N: usize>(
    file: &mut impl ByteSource,
) -> Result<[u8; N], FileErr> {
    let v = read_vec(file, N).await?;
    let mut a = [0u8; N];
    if v.len() != N {
        return Err(FileErr::NotEnoughBytes);
    }
    a.copy_from_slice(&v);
    Ok(a)
}

/// Milliseconds since the Unix epoch of a timestamp (sub-millisecond precision is truncated).
pub(crate) fn timestamp_to_millis(ts: &Timestamp) -> Result<u64, UnixTimestampErr> {
    let secs = u64::try_from(ts.unix_timestamp()).map_err(|_| UnixTimestampErr::OutOfRange)?;
    Ok(secs * 1000 + (ts.nanosecond() / 1_000_000) as u64)
}

/// The timestamp of `ms` milliseconds since the Unix epoch.
pub(crate) fn millis_to_timestamp(ms: u64) -> Result<Timestamp, UnixTimestampErr> {
    Timestamp::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .map_err(|_| UnixTimestampErr::OutOfRange)
}

/// The current time truncated to milliseconds.
pub(crate) fn now_millis() -> Timestamp {
    let now = Timestamp::now_utc();
    timestamp_to_millis(&now)
        .ok()
        .and_then(|ms| millis_to_timestamp(ms).ok())
        .unwrap_or(now)
}
