//! Turning a raw `XREAD` reply (RESP2 bytes) straight into messages that share the reply
//! buffer: no `redis::Value`, no allocation per field.
//!
//! Same rules as [`super::reply::parse_read_reply`]: entries without field list (deleted) are
//! counted but not delivered, only the message field becomes a message, and keys outside the
//! shard table are mapped with [`super::reply::key_to_shard`].

use super::reply::{key_to_shard, ShardRead};
use super::resp::{Cursor, Item, RespError};
use super::shard::ShardState;
use crate::message::{id_to_header_parts, parse_id_bytes};
use crate::{MessageId, RedisErr, RedisResult, TimestampFormat};
use sea_streamer_types::{MessageHeader, ShardId, SharedMessage, StreamErr, StreamKey};
use std::sync::Arc;

/// What a raw read reply held.
#[derive(Debug)]
pub(crate) enum XreadReply {
    /// Entries (possibly none); messages were appended, per-shard outcomes returned.
    Read(Vec<ShardRead>),
    /// An error reply: the whole line (`CODE message`).
    ServerError(String),
}

fn reply_err(e: RespError) -> StreamErr<RedisErr> {
    StreamErr::Backend(RedisErr::StreamReadReply(e.to_string()))
}

fn shape_err(cursor: &Cursor<'_>, what: &'static str) -> StreamErr<RedisErr> {
    reply_err(RespError {
        at: cursor.pos,
        what,
    })
}

/// Parse one complete `XREAD` reply held in `buf` (as found by a [`super::resp::Scanner`]).
pub(crate) fn parse_xread(
    buf: &Arc<Vec<u8>>,
    shards: &[ShardState],
    fmt: TimestampFormat,
    field: &str,
    out: &mut Vec<SharedMessage>,
) -> RedisResult<XreadReply> {
    let mut cursor = Cursor::new(buf);
    let keys = match cursor.next_item().map_err(reply_err)? {
        Item::Nil => return Ok(XreadReply::Read(Vec::new())),
        Item::Error { start, len } => {
            let line = String::from_utf8_lossy(cursor.bytes(start, len)).into_owned();
            return Ok(XreadReply::ServerError(line));
        }
        Item::Array(n) => n,
        _ => return Err(shape_err(&cursor, "expected an array of streams")),
    };
    let mut reads = Vec::with_capacity(keys.min(shards.len()));
    for _ in 0..keys {
        if cursor.next_item().map_err(reply_err)? != Item::Array(2) {
            return Err(shape_err(&cursor, "expected [key, entries]"));
        }
        let key = match cursor.next_item().map_err(reply_err)? {
            Item::Bytes { start, len } => cursor.bytes(start, len),
            _ => return Err(shape_err(&cursor, "expected a stream key")),
        };
        match shards.iter().position(|s| s.key.as_bytes() == key) {
            Some(index) => {
                let shard = &shards[index];
                let (entries, last) = parse_entries(
                    &mut cursor,
                    buf,
                    &shard.stream_key,
                    shard.shard_id,
                    fmt,
                    field,
                    out,
                )?;
                reads.push(ShardRead {
                    index,
                    entries,
                    last,
                });
            }
            None => {
                let (stream_key, shard_id) = key_to_shard(&String::from_utf8_lossy(key))?;
                parse_entries(&mut cursor, buf, &stream_key, shard_id, fmt, field, out)?;
            }
        }
    }
    Ok(XreadReply::Read(reads))
}

/// Parse `[[id, [field, value, …] | nil], …] | nil` at the cursor.
fn parse_entries(
    cursor: &mut Cursor<'_>,
    buf: &Arc<Vec<u8>>,
    stream_key: &StreamKey,
    shard_id: ShardId,
    fmt: TimestampFormat,
    field: &str,
    out: &mut Vec<SharedMessage>,
) -> RedisResult<(usize, Option<MessageId>)> {
    let count = match cursor.next_item().map_err(reply_err)? {
        Item::Array(n) => n,
        Item::Nil => 0,
        _ => return Err(shape_err(cursor, "expected an array of entries")),
    };
    let mut last = None;
    for _ in 0..count {
        if cursor.next_item().map_err(reply_err)? != Item::Array(2) {
            return Err(shape_err(cursor, "expected [id, fields]"));
        }
        let id = match cursor.next_item().map_err(reply_err)? {
            Item::Bytes { start, len } => cursor.bytes(start, len),
            _ => return Err(shape_err(cursor, "expected an entry id")),
        };
        let (t, s) = parse_id_bytes(id).ok_or_else(|| {
            StreamErr::Backend(RedisErr::MessageId(
                String::from_utf8_lossy(id).into_owned(),
            ))
        })?;
        let (timestamp, sequence) = id_to_header_parts(fmt, t, s)?;
        last = Some((t, s as u16));
        let fields = match cursor.next_item().map_err(reply_err)? {
            Item::Array(n) => n,
            // an entry deleted while pending: nothing to deliver
            Item::Nil => continue,
            _ => return Err(shape_err(cursor, "expected a field list")),
        };
        for _ in 0..fields / 2 {
            let matches = match cursor.next_item().map_err(reply_err)? {
                Item::Bytes { start, len } => cursor.bytes(start, len) == field.as_bytes(),
                Item::Array(n) => {
                    for _ in 0..n {
                        cursor.skip().map_err(reply_err)?;
                    }
                    false
                }
                _ => false,
            };
            if !matches {
                cursor.skip().map_err(reply_err)?;
                continue;
            }
            let (start, len) = match cursor.next_item().map_err(reply_err)? {
                Item::Bytes { start, len } => (start, len),
                _ => {
                    return Err(StreamErr::Backend(RedisErr::TypeError(
                        "Expected Data".to_owned(),
                    )))
                }
            };
            if u32::try_from(start + len).is_err() {
                return Err(shape_err(cursor, "reply larger than 4 GiB"));
            }
            let header = MessageHeader::new(stream_key.clone(), shard_id, sequence, timestamp);
            out.push(SharedMessage::from_shared(header, buf.clone(), start, len));
        }
        if fields % 2 == 1 {
            cursor.skip().map_err(reply_err)?;
        }
    }
    Ok((count, last))
}
