//! Stream naming and the JetStream streams behind stream keys: found, created on demand or
//! required to exist.

use std::sync::{Arc, Mutex};

use async_nats::jetstream::{self, stream};
use futures::channel::oneshot;
use sea_streamer_types::{StreamErr, StreamKey};

use crate::error::backend;
use crate::{NatsConnectOptions, NatsErr, NatsResult};

/// The JetStream stream (or consumer) name for `key`: JetStream names may not hold `.`, so
/// `.` is written `_2E` and `_` `_5F` (the mapping is one to one).
pub(crate) fn encode_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            '.' => name.push_str("_2E"),
            '_' => name.push_str("_5F"),
            ' ' | '*' | '>' | '/' | '\\' => name.push_str(&format!("_{:02X}", c as u32)),
            c => name.push(c),
        }
    }
    name
}

/// The subject of shard `shard` of `key`: `key.<shard>`.
pub(crate) fn shard_subject(key: &StreamKey, shard: u64) -> String {
    format!("{}.{shard}", key.name())
}

/// The subject matching every shard of `key`: `key.*`.
pub(crate) fn shards_wildcard(key: &StreamKey) -> String {
    format!("{}.*", key.name())
}

/// The shard a message of `key` published to `subject` belongs to: `n` for `key.<n>`, 0 for
/// the key's own subject (and, logged, for a token that is not a shard number).
pub(crate) fn shard_of_subject(key: &StreamKey, subject: &str) -> u64 {
    // The key's own subject (the common case) without comparing it: a subject no longer
    // than the key has no shard token either way.
    if subject.len() <= key.name().len() {
        return 0;
    }
    let Some(token) = subject
        .strip_prefix(key.name())
        .and_then(|rest| rest.strip_prefix('.'))
    else {
        return 0;
    };
    token.parse().unwrap_or_else(|_| {
        log::debug!(
            "subject {subject} is not a shard of {}: read as shard 0",
            key.name()
        );
        0
    })
}

/// Reads the stream sequence and the server's timestamp of JetStream messages from their
/// reply subjects (ADR-15: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<nanos>.
/// <pending>`, or with `<domain>.<account hash>.` before the stream and more tokens after)
/// without splitting them into strings: async-nats' `Message::info` splits and parses every
/// token, and was a third of a consumed message's instructions. One consumer's replies share
/// the prefix up to `<delivered>`: the reader keeps the last one, so a reply starting with it
/// is read from the numbers on; another is checked and measured in full first. The
/// timestamp's date and time of day are worked out once a second (the last second's are
/// kept).
#[derive(Debug)]
pub(crate) struct ReplyReader {
    /// `$JS.ACK.` to the `.` before `<delivered>`, included; empty before the first reply.
    prefix: Vec<u8>,
    /// The last timestamp's whole second, since the epoch (`u64::MAX`: none yet) ...
    second: u64,
    /// ... and as a time.
    at_second: time::OffsetDateTime,
}

impl Default for ReplyReader {
    fn default() -> Self {
        Self {
            prefix: Vec::new(),
            second: u64::MAX,
            at_second: time::OffsetDateTime::UNIX_EPOCH,
        }
    }
}

impl ReplyReader {
    /// The stream sequence and timestamp in `reply`; `None` for a reply of another shape
    /// (the caller falls back to `info`).
    pub fn read(&mut self, reply: &str) -> Option<(u64, time::OffsetDateTime)> {
        let bytes = reply.as_bytes();
        if self.prefix.is_empty() || !bytes.starts_with(&self.prefix) {
            let len = numbers_start(bytes)?;
            self.prefix.clear();
            self.prefix.extend_from_slice(&bytes[..len]);
        }
        let (sseq, nanos) = numbers(bytes, self.prefix.len())?;
        Some((sseq, self.time(nanos)?))
    }

