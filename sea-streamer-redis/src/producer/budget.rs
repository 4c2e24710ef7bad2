//! The producer's budget: messages and payload bytes sent and not yet answered by Redis,
//! against `max_queued_messages` / `max_queued_bytes` (see [`super::queue`]).

use crate::{RedisErr, RedisResult};
use sea_streamer_types::StreamErr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Messages and payload bytes sent and not yet answered, and their limits.
#[derive(Debug)]
pub(crate) struct Budget {
    messages: AtomicUsize,
    bytes: AtomicUsize,
    max_messages: usize,
    max_bytes: usize,
}

/// One message's share of the [`Budget`], given back when dropped (its receipt resolved).
#[derive(Debug)]
pub(crate) struct Reserved {
    budget: Arc<Budget>,
    bytes: usize,
}

impl Budget {
    pub fn new(max_messages: usize, max_bytes: usize) -> Arc<Self> {
        Arc::new(Self {
            messages: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            max_messages: max_messages.max(1),
            max_bytes,
        })
    }

    /// Take room for one message of `bytes`, or fail with `QueueFull`.
    pub fn reserve(self: &Arc<Self>, bytes: usize) -> RedisResult<Reserved> {
        let messages = self.messages.fetch_add(1, Ordering::AcqRel);
        let queued = self.bytes.fetch_add(bytes, Ordering::AcqRel);
        let over_bytes = messages > 0 && queued + bytes > self.max_bytes;
        if messages >= self.max_messages || over_bytes {
            self.messages.fetch_sub(1, Ordering::AcqRel);
            self.bytes.fetch_sub(bytes, Ordering::AcqRel);
            return Err(StreamErr::Backend(RedisErr::QueueFull {
                messages,
                bytes: queued,
            }));
        }
        Ok(Reserved {
            budget: self.clone(),
            bytes,
        })
    }

    /// Messages counted now (for tests).
    #[cfg(test)]
    pub fn messages(&self) -> usize {
        self.messages.load(Ordering::Acquire)
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.budget.messages.fetch_sub(1, Ordering::AcqRel);
        self.budget.bytes.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}
