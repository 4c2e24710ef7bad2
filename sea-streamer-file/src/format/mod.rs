//! The `.ss` file format (version 1): codecs for the header, frames, beacons and their fields.
//!
//! Byte layout (all integers big-endian):
//!
//! * a 128-byte [`Header`],
//! * then frames ([`Message`]: message header, payload length, payload, CRC-16/CDMA2000 of the payload, `0x0D`),
//! * interrupted at every multiple of the beacon interval by a [`Beacon`] (markers of the streams written so far).
//!
//! Every codec has an async `read_from(&mut impl ByteSource)` and a `write_to(&mut impl ByteSink)`.
//!
//! The checksum covers a frame's **payload only**: its message header (stream key, shard,
//! sequence, timestamp) and its length field are not protected. The format is kept unchanged for
//! compatibility with sea-streamer 0.5.2; [`crate::verify`] checks what it can about headers
//! (sequence and timestamp order per stream, agreement with beacon markers), and a length field
//! that runs past later valid data is reported as corruption (`FileErr::Corrupted`).
//!
//! ```
//! use sea_streamer_file::{format::{Header, HeaderV1, HEADER_SIZE}, ByteBuffer};
//! use sea_streamer_types::Timestamp;
//! # async fn example() {
//! let header = HeaderV1 {
//!     file_name: "hello.ss".into(),
//!     created_at: Timestamp::from_unix_timestamp(1_700_000_000).unwrap(),
//!     beacon_interval: 1024,
//! };
//! let mut buf = ByteBuffer::new();
//! assert_eq!(header.clone().write_to(&mut buf).unwrap(), HEADER_SIZE);
//! assert_eq!(Header::read_from(&mut buf).await.unwrap(), header);
//! # }
//! ```

pub(crate) mod beacon;
pub(crate) mod checksum;
pub(crate) mod crc;
pub(crate) mod header;
pub(crate) mod layout;
pub(crate) mod message;
pub(crate) mod primitives;
pub(crate) mod window;

pub use crate::error::format::{
    FormatErr, ShortStringErr, U16Err, U32Err, U64Err, UnixTimestampErr,
};
pub use beacon::{Beacon, Marker};
pub use checksum::{Checksum, RunningChecksum};
pub use header::{Header, HeaderV1, HEADER_SIZE};
#[cfg(feature = "serde_json")]
pub use message::MessageJson;
pub use message::{Message, MessageHeader};
#[cfg(feature = "serde")]
pub use primitives::serialize_timestamp;
pub use primitives::{ShortString, UnixTimestamp, U16, U32, U64};
