//! One message, start to finish: attempts with back-off, then success, dead letter or
//! failure.
//!
//! The first attempt runs in the message's own future; what follows a failure (back-off
//! sleeps, more attempts, the dead letter) in a future boxed at the first failure. Most
//! messages succeed at once, and the runner moves each message's future at least once: kept
//! to the first attempt, it is about the size of the handler's own future. What the runner
//! moves per message (the future's arguments, [`Finished`]) is kept under 128 bytes, which
//! the compiler copies inline (a larger value went through a `memcpy` call, four of them per
//! message, about a tenth of the runner's own work on a fast backend).

use crate::dead_letter::DeadLetterSink;
use crate::observe::Observed;
use crate::{DeadLetter, Handler, HandlerErr, Outbox, ProcessorOptions};
use sea_streamer_types::SharedMessage;

/// How a message ended (the errors boxed: they are rare, and this is moved per message).
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The handler succeeded and every receipt arrived.
    Processed,
    /// The last attempt failed and the dead letter was delivered.
    DeadLettered,
    /// The last attempt failed with this error, and there is no dead-letter destination.
    Failed(Box<str>),
    /// The last attempt failed, and so did delivering the dead letter (this error).
    DeadLetterFailed(Box<str>),
}

/// A finished message.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) message: SharedMessage,
    pub(crate) attempts: u32,
    pub(crate) outcome: Outcome,
}

/// What every message's future needs besides its message (one reference to it keeps the
/// future's arguments small).
pub(crate) struct Shared<'a, H> {
    pub(crate) handler: Observed<H>,
    pub(crate) options: &'a ProcessorOptions,
    pub(crate) dead_letter: Option<&'a dyn DeadLetterSink>,
}

/// Handles `message` until it succeeds, fails permanently or runs out of attempts; its
/// first attempt sends through `outbox` (a clone of the runner's, which the runner reuses
/// for a later message once this future is dropped).
pub(crate) async fn handle_message<H: Handler>(
    shared: &Shared<'_, H>,
    message: SharedMessage,
    outbox: Outbox,
) -> Finished {
    // The handler (observed as `Observed::handle` does, without a future of its own: one
    // layer less to poll, move and drop per message), then every receipt of what it sent.
    let observed = &shared.handler;
    let timing = observed.timing(&message);
    let result = match observed.scope(&message) {
        None => {
            observed
                .inner()
                .handle(message.clone(), outbox.clone())
                .await
        }
        Some(context) => {
            observed
                .traced(message.clone(), outbox.clone(), context)
                .await
        }
    };
    Observed::<H>::timed(timing);
    let result = match result {
        Ok(()) => outbox.settle().await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Finished {
            message,
            attempts: 1,
            outcome: Outcome::Processed,
        },
        Err(error) => Box::pin(after_failure(shared, message, error)).await,
    }
}

/// The rest of a message whose first attempt failed with `error`.
async fn after_failure<H: Handler>(
    shared: &Shared<'_, H>,
    message: SharedMessage,
    mut error: HandlerErr,
) -> Finished {
    let Shared {
        handler,
        options,
        dead_letter,
    } = shared;
    let mut delays = options.retry_delays();
    let mut attempts = 1;
    let error = loop {
        if error.is_permanent() {
            break error;
        }
        let Some(delay) = delays.next() else {
            break error;
        };
        log::debug!(
            "attempt {attempts} at {:?} failed ({error}); retrying in {delay:?}",
            message.header()
        );
        sea_streamer_runtime::sleep(delay).await;
        // a fresh outbox: the failed attempt's receipts are not waited for
        let outbox = Outbox::new(options.max_pending_sends());
        attempts += 1;
        let result = match handler.handle(message.clone(), outbox.clone()).await {
            Ok(()) => outbox.settle().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                return Finished {
                    message,
                    attempts,
                    outcome: Outcome::Processed,
                }
            }
            Err(e) => error = e,
        }
    };
    let outcome = match dead_letter {
        Some(sink) => {
            let letter = DeadLetter::new(&message, attempts, error.message());
            log::warn!(
                "{:?} failed after {attempts} attempt(s) ({error}): dead-lettered",
                message.header()
            );
            match sink.deliver(letter.to_json()).await {
                Ok(()) => Outcome::DeadLettered,
                Err(e) => Outcome::DeadLetterFailed(e.into()),
            }
        }
        None => Outcome::Failed(error.message().into()),
    };
    Finished {
        message,
        attempts,
        outcome,
    }
}
