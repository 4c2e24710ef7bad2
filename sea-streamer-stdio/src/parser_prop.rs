//! Property tests of the input line parser (issue #16.4).
//!
//! The parser is crate-private, so these properties live inside the crate (compiled for tests
//! only). They check, for arbitrary lines and for lines built from the grammar's pieces
//! (timestamps, keys, decimals, junk, whitespace, brackets and pipes):
//!
//! - no panic, and the payload range lies within the line on character boundaries;
//! - the parser agrees with a direct, independent reading of the grammar ([`model`]), which
//!   uses the `time` crate's format parser for timestamps and `str` methods for the rest;
//! - the cached parser (`parse_line_cached`, used on stdin) agrees with the plain one for
//!   every sequence of lines.
//!
//! Cases: proptest's default (256 per property), or `PROPTEST_CASES` (`scripts/fuzz.sh` runs
//! 1,000,000). Failing inputs are kept in `proptest-regressions/` (checked in).

use crate::parser::{parse_line, parse_line_cached, MetaCache, ParseErr, PartialHeader};
use crate::{TIMESTAMP_FORMAT, TIMESTAMP_FORMAT_SUBSEC};
use proptest::prelude::*;
use sea_streamer_types::{SeqNo, StreamKey, Timestamp};
use time::PrimitiveDateTime;

/// What the grammar says a line means: `(timestamp, key, sequence, shard)` for a meta line
/// (`None` for a raw line) and the payload text; or the index and text of the first bad part.
type Model = Result<(Option<ModelHeader>, String), (usize, String)>;
type ModelHeader = (
    Option<Timestamp>,
    Option<String>,
    Option<SeqNo>,
    Option<u64>,
);

/// A timestamp as the spec words it: `YYYY-MM-DDTHH:MM:SS`, optionally `.` and 1 to 9
/// fraction digits, as UTC; read with `time`'s own parser.
fn model_timestamp(part: &str) -> Option<Timestamp> {
    // Four-digit year, no sign; at most nine fraction digits.
    let b = part.as_bytes();
    if b.len() < 19 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 19 && (b[19] != b'.' || b.len() > 29) {
        return None;
    }
    let format = if b.len() == 19 {
        TIMESTAMP_FORMAT
    } else {
        TIMESTAMP_FORMAT_SUBSEC
    };
    PrimitiveDateTime::parse(part, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// A plain decimal: ASCII digits only, no sign, no overflow.
fn model_decimal<T: std::str::FromStr>(part: &str) -> Option<T> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// The grammar of the spec (api-stdio.md §3), read directly.
fn model(line: &str) -> Model {
    let raw = Ok((None, line.to_owned()));
    let Some(inner) = line.strip_prefix('[') else {
        return raw;
    };
    let (meta, rest) = match inner.split_once(']') {
        Some((meta, rest)) if !meta.is_empty() => (meta, rest),
        _ => return raw,
    };
    let (mut ts, mut key, mut seq, mut shard) = (None, None, None, None);
    for (index, part) in meta.split('|').enumerate() {
        let part = part.trim();
        let bad = || (index, part.to_owned());
        if index == 0 && model_timestamp(part).is_some() {
            ts = model_timestamp(part);
        } else if key.is_none() {
            key = Some(StreamKey::new(part).map_err(|_| bad())?.name().to_owned());
        } else if seq.is_none() {
            seq = Some(model_decimal::<SeqNo>(part).ok_or_else(bad)?);
        } else if shard.is_none() {
            shard = Some(model_decimal::<u64>(part).ok_or_else(bad)?);
        } else {
            return Err(bad());
        }
    }
    Ok((Some((ts, key, seq, shard)), rest.trim().to_owned()))
}

/// The parser's answer in the model's terms.
fn actual(line: &str, parsed: Result<crate::parser::ParsedLine<'_>, ParseErr>) -> Model {
    match parsed {
        Err(ParseErr::UnknownPart { index, part }) => Err((index, part)),
        Ok(p) => {
            let header = p.header.map(|h: PartialHeader<'_>| {
                (
                    h.timestamp,
                    h.stream_key.map(str::to_owned),
                    h.sequence,
                    h.shard_id,
                )
            });
            Ok((header, line[p.payload].to_owned()))
        }
    }
}

/// Whitespace, ASCII and not (the parser trims what `char::is_whitespace` accepts).
fn space() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            " ", "\t", "\r", "\u{b}", "\u{c}", "\u{a0}", "\u{3000}",
        ]),
        0..3,
    )
    .prop_map(|v| v.concat())
}

