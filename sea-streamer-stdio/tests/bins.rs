//! The binaries' command-line hygiene (issue #14.2): `--version`, usage errors exit 2 with
//! the valid values named, a closed stdout ends a program quietly (exit 0, nothing on
//! stderr), the end of stdin ends `complex` after printing what it read, and runtime errors
//! exit 1 with a one-line message.
#![cfg(feature = "executables")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(120);

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

fn command(bin: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    command
}

fn run(bin: &str, args: &[&str]) -> Output {
    let child = command(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait(child)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_binary_has_version() {
    for (name, bin) in [
        ("clock", env!("CARGO_BIN_EXE_clock")),
        ("relay", env!("CARGO_BIN_EXE_relay")),
        ("complex", env!("CARGO_BIN_EXE_complex")),
    ] {
        let out = run(bin, &["--version"]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(
            text(&out.stdout).trim(),
            format!("{name} {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn clock_stops_quietly_when_stdout_is_closed() {
    let mut child = command(env!("CARGO_BIN_EXE_clock"))
        .args(["--stream", "c", "--interval", "100us"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn clock");
    // `clock | head -2`
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..2 {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0);
        assert!(line.contains("| c |"), "{line}");
    }
    drop(stdout);
    let out = wait(child);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn clock_usage_errors_exit_2_with_the_units() {
    let out = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--stream", "c", "--interval", "1h"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("ns, us, ms, s, m"), "{err}");
    let out = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--stream", "a b", "--interval", "1s"],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `complex` on `input` (stdin closed after it), with stdout piped.
fn complex(input: &str) -> Output {
    let mut child = command(env!("CARGO_BIN_EXE_complex"))
        .args(["--input", "in", "--output", "out"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn complex");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    wait(child)
}

#[test]
fn complex_ends_at_the_end_of_stdin() {
    let input: String = (0..13)
        .map(|i| format!("[in] {{\"tick\":{i}}}\n"))
        .collect();
    let out = complex(&input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let relays: Vec<u64> = stdout
        .lines()
        .map(|line| {
            let json = line.split_once("] ").unwrap().1;
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            value["relay"].as_u64().unwrap()
        })
        .collect();
    // five rounds of members 1 and 2, then the single member of the second connection
    assert_eq!(relays, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 0, 0, 0], "{stdout}");

    // stdin ending in the middle of the first rounds
    let out = complex("[in] {\"tick\":0}\n[in] {\"tick\":1}\n[in] {\"tick\":2}\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 3);
}

#[test]
fn complex_stops_quietly_when_stdout_is_closed() {
    let mut child = command(env!("CARGO_BIN_EXE_complex"))
        .args(["--input", "in", "--output", "out"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn complex");
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        // endless input: only the closed stdout can end the program
        for i in 0.. {
            if writeln!(stdin, "[in] {{\"tick\":{i}}}").is_err() {
                break;
            }
        }
    });
    let out = wait(child);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}
