//! State shared by a consumer handle and its task, and the messages they exchange.

use crate::message::{from_seq_no, same_key};
use crate::{MessageId, RedisErr, RedisResult};
use futures::channel::oneshot;
use sea_streamer_types::{ShardId, SharedMessage, StreamErr, StreamKey};
use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// An ack waiting to be sent.
#[derive(Debug, Clone)]
pub(crate) struct PendingAck {
    pub stream_key: StreamKey,
    pub shard_id: ShardId,
    pub id: MessageId,
    /// When the ack was recorded (for `AutoCommit::Delayed`).
    pub at: Instant,
}

/// Buffered messages and recorded acks.
#[derive(Debug, Default)]
pub(crate) struct Inner {
    /// Messages received from the task, not yet returned by `next()`.
    pub queue: VecDeque<SharedMessage>,
    /// Batches from an older epoch (before the last seek) are discarded.
    pub epoch: u64,
    /// Acks recorded by `ack()` or by `next()` (Delayed), drained by the task.
    pub acks: Vec<PendingAck>,
    /// Per shard, the id of the last message `next()` returned (the start position before
    /// the first one): what a non-group consumer's lag counts from.
    pub positions: Vec<(StreamKey, ShardId, MessageId)>,
}

impl Inner {
    /// `next()` returns `msg`: its shard's position moves to it (inlined into `next()`, once
    /// per message; a shard's first message takes the out-of-line path).
    #[inline]
    pub fn taken(&mut self, msg: &SharedMessage) {
        let header = msg.header();
        let id = from_seq_no(*header.sequence());
        let (key, shard) = (header.stream_key(), header.shard_id());
        match self
            .positions
            .iter_mut()
            .find(|(k, s, _)| s == shard && same_key(k, key))
        {
            Some(position) => position.2 = id,
            None => self.first_taken(key, *shard, id),
        }
    }

    #[cold]
    fn first_taken(&mut self, key: &StreamKey, shard: ShardId, id: MessageId) {
        self.positions.push((key.clone(), shard, id));
    }
}

/// Shared between [`super::RedisConsumer`] and its task.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Number of `next()` calls waiting for a read (on-demand mode).
    pub demand: AtomicUsize,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panic while holding the lock leaves consistent data: recover it
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// From the task to the handle.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// A batch read after the seek numbered `epoch`.
    Messages {
        epoch: u64,
        messages: Vec<SharedMessage>,
    },
    /// A fatal error; the task ends after sending it.
    Error(StreamErr<RedisErr>),
}

/// From the handle to the task.
#[derive(Debug)]
pub(crate) enum Ctrl {
    /// A `next()` is waiting (on-demand mode).
    Demand,
    /// Send every recorded ack now.
    Commit(Option<oneshot::Sender<RedisResult<()>>>),
    /// Read the given shards with `XREAD` from `to` on; answers with the new epoch.
    Seek {
        to: MessageId,
        shards: Vec<(StreamKey, ShardId)>,
        reply: oneshot::Sender<RedisResult<u64>>,
    },
    /// Flush acks and stop.
    End(oneshot::Sender<()>),
}
