//! The 128-byte file header.

use super::primitives::{millis_to_timestamp, read_vec, timestamp_to_millis};
use crate::error::format::{FormatErr, ShortStringErr};
use crate::error::FileErr;
use crate::io::bytes::{ByteSink, ByteSource, Bytes};
use sea_streamer_types::Timestamp;

/// Size of the file header in bytes.
pub const HEADER_SIZE: usize = 128;

/// The current header version.
pub type Header = HeaderV1;

/// Longest file name that fits in the header.
pub(crate) const MAX_FILE_NAME: usize = 111;

/// Header of a version-1 `.ss` file.
///
/// Layout: `Ss`, version `0x01`, file name (short string), `created_at` (u64 ms), `beacon_interval` (u32),
/// zero padding up to 127 bytes and a `0x0D` terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HeaderV1 {
    /// Name of the file (the writer uses the last path component).
    pub file_name: String,
    /// Creation time (ms precision in the file).
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "super::serialize_timestamp")
    )]
    pub created_at: Timestamp,
    /// Distance in bytes between beacons.
    pub beacon_interval: u32,
}

impl HeaderV1 {
    /// Encoded size: always 128.
    pub const fn size() -> usize {
        HEADER_SIZE
    }

    /// Number of padding bytes (including the `0x0D` terminator) after the fields.
    pub fn padding_size(&self) -> usize {
        HEADER_SIZE.saturating_sub(3 + 1 + self.file_name.len() + 8 + 4)
    }

    /// Decode from the first 128 bytes of a file.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let bytes = read_vec(file, HEADER_SIZE).await?;
        Self::parse(&bytes)
    }

    /// Encode; returns 128.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut out = Vec::with_capacity(HEADER_SIZE);
        self.encode(&mut out)?;
        sink.write(Bytes::from_bytes(out))?;
        Ok(HEADER_SIZE)
    }

    /// Encode into a vector.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), FileErr> {
        if self.file_name.len() > MAX_FILE_NAME {
            return Err(FormatErr::ShortStringErr(ShortStringErr::StringTooLong).into());
        }
        let start = out.len();
        out.extend_from_slice(&[0x53, 0x73, 0x01, self.file_name.len() as u8]);
        out.extend_from_slice(self.file_name.as_bytes());
        out.extend_from_slice(&timestamp_to_millis(&self.created_at)?.to_be_bytes());
        out.extend_from_slice(&self.beacon_interval.to_be_bytes());
        out.resize(start + HEADER_SIZE - 1, 0);
        out.push(0x0D);
        Ok(())
    }

    /// Decode from a slice of at least 128 bytes.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, FileErr> {
        if bytes.len() < HEADER_SIZE {
            return Err(FileErr::NotEnoughBytes);
        }
        if bytes[0] != 0x53 || bytes[1] != 0x73 {
            return Err(FormatErr::ByteMark.into());
        }
        if bytes[2] != 0x01 {
            return Err(FormatErr::Version.into());
        }
        let len = bytes[3] as usize;
        if len > MAX_FILE_NAME {
            return Err(FormatErr::ShortStringErr(ShortStringErr::StringTooLong).into());
        }
        let file_name = std::str::from_utf8(&bytes[4..4 + len])
            .map_err(FileErr::Utf8Error)?
            .to_owned();
        let at = 4 + len;
        let ms = u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let interval = u32::from_be_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes"));
        Ok(Self {
            file_name,
            created_at: millis_to_timestamp(ms)?,
            beacon_interval: interval,
        })
    }
}
