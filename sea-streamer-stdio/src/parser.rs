//! The input line grammar: `[timestamp | stream_key | sequence | shard_id] payload`.
//!
//! A line that starts with `[`, followed by at least one character that is not `]` and a
//! closing `]`, is a *meta line*: the text between the brackets is split on `|`, each
//! part is trimmed and interpreted positionally, and the payload is the rest of the line,
//! trimmed. Any other line is a *raw line*: the whole line (untrimmed) is the payload.
//!
//! The parser works on `&str` and never allocates except to describe an error. It
//! returns byte ranges so the caller can slice the payload out of the line buffer
//! without copying.

use sea_streamer_types::{SeqNo, Timestamp, MAX_STREAM_KEY_LEN};
use std::ops::Range;
use thiserror::Error;
use time::{Date, Month, PrimitiveDateTime, Time};

/// The header fields that a meta line gives; a part the line does not have is `None`
/// (a consumer fills it in: timestamp now, shard 0, the next sequence number of the key).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PartialHeader<'a> {
    /// The first part, if it is a timestamp (`YYYY-MM-DDTHH:MM:SS`, optionally with `.` and
    /// 1 to 9 fraction digits; UTC).
    pub timestamp: Option<Timestamp>,
    /// The stream key: a slice of the line, a valid stream key.
    pub stream_key: Option<&'a str>,
    /// The sequence number (plain decimal digits).
    pub sequence: Option<SeqNo>,
    /// The shard id (plain decimal digits).
    pub shard_id: Option<u64>,
}

/// A parsed line: the header (`None` for a raw line) and the payload's byte range in the
/// line (`&line[parsed.payload.clone()]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine<'a> {
    /// The meta of a meta line; `None` for a raw line.
    pub header: Option<PartialHeader<'a>>,
    /// Where the payload is in the line: all of a raw line, the trimmed rest of a meta line.
    pub payload: Range<usize>,
}

/// Why a meta line is malformed.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum ParseErr {
    /// A part of the meta that fits none of the positional rules (also an empty part).
    #[error("unknown part #{index} `{part}` in line meta")]
    UnknownPart {
        /// Zero-based position of the part.
        index: usize,
        /// The trimmed part text.
        part: String,
    },
}

/// Parses one input line (without its line break) as a stdio consumer does: the grammar of
/// the [crate docs](crate#input-lines), `[timestamp | stream_key | sequence | shard_id] payload`.
///
/// A line that does not start with `[`, or has no `]`, or `[]`, is a raw line: no header,
/// the whole line (untrimmed) is the payload. A meta that fits the grammar gives a header and
/// the rest of the line, trimmed, as payload. A meta that does not fit is an error naming the
/// first part that fits no rule (a consumer then delivers the whole line as a raw line).
///
/// ```
/// use sea_streamer_stdio::{parse_line, ParseErr};
///
/// let line = "[2022-01-01T00:00:00 | orders | 7] {\"id\": 1} ";
/// let parsed = parse_line(line)?;
/// let header = parsed.header.expect("a meta line");
/// assert_eq!(header.timestamp.map(|t| t.unix_timestamp()), Some(1_640_995_200));
/// assert_eq!(header.stream_key, Some("orders"));
/// assert_eq!(header.sequence, Some(7));
/// assert_eq!(header.shard_id, None);
/// assert_eq!(&line[parsed.payload], "{\"id\": 1}");
///
/// // A raw line: no header, all of it is the payload.
/// let raw = parse_line("  hello ")?;
/// assert_eq!((raw.header, raw.payload), (None, 0..8));
///
/// // A meta that fits no rule: the error names the part.
/// assert_eq!(
///     parse_line("[a b] x").unwrap_err().to_string(),
///     "unknown part #0 `a b` in line meta"
/// );
/// # Ok::<(), ParseErr>(())
/// ```
pub fn parse_line(line: &str) -> Result<ParsedLine<'_>, ParseErr> {
    parse_line_with(line, parse_meta)
}

