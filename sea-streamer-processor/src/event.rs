//! [`Event`]: what woke the processor's run loop.

use crate::attempt::Finished;

/// What woke the run loop (the first source ready, in this order).
pub(crate) enum Event<T, M> {
    /// The shutdown deadline passed.
    DeadlinePassed,
    /// A running message's first attempt finished (its receipts included).
    Finished(T),
    /// A message whose first attempt had failed finished.
    Retried(Finished),
    /// The end-of-input signal resolved.
    InputEnded,
    /// The shutdown future resolved.
    Shutdown,
    /// A fetch resolved (`None`: the input has ended and the consumer holds nothing more).
    Fetched(Option<M>),
    /// Nothing is left to wait for.
    Idle,
}
