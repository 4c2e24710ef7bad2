//! The bound on what producers may queue for the stdout thread, and the error a send gets
//! when it is reached.
//!
//! Stdout can block (a slow or stopped reader of the pipe): without a bound, producers that
//! do not await their receipts would queue messages without limit. The bound counts the
//! messages (and payload bytes) waiting for the printer; the printer takes them all at once,
//! so at most about twice the bound is held in memory (the batch being printed and the
//! next one).

use crate::StdioErr;
use thiserror::Error;

/// Default of [`QueueLimits::max_messages`]: 100 000 messages (as the Redis producer).
pub const DEFAULT_MAX_QUEUED_MESSAGES: usize = 100_000;
/// Default of [`QueueLimits::max_bytes`]: 64 MiB of payload (as the Redis producer).
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;

/// How much a producer may have waiting for the stdout thread before `send` refuses.
///
/// ```
/// use sea_streamer_stdio::QueueLimits;
///
/// let limits = QueueLimits::default();
/// assert_eq!(limits.max_messages, 100_000);
/// assert_eq!(limits.max_bytes, 64 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Most messages waiting to be printed.
    pub max_messages: usize,
    /// Most payload bytes waiting to be printed. A single message larger than this is
    /// accepted when nothing else waits (so any message can be sent).
    pub max_bytes: usize,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            max_messages: DEFAULT_MAX_QUEUED_MESSAGES,
            max_bytes: DEFAULT_MAX_QUEUED_BYTES,
        }
    }
}

impl QueueLimits {
    /// Whether one more message of `len` bytes fits after `messages` queued messages of
    /// `bytes` bytes in all.
    pub(crate) fn admits(&self, messages: usize, bytes: usize, len: usize) -> bool {
        messages == 0
            || (messages < self.max_messages && bytes.saturating_add(len) <= self.max_bytes)
    }
}

/// Why a send was refused: the stdout thread has [`QueueLimits`] worth of messages
/// waiting (stdout is slow or blocked). Nothing is printed; await earlier receipts (or
/// `flush`) and send again.
///
/// The producer returns it from `send` / `send_to` as
/// `StreamErr::Backend(StdioErr::IoError(e))` where `e.kind()` is
/// [`std::io::ErrorKind::WouldBlock`] and `e.get_ref()` downcasts to this type (a variant of
/// its own would change [`StdioErr`], which upstream code may match exhaustively).
///
/// ```
/// use sea_streamer_stdio::{QueueFull, StdioErr};
///
/// let err: StdioErr = QueueFull { messages: 3, bytes: 30 }.into();
/// match err {
///     StdioErr::IoError(e) => {
///         assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
///         assert!(e.get_ref().unwrap().downcast_ref::<QueueFull>().is_some());
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("the stdout queue is full ({messages} messages, {bytes} bytes waiting to be printed)")]
pub struct QueueFull {
    /// Messages waiting to be printed when the send was refused.
    pub messages: usize,
    /// Their payload bytes.
    pub bytes: usize,
}

impl From<QueueFull> for StdioErr {
    fn from(e: QueueFull) -> Self {
        StdioErr::IoError(std::io::Error::new(std::io::ErrorKind::WouldBlock, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limits() {
        let limits = QueueLimits {
            max_messages: 3,
            max_bytes: 10,
        };
        assert!(limits.admits(0, 0, 100), "an empty queue takes any message");
        assert!(limits.admits(2, 5, 5));
        assert!(!limits.admits(3, 0, 0), "message limit");
        assert!(!limits.admits(1, 6, 5), "byte limit");
        assert!(!limits.admits(1, usize::MAX, 1), "no overflow");
    }
}
