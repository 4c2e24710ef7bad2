//! Redis entry ids and their mapping to sea-streamer's `(Timestamp, SeqNo)`.
//!
//! An entry id `T-S` becomes the timestamp `T` (milliseconds, or nanoseconds with
//! [`TimestampFormat::UnixTimestampNanos`]) and the sequence number `(T << 16) | S`.

use crate::{RedisErr, RedisResult, TimestampFormat};
use sea_streamer_types::{Message, SeqNo, SharedMessage, StreamErr, StreamKey, Timestamp};

/// A Redis entry id: `(timestamp part, sequence part)`.
pub type MessageId = (u64, u16);

/// The largest id; stands for `$` (only entries added from now on).
pub const MAX_MSG_ID: MessageId = (u64::MAX, u16::MAX);

/// The message type produced by Redis consumers.
pub type RedisMessage = SharedMessage;

/// Largest millisecond timestamp that fits in a 48-bit id part.
const MAX_MS: u64 = 0xFFFF_FFFF_FFFF;

/// Get the Redis entry id of a message.
pub trait RedisMessageId {
    /// The Redis entry id `(timestamp part, sequence part)` of this message.
    fn message_id(&self) -> MessageId;
}

impl RedisMessageId for RedisMessage {
    fn message_id(&self) -> MessageId {
        from_seq_no(self.sequence())
    }
}

/// `a == b`, comparing the text only when the two are not clones of one key (`Arc<str>`'s
/// own `==` compares the text every time: a `memcmp` per message).
#[inline]
pub(crate) fn same_key(a: &StreamKey, b: &StreamKey) -> bool {
    std::ptr::eq(a.name(), b.name()) || a == b
}

/// Split a sequence number back into a Redis entry id.
#[allow(clippy::unnecessary_cast)] // `SeqNo` is u128 with `nanosecond-timestamp`
pub(crate) fn from_seq_no(seq: SeqNo) -> MessageId {
    ((seq >> 16) as u64, (seq & 0xFFFF) as u16)
}

/// Combine a Redis entry id into a sequence number.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn to_seq_no((t, s): MessageId) -> SeqNo {
    ((t as SeqNo) << 16) | s as SeqNo
}

/// Parse a Redis entry id such as `1678280595282-3` into its timestamp and sequence number.
///
/// ```
/// use sea_streamer_redis::{parse_message_id, TimestampFormat};
/// let (ts, seq) = parse_message_id(TimestampFormat::UnixTimestampMillis, "1678280595282-3").unwrap();
/// assert_eq!(seq, (1678280595282 << 16) | 3);
/// assert_eq!(ts.unix_timestamp(), 1678280595);
/// ```
pub fn parse_message_id(ts_fmt: TimestampFormat, id: &str) -> RedisResult<(Timestamp, SeqNo)> {
    let (t, s) = parse_id_bytes(id.as_bytes())
        .ok_or_else(|| StreamErr::Backend(RedisErr::MessageId(id.to_owned())))?;
    id_to_header_parts(ts_fmt, t, s)
}

/// Turn the two parts of an id into `(Timestamp, SeqNo)`, checking the ranges.
pub(crate) fn id_to_header_parts(
    ts_fmt: TimestampFormat,
    t: u64,
    s: u64,
) -> RedisResult<(Timestamp, SeqNo)> {
    if s > 0xFFFF {
        return Err(StreamErr::Backend(RedisErr::MessageId(format!(
            "Sequence number out of range: {s}"
        ))));
    }
    let nanos: i128 = match ts_fmt {
        TimestampFormat::UnixTimestampMillis => {
            if t > MAX_MS {
                return Err(StreamErr::Backend(RedisErr::MessageId(format!(
                    "Timestamp out of range: {t}"
                ))));
            }
            t as i128 * 1_000_000
        }
        #[cfg(feature = "nanosecond-timestamp")]
        TimestampFormat::UnixTimestampNanos => t as i128,
    };
    let ts = Timestamp::from_unix_timestamp_nanos(nanos)
        .map_err(|e| StreamErr::Backend(RedisErr::MessageId(e.to_string())))?;
    Ok((ts, to_seq_no((t, s as u16))))
}

/// Parse `T-S` (both decimal) without allocating. `None` when malformed.
pub(crate) fn parse_id_bytes(id: &[u8]) -> Option<(u64, u64)> {
    let dash = id.iter().position(|b| *b == b'-')?;
    Some((parse_u64(&id[..dash])?, parse_u64(&id[dash + 1..])?))
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(n)
}

/// Render an id as `T-S` for a command argument.
pub(crate) fn format_id((t, s): MessageId) -> String {
    format!("{t}-{s}")
}

/// The id part of a timestamp in the given format (ms or ns since the epoch).
pub(crate) fn timestamp_part(fmt: TimestampFormat, ts: Timestamp) -> u64 {
    match fmt {
        TimestampFormat::UnixTimestampMillis => {
            (ts.unix_timestamp_nanos() / 1_000_000).max(0) as u64
        }
        #[cfg(feature = "nanosecond-timestamp")]
        TimestampFormat::UnixTimestampNanos => ts.unix_timestamp_nanos().max(0) as u64,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn parse_ids() {
        let fmt = TimestampFormat::UnixTimestampMillis;
        let (ts, seq) = parse_message_id(fmt, "1678280595282-0").unwrap();
        assert_eq!(seq, 109987797092401152);
        assert_eq!(ts.unix_timestamp_nanos(), 1678280595282 * 1_000_000);
        let (_, seq) = parse_message_id(fmt, "1678280595282-3").unwrap();
        assert_eq!(seq, 109987797092401155);
        assert_eq!(from_seq_no(seq), (1678280595282, 3));
        assert!(matches!(
            parse_message_id(fmt, "1-65536"),
            Err(StreamErr::Backend(RedisErr::MessageId(m))) if m == "Sequence number out of range: 65536"
        ));
        assert!(matches!(
            parse_message_id(fmt, "281474976710656-0"),
            Err(StreamErr::Backend(RedisErr::MessageId(m))) if m == "Timestamp out of range: 281474976710656"
        ));
        assert!(matches!(
            parse_message_id(fmt, "abc"),
            Err(StreamErr::Backend(RedisErr::MessageId(m))) if m == "abc"
        ));
        assert_eq!(parse_id_bytes(b"12-"), None);
        assert_eq!(format_id((5, 7)), "5-7");
    }
}
