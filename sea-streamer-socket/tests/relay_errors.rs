//! The `relay` binary when the output refuses messages (issue #15, defects 2 and 9): a failed
//! receipt stops the relay with an error naming the cause; a payload the stdio output cannot
//! carry (not UTF-8, or with a line break) is skipped with a warning and the flow goes on.
#![cfg(all(feature = "executables", feature = "backend-file"))]

mod common;

use common::{run_relay, run_relay_piped, run_relay_with_stdin, stderr, write_ss_file};

/// A Redis key holding a string: every `XADD` to it fails with `WRONGTYPE`. The relay
/// exits non-zero with that error instead of reading on.
#[cfg(feature = "backend-redis")]
#[test]
fn a_failed_receipt_stops_the_relay() {
    let Some(redis) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let key = sea_streamer_conformance::random_key("notstream");
    let set = std::process::Command::new("redis-cli")
        .args(["-u", &redis, "SET", &key, "x"])
        .output()
        .expect("redis-cli (Debian's redis-tools) is required by this test");
    assert!(set.status.success(), "{set:?}");

    let lines: String = (1..=1000).map(|i| format!("{i}\n")).collect();
    let output = format!("{redis}/{key}");
    let out = run_relay_with_stdin(
        &["--input", "stdio:///k", "--output", &output],
        Some(lines.into_bytes()),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("WRONGTYPE"), "{err}");
    assert!(err.contains(&key), "the error names the output: {err}");
}

/// A `.ss` file with payloads stdio cannot print relayed to stdout: the others are printed
/// in order, the two are skipped and counted, and the relay ends normally at the file's end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprintable_payloads_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("input.ss");
    let payloads: Vec<Vec<u8>> = vec![
        b"first".to_vec(),
        vec![0xff, 0xfe, b'x'],
        b"second".to_vec(),
        b"line1\n[2020-01-01T00:00:00 | k | 999] injected".to_vec(),
        b"third".to_vec(),
    ];
    write_ss_file(&path, "k", &payloads).await;

    let input = format!("file://{}/k", path.display());
    let out = run_relay(&[
        "--input",
        &input,
        "--offset",
        "start",
        "--output",
        "stdio:///k",
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{}: {err}", out.status);
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (i, (line, expected)) in lines.iter().zip(["first", "second", "third"]).enumerate() {
        assert!(line.ends_with(&format!(" | k | {i}] {expected}")), "{line}");
    }
    assert!(!stdout.contains("injected"), "{stdout}");
    // Warnings are visible without RUST_LOG.
    assert!(err.contains("not UTF-8"), "{err}");
    assert!(err.contains("line break"), "{err}");
}

/// Stdin closing ends a stdio input: the relay prints what it read and exits 0.
#[test]
fn stdin_eof_ends_the_relay() {
    let lines: String = (0..2000).map(|i| format!("[k] line-{i}\n")).collect();
    let out = run_relay_with_stdin(
        &["--input", "stdio:///k", "--output", "stdio:///out"],
        Some(lines.into_bytes()),
    );
    assert!(out.status.success(), "{}: {}", out.status, stderr(&out));
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2000);
    for (i, line) in lines.iter().enumerate() {
        assert!(line.ends_with(&format!(" | out | {i}] line-{i}")), "{line}");
    }
}

/// A closed stdout (its reader went away) ends a relay to stdio quietly: exit 0, no error.
#[test]
fn a_closed_stdout_ends_the_relay_quietly() {
    let lines: String = (0..100).map(|i| format!("[k] line-{i}\n")).collect();
    let out = run_relay_piped(
        &["--input", "stdio:///k", "--output", "stdio:///out"],
        Some(lines.into_bytes()),
        true,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// `relay --version` names the program and exits 0.
#[test]
fn version() {
    let out = run_relay_with_stdin(&["--version"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("relay "), "{stdout}");
}
