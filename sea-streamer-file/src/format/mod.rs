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

mod beacon;
mod checksum;
mod error;
mod header;
mod message;
mod primitives;

pub use beacon::*;
pub use checksum::*;
pub use error::*;
pub use header::*;
pub use message::*;
pub use primitives::*;

#[cfg(feature = "serde")]
pub use primitives::serialize_timestamp;

use crate::{ByteSource, FileErr};
use sea_streamer_types::Timestamp;

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
