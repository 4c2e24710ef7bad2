//! The small examples through their library functions: processor, buffered, blocking and
//! resumable, on the file backend; resumable also on Redis (`SEA_STREAMER_TEST_REDIS`) and
//! Kafka (`SEA_STREAMER_TEST_KAFKA`), skipped when unset. Inputs are written completely
//! before they are read, and file streams end with an end-of-stream mark, so every run ends
//! by itself.

use sea_streamer::{Buffer, Message, Producer, SeaConsumer, StreamUrl};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_examples::{
    batch::{run_buffered, BatchMessage},
    cli::StartFrom,
    endpoint::{next_or_end, open_consumer, open_producer},
    resume::{open_resumable, run_resumable},
    runner::RunnerArgs,
    tick::{produce_ticks, tick_payload},
    transform::{run_processor, transform, Outputs},
    work::{crunch, run_blocking, WorkResult},
};
use std::time::Duration;

/// Writes ticks 0..n to `url` and ends the producer.
async fn write_ticks(url: &StreamUrl, n: u64) {
    let (_streamer, producer) = open_producer(url).await.unwrap();
    assert_eq!(
        produce_ticks(&producer, Some(n), Duration::ZERO)
            .await
            .unwrap(),
        n
    );
    producer.end().await.unwrap();
}

/// Reads payloads until the end of the stream (file) or `count` messages.
async fn read_all(consumer: &SeaConsumer, count: Option<usize>) -> Vec<String> {
    let mut payloads = Vec::new();
    while count.is_none_or(|c| payloads.len() < c) {
        match next_or_end(consumer).await.unwrap() {
            Some(m) => payloads.push(m.message().as_str().unwrap().to_owned()),
            None => break,
        }
    }
    payloads
}

fn ticks(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(tick_payload).collect()
}

