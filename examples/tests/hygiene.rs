//! Command-line hygiene of the example programs (issue #14.2; processor, sql-sink, aggregator
//! and log-aggregator are tested with their runner): `--version` with their own name, a
//! closed stdout ends them quietly (exit 0, nothing on stderr), the end of stdin ends a
//! `stdio://` consumer, runtime errors exit 1 on one line naming the address, and the
//! duration syntax of every binary.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(120);

fn command(bin: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
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

/// Reads `n` lines of `child`'s stdout, then closes it (`| head -n`) and waits.
fn head(mut child: Child, n: usize) -> Output {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..n {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "output ended early"
        );
    }
    drop(stdout);
    wait(child)
}

#[test]
fn every_binary_has_version() {
    for (name, bin) in [
        ("tick-producer", env!("CARGO_BIN_EXE_tick-producer")),
        ("print-consumer", env!("CARGO_BIN_EXE_print-consumer")),
        ("resumable", env!("CARGO_BIN_EXE_resumable")),
        ("buffered", env!("CARGO_BIN_EXE_buffered")),
        ("blocking", env!("CARGO_BIN_EXE_blocking")),
        ("feed-replay", env!("CARGO_BIN_EXE_feed-replay")),
        ("price-feed", env!("CARGO_BIN_EXE_price-feed")),
    ] {
        let (code, out, _) = run(bin, &["--version"]);
        assert_eq!(code, Some(0), "{name}");
        assert_eq!(out.trim(), format!("{name} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn print_consumer_stops_quietly_when_stdout_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/ticks.ss/tick", dir.path().display());
    // more than a pipe holds, so print-consumer is still writing when the reader goes
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_tick-producer"),
        &["--output", &url, "--count", "20000", "--interval", "0ms"],
    );
    assert_eq!(code, Some(0), "{err}");
    let child = command(env!("CARGO_BIN_EXE_print-consumer"))
        .args(["--input", &url])
        .spawn()
        .unwrap();
    let out = head(child, 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.as_ref()), (Some(0), ""));
}

#[test]
fn tick_producer_to_stdout_stops_quietly_when_stdout_is_closed() {
    let child = command(env!("CARGO_BIN_EXE_tick-producer"))
        .args(["--output", "stdio:///tick", "--interval", "100us"])
        .spawn()
        .unwrap();
    let out = head(child, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.as_ref()), (Some(0), ""));
}

#[test]
fn print_consumer_ends_at_the_end_of_stdin() {
    let mut child = command(env!("CARGO_BIN_EXE_print-consumer"))
        .args(["--input", "stdio:///tick"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"[tick] {\"tick\":0}\n[other] x\n[tick] {\"tick\":1}\n")
        .unwrap();
    drop(stdin);
    let out = wait(child);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let payloads: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_once("] ").unwrap().1)
        .collect();
    assert_eq!(payloads, [r#"{"tick":0}"#, r#"{"tick":1}"#]);
}

#[test]
fn runtime_errors_exit_1_on_one_line_naming_the_address() {
    // nothing listens on port 1
    for (name, bin, args) in [
        (
            "print-consumer",
            env!("CARGO_BIN_EXE_print-consumer"),
            ["--input", "redis://127.0.0.1:1/tick"],
        ),
        (
            "tick-producer",
            env!("CARGO_BIN_EXE_tick-producer"),
            ["--output", "redis://127.0.0.1:1/tick"],
        ),
    ] {
        let (code, _, err) = run(bin, &args);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with(&format!("{name}: error: ")), "{err}");
        assert!(err.contains("redis://127.0.0.1:1/tick"), "{err}");
        assert!(err.contains("refused"), "{err}");
        assert!(!err.contains("StreamerUri {"), "{err}");
    }
}

#[test]
fn one_duration_syntax_with_the_units_listed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/ticks.ss/tick", dir.path().display());
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_tick-producer"),
        &["--output", &url, "--count", "3", "--interval", "100us"],
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_tick-producer"),
        &["--output", &url, "--interval", "1h"],
    );
    assert_eq!(code, Some(2), "a usage error");
    assert!(err.contains("ns, us, ms, s, m"), "{err}");
}
