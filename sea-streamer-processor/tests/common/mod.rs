//! Helpers shared by the processor's tests: the scenario handlers and waiting on progress.

#![allow(dead_code)]

use sea_streamer_processor::{HandlerErr, Outbox, Progress, Summary};
use sea_streamer_types::{Buffer, Message, Producer, SharedMessage, StreamKey};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest a test waits for the processor before it fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The number in a payload such as `"42"`.
pub fn number(message: &SharedMessage) -> u64 {
    message.message().as_str().unwrap().parse().unwrap()
}

/// Resolves once `done(progress)` holds (checked every 10 ms); panics after [`WAIT`].
pub async fn until(progress: Progress, done: impl Fn(&Summary) -> bool) {
    let start = std::time::Instant::now();
    while !done(&progress.snapshot()) {
        assert!(
            start.elapsed() < WAIT,
            "still waiting: {:?}",
            progress.snapshot()
        );
        sea_streamer_runtime::sleep(Duration::from_millis(10)).await;
    }
}

/// What the "7th and 13th" handler saw.
#[derive(Default, Clone)]
pub struct Record {
    /// Attempts per number.
    pub attempts: Arc<Mutex<HashMap<u64, u32>>>,
    /// Numbers handled successfully.
    pub handled: Arc<Mutex<BTreeSet<u64>>>,
    /// Highest sequence seen per shard.
    pub last_seq: Arc<Mutex<HashMap<u64, u64>>>,
}

/// The scenario: every 13th message always fails, every 7th fails twice, then
/// succeeds; a success sends `out-{n}` to `output`.
pub async fn seven_thirteen<P>(
    record: Record,
    producer: P,
    output: StreamKey,
    message: SharedMessage,
    outbox: Outbox,
) -> Result<(), HandlerErr>
where
    P: Producer,
    P::SendFuture: Send + 'static,
{
    let n = number(&message);
    {
        let mut last = record.last_seq.lock().unwrap();
        let seq = last.entry(message.shard_id().id()).or_default();
        *seq = (*seq).max(message.sequence());
    }
    let attempt = {
        let mut attempts = record.attempts.lock().unwrap();
        let a = attempts.entry(n).or_default();
        *a += 1;
        *a
    };
    if n.is_multiple_of(13) {
        return Err(HandlerErr::transient(format!("unlucky {n}")));
    }
    if n.is_multiple_of(7) && attempt <= 2 {
        return Err(HandlerErr::transient(format!(
            "seven {n}, attempt {attempt}"
        )));
    }
    outbox
        .send(&producer, &output, format!("out-{n}").as_str())
        .await?;
    record.handled.lock().unwrap().insert(n);
    Ok(())
}

/// Expected counts of the scenario over `1..=n`: (processed, dead-lettered, retried).
pub fn seven_thirteen_counts(n: u64) -> (u64, u64, u64) {
    let thirteens = n / 13;
    let sevens = (1..=n)
        .filter(|i| i.is_multiple_of(7) && !i.is_multiple_of(13))
        .count() as u64;
    (n - thirteens, thirteens, 2 * sevens + 2 * thirteens)
}
