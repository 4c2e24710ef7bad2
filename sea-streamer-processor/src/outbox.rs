//! [`Outbox`]: how a handler sends, and how the runner learns that what it sent arrived.
//!
//! The receipts wait in the outbox's queue and are polled where they are (no copy, no
//! wrapper future). Each one sits in a heap slot that outlives it: once a receipt resolved,
//! its slot is kept and takes the next receipt of the same producer type, and the runner
//! gives the whole outbox to its next message when no clone of it is left. A send therefore
//! allocates nothing once the runner is warm (a boxed receipt per send was a fifth of what
//! the runner added to a hand-written loop on a file, by instruction counts).

use crate::HandlerErr;
use sea_streamer_types::{Buffer, Producer, Receipt, StreamKey, StreamResult};
use std::any::Any;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// Empty receipt slots an outbox keeps for its next sends.
const SPARE_SLOTS: usize = 16;

/// The place of one pending receipt, of one producer's receipt type.
trait ReceiptSlot: Send {
    /// Polls the receipt in place; once it resolved the slot is empty (an empty slot is
    /// ready). The error comes as text, so that every backend's receipts queue together.
    fn poll_receipt(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), String>>;

    /// Takes the receipt out of `receipt` (an `Option` of a receipt type behind `dyn Any`)
    /// into this empty slot, if it is of this slot's type.
    fn refill(self: Pin<&mut Self>, receipt: &mut dyn Any) -> bool;
}

impl<F, E> ReceiptSlot for Option<F>
where
    F: Future<Output = StreamResult<Receipt, E>> + Send + 'static,
    E: std::error::Error,
{
    fn poll_receipt(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), String>> {
        let Some(receipt) = self.as_mut().as_pin_mut() else {
            return Poll::Ready(Ok(()));
        };
        let result = std::task::ready!(receipt.poll(cx));
        self.set(None);
        Poll::Ready(result.map(drop).map_err(|e| e.to_string()))
    }

    fn refill(mut self: Pin<&mut Self>, receipt: &mut dyn Any) -> bool {
        match receipt.downcast_mut::<Option<F>>() {
            Some(receipt) => {
                self.set(receipt.take());
                true
            }
            None => false,
        }
    }
}

/// A slot on the heap: it stays where it is while its receipt is polled.
type Slot = Pin<Box<dyn ReceiptSlot>>;

/// A slot of a known receipt type.
type TypedSlot<F> = Pin<Box<Option<F>>>;

/// What an outbox holds.
#[derive(Default)]
struct State {
    /// Receipts in the order of their sends.
    pending: VecDeque<Slot>,
    /// A receipt that had failed already when it was sent, with nothing pending before it:
    /// the oldest of all, resolved.
    failed: Option<String>,
    /// Empty slots for the next sends.
    spare: Vec<Slot>,
    /// An empty [`TypedSlot`] of the last receipt type that resolved at once: a receipt of
    /// that type, with nothing pending, is polled there without a virtual call.
    hot: Option<Box<dyn Any + Send>>,
}

impl State {
    /// Receipts not waited for yet, a failure already known included.
    #[inline]
    fn unsettled(&self) -> usize {
        self.pending.len() + usize::from(self.failed.is_some())
    }

    /// Keeps `slot`, whose receipt resolved, for a later send.
    #[inline]
    fn put_back(&mut self, slot: Slot) {
        if self.spare.len() < SPARE_SLOTS {
            self.spare.push(slot);
        }
    }

    /// Polls the oldest receipts until at most `keep` are unsettled; the first failure.
    fn poll_until(&mut self, keep: usize, cx: &mut Context<'_>) -> Poll<Result<(), HandlerErr>> {
        if keep < self.unsettled() {
            if let Some(error) = self.failed.take() {
                return Poll::Ready(Err(HandlerErr::transient(error)));
            }
        }
        while self.pending.len() > keep {
            let Some(oldest) = self.pending.front_mut() else {
                break;
            };
            let result = std::task::ready!(oldest.as_mut().poll_receipt(cx));
            if let Some(slot) = self.pending.pop_front() {
                self.put_back(slot);
            }
            result.map_err(HandlerErr::transient)?;
        }
        Poll::Ready(Ok(()))
    }

