//! Running the real `sea` binary in tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// What a run of `sea` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `sea args…` with `stdin` and waits for it.
pub fn sea(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sea"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sea");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for sea");
    writer.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `sea args…` and asserts exit 0.
pub fn ok(args: &[&str], stdin: &[u8]) -> Run {
    let run = sea(args, stdin);
    assert_eq!(run.code, 0, "sea {args:?} failed: {run:?}");
    run
}

/// Runs `sea args…`, reads one line of its stdout, closes stdout, and returns the exit
/// code and stderr.
pub fn close_stdout_after_one_line(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sea"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sea");
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "no output from sea {args:?}");
    drop(reader);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}

/// The lines of an NDJSON text, each parsed.
pub fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// The `payload` fields of NDJSON output.
pub fn payloads(text: &str) -> Vec<String> {
    ndjson(text)
        .iter()
        .map(|v| v["payload"].as_str().expect("a text payload").to_owned())
        .collect()
}

/// A fresh stream key.
pub fn key(prefix: &str) -> String {
    sea_streamer_conformance::random_key(prefix)
}
