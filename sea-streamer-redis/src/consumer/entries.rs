//! One parser for stream read replies (`XREAD`, `XREADGROUP`) and entry lists (`XAUTOCLAIM`),
//! over both ways a reply arrives: a `redis::Value` tree ([`super::reply::ValueWalk`]) or the
//! fast path's raw RESP bytes ([`super::xread::RawWalk`]). Each walks its reply element by
//! element ([`Walk`]); the rules live here once:
//!
//! * a reply is `nil`, an array of `[key, entries]`, or a (RESP3) map of key → entries;
//! * an entry is `[id, [field, value, …] | nil]`; an entry without field list (deleted while
//!   pending) is counted but not delivered;
//! * one message per field named as the connect options' message field; the entry's other
//!   fields are the message's [`Headers`], in order (an entry of the message field alone,
//!   2 items, keeps nothing and allocates nothing for headers);
//! * an entry without that field is foreign ([`super::foreign`]): skipped with a warning, or
//!   delivered as a JSON object of its fields;
//! * keys outside the shard table are mapped with [`key_to_shard`].

use super::foreign::{entry_json, Foreign};
use super::shard::ShardState;
use crate::message::{id_to_header_parts, parse_id_bytes};
use crate::{MessageId, RedisErr, RedisResult, TimestampFormat};
use sea_streamer_types::{Headers, MessageHeader, ShardId, SharedMessage, StreamErr, StreamKey};

/// How entries become messages: the connect options' timestamp format and message field, and
/// the consumer's handling of foreign entries.
#[derive(Debug)]
pub(crate) struct EntryRules {
    pub fmt: TimestampFormat,
    /// The entry field holding the payload.
    pub field: &'static str,
    pub foreign: Foreign,
}

/// What one read returned for one shard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShardRead {
    /// Index into the shard table.
    pub index: usize,
    /// Entries returned (including ones without the message field).
    pub entries: usize,
    /// The last entry id returned.
    pub last: Option<MessageId>,
}

/// One element of a reply, as a [`Walk`] reads it (for arrays and maps only the header: the
/// elements follow).
#[derive(Debug)]
pub(crate) enum Elem<B> {
    Nil,
    /// `N` elements follow.
    Array(usize),
    /// `N` key / value pairs follow (`2N` elements).
    Map(usize),
    /// A bulk or simple string.
    Bytes(B),
    /// Anything else (integer, error, …).
    Other,
}

