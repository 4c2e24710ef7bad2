//! The processor over a `.ss` file (a `Resumable` group, committing to its commit file):
//! retries and dead letters with the committed position covering everything, per-stream
//! order at concurrency 8, a shutdown with 1,000 messages in flight, and the end mark of a
//! finished file as the normal end of a run.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::dead_letters::{
    check_dead_letters, check_outputs, run_seven_thirteen, seven_thirteen_counts, successes,
};
use common::order::handle_at_concurrency_eight;
use common::shutdown::{shutdown_with_a_thousand_in_flight, Stuck};
use common::WAIT;
use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileErr, FileId,
    FileProducer, FileStreamer,
};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, SharedMessage,
    StreamErr, StreamKey, Streamer,
};
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

/// The offset in the group's commit file: after the last committed frame (the one offset of
/// a v1 file, `offset N`; the largest of a per-stream file's `stream KEY N` / `all N` lines).
fn committed(file: &TempFile, group: &str) -> u64 {
    let text = std::fs::read_to_string(format!("{}.{group}.commit", file.id.path())).unwrap();
    text.lines()
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            ["offset", n] | ["all", n] | ["stream", _, n] => Some(n.parse::<u64>().unwrap()),
            _ => None,
        })
        .max()
        .unwrap_or_else(|| panic!("no offset in the commit file: {text}"))
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
    run_seven_thirteen(&consumer, &producer, &output, &dead, N).await;

    let (_, dead_lettered, _) = seven_thirteen_counts(N);
    let (letters, _) = read(
        &streamer,
        std::slice::from_ref(&dead),
        dead_lettered as usize,
    )
    .await;
    check_dead_letters(&letters, &input, N, |n, header| {
        assert_eq!(*header.sequence(), n, "original sequence");
    });
    let (outputs, _) = read(&streamer, std::slice::from_ref(&output), successes(N).len()).await;
    check_outputs(&outputs, N);

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

    let seen = handle_at_concurrency_eight(
        &consumer,
        STREAMS * PER,
        |m| m.stream_key().name().to_owned(),
        |m| m.sequence(),
    )
    .await;
    for key in &inputs {
        assert_eq!(
            seen[key.name()],
            (1..=PER).collect::<Vec<_>>(),
            "stream {key} in order"
        );
    }
    // everything is committed
    let (_, end) = read(&streamer, &inputs, (STREAMS * PER) as usize).await;
    assert_eq!(committed(&file, "order"), end);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_commits_the_processed_prefix() {
    let file = temp_file();
    let streamer = connect(&file).await;
    const INPUT: Stuck = Stuck {
        lanes: 8,
        done: 50,
        stuck: 125,
    };
    let inputs = keys(
        &(0..INPUT.lanes)
            .map(|k| format!("s{k}"))
            .collect::<Vec<_>>(),
    );
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &mut producer,
        &inputs,
        INPUT.lanes * (INPUT.done + INPUT.stuck),
        |i| i.to_string(),
    )
    .await;
    let consumer = group_consumer(&streamer, &inputs, "stop").await;

    // file sequence numbers start at 1
    shutdown_with_a_thousand_in_flight(
        &consumer,
        INPUT,
        |m| m.sequence() > INPUT.done,
        Some(Duration::from_millis(50)),
    )
    .await;
    drop(consumer);

    // The commit is the offset after the processed prefix (the first `done` of every
    // stream, interleaved); a restarted member resumes at the first stuck message.
    let (_, prefix_end) = read(&streamer, &inputs, (INPUT.lanes * INPUT.done) as usize).await;
    assert_eq!(
        committed(&file, "stop"),
        prefix_end,
        "the committed position is the processed prefix"
    );
    let restarted = group_consumer(&streamer, &inputs, "stop").await;
    let first = timeout(WAIT, restarted.next()).await.unwrap().unwrap();
    assert_eq!(
        (first.stream_key().name(), first.sequence()),
        ("s0", INPUT.done + 1)
    );
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn the_end_mark_ends_the_run_after_everything_in_flight() {
    let file = temp_file();
    let _ = env_logger::try_init();
    let mut options = FileConnectOptions::default();
    options
        .set_create_if_not_exists(true)
        .set_end_with_eos(true);
    let streamer = FileStreamer::connect(file.id.to_streamer_uri().unwrap(), options)
        .await
        .unwrap();
    let inputs = keys(&["in".into()]);
    const N: u64 = 20;
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(&mut producer, &inputs, N, |i| i.to_string()).await;
    producer.end().await.unwrap(); // writes the end mark
    let consumer = group_consumer(&streamer, &inputs, "end").await;

    // together the messages take far longer than the shutdown deadline
    let handler = |_: SharedMessage, _: Outbox| async {
        sea_streamer_runtime::sleep(Duration::from_millis(20)).await;
        Ok::<(), HandlerErr>(())
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_shutdown_deadline(Duration::from_millis(10));
    let summary = Processor::new(&consumer, handler, options)
        .end_on_error(|e| matches!(e, StreamErr::Backend(FileErr::StreamEnded)))
        .run(std::future::pending())
        .await
        .expect("the end of the file is a normal end");
    assert_eq!((summary.processed, summary.abandoned), (N, 0));

    // everything is committed
    let (_, end) = read(&streamer, &inputs, N as usize).await;
    assert_eq!(committed(&file, "end"), end);
}
