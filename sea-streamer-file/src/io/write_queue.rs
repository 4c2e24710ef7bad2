//! The bytes a writer has queued for its background thread, and the producer's bound on them.
//!
//! A producer's message counts against the bound from `send` until the writer thread has handed
//! its bytes to the OS (the receipt itself resolves at once: it says the frame is queued). Once
//! `max_queued_messages` messages or `max_queued_bytes` payload bytes are waiting, `send` returns
//! [`FileErr::QueueFull`] and queues nothing. A single message larger than the byte bound is
//! accepted when nothing else is waiting (it could never be written otherwise). Frames written
//! through [`MessageSink`](crate::MessageSink) directly, beacons and the EOS frame are not counted.
//!
//! The queue's storage shrinks back once a backlog has been written: at the writer's next
//! flush, sync, end or idle tick, not between the writes a producer's full batches wake. A
//! buffer given back while the producer keeps filling batches would be grown again at once, and
//! each regrowth touches fresh pages: page faults, which neither instruction counts nor system
//! call counts show and which cost about 6 µs per 4 KiB page on the benchmark VM (as much as
//! encoding the frames written into them).

use crate::error::FileErr;

/// Queued bytes that make a batch: the writer thread is woken to write them.
pub(crate) const BATCH: usize = 1024 * 1024;
/// Default `max_queued_bytes`: 64 MiB of payloads.
pub(crate) const DEFAULT_MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;
/// Default `max_queued_messages`.
pub(crate) const DEFAULT_MAX_QUEUED_MESSAGES: usize = 100_000;
/// A drained buffer whose storage exceeds this many bytes gives the excess back.
pub(crate) const SHRINK_ABOVE: usize = 4 * 1024 * 1024;

/// The bound on what a producer may queue: messages and payload bytes not yet written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueLimits {
    pub max_messages: usize,
    pub max_bytes: usize,
}

impl QueueLimits {
    /// No bound (a [`MessageSink`](crate::MessageSink) used directly).
    pub const UNBOUNDED: Self = Self {
        max_messages: usize::MAX,
        max_bytes: usize::MAX,
    };
}

/// Counted messages and their payload bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count {
    pub messages: usize,
    pub bytes: usize,
}

/// The writer's queue, kept under one lock shared by encoders and the writer thread.
#[derive(Debug)]
pub(crate) struct Pending {
    /// Encoded bytes waiting for the thread.
    pub bytes: Vec<u8>,
    /// Counted messages among `bytes`.
    queued: Count,
    /// Counted messages in the batch the thread is writing now.
    writing: Count,
    limits: QueueLimits,
}

impl Default for Pending {
    fn default() -> Self {
        Self {
            bytes: Vec::new(),
            queued: Count::default(),
            writing: Count::default(),
            limits: QueueLimits::UNBOUNDED,
        }
    }
}

impl Pending {
    /// Set the bound checked by [`Pending::check`].
    pub fn set_limits(&mut self, limits: QueueLimits) {
        self.limits = limits;
    }

    /// Messages and payload bytes not yet handed to the OS.
    pub fn waiting(&self) -> Count {
        Count {
            messages: self.queued.messages + self.writing.messages,
            bytes: self.queued.bytes + self.writing.bytes,
        }
    }

    /// Whether one more message of `payload` bytes fits; `QueueFull` if not.
    pub fn check(&self, payload: usize) -> Result<(), FileErr> {
        let Count { messages, bytes } = self.waiting();
        let over_bytes = messages > 0 && bytes.saturating_add(payload) > self.limits.max_bytes;
        if messages >= self.limits.max_messages || over_bytes {
            return Err(FileErr::QueueFull { messages, bytes });
        }
        Ok(())
    }

    /// Count a message of `payload` bytes just encoded into `bytes`.
    pub fn count(&mut self, payload: usize) {
        self.queued.messages += 1;
        self.queued.bytes += payload;
    }

    /// The thread takes the queued bytes (swapped with `spare`, which must be empty) to write them.
    pub fn take_batch(&mut self, spare: &mut Vec<u8>) {
        std::mem::swap(&mut self.bytes, spare);
        self.writing = std::mem::take(&mut self.queued);
    }

    /// The batch taken last has been written (or dropped): its messages no longer count.
    pub fn batch_done(&mut self) {
        self.writing = Count::default();
    }
}

/// Empty a written batch's buffer for the next swap, giving a large one's storage back (see
/// [`shrink_if_large`]) if `give_back`; else it keeps it for the producer's next batches.
pub(crate) fn recycle(spare: &mut Vec<u8>, give_back: bool) {
    if give_back {
        shrink_if_large(spare);
    } else {
        spare.clear();
    }
}

/// Give a written batch's storage back after a backlog.
pub(crate) fn shrink_if_large(spare: &mut Vec<u8>) {
    spare.clear();
    if spare.capacity() > SHRINK_ABOVE {
        spare.shrink_to(BATCH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_messages_and_bytes() {
        let mut p = Pending::default();
        p.set_limits(QueueLimits {
            max_messages: 3,
            max_bytes: 100,
        });
        p.check(60).expect("room");
        p.count(60);
        let full = p.check(60).expect_err("bytes over the limit");
        assert!(matches!(
            full,
            FileErr::QueueFull {
                messages: 1,
                bytes: 60
            }
        ));
        p.count(20);
        // being written still counts
        let mut spare = Vec::new();
        p.take_batch(&mut spare);
        p.check(20).expect("room");
        p.count(20);
        assert!(p.check(0).is_err(), "messages over the limit");
        p.batch_done();
        assert_eq!(
            p.waiting(),
            Count {
                messages: 1,
                bytes: 20
            }
        );
        p.take_batch(&mut spare);
        p.batch_done();
        // one message larger than the byte limit passes alone
        p.check(1000).expect("alone");
        p.count(1000);
        assert!(p.check(1).is_err());
    }

    #[test]
    fn large_spare_shrinks() {
        let mut spare = vec![0u8; 2 * SHRINK_ABOVE];
        shrink_if_large(&mut spare);
        assert!(spare.is_empty());
        assert!(spare.capacity() <= SHRINK_ABOVE);
        let mut small = Vec::with_capacity(1024);
        small.push(1);
        shrink_if_large(&mut small);
        assert_eq!(small.capacity(), 1024, "normal batches keep their storage");
    }

    #[test]
    fn storage_kept_unless_given_back() {
        let mut spare = vec![0u8; 2 * SHRINK_ABOVE];
        recycle(&mut spare, false);
        assert!(spare.is_empty());
        assert!(
            spare.capacity() >= 2 * SHRINK_ABOVE,
            "kept for the next batches"
        );
        recycle(&mut spare, true);
        assert!(spare.capacity() <= SHRINK_ABOVE, "given back");
    }
}
