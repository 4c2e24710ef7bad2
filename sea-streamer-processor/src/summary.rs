//! [`Summary`] of a run and its live counters, [`Progress`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a processor did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Messages fetched from the consumer.
    pub fetched: u64,
    /// Messages handled successfully (and acknowledged).
    pub processed: u64,
    /// Attempts that were retries (a message handled at its 3rd attempt counts 2).
    pub retried: u64,
    /// Messages that went to the dead-letter destination (and were acknowledged).
    pub dead_lettered: u64,
    /// Messages that failed their last attempt with no dead-letter destination, or whose
    /// dead letter could not be delivered (not acknowledged; the processor stopped).
    pub failed: u64,
    /// Messages fetched and not finished when the shutdown deadline passed (not
    /// acknowledged: a restarted consumer gets them again).
    pub abandoned: u64,
}

impl Summary {
    /// Messages fetched and not finished.
    pub fn in_flight(&self) -> u64 {
        self.fetched - self.processed - self.dead_lettered - self.failed - self.abandoned
    }
}

/// Live counters of a running processor, readable from another task
/// ([`Processor::progress`](crate::Processor::progress)).
#[derive(Debug, Default, Clone)]
pub struct Progress {
    counters: Arc<[AtomicU64; 6]>,
}

/// Indexes into the counters.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    Fetched,
    Processed,
    Retried,
    DeadLettered,
    Failed,
    Abandoned,
}

impl Progress {
    /// The counters now.
    pub fn snapshot(&self) -> Summary {
        let get = |c: Count| self.counters[c as usize].load(Ordering::Acquire);
        Summary {
            fetched: get(Count::Fetched),
            processed: get(Count::Processed),
            retried: get(Count::Retried),
            dead_lettered: get(Count::DeadLettered),
            failed: get(Count::Failed),
            abandoned: get(Count::Abandoned),
        }
    }

    #[inline]
    pub(crate) fn add(&self, count: Count, n: u64) {
        self.counters[count as usize].fetch_add(n, Ordering::AcqRel);
    }
}
