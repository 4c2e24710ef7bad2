//! The retry scenario on any backend: every 13th message always fails, every 7th
//! fails twice and then succeeds. Every message is handled, exactly the 13th ones become
//! dead letters with their error text, and every success's output is delivered. What the
//! committed position is, each backend checks its own way.

use super::{until, WAIT};
use sea_streamer_processor::{DeadLetter, HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Acknowledge, Buffer, Message, MessageHeader, Producer, SharedMessage, StreamKey,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// The handler: every 13th message always fails, every 7th fails twice, then succeeds; a
/// success sends `out-{n}` to `output`.
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
    let n = super::number(&message);
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

/// The numbers of `1..=n` the handler succeeds on (all but the 13th ones).
pub fn successes(n: u64) -> BTreeSet<u64> {
    (1..=n).filter(|i| !i.is_multiple_of(13)).collect()
}

/// Runs the scenario over `consumer`, whose input holds the payloads `1..=n`: concurrency
/// 4, 3 attempts, a 1-5 ms back-off, commits every 100 ms, dead letters to `dead`, both
/// sent with `producer`. Returns once every message is processed or dead-lettered, after
/// checking the counts and that every success was handled.
pub async fn run_seven_thirteen<C, P>(
    consumer: &C,
    producer: &P,
    output: &StreamKey,
    dead: &StreamKey,
    n: u64,
) -> Record
where
    C: Acknowledge,
    C::Error: 'static,
    P: Producer + 'static,
    P::SendFuture: Send + 'static,
{
    let record = Record::default();
    let handler = {
        let (record, producer, output) = (record.clone(), producer.clone(), output.clone());
        move |message: SharedMessage, outbox: Outbox| {
            seven_thirteen(
                record.clone(),
                producer.clone(),
                output.clone(),
                message,
                outbox,
            )
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_max_attempts(3)
        .set_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .set_commit_interval(Duration::from_millis(100));
    let processor = Processor::new(consumer, handler, options)
        .dead_letter(producer.clone(), dead.clone())
        .flush_at_end(producer.clone());
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed + s.dead_lettered == n);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the processor stops")
        .expect("no error");

    let (processed, dead_lettered, retried) = seven_thirteen_counts(n);
    assert_eq!(summary.processed, processed);
    assert_eq!(summary.dead_lettered, dead_lettered);
    assert_eq!(summary.retried, retried);
    assert_eq!((summary.abandoned, summary.failed), (0, 0));
    assert_eq!(
        *record.handled.lock().unwrap(),
        successes(n),
        "every message is handled"
    );
    record
}

/// Checks the dead letters of the scenario over `1..=n` from `input`: exactly the 13th
/// ones, each with its error text, 3 attempts and its stream key; `check_header` checks
/// the original header of number `n` (sequence, shard).
pub fn check_dead_letters(
    letters: &[SharedMessage],
    input: &StreamKey,
    n: u64,
    check_header: impl Fn(u64, &MessageHeader),
) {
    let mut thirteens = BTreeSet::new();
    for letter in letters {
        let letter = DeadLetter::from_json(letter.message().as_str().unwrap()).unwrap();
        let i: u64 = String::from_utf8(letter.payload_bytes().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(letter.error, format!("unlucky {i}"));
        assert_eq!(letter.attempts, 3);
        assert_eq!(letter.stream_key, input.name());
        check_header(i, &letter.header().unwrap());
        thirteens.insert(i);
    }
    assert_eq!(
        thirteens,
        (1..=n).filter(|i| i.is_multiple_of(13)).collect()
    );
}

/// Checks that `outputs` are exactly the outputs `out-{i}` of every success over `1..=n`.
pub fn check_outputs(outputs: &[SharedMessage], n: u64) {
    let outputs: BTreeSet<u64> = outputs
        .iter()
        .map(|m| m.message().as_str().unwrap()[4..].parse().unwrap())
        .collect();
    assert_eq!(outputs, successes(n));
}
