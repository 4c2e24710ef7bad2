//! Frame codecs: the message header (also used by beacon markers) and the whole frame.

use super::checksum::Checksum;
use super::crc::crc16_cdma2000;
use super::layout::{
    check_payload, encode_frame, encode_header, frame_fields, frame_size, parse_key,
    trailer_checksum, HeaderFields, FRAME_FIELDS, FRAME_TRAILER, HEADER_FIELDS,
};
use super::primitives::{millis_to_timestamp, read_array, read_vec};
use crate::error::FileErr;
use crate::io::bytes::{ByteSink, ByteSource, Bytes};
use sea_streamer_types::{
    Buffer, Message as _, MessageHeader as TypesHeader, OwnedMessage, SeqNo, ShardId, StreamKey,
};

/// The message-header encoding: key (short string), shard id (u64), sequence (u64), timestamp (u64 ms).
#[repr(transparent)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader(pub TypesHeader);

impl MessageHeader {
    /// Encoded size.
    pub fn size(&self) -> usize {
        Self::size_of(&self.0)
    }

    /// Encoded size of a header.
    pub fn size_of(header: &TypesHeader) -> usize {
        1 + header.stream_key().name().len() + 24
    }

    /// Largest encoded size (280).
    pub fn max_size() -> usize {
        1 + 255 + 24
    }

    /// Decode.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let key = read_key(file).await?;
        let fields = HeaderFields::decode(&read_array::<HEADER_FIELDS>(file).await?);
        Ok(Self(to_header(key, fields)?))
    }

    /// Encode; returns the number of bytes written.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut out = Vec::with_capacity(self.size());
        encode_header(&self.0, &mut out)?;
        let len = out.len();
        sink.write(Bytes::from_bytes(out))?;
        Ok(len)
    }
}

/// Read a key (length byte, then the key) as stored before header fields.
pub(crate) async fn read_key(file: &mut impl ByteSource) -> Result<StreamKey, FileErr> {
    let len = read_array::<1>(file).await?[0] as usize;
    Ok(parse_key(&read_vec(file, len).await?)?)
}

/// A message header from its key and decoded fields.
pub(crate) fn to_header(key: StreamKey, fields: HeaderFields) -> Result<TypesHeader, FileErr> {
    Ok(TypesHeader::new(
        key,
        ShardId::new(fields.shard),
        SeqNo::from(fields.seq),
        millis_to_timestamp(fields.ts_ms)?,
    ))
}

/// A frame: a message and the checksum read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message.
    pub message: OwnedMessage,
    /// Checksum read from the file (ignored when writing: a fresh one is computed).
    pub checksum: u16,
}

impl Message {
    /// Encoded size of the frame.
    pub fn size(&self) -> usize {
        frame_size(
            self.message.header().stream_key().name().len(),
            self.message.message().size(),
        )
    }

    /// CRC-16/CDMA2000 of the payload.
    pub fn compute_checksum(&self) -> u16 {
        crc16_cdma2000(self.message.message().as_bytes())
    }

    /// Decode a frame; checksum mismatch → `FormatErr::ChecksumErr`.
    pub async fn read_from(file: &mut impl ByteSource) -> Result<Self, FileErr> {
        let key = read_key(file).await?;
        let (fields, len) = frame_fields(&read_array::<FRAME_FIELDS>(file).await?);
        let header = to_header(key, fields)?;
        let payload = read_vec(file, len as usize).await?;
        let received = trailer_checksum(&read_array::<FRAME_TRAILER>(file).await?);
        let checksum = check_payload(received, &payload)?;
        Ok(Self {
            message: OwnedMessage::new(header, payload),
            checksum,
        })
    }

    /// Encode; returns the number of bytes written and the computed checksum.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<(usize, Checksum), FileErr> {
        let mut out = Vec::with_capacity(self.size());
        let payload = self.message.message();
        let crc = encode_frame(self.message.header(), payload.as_bytes(), &mut out)?;
        let len = out.len();
        sink.write(Bytes::from_bytes(out))?;
        Ok((len, crc))
    }
}

/// A frame rendered as JSON by `ss-decode --format ndjson`.
#[cfg(feature = "serde_json")]
#[derive(serde::Serialize)]
pub struct MessageJson<'a> {
    /// The message header.
    pub header: &'a TypesHeader,
    /// The payload: parsed JSON, else a string, else an array of bytes; `None` for header-only output.
    pub payload: Option<serde_json::Value>,
}
