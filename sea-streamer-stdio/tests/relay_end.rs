//! The stdio `relay` binary at the ends of its pipes: at the end of stdin it prints what it
//! read and exits 0; when stdout is closed by its reader it ends quietly (exit 0).
#![cfg(feature = "executables")]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(120);

/// Runs the relay on `input`, with stdout piped (or closed at once if `close_stdout`),
/// waiting at most [`HANG`].
fn run(input: Vec<u8>, close_stdout: bool) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--input", "in", "--output", "out"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG")
        .spawn()
        .expect("spawn relay");
    if close_stdout {
        drop(child.stdout.take());
    }
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::spawn(move || {
        // The relay may stop reading early (that is the point of one test).
        let _ = stdin.write_all(&input);
    });
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(HANG) {
        Ok(output) => output.expect("wait for relay"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("relay did not exit within {HANG:?}");
        }
    }
}

#[test]
fn end_of_stdin_ends_the_relay_after_printing_everything() {
    let n = 20_000;
    let input: String = (0..n).map(|i| format!("[in] {{\"n\":{i}}}\n")).collect();
    let out = run(input.into_bytes(), false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", out.status);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), n);
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.ends_with(&format!(" | out | {i}] {{\"n\":{i},\"relay\":true}}")),
            "{line}"
        );
    }
}

#[test]
fn a_closed_stdout_ends_the_relay_quietly() {
    // One line: no later message comes along to reveal the failed receipt. A reader that
    // goes away (`relay | head -n 1`) is a normal end: exit 0, nothing on stderr.
    let out = run(b"[in] {\"n\":0}\n".to_vec(), true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
