//! [`Handler`]: the work of a processor, one message at a time.

use crate::{HandlerErr, Outbox};
use sea_streamer_types::SharedMessage;
use std::future::Future;

/// Handles one message: `Ok` once it is processed, or a [`HandlerErr`] (transient: retried;
/// permanent: dead-lettered at once). What it sends goes through the [`Outbox`], so the
/// message is acknowledged only after those sends are delivered.
///
/// Every `Fn(SharedMessage, Outbox) -> impl Future<Output = Result<(), HandlerErr>>` is a
/// handler; a struct can implement the trait for more state.
///
/// Handlers run concurrently on the runner's task (their futures are polled together, not
/// spawned): a handler that computes for long should move that work to a blocking thread
/// (e.g. `sea_streamer_runtime::spawn_blocking`).
///
/// ```
/// use sea_streamer_processor::{Handler, HandlerErr, Outbox};
/// use sea_streamer_types::{Buffer, Message, SharedMessage};
///
/// fn check<H: Handler>(_: &H) {}
///
/// check(&|message: SharedMessage, _outbox: Outbox| async move {
///     let text = message.message().as_str().map_err(HandlerErr::permanent)?.to_owned();
///     log::info!("got {text}");
///     Ok::<(), HandlerErr>(())
/// });
/// ```
pub trait Handler: Send + Sync {
    /// Handles `message`, sending through `outbox`.
    fn handle(
        &self,
        message: SharedMessage,
        outbox: Outbox,
    ) -> impl Future<Output = Result<(), HandlerErr>> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(SharedMessage, Outbox) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), HandlerErr>> + Send,
{
    fn handle(
        &self,
        message: SharedMessage,
        outbox: Outbox,
    ) -> impl Future<Output = Result<(), HandlerErr>> + Send {
        self(message, outbox)
    }
}
