//! Tests of the fast path's RESP reader and `XREAD` reply parser: replies split at every byte,
//! nulls, error replies, deleted entries, several keys, garbage, truncation, a 1 MB payload.

use super::entries::EntryRules;
use super::fast_read::server_error;
use super::foreign::Foreign;
use super::resp::{Cursor, Item, Scanner};
use super::shard::ShardState;
use super::xread::{parse_xread, XreadReply};
use crate::{ForeignEntries, RedisErr, TimestampFormat};
use sea_streamer_types::{Buffer, Message, ShardId, SharedMessage, StreamErr, StreamKey};
use std::sync::Arc;

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn array(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(format!("*{n}\r\n").as_bytes());
}

/// An entry: its id and its name/value pairs (`None`: deleted).
type Entry<'a> = (&'a str, Option<&'a [(&'a str, &'a [u8])]>);

/// `[key, [[id, fields | nil], …]]`.
fn stream(out: &mut Vec<u8>, key: &str, entries: &[Entry<'_>]) {
    array(out, 2);
    bulk(out, key.as_bytes());
    array(out, entries.len());
    for (id, fields) in entries {
        array(out, 2);
        bulk(out, id.as_bytes());
        match fields {
            None => out.extend_from_slice(b"*-1\r\n"),
            Some(fields) => {
                array(out, fields.len() * 2);
                for (name, value) in fields.iter() {
                    bulk(out, name.as_bytes());
                    bulk(out, value);
                }
            }
        }
    }
}

fn shards() -> Vec<ShardState> {
    ["a", "b:1"]
        .iter()
        .map(|k| {
            let (name, id) = k.split_once(':').unwrap_or((k, "0"));
            let key = StreamKey::new(name).unwrap();
            ShardState::new(key, ShardId::new(id.parse().unwrap()), k.to_string())
        })
        .collect()
}

fn rules() -> EntryRules {
    EntryRules {
        fmt: TimestampFormat::UnixTimestampMillis,
        field: "msg",
        foreign: Foreign::new(ForeignEntries::Skip),
    }
}

fn parse(bytes: &[u8]) -> (Vec<SharedMessage>, XreadReply) {
    let mut out = Vec::new();
    let reply = parse_xread(&Arc::new(bytes.to_vec()), &shards(), &mut rules(), &mut out).unwrap();
    (out, reply)
}

fn sample() -> Vec<u8> {
    let mut r = Vec::new();
    array(&mut r, 3);
    stream(
        &mut r,
        "a",
        &[
            ("1-0", Some(&[("msg", b"one")])),
            ("1-1", None),
            (
                "2-0",
                Some(&[("other", b"x"), ("msg", b"two"), ("more", b"y")]),
            ),
        ],
    );
    stream(&mut r, "b:1", &[("3-5", Some(&[("msg", b"")]))]);
    stream(&mut r, "c:7", &[("4-0", Some(&[("msg", b"unknown key")]))]);
    r
}

#[test]
fn parses_several_keys_and_skips_deleted_entries() {
    let (msgs, reply) = parse(&sample());
    let texts: Vec<_> = msgs
        .iter()
        .map(|m| m.message().as_bytes().to_vec())
        .collect();
    assert_eq!(
        texts,
        [
            b"one".to_vec(),
            b"two".to_vec(),
            b"".to_vec(),
            b"unknown key".to_vec()
        ]
    );
    assert_eq!(msgs[1].sequence(), 2 << 16);
    assert_eq!(msgs[2].sequence(), (3 << 16) | 5);
    assert_eq!(msgs[2].shard_id(), ShardId::new(1));
    assert_eq!(msgs[3].stream_key().name(), "c");
    assert_eq!(msgs[3].shard_id(), ShardId::new(7));
    assert_eq!(msgs[0].timestamp().unix_timestamp_nanos(), 1_000_000);
    let XreadReply::Read(reads) = reply else {
        panic!("not a read");
    };
    assert_eq!(reads.len(), 2);
    assert_eq!(
        (reads[0].index, reads[0].entries, reads[0].last),
        (0, 3, Some((2, 0)))
    );
    assert_eq!(
        (reads[1].index, reads[1].entries, reads[1].last),
        (1, 1, Some((3, 5)))
    );
}

#[test]
fn split_at_every_byte() {
    let full = sample();
    for cut in 0..full.len() {
        let mut scanner = Scanner::default();
        assert_eq!(scanner.scan(&full[..cut]).unwrap(), None, "cut at {cut}");
        assert_eq!(
            scanner.scan(&full).unwrap(),
            Some(full.len()),
            "cut at {cut}"
        );
    }
    // one byte at a time
    let mut scanner = Scanner::default();
    for len in 0..full.len() {
        assert_eq!(scanner.scan(&full[..len]).unwrap(), None);
    }
    assert_eq!(scanner.scan(&full).unwrap(), Some(full.len()));
    // a following reply is left alone
    let mut two = full.clone();
    two.extend_from_slice(b"*-1\r\n");
    assert_eq!(Scanner::default().scan(&two).unwrap(), Some(full.len()));
}

#[test]
fn nil_replies() {
    for nil in [&b"*-1\r\n"[..], b"$-1\r\n", b"_\r\n", b"*0\r\n"] {
        assert_eq!(Scanner::default().scan(nil).unwrap(), Some(nil.len()));
        let (msgs, reply) = parse(nil);
        assert!(msgs.is_empty());
        assert!(matches!(reply, XreadReply::Read(r) if r.is_empty()));
    }
    // a key with a nil entry list
    let mut r = Vec::new();
    array(&mut r, 1);
    array(&mut r, 2);
    bulk(&mut r, b"a");
    r.extend_from_slice(b"*-1\r\n");
    let (msgs, _) = parse(&r);
    assert!(msgs.is_empty());
}

#[test]
fn error_replies() {
    let line = b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n";
    assert_eq!(Scanner::default().scan(line).unwrap(), Some(line.len()));
    let (_, reply) = parse(line);
    let XreadReply::ServerError(text) = reply else {
        panic!("not an error");
    };
    assert_eq!(text, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    let e = server_error(line, &text);
    assert_eq!(e.code(), Some("UNBLOCKED"));
    let e = server_error(b"-NOGROUP No such key\r\n", "NOGROUP No such key");
    assert_eq!(e.code(), Some("NOGROUP"));
    let e = server_error(b"-ERR wrong\r\n", "ERR wrong");
    assert_eq!(e.code(), Some("ERR"));
}

fn typed_error(bytes: &[u8]) -> StreamErr<RedisErr> {
    let mut out = Vec::new();
    parse_xread(&Arc::new(bytes.to_vec()), &shards(), &mut rules(), &mut out).unwrap_err()
}

#[test]
fn garbage_and_truncation() {
    for bad in [
        &b"hello\r\n"[..],
        b"$abc\r\n",
        b"*-2\r\n",
        b"$3\r\nabcde",
        b"*1\n",
        b"$99999999999999999999\r\n",
        b"_x\r\n",
    ] {
        assert!(Scanner::default().scan(bad).is_err(), "{bad:?}");
    }
    // no line end for too long
    assert!(Scanner::default().scan(&[b'*'; 100]).is_err());
    assert!(Scanner::default().scan(&[b'+'; 100]).unwrap().is_none());
    // truncated: more bytes needed
    for part in [
        &b"*2\r\n$3\r\nab"[..],
        b"*",
        b"$3\r\nabc\r",
        b"*1\r\n*2\r\n",
    ] {
        assert_eq!(Scanner::default().scan(part).unwrap(), None);
        assert!(matches!(
            typed_error(part),
            StreamErr::Backend(RedisErr::StreamReadReply(_))
        ));
    }
    // valid RESP, wrong shape
    for shape in [&b":5\r\n"[..], b"*1\r\n:5\r\n", b"*1\r\n*2\r\n:1\r\n*0\r\n"] {
        assert!(matches!(
            typed_error(shape),
            StreamErr::Backend(RedisErr::StreamReadReply(_))
        ));
    }
    // a bad entry id
    let mut r = Vec::new();
    array(&mut r, 1);
    stream(&mut r, "a", &[("x-y", Some(&[("msg", b"1")]))]);
    assert!(matches!(
        typed_error(&r),
        StreamErr::Backend(RedisErr::MessageId(_))
    ));
}

#[test]
fn random_bytes_never_panic() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = b"*$:+-_\r\n0123456789-1ab";
    for _ in 0..20_000 {
        let len = (seed % 40) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        if let Ok(Some(end)) = Scanner::default().scan(&bytes) {
            let mut out = Vec::new();
            let buf = Arc::new(bytes[..end].to_vec());
            let _ = parse_xread(&buf, &shards(), &mut rules(), &mut out);
            let mut cursor = Cursor::new(&buf);
            let _ = cursor.skip();
        }
    }
}

#[test]
fn one_megabyte_payload_in_chunks() {
    let payload: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut r = Vec::new();
    array(&mut r, 1);
    stream(
        &mut r,
        "a",
        &[("7-1", Some(&[("msg", payload.as_slice())]))],
    );
    let mut scanner = Scanner::default();
    let mut len = 0;
    while len < r.len() {
        assert_eq!(scanner.scan(&r[..len]).unwrap(), None);
        if len > 100 {
            // the scanner knows how much the bulk string needs
            assert_eq!(scanner.need, r.len());
        }
        len += 4096;
    }
    assert_eq!(scanner.scan(&r).unwrap(), Some(r.len()));
    let (msgs, _) = parse(&r);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].message().as_bytes(), payload.as_slice());
    assert_eq!(msgs[0].message().size(), 1024 * 1024);
}

