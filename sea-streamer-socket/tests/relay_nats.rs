//! The `relay` binary with `nats://`: a `.ss` file relayed into a NATS JetStream subject
//! (the relay ends at the file's end-of-stream mark), then that subject relayed from the
//! start into a new file (a NATS input never ends: the relay is stopped with SIGTERM once
//! everything arrived, and exits 0 after flushing). Needs `SEA_STREAMER_TEST_NATS`.
#![cfg(all(
    feature = "executables",
    feature = "backend-file",
    feature = "backend-nats"
))]

mod common;

use std::{
    process::{Command, Stdio},
    sync::mpsc,
};

use common::{file_uri, payload, run_relay, stderr, write_ss_file, HANG, RELAY};
use sea_streamer_file::{
    AutoStreamReset, FileConsumerOptions, FileId, FileStreamer, MessageSource, StreamMode,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamKey, Streamer,
};

const N: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_to_nats_to_file() {
    let Some(nats) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_NATS") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join("input.ss");
    write_ss_file(&input, "k", (0..N).map(payload)).await;
    let subject = format!(
        "{}/{}",
        nats.trim_end_matches('/'),
        sea_streamer_conformance::random_key("relay-nats")
    );

    // file -> nats: ends by itself at the end-of-stream mark.
    let out = run_relay(&[
        "--input",
        &format!("file://{}/k", input.display()),
        "--offset",
        "start",
        "--output",
        &subject,
    ]);
    assert!(
        out.status.success(),
        "relay file -> {subject} failed: {}\n{}",
        out.status,
        stderr(&out)
    );

    // nats -> file: runs until stopped.
    let output = dir.path().join("output.ss");
    let mut child = Command::new(RELAY)
        .args(["--input", &subject, "--offset", "start", "--output"])
        .arg(format!("file://{}/out", output.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG")
        .spawn()
        .expect("spawn relay");

    // The output file appears when the relay has connected (another process: polled).
    let deadline = std::time::Instant::now() + HANG;
    let streamer = loop {
        match FileStreamer::connect(file_uri(&output), Default::default()).await {
            Ok(s) => break s,
            Err(e) if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("no output file: {e}");
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    };
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let key = StreamKey::new("out").unwrap();
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .expect("consumer on the output file");
    for i in 0..N {
        let m = tokio::time::timeout(HANG, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("only {i} of {N} messages came back from NATS"))
            .expect("read the output file");
        assert_eq!(m.stream_key(), key);
        assert_eq!(m.message().as_str().unwrap(), payload(i), "message {i}");
    }
    drop(consumer);

    // SIGTERM: the relay stops reading, flushes the output and exits 0.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(stopped.success(), "kill -TERM the relay");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(HANG) {
        Ok(out) => out.expect("wait for relay"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the relay did not exit within {HANG:?} of SIGTERM");
        }
    };
    assert!(
        out.status.success(),
        "relay {subject} -> file after SIGTERM: {}\n{}",
        out.status,
        stderr(&out)
    );

    // Exactly the N messages, once each, in order.
    let mut source = MessageSource::new(FileId::new(output.to_string_lossy()), StreamMode::Replay)
        .await
        .expect("open the output file");
    for i in 0..N {
        let message = source.next().await.expect("a relayed message").message;
        assert_eq!(
            message.message().as_str().unwrap(),
            payload(i),
            "message {i}"
        );
    }
    assert!(source.next().await.is_err(), "more messages than relayed");
}
