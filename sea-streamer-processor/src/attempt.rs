//! One message, start to finish: attempts with back-off, then success, dead letter or
//! failure.
//!
//! The first attempt runs in the message's own future; what follows a failure (back-off
//! sleeps, more attempts, the dead letter) in a future boxed at the first failure. Most
//! messages succeed at once, and the runner moves each message's future at least once: kept
//! to the first attempt, it is about the size of the handler's own future.

use crate::dead_letter::DeadLetterSink;
use crate::observe::Observed;
use crate::{DeadLetter, Handler, HandlerErr, Outbox, ProcessorOptions};
use sea_streamer_types::SharedMessage;

/// How a message ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The handler succeeded and every receipt arrived.
    Processed,
    /// The last attempt failed and the dead letter was delivered.
    DeadLettered,
    /// The last attempt failed with this error, and there is no dead-letter destination.
    Failed(String),
    /// The last attempt failed, and so did delivering the dead letter (this error).
    DeadLetterFailed(String),
}

/// A finished message.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) message: SharedMessage,
    pub(crate) attempts: u32,
    pub(crate) outcome: Outcome,
    /// The outbox of the last attempt, for the runner to reuse.
    pub(crate) outbox: Outbox,
}

/// Handles `message` until it succeeds, fails permanently or runs out of attempts; its
/// first attempt sends through `outbox`.
pub(crate) async fn handle_message<H: Handler>(
    handler: &Observed<H>,
    message: SharedMessage,
    outbox: Outbox,
    options: &ProcessorOptions,
    dead_letter: Option<&dyn DeadLetterSink>,
) -> Finished {
    // the handler, then every receipt of what it sent
    let result = match handler.handle(message.clone(), outbox.clone()).await {
        Ok(()) => outbox.settle().await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Finished {
            message,
            attempts: 1,
            outcome: Outcome::Processed,
            outbox,
        },
        Err(error) => {
            Box::pin(after_failure(
                handler,
                message,
                outbox,
                error,
                options,
                dead_letter,
            ))
            .await
        }
    }
}

/// The rest of a message whose first attempt failed with `error`.
async fn after_failure<H: Handler>(
    handler: &Observed<H>,
    message: SharedMessage,
    mut outbox: Outbox,
    mut error: HandlerErr,
    options: &ProcessorOptions,
    dead_letter: Option<&dyn DeadLetterSink>,
) -> Finished {
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
        // a fresh outbox unless no clone of the failed attempt's is left
        outbox = outbox
            .reuse()
            .unwrap_or_else(|| Outbox::new(options.max_pending_sends()));
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
                    outbox,
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
                Err(e) => Outcome::DeadLetterFailed(e),
            }
        }
        None => Outcome::Failed(error.message().to_owned()),
    };
    Finished {
        message,
        attempts,
        outcome,
        outbox,
    }
}