    /// Queues `receipt` in a spare slot of its type or a new one. With nothing pending before
    /// it, it is polled once in place: a receipt that resolved at once (e.g. a file's) leaves
    /// its slot spare and nothing pending.
    fn keep<F, E>(&mut self, receipt: F, cx: &mut Context<'_>)
    where
        F: Future<Output = StreamResult<Receipt, E>> + Send + 'static,
        E: std::error::Error,
    {
        if self.pending.is_empty() {
            let hot = self.hot.as_mut();
            if let Some(slot) = hot.and_then(|h| h.downcast_mut::<TypedSlot<F>>()) {
                slot.set(Some(receipt));
                let polled = match slot.as_mut().as_pin_mut() {
                    Some(receipt) => receipt.poll(cx),
                    None => return,
                };
                match polled {
                    Poll::Ready(result) => {
                        slot.set(None);
                        if let Err(error) = result {
                            self.failed.get_or_insert(error.to_string());
                        }
                    }
                    Poll::Pending => {
                        // it waits: queued in its slot, which is no longer spare
                        if let Some(Ok(slot)) =
                            self.hot.take().map(|h| h.downcast::<TypedSlot<F>>())
                        {
                            self.pending.push_back(*slot);
                        }
                    }
                }
                return;
            }
        }
        let receipt = &mut Some(receipt);
        let spare = self
            .spare
            .iter_mut()
            .rposition(|slot| slot.as_mut().refill(receipt));
        let mut slot: Slot = match spare {
            Some(i) => self.spare.swap_remove(i),
            None => Box::pin(receipt.take()),
        };
        if self.pending.is_empty() {
            if let Poll::Ready(result) = slot.as_mut().poll_receipt(cx) {
                if let Err(error) = result {
                    self.failed.get_or_insert(error);
                }
                self.put_back(slot);
                // this type resolves at once: the next one of it goes to a typed slot
                self.hot = Some(Box::new(Box::pin(None::<F>)));
                return;
            }
        }
        self.pending.push_back(slot);
    }
}

/// The sends of one attempt at handling a message.
///
/// A handler sends through its `Outbox` instead of calling the producer itself: the outbox
/// keeps every receipt, and the runner acknowledges the input message only once the
/// handler returned `Ok` **and** every receipt succeeded (a failed receipt fails the
/// attempt, which is then retried like a handler error). Producers of any backend can be
/// mixed. At most [`max_pending_sends`](crate::ProcessorOptions::set_max_pending_sends)
/// receipts are left pending: beyond that, `send` first waits for the oldest one.
///
/// Sends of a failed attempt are not taken back: a retried message may produce its output
/// twice (at-least-once).
///
/// ```
/// use sea_streamer_processor::{HandlerErr, Outbox};
/// use sea_streamer_types::{Buffer, Message, Producer, SharedMessage, StreamKey};
///
/// async fn shout<P: Producer>(
///     producer: &P,
///     output: &StreamKey,
///     message: SharedMessage,
///     outbox: Outbox,
/// ) -> Result<(), HandlerErr>
/// where
///     P::SendFuture: Send + 'static,
/// {
///     let text = message.message().as_str().map_err(HandlerErr::permanent)?.to_uppercase();
///     outbox.send(producer, output, text.as_str()).await
/// }
/// ```
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
    max_pending: usize,
}

/// What the clones of an outbox share.
struct Inner {
    state: Mutex<State>,
    /// `state.unsettled()`, stored after every change under the lock: the runner reads it
    /// without locking to skip waiting when nothing is pending (most messages).
    unsettled: AtomicUsize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("pending", &self.pending())
            .field("max_pending", &self.max_pending)
            .finish()
    }
}

impl Outbox {
    /// An empty outbox that lets `max_pending` receipts wait.
    pub(crate) fn new(max_pending: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                unsettled: AtomicUsize::new(0),
            }),
            max_pending: max_pending.max(1),
        }
    }

    /// Sends `payload` to `stream` with `producer` and keeps the receipt for the runner.
    /// Fails (transiently) if the producer refuses the send, or if waiting for an older
    /// receipt (when too many are pending) shows that it failed.
    pub async fn send<P, B>(
        &self,
        producer: &P,
        stream: &StreamKey,
        payload: B,
    ) -> Result<(), HandlerErr>
    where
        P: Producer,
        P::SendFuture: Send + 'static,
        B: Buffer,
    {
        // One lock for the whole send (the producer's `send_to` does not wait): room first,
        // then the send, then its receipt kept.
        let mut payload = Some(payload);
        poll_fn(|cx| {
            self.with_state(|state| {
                if state.unsettled() >= self.max_pending {
                    std::task::ready!(state.poll_until(self.max_pending - 1, cx))?;
                }
                if let Some(payload) = payload.take() {
                    state.keep(producer.send_to(stream, payload)?, cx);
                }
                Poll::Ready(Ok(()))
            })
        })
        .await
    }

    /// How many receipts are pending (sent and not resolved, or resolved with an error the
    /// runner has not seen yet).
    pub fn pending(&self) -> usize {
        self.lock().unsettled()
    }

    /// Waits for every pending receipt, oldest first (also those a clone of the outbox sends
    /// meanwhile); the first failure fails the attempt.
    pub(crate) fn settle(&self) -> impl Future<Output = Result<(), HandlerErr>> + Send + '_ {
        poll_fn(|cx| self.with_state(|state| state.poll_until(0, cx)))
    }

    /// [`settle`](Self::settle) as a poll: ready at once, without locking, when nothing is
    /// pending.
    pub(crate) fn poll_settle(&self, cx: &mut Context<'_>) -> Poll<Result<(), HandlerErr>> {
        if self.settled() {
            return Poll::Ready(Ok(()));
        }
        self.with_state(|state| state.poll_until(0, cx))
    }

    /// Whether nothing is pending (no receipt, no failure not seen yet): [`settle`](Self::settle)
    /// would resolve at once with `Ok`. Read without locking.
    #[inline]
    pub(crate) fn settled(&self) -> bool {
        self.inner.unsettled.load(Ordering::Acquire) == 0
    }

    /// This outbox, emptied, for another attempt, unless a clone of it is still around
    /// (which could still send through it).
    #[inline]
    pub(crate) fn reuse(mut self) -> Option<Self> {
        let inner = Arc::get_mut(&mut self.inner)?;
        // receipts a failed attempt did not wait for are dropped, as with a new outbox
        if *inner.unsettled.get_mut() > 0 {
            let state = inner
                .state
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner);
            state.pending.clear();
            state.failed = None;
            *inner.unsettled.get_mut() = 0;
        }
        Some(self)
    }

    #[inline]
    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the locked state, then stores how many receipts are unsettled.
    #[inline]
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.lock();
        let out = f(&mut state);
        self.inner
            .unsettled
            .store(state.unsettled(), Ordering::Release);
        out
    }
}
