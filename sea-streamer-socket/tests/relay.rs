//! The `relay` binary: stdio to stdio end to end, and its argument errors.
#![cfg(feature = "executables")]

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

const RELAY: &str = env!("CARGO_BIN_EXE_relay");
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn relays_stdin_lines_to_stdout() {
    let mut child = Command::new(RELAY)
        .args(["--input", "stdio:///a", "--output", "stdio:///b"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn relay");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"[a] hello there\n[c] not subscribed\n[a | 7] second\n")
        .expect("write stdin");
    stdin.flush().expect("flush stdin");

    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(WAIT).expect("first relayed line");
    let second = rx.recv_timeout(WAIT).expect("second relayed line");
    child.kill().expect("kill relay");
    child.wait().expect("wait relay");
    drop(stdin);

    assert!(first.ends_with(" | b | 0] hello there"), "{first}");
    assert!(second.ends_with(" | b | 1] second"), "{second}");
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(RELAY)
        .args(args)
        .stdin(Stdio::null())
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .output()
        .expect("run relay");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rejects_bad_arguments() {
    let (code, err) = run(&[
        "--input",
        "stdio:///a",
        "--output",
        "stdio:///b",
        "--offset",
        "middle",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown Offset"), "{err}");

    let (code, err) = run(&[
        "--input",
        "redis://localhost/a",
        "--output",
        "redis://localhost/a",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("input == output !!!"), "{err}");

    let (code, err) = run(&["--input", "stdio:///a", "--output", "stdio:///b,c"]);
    assert_ne!(code, 0);
    assert!(err.contains("Expected one stream key"), "{err}");

    let (code, err) = run(&["--input", "gopher://localhost/a", "--output", "stdio:///b"]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown protocol `gopher`"), "{err}");

    let (code, err) = run(&["--output", "stdio:///b"]);
    assert_ne!(code, 0);
    assert!(err.contains("--input"), "{err}");
}

/// A `file://` output is created if missing, and the relayed payloads land in it.
#[cfg(feature = "backend-file")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_into_a_new_file() {
    use sea_streamer_file::{AutoStreamReset, FileConsumerOptions, FileStreamer};
    use sea_streamer_types::{
        Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamKey, Streamer, StreamerUri,
    };

    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("relayed.ss");
    let output = format!("file://{}/out", path.display());
    let mut child = Command::new(RELAY)
        .args(["--input", "stdio:///a", "--output", &output])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn relay");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"[a] one\n[a] two\n").expect("write stdin");
    stdin.flush().expect("flush stdin");

    // Wait for the relay to create the file (an event we cannot await across processes).
    let uri: StreamerUri = format!("file://{}", path.display()).parse().unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    let streamer = loop {
        match FileStreamer::connect(uri.clone(), Default::default()).await {
            Ok(s) => break s,
            Err(e) if std::time::Instant::now() > deadline => panic!("no output file: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let key = StreamKey::new("out").unwrap();
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .expect("consumer on the output file");
    for expected in ["one", "two"] {
        let m = tokio::time::timeout(WAIT, consumer.next())
            .await
            .expect("relayed message in time")
            .expect("read the output file");
        assert_eq!(m.stream_key(), key);
        assert_eq!(m.message().as_str().unwrap(), expected);
    }
    child.kill().expect("kill relay");
    child.wait().expect("wait relay");
    drop(stdin);
}
