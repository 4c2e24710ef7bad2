//! The binaries over real pipes: lines written into a child's stdin, lines read from its
//! stdout. Needs the feature `executables` (the binaries are built for these tests).
#![cfg(feature = "executables")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Kills the children on drop, and after a generous deadline so a broken binary fails the
/// test (its stdout closes) instead of hanging it.
struct Children(Arc<Mutex<Vec<Child>>>);

impl Children {
    fn new() -> Self {
        let children = Arc::new(Mutex::new(Vec::<Child>::new()));
        let watchdog = children.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(60));
            for child in watchdog.lock().unwrap().iter_mut() {
                let _ = child.kill();
            }
        });
        Self(children)
    }

    fn spawn(&self, command: &mut Command) -> (Option<std::process::ChildStdin>, ChildStdout) {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        self.0.lock().unwrap().push(child);
        (stdin, stdout)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.lock().unwrap().iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Splits an output line `[ts | key | seq] payload`.
fn split(line: &str) -> (String, u64, String) {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let (meta, payload) = line.split_once("] ").unwrap_or_else(|| panic!("{line:?}"));
    let parts: Vec<&str> = meta.trim_start_matches('[').split(" | ").collect();
    assert_eq!(parts.len(), 3, "{line:?}");
    assert_eq!(parts[0].len(), "2023-02-24T08:13:10".len(), "{line:?}");
    (
        parts[1].to_owned(),
        parts[2].parse().unwrap(),
        payload.to_owned(),
    )
}

fn read_lines(out: &mut BufReader<ChildStdout>, n: usize) -> Vec<(String, u64, String)> {
    (0..n)
        .map(|_| {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "output ended early");
            split(&line)
        })
        .collect()
}

#[test]
fn relay_survives_bad_input() {
    let children = Children::new();
    let (stdin, stdout) = children.spawn(
        Command::new(env!("CARGO_BIN_EXE_relay"))
            .args(["--input", "in", "--output", "out"])
            .stdin(Stdio::piped()),
    );
    let mut stdin = stdin.unwrap();
    let big = "x".repeat(1 << 20);
    let mut input = Vec::new();
    input.extend_from_slice(b"[a b] malformed meta\n");
    input.extend_from_slice(b"\xff\xfe not utf-8\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"[in] not json\n");
    input.extend_from_slice(b"[other] {\"skip\":1}\n");
    input.extend_from_slice(b"[in | 7] {\"tick\":0}\n");
    input.extend_from_slice(format!("[in] {{\"big\":\"{big}\"}}\n").as_bytes());
    input.extend_from_slice(b"{\"raw\":true}\n");
    // Closed mid-line: the partial last line is still delivered.
    input.extend_from_slice(b"[2022-01-01T00:00:00 | in] [1, 2]");
    stdin.write_all(&input).unwrap();
    drop(stdin);

    let mut out = BufReader::new(stdout);
    let lines = read_lines(&mut out, 4);
    assert_eq!(
        lines,
        vec![
            ("out".into(), 0, r#"{"relay":true,"tick":0}"#.into()),
            (
                "out".into(),
                1,
                format!(r#"{{"big":"{big}","relay":true}}"#)
            ),
            // A raw line is a broadcast: every consumer gets it.
            ("out".into(), 2, r#"{"raw":true,"relay":true}"#.into()),
            ("out".into(), 3, "[1,2]".into()),
        ]
    );
}

#[test]
fn clock_into_relay() {
    let children = Children::new();
    let (_, clock_out) = children.spawn(
        Command::new(env!("CARGO_BIN_EXE_clock"))
            .args(["--stream", "clock", "--interval", "10ms"])
            .stdin(Stdio::null()),
    );
    let (_, relay_out) = children.spawn(
        Command::new(env!("CARGO_BIN_EXE_relay"))
            .args(["--input", "clock", "--output", "relay"])
            .stdin(Stdio::from(clock_out)),
    );
    let lines = read_lines(&mut BufReader::new(relay_out), 3);
    for (i, (key, seq, payload)) in lines.into_iter().enumerate() {
        assert_eq!(key, "relay");
        assert_eq!(seq, i as u64);
        assert_eq!(payload, format!(r#"{{"relay":true,"tick":{i}}}"#));
    }
}

#[test]
fn complex_splits_between_group_members() {
    let children = Children::new();
    let (stdin, stdout) = children.spawn(
        Command::new(env!("CARGO_BIN_EXE_complex"))
            .args(["--input", "in", "--output", "out"])
            .stdin(Stdio::piped()),
    );
    let mut stdin = stdin.unwrap();
    for n in 0..10 {
        writeln!(stdin, "[in] {{\"n\":{n}}}").unwrap();
    }
    stdin.flush().unwrap();
    let lines = read_lines(&mut BufReader::new(stdout), 10);
    for (n, (key, seq, payload)) in lines.into_iter().enumerate() {
        assert_eq!((key.as_str(), seq), ("out", n as u64));
        let member = n % 2 + 1;
        assert_eq!(payload, format!(r#"{{"n":{n},"relay":{member}}}"#));
    }
}

#[test]
fn clock_rejects_bad_interval() {
    let output = Command::new(env!("CARGO_BIN_EXE_clock"))
        .args(["--stream", "clock", "--interval", "1h"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid duration `1h`") && stderr.contains("ns, us, ms, s, m"),
        "{stderr}"
    );
}