fn file_url(dir: &tempfile::TempDir, file: &str, key: &str) -> StreamUrl {
    format!("file://{}/{file}/{key}", dir.path().display())
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processor_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_url(&dir, "ticks.ss", "tick");
    let output = file_url(&dir, "processed.ss", "processed");
    write_ticks(&input, 6).await;

    let (_i, mut consumer) = open_consumer(&input, StartFrom::Earliest).await.unwrap();
    let (_o, producer) = open_producer(&output).await.unwrap();
    let outputs = Outputs {
        producer: producer.clone(),
        stream: output.stream_key().unwrap(),
        dead_letter: None,
    };
    let args = RunnerArgs::default();
    let summary = (async {
        let summary = sea_streamer_examples::with_ack_consumer!(consumer, |c| {
            run_processor(c, &outputs, &args, std::future::pending()).await?
        });
        anyhow::Ok(summary)
    })
    .await
    .unwrap();
    // the run ended at the end of the input file
    assert_eq!((summary.fetched, summary.processed), (6, 6));
    producer.end().await.unwrap();

    let (_r, reader) = open_consumer(&output, StartFrom::Earliest).await.unwrap();
    let expected: Vec<String> = ticks(0..6).iter().map(|t| transform(t)).collect();
    assert_eq!(read_all(&reader, None).await, expected);
    assert_eq!(expected[2], r#"{"processed":true,"tick":2}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processor_on_file_through_sea_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_url(&dir, "ticks.ss", "tick");
    let output = file_url(&dir, "processed.ss", "processed");
    write_ticks(&input, 6).await;

    // `SeaConsumer` itself as the runner's input: its end is the file's end mark too
    let (_i, consumer) = open_consumer(&input, StartFrom::Earliest).await.unwrap();
    let (_o, producer) = open_producer(&output).await.unwrap();
    let outputs = Outputs {
        producer: producer.clone(),
        stream: output.stream_key().unwrap(),
        dead_letter: None,
    };
    let summary = run_processor(
        &consumer,
        &outputs,
        &RunnerArgs::default(),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!((summary.fetched, summary.processed), (6, 6));
    producer.end().await.unwrap();

    let (_r, reader) = open_consumer(&output, StartFrom::Earliest).await.unwrap();
    let expected: Vec<String> = ticks(0..6).iter().map(|t| transform(t)).collect();
    assert_eq!(read_all(&reader, None).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_url(&dir, "ticks.ss", "tick");
    let output = file_url(&dir, "batches.ss", "batches");
    write_ticks(&input, 10).await;

    let (_i, consumer) = open_consumer(&input, StartFrom::Earliest).await.unwrap();
    let (_o, producer) = open_producer(&output).await.unwrap();
    let n = run_buffered(&consumer, &producer, 4, Duration::from_secs(1), None)
        .await
        .unwrap();
    producer.end().await.unwrap();
    assert_eq!(n, 10);

    let (_r, reader) = open_consumer(&output, StartFrom::Earliest).await.unwrap();
    let batches: Vec<BatchMessage> = read_all(&reader, None)
        .await
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    // batches may close early when the input is slow; none is larger than the limit,
    // they are numbered in order, and together they hold every message once, in order
    assert!(batches
        .iter()
        .all(|b| !b.payloads.is_empty() && b.payloads.len() <= 4));
    assert!(batches.iter().enumerate().all(|(i, b)| b.batch == i as u64));
    let all: Vec<String> = batches.into_iter().flat_map(|b| b.payloads).collect();
    assert_eq!(all, ticks(0..10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_stops_at_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_url(&dir, "ticks.ss", "tick");
    let output = file_url(&dir, "batches.ss", "batches");
    write_ticks(&input, 10).await;
    let (_i, consumer) = open_consumer(&input, StartFrom::Earliest).await.unwrap();
    let (_o, producer) = open_producer(&output).await.unwrap();
    // 7 = 4 + 3: the last batch is cut to what is left of the count
    let n = run_buffered(&consumer, &producer, 4, Duration::from_secs(1), Some(7))
        .await
        .unwrap();
    producer.end().await.unwrap();
    assert_eq!(n, 7);
    let (_r, reader) = open_consumer(&output, StartFrom::Earliest).await.unwrap();
    let all: Vec<String> = read_all(&reader, None)
        .await
        .iter()
        .flat_map(|b| serde_json::from_str::<BatchMessage>(b).unwrap().payloads)
        .collect();
    assert_eq!(all, ticks(0..7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_on_file_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_url(&dir, "ticks.ss", "tick");
    let output = file_url(&dir, "digests.ss", "digests");
    write_ticks(&input, 12).await;

    let (_i, consumer) = open_consumer(&input, StartFrom::Earliest).await.unwrap();
    let (_o, producer) = open_producer(&output).await.unwrap();
    let n = run_blocking(&consumer, &producer, 3, 1_000, None)
        .await
        .unwrap();
    producer.end().await.unwrap();
    assert_eq!(n, 12);

    let (_r, reader) = open_consumer(&output, StartFrom::Earliest).await.unwrap();
    let results: Vec<WorkResult> = read_all(&reader, None)
        .await
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    assert_eq!(results.len(), 12);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.payload, tick_payload(i as u64));
        assert_eq!(
            result.sequence,
            i as u64 + 1,
            "file sequence numbers start at 1"
        );
        let digest = format!("{:016x}", crunch(result.payload.as_bytes(), 1_000));
        assert_eq!(result.digest, digest);
    }
}

/// Runs the resumable consumer of `group` for at most `count` messages.
async fn resume_run(url: &StreamUrl, group: &str, count: Option<u64>) -> Vec<String> {
    let (_s, mut consumer) = open_resumable(url, group, StartFrom::Earliest)
        .await
        .unwrap();
    let mut seen = Vec::new();
    run_resumable(&mut consumer, count, 3, |m| {
        seen.push(m.message().as_str()?.to_owned());
        Ok(())
    })
    .await
    .unwrap();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumable_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "ticks.ss", "tick");
    write_ticks(&url, 10).await;
    assert_eq!(resume_run(&url, "g", Some(4)).await, ticks(0..4));
    assert_eq!(resume_run(&url, "g", Some(4)).await, ticks(4..8));
    // the rest, up to the end of the stream
    assert_eq!(resume_run(&url, "g", None).await, ticks(8..10));
    // another group starts from the beginning
    assert_eq!(resume_run(&url, "other", Some(2)).await, ticks(0..2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumable_on_redis() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let url: StreamUrl = format!("{redis}/{}", random_key("ticks")).parse().unwrap();
    let group = random_key("group");
    write_ticks(&url, 10).await;
    assert_eq!(resume_run(&url, &group, Some(4)).await, ticks(0..4));
    assert_eq!(resume_run(&url, &group, Some(4)).await, ticks(4..8));
    assert_eq!(resume_run(&url, &group, Some(2)).await, ticks(8..10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumable_on_kafka() {
    let Some(kafka) = service_url("SEA_STREAMER_TEST_KAFKA") else {
        return;
    };
    let url: StreamUrl = format!("{kafka}/{}", random_key("ticks")).parse().unwrap();
    let group = random_key("group");
    write_ticks(&url, 10).await;
    // a topic may have several partitions: order holds per partition only, so compare sets
    let mut seen = Vec::new();
    for count in [4, 4, 2] {
        let run = resume_run(&url, &group, Some(count)).await;
        assert_eq!(run.len() as u64, count);
        seen.extend(run);
    }
    seen.sort_by_key(|t| serde_json::from_str::<serde_json::Value>(t).unwrap()["tick"].as_u64());
    assert_eq!(
        seen,
        ticks(0..10),
        "every tick exactly once over the three runs"
    );
}

#[tokio::test]
async fn resumable_refuses_stdio() {
    let url: StreamUrl = "stdio:///tick".parse().unwrap();
    let err = open_resumable(&url, "g", StartFrom::Earliest)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("stdio"), "{err}");
}
