//! The shutdown scenario on any backend: a shutdown with 1,000 messages in flight
//! ends within its deadline; the messages that could finish are processed, the 1,000 are
//! abandoned. That the committed position is exactly the processed prefix, each backend
//! checks its own way.

use super::{until, WAIT};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions, Summary};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{Acknowledge, SharedMessage};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The input of the scenario: `lanes` lanes (streams or partitions) of `done` messages that
/// can finish followed by `stuck` from the first one that never finishes.
#[derive(Debug, Clone, Copy)]
pub struct Stuck {
    /// Lanes in the input.
    pub lanes: u64,
    /// Per lane, the messages that can finish.
    pub done: u64,
    /// Per lane, the messages from the first that never finishes.
    pub stuck: u64,
}

/// Runs `consumer` at concurrency 8 with up to 1,000 messages in flight and a 1 s shutdown
/// deadline (and commits every `commit_interval`, if given); a message for which `is_stuck`
/// holds never finishes. Shuts down once 1,000 are in flight with the head of every lane
/// stuck, and checks that the run ended by its deadline with the others processed.
pub async fn shutdown_with_a_thousand_in_flight<C>(
    consumer: &C,
    input: Stuck,
    is_stuck: fn(&SharedMessage) -> bool,
    commit_interval: Option<Duration>,
) -> Summary
where
    C: Acknowledge,
    C::Error: 'static,
{
    assert_eq!(input.lanes * input.stuck, 1000, "1,000 stuck messages");
    let blocked = Arc::new(AtomicUsize::new(0));
    let handler = {
        let blocked = blocked.clone();
        move |message: SharedMessage, _: Outbox| {
            let blocked = blocked.clone();
            async move {
                if is_stuck(&message) {
                    blocked.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(8)
        .set_max_in_flight(1000)
        .set_shutdown_deadline(Duration::from_secs(1));
    if let Some(interval) = commit_interval {
        options.set_commit_interval(interval);
    }
    let processor = Processor::new(consumer, handler, options);
    let progress = processor.progress();
    // Stop once everything that can finish did and 1,000 messages are in flight: the head
    // of every lane is stuck, with the rest of it queued behind.
    let shutdown = {
        let blocked = blocked.clone();
        until(progress, move |s| {
            s.in_flight() == 1000 && blocked.load(Ordering::SeqCst) == input.lanes as usize
        })
    };
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the deadline ends the run")
        .unwrap();
    assert_eq!(summary.processed, input.lanes * input.done);
    assert_eq!(summary.abandoned, 1000);
    assert_eq!(summary.fetched, input.lanes * (input.done + input.stuck));
    summary
}
