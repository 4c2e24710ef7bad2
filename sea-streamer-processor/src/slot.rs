//! The heap places of the messages' first attempts: a [`Slot`] is reused by the next message
//! once its attempt finished (a box per message was an allocation and a copy of the whole
//! future into it), and [`InSlot`] is a message waiting in the run loop's set of running
//! messages: for its attempt's future, then for the receipts of what it sent.

use crate::observe::{timed, Timing};
use crate::{HandlerErr, Outbox};
use sea_streamer_types::SharedMessage;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The heap place of one message's first attempt.
pub(crate) type Slot<F> = Pin<Box<Option<F>>>;

/// A running message: its first attempt in its slot (emptied once it resolved), the runner's
/// clone of the outbox it sends through, and the message. Resolves once the attempt failed,
/// or once it succeeded and every receipt arrived (or one failed), giving everything back.
pub(crate) struct InSlot<F> {
    slot: Option<Slot<F>>,
    parts: Option<(Outbox, SharedMessage)>,
    /// The attempt's duration, if it is timed.
    timing: Timing,
}

/// What an [`InSlot`] gives back: how the first attempt went (its receipts included), the
/// emptied slot, the outbox and the message.
pub(crate) type Done<F> = (
    Result<(), HandlerErr>,
    Option<Slot<F>>,
    Outbox,
    SharedMessage,
);

impl<F> InSlot<F> {
    /// A message whose attempt (in `slot`, `timing` it) waits.
    pub(crate) fn new(
        slot: Slot<F>,
        outbox: Outbox,
        message: SharedMessage,
        timing: Timing,
    ) -> Self {
        Self {
            slot: Some(slot),
            parts: Some((outbox, message)),
            timing,
        }
    }

    /// A message whose attempt succeeded and whose receipts wait.
    pub(crate) fn settling(outbox: Outbox, message: SharedMessage) -> Self {
        Self {
            slot: None,
            parts: Some((outbox, message)),
            timing: None,
        }
    }
}

impl<F: Future<Output = Result<(), HandlerErr>>> Future for InSlot<F> {
    type Output = Done<F>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some((outbox, _)) = this.parts.as_ref() else {
            return Poll::Pending; // polled after it completed: never resolves again
        };
        let mut result = Ok(());
        if let Some(slot) = this.slot.as_mut() {
            if let Some(attempt) = slot.as_mut().as_pin_mut() {
                result = std::task::ready!(attempt.poll(cx));
                slot.set(None);
                timed(this.timing.take());
            }
        }
        if result.is_ok() {
            result = std::task::ready!(outbox.poll_settle(cx));
        }
        match this.parts.take() {
            Some((outbox, message)) => Poll::Ready((result, this.slot.take(), outbox, message)),
            None => Poll::Pending,
        }
    }
}
