//! Turning `XREAD` / `XREADGROUP` / `XAUTOCLAIM` replies into messages without copying payloads.

use super::shard::ShardState;
use crate::message::{id_to_header_parts, parse_id_bytes};
use crate::{MessageId, RedisErr, RedisResult, TimestampFormat};
use redis::Value;
use sea_streamer_types::{MessageHeader, ShardId, SharedMessage, StreamErr, StreamKey};

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

fn reply_err(text: String) -> StreamErr<RedisErr> {
    StreamErr::Backend(RedisErr::StreamReadReply(text))
}

/// Parse a stream read reply (`nil`, an array of `[key, entries]`, or a RESP3 map).
/// Messages are appended to `out`; per-shard outcomes to `reads`.
pub(crate) fn parse_read_reply(
    value: Value,
    shards: &[ShardState],
    fmt: TimestampFormat,
    field: &str,
    out: &mut Vec<SharedMessage>,
    reads: &mut Vec<ShardRead>,
) -> RedisResult<()> {
    let pairs: Vec<(Value, Value)> = match value {
        Value::Nil => return Ok(()),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(mut kv) if kv.len() == 2 => {
                    let entries = kv.pop().expect("len 2");
                    let key = kv.pop().expect("len 2");
                    Ok((key, entries))
                }
                other => Err(reply_err(format!("{other:?}"))),
            })
            .collect::<RedisResult<_>>()?,
        Value::Map(pairs) => pairs,
        other => return Err(reply_err(format!("{other:?}"))),
    };
    for (key, entries) in pairs {
        let key = match key {
            Value::BulkString(bytes) => bytes,
            Value::SimpleString(s) => s.into_bytes(),
            other => return Err(reply_err(format!("{other:?}"))),
        };
        let entries = match entries {
            Value::Array(entries) => entries,
            Value::Nil => Vec::new(),
            other => return Err(reply_err(format!("{other:?}"))),
        };
        match shards
            .iter()
            .position(|s| s.key.as_bytes() == key.as_slice())
        {
            Some(index) => {
                let shard = &shards[index];
                let (count, last) =
                    parse_entries(entries, &shard.stream_key, shard.shard_id, fmt, field, out)?;
                reads.push(ShardRead {
                    index,
                    entries: count,
                    last,
                });
            }
            None => {
                let (stream_key, shard_id) = key_to_shard(&String::from_utf8_lossy(&key))?;
                parse_entries(entries, &stream_key, shard_id, fmt, field, out)?;
            }
        }
    }
    Ok(())
}

/// `name:N` → (`name`, shard N); `name` → (`name`, shard 0).
pub(crate) fn key_to_shard(key: &str) -> RedisResult<(StreamKey, ShardId)> {
    match key.split_once(':') {
        Some((name, n)) => {
            let n: u64 = n
                .parse()
                .map_err(|_| reply_err(format!("Failed to parse `{n}` as u64")))?;
            Ok((StreamKey::new(name)?, ShardId::new(n)))
        }
        None => Ok((StreamKey::new(key)?, ShardId::new(0))),
    }
}

/// Parse `[[id, [field, value, …]], …]`; one message per field equal to `field`.
/// Returns the number of entries and the last id.
pub(crate) fn parse_entries(
    entries: Vec<Value>,
    stream_key: &StreamKey,
    shard_id: ShardId,
    fmt: TimestampFormat,
    field: &str,
    out: &mut Vec<SharedMessage>,
) -> RedisResult<(usize, Option<MessageId>)> {
    let count = entries.len();
    let mut last = None;
    for entry in entries {
        let mut parts = match entry {
            Value::Array(parts) if parts.len() == 2 => parts,
            other => return Err(reply_err(format!("{other:?}"))),
        };
        let fields = parts.pop().expect("len 2");
        let id = parts.pop().expect("len 2");
        let (t, s) = match &id {
            Value::BulkString(b) => parse_id_bytes(b),
            Value::SimpleString(s) => parse_id_bytes(s.as_bytes()),
            _ => None,
        }
        .ok_or_else(|| StreamErr::Backend(RedisErr::MessageId(format!("{id:?}"))))?;
        let (timestamp, sequence) = id_to_header_parts(fmt, t, s)?;
        last = Some((t, s as u16));
        let fields = match fields {
            Value::Array(fields) => fields,
            // an entry deleted while pending: nothing to deliver
            Value::Nil => continue,
            Value::Map(map) => map.into_iter().flat_map(|(k, v)| [k, v]).collect(),
            other => return Err(reply_err(format!("{other:?}"))),
        };
        let mut fields = fields.into_iter();
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            let matches = match &name {
                Value::BulkString(b) => b.as_slice() == field.as_bytes(),
                Value::SimpleString(s) => s == field,
                _ => false,
            };
            if !matches {
                continue;
            }
            let bytes = match value {
                Value::BulkString(bytes) => bytes,
                Value::SimpleString(s) => s.into_bytes(),
                _ => {
                    return Err(StreamErr::Backend(RedisErr::TypeError(
                        "Expected Data".to_owned(),
                    )))
                }
            };
            let length = bytes.len();
            let header = MessageHeader::new(stream_key.clone(), shard_id, sequence, timestamp);
            out.push(SharedMessage::new(header, bytes, 0, length));
        }
    }
    Ok((count, last))
}

/// The last entry id per shard in a read reply, without consuming it (to start the next read
/// while this one is being turned into messages).
pub(crate) fn last_ids(value: &Value, shards: &[ShardState]) -> Vec<(usize, MessageId)> {
    let mut out = Vec::new();
    let mut visit = |key: &Value, entries: &Value| {
        let (Value::BulkString(key), Value::Array(entries)) = (key, entries) else {
            return;
        };
        let Some(Value::Array(last)) = entries.last() else {
            return;
        };
        let Some(Value::BulkString(id)) = last.first() else {
            return;
        };
        if let (Some(index), Some((t, s))) = (
            shards
                .iter()
                .position(|s| s.key.as_bytes() == key.as_slice()),
            parse_id_bytes(id),
        ) {
            if s <= 0xFFFF {
                out.push((index, (t, s as u16)));
            }
        }
    };
    match value {
        Value::Array(items) => {
            for item in items {
                if let Value::Array(kv) = item {
                    if let [key, entries] = kv.as_slice() {
                        visit(key, entries);
                    }
                }
            }
        }
        Value::Map(pairs) => {
            for (key, entries) in pairs {
                visit(key, entries);
            }
        }
        _ => {}
    }
    out
}
