//! Raw `XREAD` replies (RESP2 bytes) of the fast path, turned straight into messages that
//! share the reply buffer: no `redis::Value`, no allocation per field. [`RawWalk`] walks the
//! bytes for the one entry parser ([`super::entries`]).

use super::entries::{parse_streams, Elem, EntryRules, ShardRead, Walk};
use super::resp::{Cursor, Item, RespError};
use super::shard::ShardState;
use crate::{RedisErr, RedisResult};
use sea_streamer_types::{MessageHeader, SharedMessage, StreamErr};
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

/// Walks one complete reply (as found by a [`super::resp::Scanner`]) held in a shared buffer;
/// its strings are ranges of that buffer.
pub(crate) struct RawWalk<'a> {
    cursor: Cursor<'a>,
    buf: &'a Arc<Vec<u8>>,
}

impl<'a> RawWalk<'a> {
    /// Walk the reply in `buf`.
    pub fn new(buf: &'a Arc<Vec<u8>>) -> Self {
        Self {
            cursor: Cursor::new(buf),
            buf,
        }
    }
}

impl Walk for RawWalk<'_> {
    /// `(start, len)` in the buffer.
    type Bytes = (usize, usize);

    // inlined into the entry parser: a call per element cost 18 instructions
    #[inline]
    fn next(&mut self) -> RedisResult<Elem<(usize, usize)>> {
        Ok(match self.cursor.next_item().map_err(reply_err)? {
            Item::Nil => Elem::Nil,
            Item::Array(n) => Elem::Array(n),
            Item::Bytes { start, len } => Elem::Bytes((start, len)),
            Item::Error { .. } | Item::Int(_) => Elem::Other,
        })
    }

    #[inline]
    fn skip(&mut self) -> RedisResult<()> {
        self.cursor.skip().map_err(reply_err)
    }

    #[inline]
    fn slice<'s>(&'s self, &(start, len): &'s (usize, usize)) -> &'s [u8] {
        self.cursor.bytes(start, len)
    }

    #[inline]
    fn message(
        &self,
        header: MessageHeader,
        (start, len): (usize, usize),
    ) -> RedisResult<SharedMessage> {
        // the range is inside the buffer (the cursor checked it): only a reply over 4 GiB fails
        SharedMessage::try_from_shared(header, self.buf.clone(), start, len)
            .map_err(|_| self.shape_err("reply larger than 4 GiB"))
    }

    fn shape_err(&self, what: &'static str) -> StreamErr<RedisErr> {
        reply_err(RespError {
            at: self.cursor.pos,
            what,
        })
    }
}

/// Parse one complete `XREAD` reply held in `buf` (as found by a [`super::resp::Scanner`]).
pub(crate) fn parse_xread(
    buf: &Arc<Vec<u8>>,
    shards: &[ShardState],
    rules: &mut EntryRules,
    out: &mut Vec<SharedMessage>,
) -> RedisResult<XreadReply> {
    let mut peek = Cursor::new(buf);
    if let Ok(Item::Error { start, len }) = peek.next_item() {
        let line = String::from_utf8_lossy(peek.bytes(start, len)).into_owned();
        return Ok(XreadReply::ServerError(line));
    }
    let mut reads = Vec::with_capacity(shards.len());
    parse_streams(&mut RawWalk::new(buf), shards, rules, out, &mut reads)?;
    Ok(XreadReply::Read(reads))
}
