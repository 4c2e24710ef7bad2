//! The binaries (feature `executables`): `ss-decode`, `ss-verify`, `clock`, `sink`, `tail`,
//! `stdin-to-file`.
#![cfg(feature = "executables")]

use std::process::Command;

fn vector(name: &str) -> String {
    format!("{}/tests/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(bin: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(bin).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn ss_decode_matches_spec() {
    let bin = env!("CARGO_BIN_EXE_ss-decode");
    let (code, out) = run(bin, &["--file", &vector("sample-1.ss")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 29);
    assert_eq!(
        lines[0],
        r#"# {"file_name":"vec_map-1694767177436.firedbg.ss","created_at":"2023-09-15T08:39:37.437","beacon_interval":1048576}"#
    );
    assert!(lines[1].starts_with("[2023-09-15T08:39:37.912 | file | 1 | 0] {\"id\":1,"));
    assert_eq!(
        lines[28],
        "[2023-09-15T08:39:38.569 | SEA_STREAMER_INTERNAL | 0 | 0] EOS"
    );

    let (code, out) = run(
        bin,
        &["--file", &vector("sample-1.ss"), "--format", "ndjson"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().nth(1).unwrap(),
        r#"{"header":{"stream_key":"file","shard_id":0,"sequence":1,"timestamp":"2023-09-15T08:39:37.912"},"payload":{"crate_name":"vec_map","id":1,"modified":{"nanos_since_epoch":661434645,"secs_since_epoch":1693814866},"path":"testcases/vec_map.rs"}}"#
    );

    let (code, out) = run(bin, &["--file", &vector("consumer.ss")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("| hello | 20 | 1]"))
        .unwrap();
    assert_eq!(
        lines[at + 1],
        r#"# [{"header":{"stream_key":"hello","shard_id":1,"sequence":20,"timestamp":"2023-08-10T16:49:14.773"},"running_checksum":2887}]"#
    );

    let (code, out) = run(bin, &["--file", &vector("quicksort.ss"), "--header-only"]);
    assert_eq!(code, 0, "a missing EOS is only a warning");
    assert_eq!(out.lines().count(), 43);
    assert!(out
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("[2023-08-11T06:28:50.44 | quicksort | 1 | 0]"));

    let (code, _) = run(bin, &["--file", &vector("quicksort.ss"), "--format", "xml"]);
    assert_ne!(code, 0);
}

#[test]
fn ss_verify_and_repair() {
    let bin = env!("CARGO_BIN_EXE_ss-verify");
    let (code, out) = run(bin, &["--file", &vector("consumer.ss")]);
    assert_eq!(code, 0);
    assert!(out.contains("frames:          101"));

    let tmp = std::env::temp_dir().join(format!("ss-verify-{}.ss", std::process::id()));
    let bytes = std::fs::read(vector("consumer.ss")).unwrap();
    std::fs::write(&tmp, &bytes[..3000]).unwrap();
    let path = tmp.to_str().unwrap();
    let (code, _) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    let (code, _) = run(bin, &["--file", path, "--repair"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::metadata(&tmp).unwrap().len(), 2986);
    let (code, _) = run(bin, &["--file", path]);
    assert_eq!(code, 0);

    // a flipped payload bit is found; the reader resynchronises at the next beacon
    let mut flipped = bytes.clone();
    flipped[0x444] ^= 0x10;
    std::fs::write(&tmp, &flipped).unwrap();
    let (code, out) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    assert!(out.contains("Checksum error"), "{out}");
    assert!(out.contains("frames:          100"), "{out}");

    // a flipped bit in a length field is caught by the beacon that interrupts the frame
    let mut flipped = bytes.clone();
    flipped[0x440] ^= 0x10;
    std::fs::write(&tmp, &flipped).unwrap();
    let (code, out) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    assert!(out.contains("Beacon mismatch"), "{out}");
    std::fs::remove_file(&tmp).unwrap();
}

fn temp(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("ss-bin-{name}-{}-{nanos}", std::process::id()))
}

/// `ss-decode` log lines (`[time | key | seq | shard] payload`) of the stream `clock` in shard 0:
/// (sequence, payload).
fn decoded_clock(path: &str) -> Vec<(u64, String)> {
    let (code, out) = run(env!("CARGO_BIN_EXE_ss-decode"), &["--file", path]);
    assert_eq!(code, 0, "{out}");
    out.lines()
        .filter(|l| l.contains(" | clock | ") && l.contains(" | 0] "))
        .map(|l| {
            let (head, payload) = l.split_once("] ").unwrap();
            let seq = head.split(" | ").nth(2).unwrap().parse().unwrap();
            (seq, payload.to_owned())
        })
        .collect()
}

#[test]
fn clock_and_sink_write_ticks() {
    // sink: a fresh file, sequence numbers from 0
    let path = temp("sink");
    let p = path.to_str().unwrap();
    let (code, _) = run(
        env!("CARGO_BIN_EXE_sink"),
        &["--file", p, "--interval", "1ms", "--count", "3"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        decoded_clock(p),
        vec![
            (0, "tick-0".to_owned()),
            (1, "tick-1".to_owned()),
            (2, "tick-2".to_owned())
        ]
    );

    // clock appends to the same file through a producer: its numbering continues
    let (code, _) = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--file", p, "--interval", "2ms", "--count", "2"],
    );
    assert_eq!(code, 0);
    let ticks = decoded_clock(p);
    assert_eq!(
        ticks[3..],
        [(3, "tick-0".to_owned()), (4, "tick-1".to_owned())]
    );
    std::fs::remove_file(&path).unwrap();

    // clock needs an existing file; a bad interval is a usage error
    let (code, _) = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--file", p, "--interval", "1ms", "--count", "1"],
    );
    assert_ne!(code, 0);
    let out = Command::new(env!("CARGO_BIN_EXE_sink"))
        .args(["--file", p, "--interval", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ns, us, ms, s, m"));
}

#[test]
fn stdin_to_file_copies_ten_lines() {
    use std::io::Write;
    let path = temp("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stdin-to-file"))
        .args(["--file", path.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = (0..12).map(|i| format!("line {i} ✓\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let expected: String = (0..10).map(|i| format!("line {i} ✓\n")).collect();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    std::fs::remove_file(&path).unwrap();
}

/// Kills the child process if the test fails before it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn tail_prints_appended_bytes() {
    use std::io::{BufRead, BufReader, Write};
    let path = temp("tail");
    std::fs::write(&path, "old\n").unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_tail"))
            .args(["--file", path.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // wait until it follows (it reports its start offset on stderr)
    let mut started = String::new();
    BufReader::new(child.0.stderr.take().unwrap())
        .read_line(&mut started)
        .unwrap();
    assert!(started.contains("from byte 4"), "{started}");
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    // a character split between two appends arrives whole
    let text = "new ✓ line\n".as_bytes();
    out.write_all(&text[..6]).unwrap();
    out.flush().unwrap();
    out.write_all(&text[6..]).unwrap();
    out.write_all(b"second\n").unwrap();
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "new ✓ line");
    assert_eq!(lines.next().unwrap().unwrap(), "second");
    // removing the file ends it with an error
    std::fs::remove_file(&path).unwrap();
    let status = child.0.wait().unwrap();
    assert!(!status.success());
}

#[test]
fn a_second_writing_process_is_refused() {
    // `sink` (no --count) writes until killed; it holds the file's write lock from the start
    let path = temp("locked");
    let p = path.to_str().unwrap();
    let mut writer = Command::new(env!("CARGO_BIN_EXE_sink"))
        .args(["--file", p, "--interval", "5ms"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // the header is written only once the lock is held: wait for it (bounded)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&path).map_or(0, |m| m.len()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "sink never wrote a header"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }

    // a second writer (clock appends through a producer) fails with a clear error
    let out = Command::new(env!("CARGO_BIN_EXE_clock"))
        .args(["--file", p, "--interval", "1ms", "--count", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another process is writing this file"),
        "{stderr}"
    );

    // once the first writer is gone, appending works and the file is intact
    writer.kill().unwrap();
    writer.wait().unwrap();
    let (code, _) = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--file", p, "--interval", "1ms", "--count", "1"],
    );
    assert_eq!(code, 0);
    let ticks = decoded_clock(p);
    assert_eq!(ticks.last().map(|(_, t)| t.as_str()), Some("tick-0"));
    let (code, _) = run(env!("CARGO_BIN_EXE_ss-verify"), &["--file", p]);
    assert_eq!(code, 0);
    std::fs::remove_file(&path).unwrap();
}

/// Runs `bin` with `args`, stdin empty and RUST_LOG unset: (exit code, stdout, stderr).
fn run_all(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `bin` with `args` and its stdout closed from the start (`bin | head -0`):
/// (exit code, stderr).
fn run_closed_stdout(bin: &str, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(bin)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_binary_has_version() {
    for (name, bin) in [
        ("ss-decode", env!("CARGO_BIN_EXE_ss-decode")),
        ("ss-verify", env!("CARGO_BIN_EXE_ss-verify")),
        ("clock", env!("CARGO_BIN_EXE_clock")),
        ("sink", env!("CARGO_BIN_EXE_sink")),
        ("tail", env!("CARGO_BIN_EXE_tail")),
        ("stdin-to-file", env!("CARGO_BIN_EXE_stdin-to-file")),
    ] {
        let (code, out, _) = run_all(bin, &["--version"]);
        assert_eq!(code, 0, "{name}");
        assert_eq!(out.trim(), format!("{name} {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn ss_decode_ndjson_is_one_json_object_per_line() {
    for file in ["sample-1.ss", "consumer.ss", "quicksort.ss"] {
        let (code, out, _) = run_all(
            env!("CARGO_BIN_EXE_ss-decode"),
            &["--file", &vector(file), "--format", "ndjson"],
        );
        assert_eq!(code, 0, "{file}");
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {l}: {e}")))
            .collect();
        assert!(lines.iter().all(|v| v.is_object()), "{file}");
        assert!(
            lines[0]["file_header"]["beacon_interval"].is_u64(),
            "{file}"
        );
        assert!(lines[1]["header"]["stream_key"].is_string(), "{file}");
    }
    // the beacon crossed after `hello` 20 in shard 1
    let (_, out, _) = run_all(
        env!("CARGO_BIN_EXE_ss-decode"),
        &["--file", &vector("consumer.ss"), "--format", "ndjson"],
    );
    let beacon: serde_json::Value = out
        .lines()
        .find(|l| l.starts_with(r#"{"beacon":"#))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("a beacon line");
    assert_eq!(beacon["markers"][0]["running_checksum"], 2887);
}

#[test]
fn ss_decode_usage_errors_list_the_valid_values() {
    let (code, out, err) = run_all(
        env!("CARGO_BIN_EXE_ss-decode"),
        &["--file", &vector("sample-1.ss"), "--format", "csv"],
    );
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("log") && err.contains("ndjson"), "{err}");
}

#[test]
fn runtime_errors_exit_1_on_one_line_naming_the_file() {
    let missing = temp("missing");
    let m = missing.to_str().unwrap();
    for (name, bin, args) in [
        (
            "ss-decode",
            env!("CARGO_BIN_EXE_ss-decode"),
            vec!["--file", m],
        ),
        (
            "clock",
            env!("CARGO_BIN_EXE_clock"),
            vec!["--file", m, "--interval", "1ms", "--count", "1"],
        ),
        ("tail", env!("CARGO_BIN_EXE_tail"), vec!["--file", m]),
    ] {
        let (code, _, err) = run_all(bin, &args);
        assert_eq!(code, 1, "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with(&format!("{name}: error: ")), "{err}");
        assert!(err.contains(m), "{name}: {err}");
        assert!(
            !err.contains("Stack backtrace") && !err.contains(" {"),
            "{err}"
        );
    }
}

#[test]
fn warnings_are_shown_by_default() {
    // quicksort.ss has no end-of-stream mark
    let (code, _, err) = run_all(
        env!("CARGO_BIN_EXE_ss-decode"),
        &["--file", &vector("quicksort.ss")],
    );
    assert_eq!(code, 0);
    assert!(err.contains("might be truncated"), "{err}");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let sample = vector("sample-1.ss");
    for (name, bin, args) in [
        (
            "ss-decode",
            env!("CARGO_BIN_EXE_ss-decode"),
            vec!["--file", sample.as_str()],
        ),
        (
            "ss-decode ndjson",
            env!("CARGO_BIN_EXE_ss-decode"),
            vec!["--file", sample.as_str(), "--format", "ndjson"],
        ),
        (
            "ss-verify",
            env!("CARGO_BIN_EXE_ss-verify"),
            vec!["--file", sample.as_str()],
        ),
    ] {
        let (code, err) = run_closed_stdout(bin, &args);
        assert_eq!((code, err.as_str()), (0, ""), "{name}");
    }
}

#[test]
fn tail_ends_quietly_when_stdout_is_closed() {
    use std::io::{BufRead, BufReader, Read, Write};
    let path = temp("tail-closed");
    std::fs::write(&path, "old\n").unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_tail"))
            .args(["--file", path.to_str().unwrap()])
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    drop(child.0.stdout.take());
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut started = String::new();
    stderr.read_line(&mut started).unwrap();
    assert!(started.contains("from byte 4"), "{started}");
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    out.write_all(b"new\n").unwrap();
    out.flush().unwrap();
    let status = child.0.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!((status.code(), rest.as_str()), (Some(0), ""));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn clock_takes_the_duration_syntax_of_every_binary() {
    let path = temp("clock-us");
    let p = path.to_str().unwrap();
    std::fs::write(&path, b"").unwrap();
    let (code, _, err) = run_all(
        env!("CARGO_BIN_EXE_clock"),
        &["--file", p, "--interval", "100us", "--count", "3"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(decoded_clock(p).len(), 3);
    std::fs::remove_file(&path).unwrap();
}
