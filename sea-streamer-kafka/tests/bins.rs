//! The binaries (feature `executables`) against the test broker (issue #14.2): `--version`,
//! a cluster that does not answer is named with the cause on one line (exit 1), and a
//! closed stdout ends `consumer` quietly.
#![cfg(feature = "executables")]

use sea_streamer_conformance::{random_key, service_url};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(180);

fn command(bin: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("STREAM_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits for `child` at most [`HANG`]; kills it and fails the test otherwise.
fn wait(child: Child) -> Output {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(HANG) {
        Ok(output) => output.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the program did not end within {HANG:?}");
        }
    }
}

fn run(bin: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = wait(command(bin).args(args).spawn().expect("spawn"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_binary_has_version() {
    for (name, bin) in [
        ("producer", env!("CARGO_BIN_EXE_producer")),
        ("consumer", env!("CARGO_BIN_EXE_consumer")),
    ] {
        let (code, out, _) = run(bin, &["--version"]);
        assert_eq!(code, Some(0), "{name}");
        assert_eq!(out.trim(), format!("{name} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn a_cluster_that_does_not_answer_is_named_with_the_cause_once() {
    // nothing listens on port 1
    for bin in [
        env!("CARGO_BIN_EXE_producer"),
        env!("CARGO_BIN_EXE_consumer"),
    ] {
        let (code, _, err) = run(bin, &["--stream", "kafka://127.0.0.1:1/clock"]);
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("Kafka cluster at 127.0.0.1:1"), "{err}");
        assert!(err.contains("Connection refused"), "{err}");
    }
}

#[test]
fn consumer_stops_quietly_when_stdout_is_closed() {
    let Some(url) = service_url("SEA_STREAMER_TEST_KAFKA") else {
        return;
    };
    let stream = format!("{url}/{}", random_key("closed-stdout"));
    let (code, _, err) = run(env!("CARGO_BIN_EXE_producer"), &["--stream", &stream]);
    assert_eq!((code, err.as_str()), (Some(0), ""));

    // `consumer | head -3`: the 1000 messages overflow the pipe, so a write finds it closed
    let mut child = command(env!("CARGO_BIN_EXE_consumer"))
        .args(["--stream", &stream])
        .spawn()
        .expect("spawn consumer");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        // in order per partition only
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0);
        assert!(line.starts_with("{\"hello\": "), "{line}");
    }
    drop(stdout);
    let (code, _, err) = run(env!("CARGO_BIN_EXE_producer"), &["--stream", &stream]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let out = wait(child);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.as_ref()), (Some(0), ""));
}
