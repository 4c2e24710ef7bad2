//! Beacons: small records at every multiple of the beacon interval, and their markers.

use super::checksum::Checksum;
use super::layout::{
    beacon_head, encode_header, marker_fields, BEACON_HEAD, MARKER_FIELDS, TERMINATOR,
};
use super::message::{read_key, to_header, MessageHeader};
use super::primitives::read_array;
use crate::error::format::FormatErr;
use crate::error::FileErr;
use crate::io::bytes::{ByteSink, ByteSource, Bytes};
use sea_streamer_types::MessageHeader as TypesHeader;

/// A beacon: how many bytes of the interrupted frame follow it, and a marker per (some) stream.
///
/// Layout: `0x0D`, `remaining_messages_bytes` (u32), marker count (u8), markers, `0x0D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beacon {
    /// Bytes of the interrupted frame that follow this beacon (0 if no frame is interrupted).
    pub remaining_messages_bytes: u32,
    /// Markers (at most 255).
    pub items: Vec<Marker>,
}

/// The state of one `(stream key, shard)` at a beacon: highest sequence and timestamp written, and its running checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Marker {
    /// Key, shard, highest sequence and timestamp of the stream.
    pub header: TypesHeader,
    /// Running checksum of the stream.
    pub running_checksum: Checksum,
}

impl Beacon {
    /// A beacon interrupting nothing, with no markers.
    pub fn empty() -> Self {
        Self {
            remaining_messages_bytes: 0,
            items: Vec::new(),
        }
    }

    /// Encoded size.
    pub fn size(&self) -> usize {
        BEACON_HEAD + 1 + self.items.iter().map(|m| m.size()).sum::<usize>()
    }

    /// How many markers of maximal size fit in `space` bytes (at most 255).
    pub fn max_markers(space: usize) -> usize {
        (space.saturating_sub(7) / Marker::max_size()).min(u8::MAX as usize)
    }

    /// Markers per beacon a writer uses for a beacon interval (half of what fits).
    ///
    /// ```
    /// use sea_streamer_file::format::Beacon;
    /// assert_eq!(Beacon::num_markers(640), 1);
    /// assert_eq!(Beacon::num_markers(1024 * 1024), 127);
    /// ```
    pub fn num_markers(beacon_interval: usize) -> usize {
        Self::max_markers(beacon_interval) / 2
    }

    /// Decode.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let (remaining, count) = beacon_head(&read_array::<BEACON_HEAD>(file).await?);
        let mut items = Vec::with_capacity(count as usize);
        for _ in 0..count {
            items.push(Marker::read_from(file).await?);
        }
        let _end = read_array::<1>(file).await?;
        Ok(Self {
            remaining_messages_bytes: remaining,
            items,
        })
    }

    /// Encode; more than 255 markers → `FormatErr::TooManyBeacon`.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut out = Vec::with_capacity(self.size());
        self.encode(&mut out)?;
        let len = out.len();
        sink.write(Bytes::from_bytes(out))?;
        Ok(len)
    }

    /// Encode into a vector.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), FileErr> {
        if self.items.len() > u8::MAX as usize {
            return Err(FormatErr::TooManyBeacon.into());
        }
        out.push(TERMINATOR);
        out.extend_from_slice(&self.remaining_messages_bytes.to_be_bytes());
        out.push(self.items.len() as u8);
        for m in &self.items {
            m.encode(out)?;
        }
        out.push(TERMINATOR);
        Ok(())
    }
}

impl Marker {
    /// Encoded size.
    pub fn size(&self) -> usize {
        MessageHeader::size_of(&self.header) + 2
    }

    /// Largest encoded size (282).
    pub fn max_size() -> usize {
        MessageHeader::max_size() + 2
    }

    /// Decode.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let key = read_key(file).await?;
        let (fields, running_checksum) = marker_fields(&read_array::<MARKER_FIELDS>(file).await?);
        Ok(Self {
            header: to_header(key, fields)?,
            running_checksum,
        })
    }

    /// Encode; returns the number of bytes written.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut out = Vec::with_capacity(self.size());
        self.encode(&mut out)?;
        let len = out.len();
        sink.write(Bytes::from_bytes(out))?;
        Ok(len)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), FileErr> {
        encode_header(&self.header, out)?;
        out.extend_from_slice(&self.running_checksum.0.to_be_bytes());
        Ok(())
    }
}