/// Parses one line, interpreting its meta (if any) with `meta`.
fn parse_line_with<'a>(
    line: &'a str,
    meta: impl FnOnce(&'a str) -> Result<PartialHeader<'a>, ParseErr>,
) -> Result<ParsedLine<'a>, ParseErr> {
    let raw = ParsedLine {
        header: None,
        payload: 0..line.len(),
    };
    let bytes = line.as_bytes();
    if bytes.first() != Some(&b'[') {
        return Ok(raw);
    }
    let close = match memchr::memchr(b']', &bytes[1..]) {
        Some(0) | None => return Ok(raw),
        Some(pos) => pos + 1,
    };
    let header = meta(&line[1..close])?;
    let rest = &line[close + 1..];
    let trimmed = trim_start(rest);
    let start = close + 1 + (rest.len() - trimmed.len());
    Ok(ParsedLine {
        header: Some(header),
        payload: start..start + trim_end(trimmed).len(),
    })
}

/// `c` is an ASCII character that [`char::is_whitespace`] accepts.
#[inline]
fn is_ascii_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// [`str::trim_start`], fast for ASCII.
#[inline]
fn trim_start(s: &str) -> &str {
    for (i, &c) in s.as_bytes().iter().enumerate() {
        if !is_ascii_space(c) {
            // A non-ASCII character may be Unicode whitespace.
            return if c < 0x80 {
                &s[i..]
            } else {
                s[i..].trim_start()
            };
        }
    }
    ""
}

/// [`str::trim_end`], fast for ASCII.
#[inline]
fn trim_end(s: &str) -> &str {
    for (i, &c) in s.as_bytes().iter().enumerate().rev() {
        if !is_ascii_space(c) {
            return if c < 0x80 {
                &s[..=i]
            } else {
                s[..=i].trim_end()
            };
        }
    }
    ""
}

/// [`str::trim`], fast for ASCII.
#[inline]
fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

/// Interprets the text between the brackets.
fn parse_meta(meta: &str) -> Result<PartialHeader<'_>, ParseErr> {
    let mut header = PartialHeader::default();
    // `|` is ASCII, so the split is on character boundaries.
    for (index, part) in meta.split('|').enumerate() {
        parse_part(part, index, &mut header)?;
    }
    Ok(header)
}

/// Interprets part number `index` (untrimmed) of a meta, filling in `header`.
fn parse_part<'a>(
    part: &'a str,
    index: usize,
    header: &mut PartialHeader<'a>,
) -> Result<(), ParseErr> {
    let part = trim(part);
    let unknown = || ParseErr::UnknownPart {
        index,
        part: part.to_owned(),
    };
    let timestamp = match index {
        0 => parse_timestamp_cached(part),
        _ => None,
    };
    if timestamp.is_some() {
        header.timestamp = timestamp;
    } else if header.stream_key.is_none() {
        if !is_key(part) {
            return Err(unknown());
        }
        header.stream_key = Some(part);
    } else if header.sequence.is_none() {
        header.sequence = Some(parse_decimal::<SeqNo>(part).ok_or_else(unknown)?);
    } else if header.shard_id.is_none() {
        header.shard_id = Some(parse_decimal::<u64>(part).ok_or_else(unknown)?);
    } else {
        return Err(unknown());
    }
    Ok(())
}

/// Longest meta prefix that [`MetaCache`] remembers.
const MAX_CACHED_PREFIX: usize = 128;

/// Remembers how the last meta was interpreted up to its last `|`.
///
/// The lines of one producer differ only in their last meta part (the sequence number) for
/// as long as the timestamp stays the same, so a meta whose text before its last `|` equals
/// the previous one's is interpreted from there: a byte comparison instead of parsing a
/// timestamp and checking a key. The result is exactly that of `parse_line`.
#[derive(Debug, Default)]
pub(crate) struct MetaCache {
    /// The meta text before its last `|`; empty when nothing is cached.
    prefix: Vec<u8>,
    /// The header fields that the prefix gave; the key as a byte range of the meta.
    timestamp: Option<Timestamp>,
    key: Option<Range<usize>>,
    sequence: Option<SeqNo>,
    shard_id: Option<u64>,
    /// Number of parts in the prefix.
    parts: usize,
}

/// `parse_line`, reusing what `cache` remembers of the previous line's meta.
pub(crate) fn parse_line_cached<'a>(
    line: &'a str,
    cache: &mut MetaCache,
) -> Result<ParsedLine<'a>, ParseErr> {
    parse_line_with(line, |meta| parse_meta_cached(meta, cache))
}

