//! The binaries (feature `executables`) against the test Redis (issue #14.2): `--version`,
//! `trim-stream` on a key that holds no stream exits 1 naming WRONGTYPE once, a refused
//! connection exits 1 with the address and the cause on one line, and a closed stdout ends
//! `consumer` quietly.
#![cfg(feature = "executables")]

use sea_streamer_conformance::{random_key, service_url};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(120);

fn redis_url() -> Option<String> {
    service_url("SEA_STREAMER_TEST_REDIS")
}

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
        ("trim-stream", env!("CARGO_BIN_EXE_trim-stream")),
    ] {
        let (code, out, _) = run(bin, &["--version"]);
        assert_eq!(code, Some(0), "{name}");
        assert_eq!(out.trim(), format!("{name} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn trim_stream_on_a_string_exits_1_naming_wrongtype_once() {
    let Some(url) = redis_url() else { return };
    let key = random_key("trim-string");
    let client = redis::Client::open(url.as_str()).expect("redis url");
    let mut conn = client.get_connection().expect("connect to the test Redis");
    redis::cmd("SET")
        .arg(&key)
        .arg("not a stream")
        .exec(&mut conn)
        .expect("SET");

    let stream = format!("{url}/{key}");
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_trim-stream"),
        &["--stream", &stream, "--maxlen", "1"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("trim-stream: error: "), "{err}");
    assert_eq!(err.matches("WRONGTYPE").count(), 1, "{err}");
    assert!(err.contains(&key), "{err}");

    // a stream is trimmed: exit 0, nothing printed
    let stream_key = random_key("trim-stream");
    let stream = format!("{url}/{stream_key}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_producer"), &["--stream", &stream]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_trim-stream"),
        &["--stream", &stream, "--maxlen", "0"],
    );
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .arg(&stream_key)
        .query(&mut conn)
        .expect("DEL");
}

#[test]
fn a_refused_connection_names_the_address_once() {
    // nothing listens on port 1
    for bin in [
        env!("CARGO_BIN_EXE_producer"),
        env!("CARGO_BIN_EXE_consumer"),
    ] {
        let (code, _, err) = run(bin, &["--stream", "redis://127.0.0.1:1/k"]);
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("redis://127.0.0.1:1"), "{err}");
        assert!(err.contains("refused"), "{err}");
        assert!(
            !err.contains("StreamerUri {") && !err.contains("Url {"),
            "{err}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = run(
        env!("CARGO_BIN_EXE_trim-stream"),
        &["--stream", "redis://127.0.0.1:1/k", "--maxlen", "many"],
    );
    assert_eq!(code, Some(2));
}

#[test]
fn consumer_stops_quietly_when_stdout_is_closed() {
    let Some(url) = redis_url() else { return };
    let key = random_key("closed-stdout");
    let stream = format!("{url}/{key}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_producer"), &["--stream", &stream]);
    assert_eq!((code, err.as_str()), (Some(0), ""));

    // `consumer | head -3`
    let mut child = command(env!("CARGO_BIN_EXE_consumer"))
        .args(["--stream", &stream])
        .spawn()
        .expect("spawn consumer");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for i in 0..3 {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0);
        assert_eq!(line.trim_end(), format!("{{\"hello\": {i}}}"));
    }
    drop(stdout);
    // As with `tail -f | head`, the next write finds the pipe closed.
    let (code, _, err) = run(env!("CARGO_BIN_EXE_producer"), &["--stream", &stream]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let out = wait(child);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.as_ref()), (Some(0), ""));
}
