//! The processor over a `.ss` file (a `Resumable` group, committing to its commit file):
//! retries and dead letters with the committed position covering everything, per-stream
//! order at concurrency 8, and a shutdown with 1,000 messages in flight.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{number, seven_thirteen, seven_thirteen_counts, until, Record, WAIT};
use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileId, FileProducer,
    FileStreamer,
};
use sea_streamer_processor::{DeadLetter, HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer,
    SharedMessage, StreamKey, Streamer,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fresh `.ss` file (removed with the directory).
struct TempFile {
    _dir: tempfile::TempDir,
    id: FileId,
}

fn temp_file() -> TempFile {
    let dir = tempfile::tempdir().unwrap();
    let id = FileId::new(dir.path().join("proc.ss").to_str().unwrap());
    TempFile { _dir: dir, id }
}

async fn connect(file: &TempFile) -> FileStreamer {
    let _ = env_logger::try_init();
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(true);
    FileStreamer::connect(file.id.to_streamer_uri().unwrap(), options)
        .await
        .unwrap()
}

fn keys(names: &[String]) -> Vec<StreamKey> {
    names.iter().map(|n| StreamKey::new(n).unwrap()).collect()
}

/// A member of `group`, following the file live (so the end of the data is no error).
async fn group_consumer(streamer: &FileStreamer, keys: &[StreamKey], group: &str) -> FileConsumer {
    let mut options = FileConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new(group))
        .unwrap();
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options.set_live_streaming(true);
    streamer.create_consumer(keys, options).await.unwrap()
}

/// The first `n` messages of `keys` from the start, and the file offset after the last one.
async fn read(streamer: &FileStreamer, keys: &[StreamKey], n: usize) -> (Vec<SharedMessage>, u64) {
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options.set_live_streaming(true);
    let consumer = streamer.create_consumer(keys, options).await.unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let message = timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .unwrap();
        out.push(message);
    }
    (out, consumer.position())
}

/// The offset in the group's commit file.
fn committed(file: &TempFile, group: &str) -> u64 {
    let text = std::fs::read_to_string(format!("{}.{group}.commit", file.id.path())).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("offset "))
        .expect("an offset line")
        .trim()
        .parse()
        .unwrap()
}

