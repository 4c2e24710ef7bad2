//! The frame layout (`ss-format.md` §3–4), defined once: field sizes and order of frames, message
//! headers, beacon markers and beacon heads, with their encoders and the decoders of their
//! fixed-size parts. The async codecs ([`super::message`], [`super::beacon`]) and the window
//! decoder ([`super::window`]) read bytes in their own ways, and both decode them here.
//!
//! A frame is: key length (u8), key, then [`FRAME_FIELDS`] (shard u64, sequence u64, timestamp
//! u64 ms, payload length u32), the payload, then [`FRAME_TRAILER`] (CRC-16 of the payload,
//! `0x0D`). A marker is: key length, key, then [`MARKER_FIELDS`] (shard, sequence, timestamp,
//! running checksum u16). All integers are big-endian.

use super::checksum::Checksum;
use super::crc::crc16_cdma2000;
use super::primitives::timestamp_to_millis;
use crate::error::format::FormatErr;
use crate::error::FileErr;
use sea_streamer_types::{MessageHeader, SeqNo, StreamKey, StreamKeyErr};

/// The fixed-size fields of a message header after its key: shard, sequence, timestamp.
pub(crate) const HEADER_FIELDS: usize = 24;
/// The fixed-size fields of a frame after its key: the header fields and the payload length.
pub(crate) const FRAME_FIELDS: usize = HEADER_FIELDS + 4;
/// After a frame's payload: its checksum and the terminator.
pub(crate) const FRAME_TRAILER: usize = 3;
/// The fixed-size fields of a beacon marker after its key: the header fields and the running checksum.
pub(crate) const MARKER_FIELDS: usize = HEADER_FIELDS + 2;
/// The head of a beacon: `0x0D`, remaining bytes of the interrupted frame (u32), marker count (u8).
pub(crate) const BEACON_HEAD: usize = 6;
/// The byte that ends frames, beacons and the file header.
pub(crate) const TERMINATOR: u8 = 0x0D;

/// The fixed-size fields of a message header, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeaderFields {
    pub shard: u64,
    pub seq: u64,
    pub ts_ms: u64,
}

fn be_u64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b[..8].try_into().expect("8 bytes"))
}

impl HeaderFields {
    /// Decode the [`HEADER_FIELDS`] bytes after a key.
    pub fn decode(b: &[u8; HEADER_FIELDS]) -> Self {
        Self {
            shard: be_u64(&b[0..8]),
            seq: be_u64(&b[8..16]),
            ts_ms: be_u64(&b[16..24]),
        }
    }
}

/// Decode the [`FRAME_FIELDS`] bytes after a frame's key: header fields and payload length.
pub(crate) fn frame_fields(b: &[u8; FRAME_FIELDS]) -> (HeaderFields, u32) {
    let (header, len) = b.split_at(HEADER_FIELDS);
    (
        HeaderFields::decode(header.try_into().expect("header fields")),
        u32::from_be_bytes(len.try_into().expect("4 bytes")),
    )
}

/// Decode the [`MARKER_FIELDS`] bytes after a marker's key: header fields and running checksum.
pub(crate) fn marker_fields(b: &[u8; MARKER_FIELDS]) -> (HeaderFields, Checksum) {
    let (header, crc) = b.split_at(HEADER_FIELDS);
    (
        HeaderFields::decode(header.try_into().expect("header fields")),
        Checksum(u16::from_be_bytes(crc.try_into().expect("2 bytes"))),
    )
}

/// Decode a beacon head: remaining bytes of the interrupted frame and the marker count.
pub(crate) fn beacon_head(b: &[u8; BEACON_HEAD]) -> (u32, u8) {
    (
        u32::from_be_bytes(b[1..5].try_into().expect("4 bytes")),
        b[5],
    )
}

/// The checksum stored in a frame's trailer.
pub(crate) fn trailer_checksum(b: &[u8; FRAME_TRAILER]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// Check a payload against the checksum stored with it; returns that checksum.
pub(crate) fn check_payload(received: u16, payload: &[u8]) -> Result<u16, FormatErr> {
    let computed = crc16_cdma2000(payload);
    if received != computed {
        return Err(FormatErr::ChecksumErr { received, computed });
    }
    Ok(received)
}

/// Size of a frame with a key of `key_len` bytes and a payload of `payload_len` bytes.
pub(crate) fn frame_size(key_len: usize, payload_len: usize) -> usize {
    1 + key_len + FRAME_FIELDS + payload_len + FRAME_TRAILER
}

/// Validate a stream key read from a file.
pub(crate) fn parse_key(bytes: &[u8]) -> Result<StreamKey, FormatErr> {
    let text = std::str::from_utf8(bytes).map_err(|_| StreamKeyErr::InvalidStreamKey)?;
    Ok(StreamKey::new(text)?)
}

/// The sequence number as the u64 stored in files.
#[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
pub(crate) fn seq_to_u64(seq: SeqNo) -> Result<u64, FileErr> {
    u64::try_from(seq).map_err(|_| FileErr::FormatErr(FormatErr::TooManyBeacon))
}

/// Encode a message header (key length, key, header fields) into a vector.
pub(crate) fn encode_header(header: &MessageHeader, out: &mut Vec<u8>) -> Result<(), FileErr> {
    let key = header.stream_key().name();
    out.push(key.len() as u8);
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&header.shard_id().id().to_be_bytes());
    out.extend_from_slice(&seq_to_u64(*header.sequence())?.to_be_bytes());
    out.extend_from_slice(&timestamp_to_millis(header.timestamp())?.to_be_bytes());
    Ok(())
}

/// Encode a whole frame into a vector; returns the payload checksum.
pub(crate) fn encode_frame(
    header: &MessageHeader,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<Checksum, FileErr> {
    let len = u32::try_from(payload.len()).map_err(|_| FileErr::FileLimitExceeded)?;
    encode_header(header, out)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    let crc = crc16_cdma2000(payload);
    out.extend_from_slice(&crc.to_be_bytes());
    out.push(TERMINATOR);
    Ok(Checksum(crc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_spec() {
        // ss-format.md §3: frame size = K + N + 32; §4: marker = K + 27, empty beacon = 7
        assert_eq!(frame_size(4, 134), 170);
        assert_eq!(1 + 5 + MARKER_FIELDS, 32);
        assert_eq!(BEACON_HEAD + 1, 7);
    }

    #[test]
    fn fields_round_trip() {
        let header = MessageHeader::new(
            StreamKey::new("hello").expect("key"),
            sea_streamer_types::ShardId::new(1),
            20,
            super::super::primitives::millis_to_timestamp(1_691_686_154_773).expect("ts"),
        );
        let mut out = Vec::new();
        encode_frame(&header, b"hello-20", &mut out).expect("encode");
        let k = out[0] as usize;
        let fields: &[u8; FRAME_FIELDS] =
            out[1 + k..1 + k + FRAME_FIELDS].try_into().expect("fields");
        let (h, len) = frame_fields(fields);
        assert_eq!(
            (h.shard, h.seq, h.ts_ms, len),
            (1, 20, 1_691_686_154_773, 8)
        );
        let trailer: &[u8; FRAME_TRAILER] = out[out.len() - 3..].try_into().expect("trailer");
        assert_eq!(
            check_payload(trailer_checksum(trailer), b"hello-20").ok(),
            Some(0xEF4D)
        );
    }
}
