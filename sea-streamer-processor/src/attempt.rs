//! A message after its first attempt failed: back-off, more attempts, then success, dead
//! letter or failure ([`after_failure`], boxed by the runner), and how a message ended.
//!
//! The first attempt is the handler's future alone (`Observed::handle`, in a reusable slot;
//! see the `slot` module), its receipts awaited by the runner through its own clone of the
//! outbox: most messages succeed at once, and what the runner moves and drops per message is
//! kept to that (the whole of a message's handling in one future, returning the message, was
//! about a tenth of the runner's own work on a fast backend in moves and `memcpy` calls).

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

/// What the attempts need besides their message.
pub(crate) struct Shared<'a, H> {
    pub(crate) handler: Observed<H>,
    pub(crate) options: &'a ProcessorOptions,
    pub(crate) dead_letter: Option<&'a dyn DeadLetterSink>,
}

/// The rest of a message whose first attempt failed with `error`: back-off, more attempts
/// (each with a fresh outbox), then success, dead letter or failure.
pub(crate) async fn after_failure<H: Handler>(
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
