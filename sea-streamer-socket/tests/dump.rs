//! The `redis-streams-dump` binary: entries written to the test Redis are dumped into a `.ss`
//! file with their stream key, shard, sequence number, timestamp and payload intact.
#![cfg(all(
    feature = "executables",
    feature = "backend-redis",
    feature = "backend-file"
))]

use std::process::Command;

use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_file::{FileId, MessageSource, StreamMode};
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{Buffer, Message, Producer, StreamKey, StreamUrl, Streamer};

const DUMP: &str = env!("CARGO_BIN_EXE_redis-streams-dump");

#[tokio::test(flavor = "multi_thread")]
async fn dump_redis_stream_into_ss_file() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let key = StreamKey::new(random_key("dump")).unwrap();
    let url: StreamUrl = format!("{redis}/{key}").parse().unwrap();
    let streamer = RedisStreamer::connect(url.streamer(), RedisConnectOptions::default())
        .await
        .expect("connect to the test Redis");
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let mut receipts = Vec::new();
    for i in 0..25 {
        receipts.push(producer.send(format!("message-{i}").as_str()).unwrap());
    }
    let mut headers = Vec::new();
    for r in receipts {
        headers.push(r.await.expect("delivered"));
    }
    producer.end().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("dump.ss");
    let status = Command::new(DUMP)
        .args(["--stream", &format!("{redis}/{key}"), "--output"])
        .arg(&output)
        .status()
        .expect("run redis-streams-dump");
    assert!(status.success(), "redis-streams-dump failed: {status}");

    let mut source = MessageSource::new(FileId::new(output.to_string_lossy()), StreamMode::Replay)
        .await
        .expect("open the dump");
    for (i, header) in headers.iter().enumerate() {
        let frame = source.next().await.expect("a dumped message");
        let message = frame.message;
        assert_eq!(message.header(), header, "header of message {i}");
        assert_eq!(
            message.message().as_str().unwrap(),
            format!("message-{i}"),
            "payload of message {i}"
        );
    }
    assert!(source.next().await.is_err(), "more messages than were sent");

    let bad = Command::new(DUMP)
        .args([
            "--stream",
            &format!("{redis}/{key}"),
            "--output",
            "x.ss",
            "--since",
            "yesterday",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a timestamp"));
}

/// Runs the dump with `args`, RUST_LOG unset: (exit code, stdout, stderr).
fn run_dump(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(DUMP)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("run redis-streams-dump");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn dump_has_version() {
    let (code, out, _) = run_dump(&["--version"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.trim(),
        format!("redis-streams-dump {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_refused_connection_is_named_once_without_debug_forms() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("dump.ss");
    // nothing listens on port 1
    let (code, _, err) = run_dump(&[
        "--stream",
        "redis://127.0.0.1:1/k",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("redis-streams-dump: error: connecting to redis://127.0.0.1:1"),
        "{err}"
    );
    assert!(err.contains("refused"), "{err}");
    assert!(
        !err.contains("StreamerUri {") && !err.contains("Url {"),
        "{err}"
    );
    // a usage error
    let (code, _, _) = run_dump(&["--stream", "redis://127.0.0.1:1/k"]);
    assert_eq!(code, Some(2));
}
