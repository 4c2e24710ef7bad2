//! Unit tests of `parser.rs`.

use super::*;
use time::macros::datetime;

fn meta(line: &str) -> (PartialHeader<'_>, &str) {
    let parsed = parse_line(line).expect("valid line");
    (parsed.header.expect("a meta line"), &line[parsed.payload])
}

fn header<'a>(
    ts: Option<Timestamp>,
    key: Option<&'a str>,
    seq: Option<SeqNo>,
    shard: Option<u64>,
) -> PartialHeader<'a> {
    PartialHeader {
        timestamp: ts,
        stream_key: key,
        sequence: seq,
        shard_id: shard,
    }
}

fn is_unknown_part(line: &str) -> bool {
    matches!(parse_line(line), Err(ParseErr::UnknownPart { .. }))
}

#[test]
fn raw_lines_keep_their_text() {
    for line in [
        "a plain, raw message",
        "  spaced  ",
        "",
        "[]",
        "[] x",
        "[no closing",
        "[",
        " [k] leading space makes it raw",
        "x [k] y",
        "\r",
    ] {
        let parsed = parse_line(line).unwrap();
        assert_eq!(parsed.header, None, "{line:?}");
        assert_eq!(&line[parsed.payload], line);
    }
}

#[test]
fn spec_valid_examples() {
    let ts = Some(datetime!(2022-01-01 00:00:00 UTC));
    assert_eq!(
        meta(r#"[2022-01-01T00:00:00] { "payload": "anything" }"#),
        (header(ts, None, None, None), r#"{ "payload": "anything" }"#)
    );
    assert_eq!(
        meta(r#"[2022-01-01T00:00:00.123 | my_topic] "a string payload""#),
        (
            header(
                Some(datetime!(2022-01-01 00:00:00.123 UTC)),
                Some("my_topic"),
                None,
                None
            ),
            r#""a string payload""#
        )
    );
    assert_eq!(
        meta(r#"[2022-01-01T00:00:00 | my-topic-2 | 123] ["array", "of", "values"]"#),
        (
            header(ts, Some("my-topic-2"), Some(123), None),
            r#"["array", "of", "values"]"#
        )
    );
    assert_eq!(
        meta(r#"[2022-01-01T00:00:00 | my-topic-2 | 123 | 4] {"a":1}"#),
        (
            header(ts, Some("my-topic-2"), Some(123), Some(4)),
            r#"{"a":1}"#
        )
    );
    assert_eq!(
        meta("[my_topic] a string payload"),
        (
            header(None, Some("my_topic"), None, None),
            "a string payload"
        )
    );
    assert_eq!(
        meta("[my_topic | 123] a string payload"),
        (
            header(None, Some("my_topic"), Some(123), None),
            "a string payload"
        )
    );
    assert_eq!(
        meta("[my_topic | 123 | 4] a string payload"),
        (
            header(None, Some("my_topic"), Some(123), Some(4)),
            "a string payload"
        )
    );
    assert_eq!(
        meta("[123] x"),
        (header(None, Some("123"), None, None), "x")
    );
    // Valid grammar, although upstream docs listed it as invalid.
    assert_eq!(
        meta("[2022-01-01T00:00:00] 12345"),
        (header(ts, None, None, None), "12345")
    );
}

#[test]
fn spec_invalid_examples() {
    for line in [
        "[Jan 1, 2022] {}",
        "[ ]",
        "[a b]",
        "[t | abc]",
        "[k | 1 | 2 | 3]",
        "[k | 2022-01-01T00:00:00]",
    ] {
        assert!(is_unknown_part(line), "{line:?} must be invalid");
    }
}

#[test]
fn upstream_parser_tests() {
    let ts = Some(datetime!(2022-01-02 03:04:05 UTC));
    let ts_ms = Some(datetime!(2022-01-02 03:04:05.678 UTC));
    assert_eq!(
        meta(r#"[2022-01-02T03:04:05] { "hello": "world" }"#),
        (header(ts, None, None, None), r#"{ "hello": "world" }"#)
    );
    assert_eq!(
        meta(r#"[2022-01-02T03:04:05.678 | my-fancy_topic.1] ["array", "of", "values"]"#),
        (
            header(ts_ms, Some("my-fancy_topic.1"), None, None),
            r#"["array", "of", "values"]"#
        )
    );
    assert_eq!(
        meta("[2022-01-02T03:04:05.678 | my-fancy_topic.1 | 123] a string payload"),
        (
            header(ts_ms, Some("my-fancy_topic.1"), Some(123), None),
            "a string payload"
        )
    );
    assert_eq!(
        meta(r#"[2022-01-02T03:04:05.678 | my-fancy_topic.1 | 123 | 4] { "hello": "world" }"#),
        (
            header(ts_ms, Some("my-fancy_topic.1"), Some(123), Some(4)),
            r#"{ "hello": "world" }"#
        )
    );
    assert_eq!(
        meta("[my-fancy_topic.1] a string payload"),
        (
            header(None, Some("my-fancy_topic.1"), None, None),
            "a string payload"
        )
    );
    assert_eq!(
        meta("[my-fancy_topic.1 | 123]   a string payload \t"),
        (
            header(None, Some("my-fancy_topic.1"), Some(123), None),
            "a string payload"
        )
    );
    assert_eq!(
        meta("[my-fancy_topic.1 | 123 | 4]a string payload"),
        (
            header(None, Some("my-fancy_topic.1"), Some(123), Some(4)),
            "a string payload"
        )
    );
    assert_eq!(
        parse_line("[ ]"),
        Err(ParseErr::UnknownPart {
            index: 0,
            part: String::new()
        })
    );
}

#[test]
fn more_invalid_metas() {
    for line in [
        "[|]",
        "[k|]",
        "[k||1]",
        "[k | -1]",
        "[k | +1]",
        "[k | 1.5]",
        "[k | 99999999999999999999999999999999999999999]",
        "[k | 1 | 18446744073709551616]",
        "[k | 1 | x]",
        "[a:b]",
        "[é]",
        "[2022-01-01T00:00:00 | k | 1 | 2 | 3]",
        "[2022-01-01T00:00:00 | 2022-01-01T00:00:00]",
        "[2022-13-01T00:00:00]",
        "[2022-02-30T00:00:00]",
        "[2022-01-01T24:00:00]",
        "[2022-01-01T00:00:00.]",
        "[2022-01-01T00:00:00.1234567890]",
        "[2022-01-01t00:00:00]",
        "[2022-01-01 00:00:00]",
    ] {
        assert!(is_unknown_part(line), "{line:?} must be invalid");
    }
    let long = format!("[{}]", "k".repeat(MAX_STREAM_KEY_LEN + 1));
    assert!(is_unknown_part(&long));
    let max = format!("[{}] x", "k".repeat(MAX_STREAM_KEY_LEN));
    assert!(parse_line(&max).unwrap().header.is_some());
}

#[test]
fn timestamps() {
    assert_eq!(
        parse_timestamp("2022-01-01T00:00:00.1"),
        Some(datetime!(2022-01-01 00:00:00.1 UTC))
    );
    assert_eq!(
        parse_timestamp("2022-01-01T00:00:00.000000001"),
        Some(datetime!(2022-01-01 00:00:00.000000001 UTC))
    );
    assert_eq!(
        parse_timestamp("1999-12-31T23:59:59.123456"),
        Some(datetime!(1999-12-31 23:59:59.123456 UTC))
    );
    assert_eq!(parse_timestamp("2022-01-01T00:00"), None);
    // The cache answers the same as the parser, for repeated and changing texts.
    for text in [
        "2022-01-01T00:00:00",
        "2022-01-01T00:00:00",
        "2022-01-01T00:00:01",
        "2022-01-01T00:00:01.5",
        "2022-02-30T00:00:00",
        "2022-01-01T00:00:01",
        "2022-01-01T00:00:0",
        "",
    ] {
        assert_eq!(
            parse_timestamp_cached(text),
            parse_timestamp(text),
            "{text}"
        );
    }
    assert_eq!(parse_timestamp(""), None);
    assert_eq!(parse_timestamp("2022-01-01T00:00:0x"), None);
}

#[test]
fn meta_with_brackets_in_payload() {
    let (h, payload) = meta("[k] [1, 2] ]");
    assert_eq!(h.stream_key, Some("k"));
    assert_eq!(payload, "[1, 2] ]");
    let (h, payload) = meta("[k]");
    assert_eq!(h.stream_key, Some("k"));
    assert_eq!(payload, "");
}

#[test]
fn fast_trims_match_std() {
    // Every ASCII character, and Unicode whitespace and non-whitespace.
    let mut chars: Vec<char> = (0u8..128).map(char::from).collect();
    chars.extend([
        '\u{85}', '\u{a0}', '\u{1680}', '\u{2003}', '\u{2028}', '\u{3000}',
    ]);
    chars.extend(['é', '\u{200b}', '日']);
    for &a in &chars {
        for &b in &chars {
            for s in [format!("{a}{b}x{b}{a}"), format!("{a}{b}"), format!("{a}")] {
                assert_eq!(trim_start(&s), s.trim_start(), "{s:?}");
                assert_eq!(trim_end(&s), s.trim_end(), "{s:?}");
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
    }
    assert_eq!(trim(""), "");
}

#[test]
fn carriage_return_is_trimmed_from_meta_payloads() {
    let (_, payload) = meta("[k] hello\r");
    assert_eq!(payload, "hello");
}

#[test]
fn sequence_bounds() {
    let (h, _) = meta("[k | 18446744073709551615 | 18446744073709551615]");
    assert_eq!(
        h.sequence.map(|s| s.to_string()).as_deref(),
        Some("18446744073709551615")
    );
    assert_eq!(h.shard_id, Some(u64::MAX));
}

#[test]
fn extra_parts_name_the_first_bad_one() {
    let err = |line: &str| parse_line(line).unwrap_err();
    let part = |index: usize, part: &str| ParseErr::UnknownPart {
        index,
        part: part.to_owned(),
    };
    assert_eq!(
        err("[2022-01-01T00:00:00 | k | 1 | 2 | x | y | z] p"),
        part(4, "x")
    );
    assert_eq!(err("[k | 1 | 2 | 3 | 4 | 5 | 6 | 7] p"), part(3, "3"));
    assert_eq!(err("[k | 1 | x | 3 | 4 | 5 | 6 | 7] p"), part(2, "x"));
    assert_eq!(err("[k||||||] p"), part(1, ""));
}

#[test]
fn decimals() {
    assert_eq!(parse_decimal::<u64>("0007"), Some(7));
    assert_eq!(parse_decimal::<u64>("18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_decimal::<u64>("18446744073709551616"), None);
    assert_eq!(
        parse_decimal::<u128>(&u128::MAX.to_string()),
        Some(u128::MAX)
    );
    assert_eq!(
        parse_decimal::<u128>("340282366920938463463374607431768211456"),
        None
    );
    assert_eq!(parse_decimal::<u128>(&"9".repeat(60)), None);
    for bad in ["", "+1", "-1", " 1", "1 ", "1_000", "١"] {
        assert_eq!(parse_decimal::<u64>(bad), None, "{bad:?}");
    }
}

#[test]
fn cached_parse_equals_parse() {
    // Lines in an order that hits, misses and invalidates the cache.
    let lines = [
        "[2022-01-01T00:00:00 | a | 1] x",
        "[2022-01-01T00:00:00 | a | 2] y",
        "[2022-01-01T00:00:00 | a | 3 | 7] z",
        "[2022-01-01T00:00:00 | a | 3 | 8]",
        "[2022-01-01T00:00:00 | a | 3 | x] bad shard",
        "[2022-01-01T00:00:00 | a | 4] after an error",
        "[2022-01-01T00:00:01 | a | 5] new second",
        "[2022-01-01T00:00:01 | b | 5] other key",
        "[ 2022-01-01T00:00:01 |b| 6 ] spacing differs",
        "[2022-01-01T00:00:01 |b| 7] same prefix text",
        "[a | 1] key first",
        "[a | 2] key first again",
        "[a | 1 | 2 | 3] too many parts",
        "[a | 1 | 2 | 3] too many parts again",
        "[|] empty parts",
        "[|] empty parts again",
        "[| a] empty first part",
        "[k] no pipe",
        "[k|] empty last part",
        "[k|] empty last part again",
        "[2022-01-01T00:00:00] timestamp only",
        "[2022-01-01T00:00:00 | 1] a number as key",
        "[2022-01-01T00:00:00 | 1 | 2] x",
        "raw line",
        "[2022-01-01T00:00:00 | a | 1] x",
    ];
    let mut cache = MetaCache::default();
    for _ in 0..2 {
        for line in lines {
            assert_eq!(
                parse_line_cached(line, &mut cache),
                parse_line(line),
                "{line:?}"
            );
        }
    }
    // Same prefix text at a different offset in the line: the key is sliced from the new line.
    let mut cache = MetaCache::default();
    let first = "[abc | 1] x".to_owned();
    let second = "[abc | 22222] yy".to_owned();
    assert_eq!(parse_line_cached(&first, &mut cache), parse_line(&first));
    let parsed = parse_line_cached(&second, &mut cache).unwrap();
    assert_eq!(parsed.header.unwrap().stream_key, Some("abc"));
}
