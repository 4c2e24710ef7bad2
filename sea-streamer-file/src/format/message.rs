//! Frame codecs: the message header (also used by beacon markers) and the whole frame.

use super::{millis_to_timestamp, read_array, read_vec, timestamp_to_millis, Checksum, FormatErr};
use crate::crc::crc16_cdma2000;
use crate::{ByteSink, ByteSource, Bytes, FileErr};
use sea_streamer_types::{
    Buffer, Message as _, MessageHeader as TypesHeader, OwnedMessage, SeqNo, ShardId, StreamKey,
    StreamKeyErr,
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
        let len = read_array::<1>(file).await?[0] as usize;
        let key = read_vec(file, len).await?;
        let key = parse_key(&key)?;
        let shard = u64::from_be_bytes(read_array::<8>(file).await?);
        let seq = u64::from_be_bytes(read_array::<8>(file).await?);
        let ts = u64::from_be_bytes(read_array::<8>(file).await?);
        Ok(Self(TypesHeader::new(
            key,
            ShardId::new(shard),
            SeqNo::from(seq),
            millis_to_timestamp(ts)?,
        )))
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

/// Encode a message header into a vector.
pub(crate) fn encode_header(header: &TypesHeader, out: &mut Vec<u8>) -> Result<(), FileErr> {
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
    header: &TypesHeader,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<Checksum, FileErr> {
    let len = u32::try_from(payload.len()).map_err(|_| FileErr::FileLimitExceeded)?;
    encode_header(header, out)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    let crc = crc16_cdma2000(payload);
    out.extend_from_slice(&crc.to_be_bytes());
    out.push(0x0D);
    Ok(Checksum(crc))
}

/// Size of a frame with a key of `key_len` bytes and a payload of `payload_len` bytes.
pub(crate) fn frame_size(key_len: usize, payload_len: usize) -> usize {
    key_len + payload_len + 32
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
        let header = MessageHeader::read_from(file).await?.0;
        let len = u32::from_be_bytes(read_array::<4>(file).await?) as usize;
        let payload = read_vec(file, len).await?;
        let received = u16::from_be_bytes(read_array::<2>(file).await?);
        let _terminator = read_array::<1>(file).await?;
        let computed = crc16_cdma2000(&payload);
        if received != computed {
            return Err(FormatErr::ChecksumErr { received, computed }.into());
        }
        Ok(Self {
            message: OwnedMessage::new(header, payload),
            checksum: received,
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
