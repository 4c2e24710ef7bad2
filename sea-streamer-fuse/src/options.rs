//! The opt-in knobs of [`StreamJoin`](crate::StreamJoin): a bound on buffered messages and an
//! idle timeout. The default options are upstream 0.5.2's behaviour (unbounded buffer, a
//! silent aligned key holds output back forever).

use std::num::NonZeroUsize;
use std::time::Duration;

/// Options of a [`StreamJoin`](crate::StreamJoin). `JoinOptions::default()` changes nothing
/// from upstream 0.5.2.
///
/// ```
/// use sea_streamer_fuse::JoinOptions;
/// use std::num::NonZeroUsize;
/// use std::time::Duration;
///
/// let mut options = JoinOptions::default();
/// assert_eq!(options.max_buffered(), None);
/// options
///     .set_max_buffered(NonZeroUsize::new(10_000).unwrap())
///     .set_idle_timeout(Duration::from_secs(5));
/// assert_eq!(options.max_buffered().map(|n| n.get()), Some(10_000));
/// assert_eq!(options.idle_timeout(), Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JoinOptions {
    max_buffered: Option<NonZeroUsize>,
    idle_timeout: Option<Duration>,
}

impl JoinOptions {
    /// The same as `JoinOptions::default()`: no bound, no idle timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bound on buffered messages, if set.
    pub fn max_buffered(&self) -> Option<NonZeroUsize> {
        self.max_buffered
    }

    /// Bound the buffer to `max` messages (back-pressure with forced release).
    ///
    /// While `max` messages are buffered the join pulls nothing more from its input until it
    /// has yielded one; and since its input is one merged stream, the key it is waiting for
    /// may only arrive behind the messages it cannot take, so rather than wait forever it
    /// yields its earliest buffered message without waiting for the aligned keys (a *forced
    /// release*). Memory stays bounded; the price is that a message of a lagging key may now
    /// arrive after a later one was yielded: such a message is *late*, see
    /// [`StreamJoin::on_late`](crate::StreamJoin::on_late).
    pub fn set_max_buffered(&mut self, max: NonZeroUsize) -> &mut Self {
        self.max_buffered = Some(max);
        self
    }

    /// The idle timeout, if set.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// Let a silent aligned key stop holding output back once it is `timeout` behind.
    ///
    /// The clock is the messages' own timestamps (a watermark, no runtime timer): an aligned
    /// key with no buffered message is *idle* when the newest timestamp the join has seen (of
    /// any key) is more than `timeout` after that key's newest message, or, for a key never
    /// seen, after the first message the join saw. An idle key does not hold output back;
    /// it holds it again as soon as one of its messages is buffered. With the timeout set, an
    /// aligned key with nothing buffered also stops holding back messages no later than its
    /// own newest message (its next messages cannot be earlier, each key's messages being in
    /// timestamp order): so old messages that arrive late are not held for a key that is
    /// quiet but not yet idle. A message of an idle key
    /// that is earlier than what was already yielded is *late*, see
    /// [`StreamJoin::on_late`](crate::StreamJoin::on_late).
    pub fn set_idle_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.idle_timeout = Some(timeout);
        self
    }
}