    /// `nanos` since the epoch as a time: as `OffsetDateTime::from_unix_timestamp_nanos`,
    /// with the date worked out only when the second changes.
    fn time(&mut self, nanos: u64) -> Option<time::OffsetDateTime> {
        let second = nanos / 1_000_000_000;
        if second != self.second {
            // At most 1.8e10 seconds: fits in i64 (the year 2554).
            self.at_second = time::OffsetDateTime::from_unix_timestamp(second as i64).ok()?;
            self.second = second;
        }
        self.at_second
            .replace_nanosecond((nanos % 1_000_000_000) as u32)
            .ok()
    }
}

/// The stream sequence and the server's timestamp in one reply subject (see [`ReplyReader`]).
#[cfg(test)]
pub(crate) fn sequence_and_time(reply: &str) -> Option<(u64, time::OffsetDateTime)> {
    ReplyReader::default().read(reply)
}

/// Where `<delivered>` starts in a reply subject of 7 tokens after `$JS.ACK.` (the third) or
/// of 9 or more (the fifth); `None` for any other shape.
fn numbers_start(reply: &[u8]) -> Option<usize> {
    let rest = reply.strip_prefix(b"$JS.ACK.")?;
    let dots = rest.iter().filter(|&&b| b == b'.').count();
    let before = match dots {
        6 => 2,
        8.. => 4,
        _ => return None,
    };
    let (i, _) = rest
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'.')
        .nth(before - 1)?;
    Some(reply.len() - rest.len() + i + 1)
}

/// `<delivered>.<sseq>.<cseq>.<nanos>.<pending>` from `reply[from..]`, maybe followed by
/// more tokens: the stream sequence and the timestamp (nanoseconds since the epoch).
fn numbers(reply: &[u8], from: usize) -> Option<(u64, u64)> {
    let mut at = from;
    skip_token(reply, &mut at)?;
    let sseq = decimal(reply, &mut at)?;
    skip_token(reply, &mut at)?;
    let nanos = decimal(reply, &mut at)?;
    // `<pending>` must follow.
    if at >= reply.len() {
        return None;
    }
    Some((sseq, nanos))
}

