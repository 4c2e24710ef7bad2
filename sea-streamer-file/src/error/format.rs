//! Format errors: what can be wrong with the bytes of a `.ss` file.

use sea_streamer_types::StreamKeyErr;
use thiserror::Error;

/// The bytes do not follow the `.ss` format.
#[derive(Error, Debug, Clone, Copy)]
pub enum FormatErr {
    /// The file does not start with `Ss`.
    #[error("Byte mark mismatch")]
    ByteMark,
    /// Unknown format version.
    #[error("Version mismatch")]
    Version,
    /// A short string is invalid.
    #[error("ShortStringErr: {0}")]
    ShortStringErr(#[from] ShortStringErr),
    /// A timestamp is out of range.
    #[error("UnixTimestampErr: {0}")]
    UnixTimestampErr(#[from] UnixTimestampErr),
    /// A stream key is invalid.
    #[error("StreamKeyErr: {0}")]
    StreamKeyErr(#[from] StreamKeyErr),
    /// More than 255 markers in one beacon.
    #[error("TooManyBeacon")]
    TooManyBeacon,
    /// The checksum stored after a payload does not match the payload.
    #[error("Checksum error: received {received}, computed {computed}")]
    ChecksumErr {
        /// Checksum stored in the file.
        received: u16,
        /// Checksum computed from the payload.
        computed: u16,
    },
    /// A beacon interrupting a frame disagrees with the frame about how many bytes of it remain,
    /// so the frame (or the beacon) is corrupt. (Not in upstream 0.5.2.)
    #[error("Beacon mismatch at offset {offset}: beacon says {claimed} bytes remain, frame says {expected}")]
    BeaconMismatch {
        /// File offset of the beacon.
        offset: u64,
        /// `remaining_messages_bytes` stored in the beacon.
        claimed: u32,
        /// Remaining bytes according to the frame's length fields.
        expected: u64,
    },
}

/// A short string is invalid.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortStringErr {
    /// Longer than 255 bytes.
    #[error("String too long")]
    StringTooLong,
}

/// A timestamp cannot be represented.
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnixTimestampErr {
    /// Before 1970 or too far in the future.
    #[error("Out of range")]
    OutOfRange,
}

/// Reading a `u64` cannot fail by itself (uninhabited).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum U64Err {}

/// Reading a `u32` cannot fail by itself (uninhabited).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum U32Err {}

/// Reading a `u16` cannot fail by itself (uninhabited).
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum U16Err {}