/// A timestamp text, mostly well-formed, sometimes out of range or with a long fraction.
fn timestamp_text() -> impl Strategy<Value = String> {
    (
        0u32..10000,
        0u32..14,
        0u32..33,
        0u32..26,
        0u32..61,
        0u32..62,
        prop::option::of("[0-9]{0,11}"),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac)| {
            let mut t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if let Some(frac) = frac {
                t.push('.');
                t.push_str(&frac);
            }
            t
        })
}

/// One meta part: a timestamp, a key, a decimal, a near miss or junk.
fn part() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => timestamp_text(),
        4 => "[A-Za-z0-9._-]{1,12}",
        1 => "[a-z]{249,250}",
        3 => "[0-9]{1,21}",
        1 => "[0-9]{38,40}",
        1 => "[+-]?[0-9 _]{0,4}",
        1 => "[^|\\]\\n]{0,8}",
        1 => Just(String::new()),
    ];
    (space(), part, space()).prop_map(|(a, p, b)| format!("{a}{p}{b}"))
}

/// A line shaped like the grammar: `[part | part ...] payload`, with variations (no closing
/// bracket, empty brackets, a leading space, brackets and pipes in the payload).
fn grammar_line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["[", "[", "[", " [", ""]),
        prop::collection::vec(part(), 0..6),
        prop::sample::select(vec!["]", "]", "]", ""]),
        space(),
        "[^\\n]{0,12}",
        space(),
    )
        .prop_map(|(open, parts, close, a, payload, b)| {
            format!("{open}{}{close}{a}{payload}{b}", parts.join("|"))
        })
}

/// Any line: arbitrary text or grammar-shaped.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![1 => "[^\\n]{0,40}", 1 => any::<String>(), 4 => grammar_line()]
}

proptest! {
    /// No panic; the payload is a slice of the line on character boundaries; a raw line's
    /// payload is the whole line, a meta line's payload is trimmed.
    #[test]
    fn parse_never_panics_and_slices_the_line(line in line()) {
        match parse_line(&line) {
            Ok(parsed) => {
                prop_assert!(parsed.payload.start <= parsed.payload.end);
                prop_assert!(parsed.payload.end <= line.len());
                let payload = line.get(parsed.payload.clone());
                prop_assert!(payload.is_some(), "payload not on char boundaries");
                match parsed.header {
                    None => prop_assert_eq!(payload, Some(line.as_str())),
                    Some(_) => {
                        let payload = payload.unwrap_or_default();
                        prop_assert!(line.starts_with('['));
                        prop_assert_eq!(payload, payload.trim());
                    }
                }
            }
            Err(ParseErr::UnknownPart { .. }) => prop_assert!(line.starts_with('[')),
        }
    }

    /// The parser reads every line as the spec's grammar says.
    #[test]
    fn parse_agrees_with_the_grammar(line in line()) {
        prop_assert_eq!(actual(&line, parse_line(&line)), model(&line));
    }

    /// The cached parser of stdin answers exactly as the plain parser, whatever came before.
    #[test]
    fn cached_parse_agrees_with_parse(lines in prop::collection::vec(line(), 1..12)) {
        let mut cache = MetaCache::default();
        for line in &lines {
            prop_assert_eq!(parse_line_cached(line, &mut cache), parse_line(line), "{:?}", line);
        }
    }

    /// A line repeated with only its last part changed (a producer's usual output) goes
    /// through the cache's hit path; it must still agree.
    #[test]
    fn cached_parse_agrees_on_shared_prefixes(
        prefix in prop::collection::vec(part(), 1..4),
        lasts in prop::collection::vec(part(), 1..6),
        payload in "[^\\n]{0,6}",
    ) {
        let mut cache = MetaCache::default();
        for last in &lasts {
            let line = format!("[{}|{last}] {payload}", prefix.join("|"));
            prop_assert_eq!(parse_line_cached(&line, &mut cache), parse_line(&line), "{:?}", line);
        }
    }
}