/// Moves `at` past the token starting there and the `.` after it.
fn skip_token(bytes: &[u8], at: &mut usize) -> Option<()> {
    *at = find_dot(bytes, *at)? + 1;
    Some(())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// Where the first `.` at or after `from` is: eight bytes at a time (a word whose bytes are
/// XORed with `.` has a zero byte where a `.` was; the lowest flagged byte is exact).
fn find_dot(bytes: &[u8], from: usize) -> Option<usize> {
    const DOTS: u64 = 0x2E2E_2E2E_2E2E_2E2E;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().ok()?) ^ DOTS;
        let dots = x.wrapping_sub(ONES) & !x & HIGHS;
        if dots != 0 {
            return Some(i + (dots.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let tail = bytes.get(i..)?;
    tail.iter().position(|&b| b == b'.').map(|p| i + p)
}

/// The value of the token of ASCII digits starting at `at`, which must end with a `.`;
/// moves `at` past that `.`. `None` if the token is empty, holds anything else or has more
/// than 19 digits (so it always fits in a `u64`; the caller falls back to `info`).
///
/// Eight bytes at a time: a word of eight digits is added whole; in the first word that
/// is not, the digits before its first other byte are the token's last, and that byte must
/// be the `.`.
fn decimal(bytes: &[u8], at: &mut usize) -> Option<u64> {
    const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];
    let start = *at;
    let mut i = start;
    let mut value: u64 = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let others = not_digits(word);
        if others == 0 {
            // Sixteen digits already: this would make more than 19.
            if i - start >= 16 {
                return None;
            }
            value = value * 100_000_000 + digits_value(word);
            i += 8;
            continue;
        }
        let n = (others.trailing_zeros() / 8) as usize;
        let len = i - start + n;
        if bytes[i + n] != b'.' || len == 0 || len > 19 {
            return None;
        }
        if n > 0 {
            // The `n` digits as the last of eight, after zeros.
            let shift = (8 - n) * 8;
            value = value * POW10[n] + digits_value((word << shift) | (ZEROS >> (n * 8)));
        }
        *at = i + n + 1;
        return Some(value);
    }
    // Fewer than eight bytes left: one at a time.
    for (j, &byte) in bytes.get(i..)?.iter().enumerate() {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            let len = i - start + j;
            if byte != b'.' || len == 0 || len > 19 {
                return None;
            }
            *at = i + j + 1;
            return Some(value);
        }
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    None
}

/// A word whose bytes are nonzero where `word`'s are not ASCII digits (exact up to the
/// first such byte: a carry of the `+ 6` only reaches the bytes after a flagged one).
fn not_digits(word: u64) -> u64 {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    // Every byte 0x30..=0x39: the high nibble is 3, and stays 3 after adding 6.
    ((word & HIGH) ^ ZEROS) | ((word.wrapping_add(0x0606_0606_0606_0606) & HIGH) ^ ZEROS)
}

/// The value of eight ASCII digits (the first the most significant): the bytes as one
/// little-endian word, combined in pairs, then fours, then the whole.
fn digits_value(word: u64) -> u64 {
    let digits = word - ZEROS;
    // Bytes 0, 2, 4, 6: two-digit values.
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    let high = (pairs & MASK).wrapping_mul(100 + (1_000_000 << 32));
    let low = ((pairs >> 16) & MASK).wrapping_mul(1 + (10_000 << 32));
    high.wrapping_add(low) >> 32
}

/// What the streamer shares with its producers and consumers.
#[derive(Clone)]
pub(crate) struct Shared {
    pub client: async_nats::Client,
    pub context: jetstream::Context,
    pub options: NatsConnectOptions,
    /// The servers, for error messages.
    pub server: String,
    /// Naks of closed group consumers not yet known to be read by the server: a new
    /// consumer waits for them, so what a closed member gave back comes first.
    pub returning: Arc<Mutex<Vec<oneshot::Receiver<NatsResult<()>>>>>,
}

impl Shared {
    /// Waits until the naks of consumers closed before are read by the server.
    pub async fn settle(&self) {
        let waiting: Vec<_> =
            std::mem::take(&mut *self.returning.lock().unwrap_or_else(|e| e.into_inner()));
        for receiver in waiting {
            if let Ok(Err(e)) = receiver.await {
                log::warn!("giving back a closed consumer's messages: {e}");
            }
        }
    }

    /// The JetStream stream name holding `key`.
    pub fn stream_name(&self, key: &StreamKey) -> String {
        match self.options.stream_name() {
            Some(name) => name.to_owned(),
            None => encode_name(key.name()),
        }
    }

    fn stream_err(&self, stream: &str, cause: impl ToString) -> StreamErr<NatsErr> {
        backend(NatsErr::Stream {
            stream: stream.to_owned(),
            server: self.server.clone(),
            cause: cause.to_string(),
        })
    }

    /// The JetStream stream holding `key`'s subject, or with `sharded` its shard subjects
    /// `key.*`: found, or created (or given the subject) when
    /// [`NatsConnectOptions::create_stream`] is on.
    pub async fn ensure_subject(
        &self,
        key: &StreamKey,
        sharded: bool,
    ) -> NatsResult<stream::Stream> {
        let name = self.stream_name(key);
        let subject = if sharded {
            shards_wildcard(key)
        } else {
            key.name().to_owned()
        };
        match self.context.get_stream(&name).await {
            Ok(mut found) => {
                let info = found
                    .info()
                    .await
                    .map_err(|e| self.stream_err(&name, e))?
                    .clone();
                if info.config.subjects.iter().any(|s| s == &subject) {
                    return Ok(found);
                }
                if !self.options.create_stream() {
                    return Err(self.not_found(&name, &subject));
                }
                let mut config = info.config;
                config.subjects.push(subject);
                self.context
                    .update_stream(config)
                    .await
                    .map_err(|e| self.stream_err(&name, e))?;
                self.context
                    .get_stream(&name)
                    .await
                    .map_err(|e| self.stream_err(&name, e))
            }
            Err(e) if is_not_found(&e) => {
                if !self.options.create_stream() {
                    return Err(self.not_found(&name, &subject));
                }
                log::debug!("creating JetStream stream {name} for subject {subject}");
                let config = stream::Config {
                    name: name.clone(),
                    subjects: vec![subject],
                    storage: if self.options.memory_storage() {
                        stream::StorageType::Memory
                    } else {
                        stream::StorageType::File
                    },
                    ..Default::default()
                };
                // Another client may create it at the same time: get_or_create takes theirs.
                self.context
                    .get_or_create_stream(config)
                    .await
                    .map_err(|e| self.stream_err(&name, e))
            }
            Err(e) => Err(self.stream_err(&name, e)),
        }
    }

    fn not_found(&self, stream: &str, subject: &str) -> StreamErr<NatsErr> {
        backend(NatsErr::StreamNotFound {
            stream: stream.to_owned(),
            subject: subject.to_owned(),
            server: self.server.clone(),
        })
    }
}

/// Whether the server answered "stream not found".
fn is_not_found(e: &jetstream::context::GetStreamError) -> bool {
    matches!(
        e.kind(),
        jetstream::context::GetStreamErrorKind::JetStream(js)
            if js.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
    )
}

#[cfg(test)]
mod tests {
    use super::{encode_name, shard_of_subject, shard_subject};
    use sea_streamer_types::StreamKey;

    #[test]
    fn reply_subjects() {
        use super::sequence_and_time;
        let t = |nanos: i128| time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
        // The original form: stream, consumer, delivered, sseq, cseq, nanos, pending.
        assert_eq!(
            sequence_and_time("$JS.ACK.S.C.1.42.7.1700000000123456789.0"),
            Some((42, t(1_700_000_000_123_456_789)))
        );
        // With domain and account hash, and a further token.
        assert_eq!(
            sequence_and_time("$JS.ACK._.ACC.S.C.2.43.8.1700000000000000001.5.rnd"),
            Some((43, t(1_700_000_000_000_000_001)))
        );
        assert_eq!(
            sequence_and_time("$JS.ACK._.ACC.S.C.2.43.8.1700000000000000001.5"),
            Some((43, t(1_700_000_000_000_000_001)))
        );
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.x.7.1.0"), None);
        assert_eq!(sequence_and_time("_INBOX.abc"), None);
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.42"), None);
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1..7.1.0"), None);
        assert_eq!(
            sequence_and_time("$JS.ACK.S.C.1.42.7.1.0x"),
            Some((42, t(1)))
        );
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.42.7.1."), None);
        // More than 19 digits: left to `info`.
        assert_eq!(
            sequence_and_time("$JS.ACK.S.C.1.42.7.17000000001234567890.0"),
            None
        );
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.42.7.-1.0"), None);
        assert_eq!(
            sequence_and_time("$JS.ACK._.ACC.S.C.2.43.8.1700000000000000001.5.r.s"),
            Some((43, t(1_700_000_000_000_000_001)))
        );
        // A reader keeps the prefix of the last reply and measures again when it changes.
        let mut reader = super::ReplyReader::default();
        assert_eq!(reader.read("$JS.ACK.S.C.1.x.7.1.0"), None);
        assert_eq!(reader.read("$JS.ACK.S.C.1.42.7.5.0"), Some((42, t(5))));
        assert_eq!(reader.read("$JS.ACK.S.C.2.43.8.6.0"), Some((43, t(6))));
        assert_eq!(reader.read("$JS.ACK.S.C.3.x.9.7.0"), None);
        assert_eq!(reader.read("$JS.ACK.S.D.1.44.1.8.0"), Some((44, t(8))));
        assert_eq!(
            reader.read("$JS.ACK._.A.S.D.1.45.2.9.0.r"),
            Some((45, t(9)))
        );
        assert_eq!(reader.read("$JS.ACK.S.C.1.42"), None);
        assert_eq!(reader.read("$JS.ACK.S.D.1.46.3.10.0"), Some((46, t(10))));
    }

    #[test]
    fn times_across_seconds() {
        // The same as `from_unix_timestamp_nanos`, second after second and back.
        let mut reader = super::ReplyReader::default();
        let mut nanos: u64 = 1_700_000_000_999_999_990;
        for step in [
            0,
            1,
            9,
            10,
            999_999_999,
            1,
            3_000_000_007,
            86_400_000_000_000,
            5,
        ] {
            nanos += step;
            assert_eq!(
                reader.time(nanos),
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok(),
                "{nanos}"
            );
        }
        assert_eq!(reader.time(0), Some(time::OffsetDateTime::UNIX_EPOCH));
        assert_eq!(
            reader.time(u64::MAX),
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(u64::MAX)).ok()
        );
        assert_eq!(
            reader.time(999_999_999),
            time::OffsetDateTime::from_unix_timestamp_nanos(999_999_999).ok()
        );
    }

    #[test]
    fn decimals() {
        let read = |text: &str| super::decimal(text.as_bytes(), &mut 0);
        let mut n: u64 = 1;
        for _ in 0..200 {
            assert_eq!(read(&format!("{n}.")), Some(n), "{n}");
            assert_eq!(read(&format!("{:019}.", n)), Some(n), "{n}");
            n = n
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407)
                % 10_000_000_000_000_000_000;
        }
        assert_eq!(
            read("9999999999999999999."),
            Some(9_999_999_999_999_999_999)
        );
        for bad in [
            "1234567:.",
            "12345678:.",
            "1234567/1.",
            "123456789012345:.",
            "",
            ".",
            "1",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
        let mut at = 0;
        assert_eq!(
            super::decimal(b"12345678901.7", &mut at),
            Some(12_345_678_901)
        );
        assert_eq!(at, 12);
    }

    #[test]
    fn decimals_at_every_alignment() {
        // Tokens of 1 to 20 digits after 0 to 16 other bytes, against `str::parse`; and
        // each with one byte that is not a digit.
        let mut n: u64 = 7;
        for pad in 0..17 {
            for len in 1..=20 {
                n = n
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let digits = format!("{n:020}")[20 - len..].to_owned();
                let text = format!("{}{digits}.0", "x.".repeat(pad / 2) + &"x".repeat(pad % 2));
                let expected = (len <= 19).then(|| digits.parse::<u64>().unwrap());
                let mut at = pad;
                assert_eq!(super::decimal(text.as_bytes(), &mut at), expected, "{text}");
                if expected.is_some() {
                    assert_eq!(at, pad + len + 1, "{text}");
                }
                for k in 0..len {
                    for not_digit in [b'/', b':', b'x', 0xFF] {
                        let mut bad = text.clone().into_bytes();
                        bad[pad + k] = not_digit;
                        assert_eq!(super::decimal(&bad, &mut pad.clone()), None, "{text} {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn dots_are_found_anywhere() {
        for len in 0..40 {
            for dot in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[dot] = b'.';
                if dot + 3 < len {
                    bytes[dot + 3] = b'.';
                }
                for from in 0..=dot {
                    assert_eq!(
                        super::find_dot(&bytes, from),
                        Some(dot),
                        "{len} {dot} {from}"
                    );
                }
            }
            assert_eq!(super::find_dot(&vec![b'-'; len], 0), None);
        }
        assert_eq!(super::find_dot(b"ab", 5), None);
    }

    #[test]
    fn shards_are_subject_tokens() {
        let key = StreamKey::new("orders").unwrap();
        assert_eq!(shard_subject(&key, 3), "orders.3");
        assert_eq!(shard_of_subject(&key, "orders.3"), 3);
        assert_eq!(shard_of_subject(&key, "orders"), 0);
        assert_eq!(shard_of_subject(&key, "orders.x"), 0);
    }

    #[test]
    fn names_are_one_to_one() {
        assert_eq!(encode_name("a.b"), "a_2Eb");
        assert_eq!(encode_name("a_b"), "a_5Fb");
        assert_ne!(encode_name("a_2Eb"), encode_name("a.b"));
        assert_eq!(encode_name("orders-1"), "orders-1");
    }
}
