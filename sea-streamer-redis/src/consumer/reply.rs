//! Stream replies that arrive as `redis::Value`s (`XREADGROUP`, reads on a cluster or TLS,
//! `XAUTOCLAIM`): walked by [`ValueWalk`] for the one entry parser ([`super::entries`]);
//! payloads are moved out of the reply, not copied.

use super::entries::{Elem, Walk};
use super::shard::ShardState;
use crate::message::parse_id_bytes;
use crate::{MessageId, RedisErr, RedisResult};
use redis::Value;
use sea_streamer_types::{MessageHeader, SharedMessage, StreamErr};

/// Walks a `redis::Value` tree element by element (depth first), taking its strings.
pub(crate) struct ValueWalk {
    /// The elements still to visit, innermost array last.
    stack: Vec<std::vec::IntoIter<Value>>,
}

impl ValueWalk {
    /// Walk `value`.
    pub fn new(value: Value) -> Self {
        Self {
            stack: vec![vec![value].into_iter()],
        }
    }

    fn pop(&mut self) -> Option<Value> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                Some(value) => return Some(value),
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

impl Walk for ValueWalk {
    type Bytes = Vec<u8>;

    fn next(&mut self) -> RedisResult<Elem<Vec<u8>>> {
        Ok(match self.pop() {
            None => return Err(self.shape_err("truncated reply")),
            Some(Value::Nil) => Elem::Nil,
            Some(Value::Array(items)) => {
                let n = items.len();
                self.stack.push(items.into_iter());
                Elem::Array(n)
            }
            Some(Value::Map(pairs)) => {
                let n = pairs.len();
                let flat: Vec<Value> = pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
                self.stack.push(flat.into_iter());
                Elem::Map(n)
            }
            Some(Value::BulkString(bytes)) => Elem::Bytes(bytes),
            Some(Value::SimpleString(s)) => Elem::Bytes(s.into_bytes()),
            Some(_) => Elem::Other,
        })
    }

    fn skip(&mut self) -> RedisResult<()> {
        match self.pop() {
            Some(_) => Ok(()),
            None => Err(self.shape_err("truncated reply")),
        }
    }

    fn slice<'s>(&'s self, bytes: &'s Vec<u8>) -> &'s [u8] {
        bytes
    }

    fn message(&self, header: MessageHeader, payload: Vec<u8>) -> RedisResult<SharedMessage> {
        let length = payload.len();
        Ok(SharedMessage::new(header, payload, 0, length))
    }

    fn shape_err(&self, what: &'static str) -> StreamErr<RedisErr> {
        StreamErr::Backend(RedisErr::StreamReadReply(what.to_owned()))
    }
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
