//! The `relay` binary on a finite input (issue #15, defect 1): a `.ss` file of 100,000
//! messages ended with an end-of-stream mark is relayed into a file, Redis and Kafka; every
//! message arrives, in order, and the relay exits with status 0.
#![cfg(all(feature = "executables", feature = "backend-file"))]

mod common;

use common::{payload, run_relay, stderr, write_ss_file};
use sea_streamer_file::{FileId, MessageSource, StreamMode};
use sea_streamer_types::{Buffer, Message};

const N: usize = 100_000;

/// A temporary directory holding `input.ss` with [`N`] messages on stream `k`.
async fn input_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("input.ss");
    write_ss_file(&path, "k", (0..N).map(payload)).await;
    let url = format!("file://{}/k", path.display());
    (dir, url)
}

/// Runs `relay --input <input> --offset start --output <output>` and checks it exits 0.
fn relay_all(input: &str, output: &str) {
    let out = run_relay(&["--input", input, "--offset", "start", "--output", output]);
    assert!(
        out.status.success(),
        "relay {input} -> {output} failed: {}\n{}",
        out.status,
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_a_finite_file_into_a_file() {
    let (dir, input) = input_file().await;
    let path = dir.path().join("output.ss");
    relay_all(&input, &format!("file://{}/out", path.display()));

    let mut source = MessageSource::new(FileId::new(path.to_string_lossy()), StreamMode::Replay)
        .await
        .expect("open the output file");
    for i in 0..N {
        let message = source.next().await.expect("a relayed message").message;
        assert_eq!(message.stream_key().name(), "out");
        assert_eq!(
            message.message().as_str().unwrap(),
            payload(i),
            "message {i}"
        );
    }
    assert!(source.next().await.is_err(), "more messages than relayed");
}

#[cfg(feature = "backend-redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_a_finite_file_into_redis() {
    let Some(redis) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let (_dir, input) = input_file().await;
    let key = sea_streamer_conformance::random_key("relay-end");
    relay_all(&input, &format!("{redis}/{key}"));

    let stored = redis_cli(&redis, &["XLEN", &key]);
    assert_eq!(stored.trim(), N.to_string(), "entries stored in Redis");
    check_in_order(&format!("{redis}/{key}"), &key).await;
}

#[cfg(feature = "backend-kafka")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_a_finite_file_into_kafka() {
    let Some(kafka) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_KAFKA") else {
        return;
    };
    let (_dir, input) = input_file().await;
    let key = sea_streamer_conformance::random_key("relay-end");
    create_topic(&kafka, &key).await;
    relay_all(&input, &format!("{kafka}/{key}"));
    check_in_order(&format!("{kafka}/{key}"), &key).await;
}

/// Reads [`N`] messages of `url` from the start and checks their order and payloads.
#[cfg(any(feature = "backend-redis", feature = "backend-kafka"))]
async fn check_in_order(url: &str, key: &str) {
    use sea_streamer_socket::{SeaConsumerOptions, SeaStreamReset, SeaStreamer};
    use sea_streamer_types::{Consumer, ConsumerMode, ConsumerOptions, StreamUrl, Streamer};

    let url: StreamUrl = url.parse().unwrap();
    let streamer = SeaStreamer::connect(url.streamer(), Default::default())
        .await
        .expect("connect to read back");
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(url.stream_keys(), options)
        .await
        .expect("consumer to read back");
    for i in 0..N {
        let message = tokio::time::timeout(common::HANG, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("only {i} of {N} messages stored"))
            .expect("read back");
        assert_eq!(message.stream_key().name(), key);
        assert_eq!(
            message.message().as_str().unwrap(),
            payload(i),
            "message {i}"
        );
    }
}

/// Runs `redis-cli` against the test server.
#[cfg(feature = "backend-redis")]
fn redis_cli(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("redis-cli")
        .args(["-u", url])
        .args(args)
        .output()
        .expect("redis-cli (Debian's redis-tools) is required by this test");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Creates a one-partition topic (tansu does not create topics on produce).
#[cfg(feature = "backend-kafka")]
async fn create_topic(kafka: &str, topic: &str) {
    use sea_streamer_kafka::export::rdkafka::{
        admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
        client::DefaultClientContext,
        ClientConfig,
    };
    let servers = kafka.trim_start_matches("kafka://");
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .create()
        .expect("admin client");
    let topic = NewTopic::new(topic, 1, TopicReplication::Fixed(1));
    let results = tokio::time::timeout(
        common::HANG,
        admin.create_topics([&topic], &AdminOptions::new()),
    )
    .await
    .expect("create_topics timed out")
    .expect("create_topics failed");
    for result in results {
        result.unwrap_or_else(|(name, e)| panic!("cannot create topic {name}: {e}"));
    }
}

/// File names with spaces and non-ASCII characters (issue #15, defect 5), written plainly
/// for the input and percent-encoded for the output: the relay reads and creates the files of
/// the decoded names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_between_files_with_spaces_and_non_ascii_names() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join("in put ü.ss");
    write_ss_file(&input, "k", (0..3).map(payload)).await;
    let d = dir.path().display();
    relay_all(
        &format!("file://{d}/in put ü.ss/k"),
        &format!("file://{d}/%C3%BCnew%20file.ss/out"),
    );
    let output = dir.path().join("ünew file.ss");
    let mut source = MessageSource::new(FileId::new(output.to_string_lossy()), StreamMode::Replay)
        .await
        .expect("the output file has the decoded name");
    for i in 0..3 {
        let message = source.next().await.expect("a relayed message").message;
        assert_eq!(message.message().as_str().unwrap(), payload(i));
    }
    assert!(source.next().await.is_err(), "more messages than relayed");
}
