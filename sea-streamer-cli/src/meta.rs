//! The optional meta of an input line of `sea produce`, in the stdio format:
//! `[timestamp | key | seq | shard] payload`, read by the stdio crate's own parser
//! ([`sea_streamer_stdio::parse_line`]), so `sea produce` and a stdio consumer read a line the
//! same way.
//!
//! A line that is not UTF-8 is split at its first `]`: a meta before it that is UTF-8 and fits
//! the grammar is read, and the payload is the rest of the line with surrounding ASCII
//! whitespace removed (a payload need not be text). A line whose meta does not fit the
//! grammar is a raw line: the whole line is the payload.

use sea_streamer_stdio::{parse_line, PartialHeader};
use sea_streamer_types::{SeqNo, StreamKey, Timestamp};

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

impl Meta {
    /// The fields of a header the stdio parser read (`None` if the key is refused, which
    /// the parser's key rule rules out).
    fn from_header(header: PartialHeader<'_>) -> Option<Self> {
        let key = match header.stream_key {
            Some(name) => Some(StreamKey::new(name).ok()?),
            None => None,
        };
        Some(Self {
            timestamp: header.timestamp,
            key,
            seq: header.sequence,
            shard: header.shard_id,
        })
    }
}

/// Splits a line into its meta (`None` for a raw line) and its payload.
pub fn parse(line: &[u8]) -> (Option<Meta>, &[u8]) {
    if line.first() != Some(&b'[') {
        return (None, line);
    }
    if let Ok(text) = std::str::from_utf8(line) {
        return match parse_line(text) {
            Ok(parsed) => match parsed.header.and_then(Meta::from_header) {
                Some(meta) => (Some(meta), &line[parsed.payload]),
                None => (None, line),
            },
            Err(_) => (None, line),
        };
    }
    // not UTF-8: the meta (up to the first `]`) must be, the payload need not
    let Some(close) = line.iter().position(|b| *b == b']') else {
        return (None, line);
    };
    let Ok(meta) = std::str::from_utf8(&line[..=close]) else {
        return (None, line);
    };
    match parse_line(meta).ok().and_then(|p| p.header) {
        Some(header) => match Meta::from_header(header) {
            Some(meta) => (Some(meta), line[close + 1..].trim_ascii()),
            None => (None, line),
        },
        None => (None, line),
    }
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

    #[test]
    fn a_payload_need_not_be_utf8() {
        let (meta, payload) = parse(b"[k | 3] \xff\xfe ");
        let meta = meta.unwrap();
        assert_eq!(meta.key.unwrap().name(), "k");
        assert_eq!(meta.seq, Some(3));
        assert_eq!(payload, b"\xff\xfe");
        // a meta that is not UTF-8: a raw line
        assert_eq!(parse(b"[k\xff] x"), (None, &b"[k\xff] x"[..]));
        assert_eq!(parse(b"[a b] \xff"), (None, &b"[a b] \xff"[..]));
    }

    #[test]
    fn the_same_reading_as_a_stdio_consumer() {
        // a trailing carriage return and Unicode spaces are trimmed, as the stdio grammar does
        let (_, payload) = parse("[k] hello\u{a0}\r".as_bytes());
        assert_eq!(payload, b"hello");
    }
}
