//! One message, start to finish: attempts with back-off, then success, dead letter or
//! failure.

use crate::dead_letter::DeadLetterSink;
use crate::{DeadLetter, Handler, Outbox, ProcessorOptions};
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
}

/// Handles `message` until it succeeds, fails permanently or runs out of attempts.
pub(crate) async fn handle_message<H: Handler>(
    handler: &H,
    message: SharedMessage,
    options: &ProcessorOptions,
    dead_letter: Option<&dyn DeadLetterSink>,
) -> Finished {
    // built at the first failure: most messages succeed at once
    let mut delays = None;
    let mut attempts = 0;
    let error = loop {
        attempts += 1;
        let outbox = Outbox::new(options.max_pending_sends());
        let result = match handler.handle(message.clone(), outbox.clone()).await {
            Ok(()) => outbox.settle().await.map(drop),
            Err(e) => Err(e),
        };
        let error = match result {
            Ok(()) => {
                return Finished {
                    message,
                    attempts,
                    outcome: Outcome::Processed,
                }
            }
            Err(e) if e.is_permanent() => break e,
            Err(e) => e,
        };
        let Some(delay) = delays.get_or_insert_with(|| options.retry_delays()).next() else {
            break error;
        };
        log::debug!(
            "attempt {attempts} at {:?} failed ({error}); retrying in {delay:?}",
            message.header()
        );
        sea_streamer_runtime::sleep(delay).await;
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
    }
}