/// Reads a reply element by element, in order.
pub(crate) trait Walk {
    /// A string of the reply: owned bytes, or a range of a shared buffer.
    type Bytes;
    /// The next element's header.
    fn next(&mut self) -> RedisResult<Elem<Self::Bytes>>;
    /// Skip the next whole element.
    fn skip(&mut self) -> RedisResult<()>;
    /// The bytes of a string read by [`Walk::next`].
    fn slice<'s>(&'s self, bytes: &'s Self::Bytes) -> &'s [u8];
    /// A message with `payload`, a string read by [`Walk::next`].
    fn message(&self, header: MessageHeader, payload: Self::Bytes) -> RedisResult<SharedMessage>;
    /// The error for a reply of the wrong shape.
    fn shape_err(&self, what: &'static str) -> StreamErr<RedisErr>;

    /// Skip what follows the header `elem` (the elements of an array or a map).
    fn skip_inside(&mut self, elem: &Elem<Self::Bytes>) -> RedisResult<()> {
        let n = match elem {
            Elem::Array(n) => *n,
            Elem::Map(n) => 2 * *n,
            _ => 0,
        };
        for _ in 0..n {
            self.skip()?;
        }
        Ok(())
    }
}

/// Parse a stream read reply: messages are appended to `out`, per-shard outcomes to `reads`.
pub(crate) fn parse_streams<W: Walk>(
    walk: &mut W,
    shards: &[ShardState],
    rules: &mut EntryRules,
    out: &mut Vec<SharedMessage>,
    reads: &mut Vec<ShardRead>,
) -> RedisResult<()> {
    let (count, pairs_wrapped) = match walk.next()? {
        Elem::Nil => return Ok(()),
        Elem::Array(n) => (n, true),
        Elem::Map(n) => (n, false),
        _ => return Err(walk.shape_err("expected an array of streams")),
    };
    for _ in 0..count {
        if pairs_wrapped && !matches!(walk.next()?, Elem::Array(2)) {
            return Err(walk.shape_err("expected [key, entries]"));
        }
        let key = match walk.next()? {
            Elem::Bytes(key) => key,
            _ => return Err(walk.shape_err("expected a stream key")),
        };
        let key = walk.slice(&key);
        match shards.iter().position(|s| s.key.as_bytes() == key) {
            Some(index) => {
                let shard = &shards[index];
                let (entries, last) =
                    parse_entries(walk, &shard.stream_key, shard.shard_id, rules, out)?;
                reads.push(ShardRead {
                    index,
                    entries,
                    last,
                });
            }
            None => {
                let (stream_key, shard_id) = key_to_shard(&String::from_utf8_lossy(key))?;
                parse_entries(walk, &stream_key, shard_id, rules, out)?;
            }
        }
    }
    Ok(())
}

/// Parse `[[id, [field, value, …] | nil], …] | nil`; one message per field equal to the
/// message field, with the other fields as headers, or one JSON message for an entry without
/// it ([`EntryRules::foreign`]).
/// Returns the number of entries and the last id.
pub(crate) fn parse_entries<W: Walk>(
    walk: &mut W,
    stream_key: &StreamKey,
    shard_id: ShardId,
    rules: &mut EntryRules,
    out: &mut Vec<SharedMessage>,
) -> RedisResult<(usize, Option<MessageId>)> {
    let (fmt, field) = (rules.fmt, rules.field);
    let keep = rules.foreign.as_json();
    let count = match walk.next()? {
        Elem::Array(n) => n,
        Elem::Nil => 0,
        _ => return Err(walk.shape_err("expected an array of entries")),
    };
    let mut last = None;
    for _ in 0..count {
        if !matches!(walk.next()?, Elem::Array(2)) {
            return Err(walk.shape_err("expected [id, fields]"));
        }
        let id = match walk.next()? {
            Elem::Bytes(id) => id,
            _ => return Err(walk.shape_err("expected an entry id")),
        };
        let id = walk.slice(&id);
        let (t, s) = parse_id_bytes(id).ok_or_else(|| {
            StreamErr::Backend(RedisErr::MessageId(
                String::from_utf8_lossy(id).into_owned(),
            ))
        })?;
        let (timestamp, sequence) = id_to_header_parts(fmt, t, s)?;
        last = Some((t, s as u16));
        let (pairs, odd) = match walk.next()? {
            Elem::Array(n) => (n / 2, n % 2 == 1),
            Elem::Map(n) => (n, false),
            // an entry deleted while pending: nothing to deliver
            Elem::Nil => continue,
            _ => return Err(walk.shape_err("expected a field list")),
        };
        let mut found = false;
        // the fields other than the message field: headers, or a foreign entry's JSON
        let mut kept: Vec<(W::Bytes, W::Bytes)> = Vec::new();
        let first = out.len();
        for _ in 0..pairs {
            let name = match walk.next()? {
                Elem::Bytes(name) if walk.slice(&name) == field.as_bytes() => None,
                Elem::Bytes(name) => Some(name),
                other => {
                    walk.skip_inside(&other)?;
                    walk.skip()?;
                    continue;
                }
            };
            if let Some(name) = name {
                match walk.next()? {
                    Elem::Bytes(value) => kept.push((name, value)),
                    other => walk.skip_inside(&other)?,
                }
                continue;
            }
            found = true;
            let payload = match walk.next()? {
                Elem::Bytes(payload) => payload,
                _ => {
                    return Err(StreamErr::Backend(RedisErr::TypeError(
                        "Expected Data".to_owned(),
                    )))
                }
            };
            let header = MessageHeader::new(stream_key.clone(), shard_id, sequence, timestamp);
            out.push(walk.message(header, payload)?);
        }
        if odd {
            walk.skip()?;
        }
        if found && !kept.is_empty() {
            let headers: Headers = kept
                .iter()
                .map(|(n, v)| (String::from_utf8_lossy(walk.slice(n)), walk.slice(v)))
                .collect();
            let messages: Vec<SharedMessage> = out.drain(first..).collect();
            out.extend(
                messages
                    .into_iter()
                    .map(|m| m.with_headers(headers.clone())),
            );
        }
        if !found {
            rules.foreign.seen(stream_key, field);
            if keep {
                let fields = kept.iter().map(|(n, v)| (walk.slice(n), walk.slice(v)));
                let json = entry_json(fields);
                let length = json.len();
                let header = MessageHeader::new(stream_key.clone(), shard_id, sequence, timestamp);
                out.push(SharedMessage::new(header, json, 0, length));
            }
        }
    }
    Ok((count, last))
}

/// `name:N` → (`name`, shard N); `name` → (`name`, shard 0).
pub(crate) fn key_to_shard(key: &str) -> RedisResult<(StreamKey, ShardId)> {
    match key.split_once(':') {
        Some((name, n)) => {
            let n: u64 = n.parse().map_err(|_| {
                StreamErr::Backend(RedisErr::StreamReadReply(format!(
                    "Failed to parse `{n}` as u64"
                )))
            })?;
            Ok((StreamKey::new(name)?, ShardId::new(n)))
        }
        None => Ok((StreamKey::new(key)?, ShardId::new(0))),
    }
}