/// [`parse_meta`] through `cache`.
fn parse_meta_cached<'a>(
    meta: &'a str,
    cache: &mut MetaCache,
) -> Result<PartialHeader<'a>, ParseErr> {
    let Some(last) = memchr::memrchr(b'|', meta.as_bytes()) else {
        return parse_meta(meta);
    };
    let prefix = &meta[..last];
    let mut header = PartialHeader::default();
    let parts;
    if !cache.prefix.is_empty() && cache.prefix == prefix.as_bytes() {
        header.timestamp = cache.timestamp;
        header.stream_key = cache.key.clone().map(|range| &meta[range]);
        header.sequence = cache.sequence;
        header.shard_id = cache.shard_id;
        parts = cache.parts;
    } else {
        cache.prefix.clear();
        parts = prefix.split('|').count();
        for (index, part) in prefix.split('|').enumerate() {
            parse_part(part, index, &mut header)?;
        }
        if !prefix.is_empty() && prefix.len() <= MAX_CACHED_PREFIX {
            cache.prefix.extend_from_slice(prefix.as_bytes());
            cache.timestamp = header.timestamp;
            // The key is a slice of `meta`: remember where.
            cache.key = header.stream_key.map(|key| {
                let start = key.as_ptr() as usize - meta.as_ptr() as usize;
                start..start + key.len()
            });
            cache.sequence = header.sequence;
            cache.shard_id = header.shard_id;
            cache.parts = parts;
        }
    }
    parse_part(&meta[last + 1..], parts, &mut header)?;
    Ok(header)
}

/// A whole, non-empty stream key of at most [`MAX_STREAM_KEY_LEN`] bytes.
fn is_key(part: &str) -> bool {
    // Key characters are ASCII: a byte of a multi-byte character never passes.
    !part.is_empty()
        && part.len() <= MAX_STREAM_KEY_LEN
        && part
            .bytes()
            .all(|b| b.is_ascii() && sea_streamer_types::is_valid_stream_key_char(char::from(b)))
}

/// Plain ASCII digits only (no sign, no space), without overflow.
fn parse_decimal<T: TryFrom<u128>>(part: &str) -> Option<T> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Up to 19 digits fit in a u64: the usual case, without 128-bit arithmetic.
    if part.len() <= 19 {
        let value = part.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
        return T::try_from(u128::from(value)).ok();
    }
    let mut value = 0u128;
    for b in part.bytes() {
        value = value.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
    }
    T::try_from(value).ok()
}

/// The longest timestamp text: `YYYY-MM-DDTHH:MM:SS.fffffffff`.
const MAX_TIMESTAMP_LEN: usize = 29;

/// The last timestamp parsed on this thread, with its text.
#[derive(Clone, Copy)]
struct LastTimestamp {
    text: [u8; MAX_TIMESTAMP_LEN],
    len: usize,
    value: Timestamp,
}

thread_local! {
    static LAST_TIMESTAMP: std::cell::Cell<Option<LastTimestamp>> =
        const { std::cell::Cell::new(None) };
}

/// [`parse_timestamp`], remembering the last result: lines in a row mostly carry the same
/// second.
fn parse_timestamp_cached(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() > MAX_TIMESTAMP_LEN {
        return None;
    }
    if let Some(last) = LAST_TIMESTAMP.get() {
        if last.text[..last.len] == *b {
            return Some(last.value);
        }
    }
    let value = parse_timestamp(s)?;
    let mut text = [0u8; MAX_TIMESTAMP_LEN];
    text[..b.len()].copy_from_slice(b);
    LAST_TIMESTAMP.set(Some(LastTimestamp {
        text,
        len: b.len(),
        value,
    }));
    Some(value)
}

/// `YYYY-MM-DDTHH:MM:SS` with an optional `.` and 1 to 9 fraction digits, as UTC.
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19 || b.len() == 20 || b.len() > 29 {
        return None;
    }
    let digits = |r: Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    let hour = u8::try_from(digits(11..13)?).ok()?;
    let minute = u8::try_from(digits(14..16)?).ok()?;
    let second = u8::try_from(digits(17..19)?).ok()?;
    let nano = if b.len() > 19 {
        if b[19] != b'.' {
            return None;
        }
        let frac = digits(20..b.len())?;
        frac * 10u32.pow(29 - b.len() as u32)
    } else {
        0
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nano).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests;
