//! [`Outbox`]: how a handler sends, and how the runner learns that what it sent arrived.

use crate::HandlerErr;
use futures::future::BoxFuture;
use futures::FutureExt;
use sea_streamer_types::{Buffer, Producer, Receipt, StreamKey};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A pending receipt, its error already turned into text.
type PendingReceipt = BoxFuture<'static, Result<Receipt, String>>;

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
    state: Arc<Mutex<VecDeque<PendingReceipt>>>,
    max_pending: usize,
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
            state: Arc::new(Mutex::new(VecDeque::new())),
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
        loop {
            let oldest = {
                let mut pending = self.lock();
                if pending.len() < self.max_pending {
                    break;
                }
                pending.pop_front()
            };
            let Some(oldest) = oldest else { break };
            oldest.await.map_err(HandlerErr::transient)?;
        }
        let receipt = producer.send_to(stream, payload)?;
        let receipt = receipt.map(|r| r.map_err(|e| e.to_string())).boxed();
        self.lock().push_back(receipt);
        Ok(())
    }

    /// How many receipts are pending.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// Waits for every pending receipt; the first failure fails the attempt.
    pub(crate) async fn settle(&self) -> Result<usize, HandlerErr> {
        let mut settled = 0;
        loop {
            // all pending at once (one lock); a clone of the outbox may still have sent more
            let receipts = std::mem::take(&mut *self.lock());
            if receipts.is_empty() {
                return Ok(settled);
            }
            for receipt in receipts {
                receipt.await.map_err(HandlerErr::transient)?;
                settled += 1;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<PendingReceipt>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