/// Writes `payload(i)` to `keys[i % keys.len()]` for `i` in `0..n`.
async fn produce(
    producer: &mut FileProducer,
    keys: &[StreamKey],
    n: u64,
    payload: impl Fn(u64) -> String,
) {
    for i in 0..n {
        let key = &keys[(i % keys.len() as u64) as usize];
        producer.send_to(key, payload(i).as_str()).unwrap();
    }
    producer.flush().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn retries_and_dead_letters_with_everything_committed() {
    let file = temp_file();
    let streamer = connect(&file).await;
    let [input, output, dead]: [StreamKey; 3] = keys(&["in".into(), "out".into(), "dead".into()])
        .try_into()
        .unwrap();
    const N: u64 = 200;
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&mut producer, std::slice::from_ref(&input), N, |i| {
        (i + 1).to_string()
    })
    .await;

    let consumer = group_consumer(&streamer, std::slice::from_ref(&input), "workers").await;
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
    let processor = Processor::new(&consumer, handler, options)
        .dead_letter(producer.clone(), dead.clone())
        .flush_at_end(producer.clone());
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed + s.dead_lettered == N);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the processor stops")
        .expect("no error");

    let (processed, dead_lettered, retried) = seven_thirteen_counts(N);
    assert_eq!(summary.processed, processed);
    assert_eq!(summary.dead_lettered, dead_lettered);
    assert_eq!(summary.retried, retried);
    assert_eq!((summary.abandoned, summary.failed), (0, 0));
    let expected: BTreeSet<u64> = (1..=N).filter(|n| !n.is_multiple_of(13)).collect();
    assert_eq!(*record.handled.lock().unwrap(), expected);

    // Exactly the 13th ones are dead letters, with their error text and attempts.
    let (letters, _) = read(
        &streamer,
        std::slice::from_ref(&dead),
        dead_lettered as usize,
    )
    .await;
    let mut thirteens = BTreeSet::new();
    for letter in &letters {
        let letter = DeadLetter::from_json(letter.message().as_str().unwrap()).unwrap();
        let n: u64 = String::from_utf8(letter.payload_bytes().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(letter.error, format!("unlucky {n}"));
        assert_eq!(letter.attempts, 3);
        assert_eq!(letter.stream_key, input.name());
        assert_eq!(*letter.header().unwrap().sequence(), n, "original sequence");
        thirteens.insert(n);
    }
    assert_eq!(
        thirteens,
        (1..=N).filter(|n| n.is_multiple_of(13)).collect()
    );

    // Every success's output is in the file.
    let (outputs, _) = read(&streamer, std::slice::from_ref(&output), expected.len()).await;
    let outputs: BTreeSet<u64> = outputs
        .iter()
        .map(|m| m.message().as_str().unwrap()[4..].parse().unwrap())
        .collect();
    assert_eq!(outputs, expected);

    // The committed position covers every input: it is the offset after the last one.
    let (_, end_of_inputs) = read(&streamer, std::slice::from_ref(&input), N as usize).await;
    assert_eq!(committed(&file, "workers"), end_of_inputs);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn concurrency_eight_keeps_each_stream_in_order() {
    let file = temp_file();
    let streamer = connect(&file).await;
    const STREAMS: u64 = 8;
    const PER: u64 = 50;
    let inputs = keys(&(0..STREAMS).map(|k| format!("k{k}")).collect::<Vec<_>>());
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&mut producer, &inputs, STREAMS * PER, |i| i.to_string()).await;
    let consumer = group_consumer(&streamer, &inputs, "order").await;

    let seen: Arc<Mutex<HashMap<String, Vec<u64>>>> = Default::default();
    let busy: Arc<Mutex<HashSet<String>>> = Default::default();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let handler = {
        let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
        move |message: SharedMessage, _: Outbox| {
            let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
            async move {
                let key = message.stream_key().name().to_owned();
                assert!(
                    busy.lock().unwrap().insert(key.clone()),
                    "two messages of one stream at once"
                );
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(running, Ordering::SeqCst);
                // finish in a scrambled order across streams
                let n = number(&message);
                sea_streamer_runtime::sleep(Duration::from_millis(n * 7 % 5)).await;
                seen.lock()
                    .unwrap()
                    .entry(key.clone())
                    .or_default()
                    .push(message.sequence());
                now.fetch_sub(1, Ordering::SeqCst);
                busy.lock().unwrap().remove(&key);
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options.set_concurrency(8);
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed == STREAMS * PER);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.processed, STREAMS * PER);

    let seen = seen.lock().unwrap().clone();
    for key in &inputs {
        assert_eq!(
            seen[key.name()],
            (1..=PER).collect::<Vec<_>>(),
            "stream {key} in order"
        );
    }
    let max = max.load(Ordering::SeqCst);
    assert!(max <= 8, "at most 8 at a time, saw {max}");
    assert!(max > 1, "streams were handled concurrently");
    // everything is committed
    let (_, end) = read(&streamer, &inputs, (STREAMS * PER) as usize).await;
    assert_eq!(committed(&file, "order"), end);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_commits_the_processed_prefix() {
    let file = temp_file();
    let streamer = connect(&file).await;
    const STREAMS: u64 = 8;
    const DONE: u64 = 50; // per stream, the messages that can finish
    const STUCK: u64 = 125; // per stream, the ones from the first that never finishes
    let inputs = keys(&(0..STREAMS).map(|k| format!("s{k}")).collect::<Vec<_>>());
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&mut producer, &inputs, STREAMS * (DONE + STUCK), |i| {
        i.to_string()
    })
    .await;
    let consumer = group_consumer(&streamer, &inputs, "stop").await;

    let blocked = Arc::new(AtomicUsize::new(0));
    let handler = {
        let blocked = blocked.clone();
        move |message: SharedMessage, _: Outbox| {
            let blocked = blocked.clone();
            async move {
                // file sequence numbers start at 1
                if message.sequence() > DONE {
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
        .set_commit_interval(Duration::from_millis(50))
        .set_shutdown_deadline(Duration::from_secs(1));
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    let shutdown = {
        let blocked = blocked.clone();
        until(progress, move |s| {
            s.in_flight() == 1000 && blocked.load(Ordering::SeqCst) == STREAMS as usize
        })
    };
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the deadline ends the run")
        .unwrap();
    assert_eq!(summary.processed, STREAMS * DONE);
    assert_eq!(summary.abandoned, 1000);
    assert_eq!(summary.fetched, STREAMS * (DONE + STUCK));
    drop(consumer);

    // The commit is the offset after the processed prefix (the first DONE of every stream,
    // interleaved); a restarted member resumes at the first stuck message.
    let (_, prefix_end) = read(&streamer, &inputs, (STREAMS * DONE) as usize).await;
    assert_eq!(
        committed(&file, "stop"),
        prefix_end,
        "the committed position is the processed prefix"
    );
    let restarted = group_consumer(&streamer, &inputs, "stop").await;
    let first = timeout(WAIT, restarted.next()).await.unwrap().unwrap();
    assert_eq!(
        (first.stream_key().name(), first.sequence()),
        ("s0", DONE + 1)
    );
}