#[test]
fn cursor_items() {
    let mut c = Cursor::new(b"*2\r\n+OK\r\n:-3\r\n");
    assert_eq!(c.next_item().unwrap(), Item::Array(2));
    assert_eq!(c.next_item().unwrap(), Item::Bytes { start: 5, len: 2 });
    assert_eq!(c.next_item().unwrap(), Item::Int(-3));
    assert!(c.next_item().is_err());
}

/// Entries without the message field among others, parsed on the fast path (raw bytes) and on
/// the `redis::Value` path with `mode`: the payloads.
fn foreign_payloads(mode: ForeignEntries) -> [Vec<Vec<u8>>; 2] {
    let mut r = Vec::new();
    array(&mut r, 1);
    stream(
        &mut r,
        "a",
        &[
            ("5-0", Some(&[("id", b"1"), ("amount", b"20")])),
            ("5-1", Some(&[("msg", b"ours")])),
            ("5-2", Some(&[("bin", b"\xff\x00"), ("q", b"\"\n")])),
            ("5-3", None),
        ],
    );
    let mut rules = EntryRules {
        fmt: TimestampFormat::UnixTimestampMillis,
        field: "msg",
        foreign: Foreign::new(mode),
    };
    let payloads = |msgs: Vec<SharedMessage>| -> Vec<Vec<u8>> {
        msgs.iter()
            .map(|m| m.message().as_bytes().to_vec())
            .collect()
    };
    let mut raw = Vec::new();
    parse_xread(&Arc::new(r.clone()), &shards(), &mut rules, &mut raw).unwrap();
    let mut value = Vec::new();
    let walk = &mut super::reply::ValueWalk::new(redis::parse_redis_value(&r).unwrap());
    let mut reads = Vec::new();
    super::entries::parse_streams(walk, &shards(), &mut rules, &mut value, &mut reads).unwrap();
    assert_eq!(reads[0].entries, 4);
    [payloads(raw), payloads(value)]
}

#[test]
fn foreign_entries_are_skipped_by_default() {
    for payloads in foreign_payloads(ForeignEntries::Skip) {
        assert_eq!(payloads, [b"ours".to_vec()]);
    }
}

#[test]
fn foreign_entries_as_json_on_both_paths() {
    for payloads in foreign_payloads(ForeignEntries::AsJson) {
        assert_eq!(
            payloads,
            [
                br#"{"id":"1","amount":"20"}"#.to_vec(),
                b"ours".to_vec(),
                br#"{"bin":{"base64":"/wA="},"q":"\"\n"}"#.to_vec(),
            ]
        );
    }
}
