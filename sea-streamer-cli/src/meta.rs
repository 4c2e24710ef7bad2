//! The optional meta of an input line of `sea produce`, in the stdio format:
//! `[timestamp | key | seq | shard] payload`.
//!
//! The stdio crate keeps its parser private, so this module reads the grammar its README
//! documents: a line starting with `[`, with at least one character before the first `]`,
//! has a meta; its `|`-separated parts (trimmed) are read by position: an optional timestamp
//! first (`YYYY-MM-DDTHH:MM:SS`, optionally with 1 to 9 fraction digits, UTC; RFC 3339 with an
//! offset is accepted too), then a stream key, a sequence number and a shard id. The payload
//! is the rest of the line, trimmed. Any other line, or a meta that does not fit the grammar,
//! is a raw line: the whole line is the payload.

use sea_streamer_types::{is_valid_stream_key, SeqNo, StreamKey, Timestamp, MAX_STREAM_KEY_LEN};
use time::{
    format_description::well_known::Rfc3339, macros::format_description, PrimitiveDateTime,
};

/// The header fields a line gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The timestamp part.
    pub timestamp: Option<Timestamp>,
    /// The stream key part.
    pub key: Option<StreamKey>,
    /// The sequence part.
    pub seq: Option<SeqNo>,
    /// The shard part.
    pub shard: Option<u64>,
}

/// Splits a line into its meta (`None` for a raw line) and its payload.
pub fn parse(line: &[u8]) -> (Option<Meta>, &[u8]) {
    if line.first() != Some(&b'[') {
        return (None, line);
    }
    let Some(close) = line.iter().position(|b| *b == b']') else {
        return (None, line);
    };
    if close == 1 {
        return (None, line);
    }
    let Ok(inner) = std::str::from_utf8(&line[1..close]) else {
        return (None, line);
    };
    match parse_meta(inner) {
        Some(meta) => (Some(meta), trim(&line[close + 1..])),
        None => (None, line),
    }
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

fn parse_meta(inner: &str) -> Option<Meta> {
    let mut meta = Meta::default();
    for (index, part) in inner.split('|').enumerate() {
        let part = part.trim();
        if index == 0 {
            if let Some(ts) = timestamp(part) {
                meta.timestamp = Some(ts);
                continue;
            }
        }
        if meta.key.is_none() {
            if part.len() > MAX_STREAM_KEY_LEN || !is_valid_stream_key(part) {
                return None;
            }
            meta.key = Some(StreamKey::new(part).ok()?);
        } else if meta.seq.is_none() {
            meta.seq = Some(seq_no(decimal(part)?));
        } else if meta.shard.is_none() {
            meta.shard = Some(decimal(part)?);
        } else {
            return None;
        }
    }
    Some(meta)
}

/// A sequence number from a u64 (`SeqNo` is u64, or u128 with wide sequence numbers).
#[allow(clippy::useless_conversion)]
fn seq_no(n: u64) -> SeqNo {
    SeqNo::from(n)
}

fn decimal(part: &str) -> Option<u64> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn timestamp(part: &str) -> Option<Timestamp> {
    let plain = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let subsec = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    if let Ok(t) = PrimitiveDateTime::parse(part, plain) {
        return Some(t.assume_utc());
    }
    if let Ok(t) = PrimitiveDateTime::parse(part, subsec) {
        return Some(t.assume_utc());
    }
    Timestamp::parse(part, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let (meta, payload) = parse(b"[2022-01-01T00:00:00.5 | my_topic | 7 | 2]  hi ");
        let meta = meta.unwrap();
        assert_eq!(meta.key.unwrap().name(), "my_topic");
        assert_eq!(meta.seq, Some(7));
        assert_eq!(meta.shard, Some(2));
        assert_eq!(meta.timestamp.unwrap().unix_timestamp(), 1_640_995_200);
        assert_eq!(payload, b"hi");
        let (meta, payload) = parse(b"[k] x");
        assert_eq!(meta.unwrap().key.unwrap().name(), "k");
        assert_eq!(payload, b"x");
        assert_eq!(parse(b"[a b] x"), (None, &b"[a b] x"[..]));
        assert_eq!(parse(b"[] x"), (None, &b"[] x"[..]));
        assert_eq!(parse(b"plain"), (None, &b"plain"[..]));
        assert_eq!(parse(b"[k | 1 | 2 | 3] x").0, None);
    }
}
