//! The heap places of the messages' futures: a [`Slot`] is reused by the next message once
//! its future finished (a box per message was an allocation and a copy of the whole future
//! into it), and [`InSlot`] is a slot waiting in the run loop's set of running messages.

use crate::Outbox;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The heap place of one message's future.
pub(crate) type Slot<F> = Pin<Box<Option<F>>>;

/// A message's future in its slot, with the runner's clone of its outbox, while it waits in
/// the run loop's set of running messages; gives the slot back, emptied, and the outbox with
/// the result.
pub(crate) struct InSlot<F>(pub(crate) Option<(Slot<F>, Outbox)>);

impl<F: Future> Future for InSlot<F> {
    type Output = (F::Output, Slot<F>, Outbox);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((slot, _)) = self.0.as_mut() else {
            return Poll::Pending; // polled after it completed: never resolves again
        };
        let Some(future) = slot.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let output = std::task::ready!(future.poll(cx));
        slot.set(None);
        match self.0.take() {
            Some((slot, outbox)) => Poll::Ready((output, slot, outbox)),
            None => Poll::Pending,
        }
    }
}
