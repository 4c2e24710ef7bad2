//! The example programs as a user runs them: spawned binaries, on the file and stdio
//! backends (no server). Each stage runs to completion, or all run as a pipe, so every
//! run ends by itself.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

const BINARIES: [(&str, &str); 11] = [
    ("tick-producer", env!("CARGO_BIN_EXE_tick-producer")),
    ("print-consumer", env!("CARGO_BIN_EXE_print-consumer")),
    ("processor", env!("CARGO_BIN_EXE_processor")),
    ("resumable", env!("CARGO_BIN_EXE_resumable")),
    ("buffered", env!("CARGO_BIN_EXE_buffered")),
    ("blocking", env!("CARGO_BIN_EXE_blocking")),
    ("feed-replay", env!("CARGO_BIN_EXE_feed-replay")),
    ("price-feed", env!("CARGO_BIN_EXE_price-feed")),
    ("sql-sink", env!("CARGO_BIN_EXE_sql-sink")),
    ("aggregator", env!("CARGO_BIN_EXE_aggregator")),
    ("log-aggregator", env!("CARGO_BIN_EXE_log-aggregator")),
];

fn run(bin: &str, args: &[&str]) -> Output {
    let output = Command::new(bin).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{bin} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The payloads of the consumer's lines `[timestamp | stream | seq] payload`.
fn payloads(stdout: &[u8]) -> Vec<String> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| l.split_once("] ").expect("a consumer line").1.to_owned())
        .collect()
}

fn processed_ticks(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!(r#"{{"processed":true,"tick":{i}}}"#))
        .collect()
}

#[test]
fn every_binary_has_help() {
    for (name, bin) in BINARIES {
        let output = run(bin, &["--help"]);
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(help.contains("Usage:"), "{name}: {help}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_tick-producer"))
        .args(["--output", "file://./x.ss/a", "--interval", "soon"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid duration `soon`"));
}

#[test]
fn clock_pipeline_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let ticks = format!("file://{}/ticks.ss/tick", dir.path().display());
    let processed = format!("file://{}/processed.ss/processed", dir.path().display());
    run(
        env!("CARGO_BIN_EXE_tick-producer"),
        &["--output", &ticks, "--count", "5", "--interval", "1ms"],
    );
    // no --count: both stop at the end-of-stream mark of their input file
    run(
        env!("CARGO_BIN_EXE_processor"),
        &["--input", &ticks, "--output", &processed],
    );
    let output = run(
        env!("CARGO_BIN_EXE_print-consumer"),
        &["--input", &processed],
    );
    assert_eq!(payloads(&output.stdout), processed_ticks(5));
}

#[test]
fn clock_pipeline_through_pipes() {
    let mut producer = Command::new(env!("CARGO_BIN_EXE_tick-producer"))
        .args([
            "--output",
            "stdio:///tick",
            "--count",
            "4",
            "--interval",
            "1ms",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut processor = Command::new(env!("CARGO_BIN_EXE_processor"))
        .args(["--input", "stdio:///tick", "--output", "stdio:///processed"])
        .args(["--count", "4"])
        .stdin(producer.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let consumer = Command::new(env!("CARGO_BIN_EXE_print-consumer"))
        .args(["--input", "stdio:///processed", "--count", "4"])
        .stdin(processor.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(producer.wait().unwrap().success());
    assert!(processor.wait().unwrap().success());
    assert!(consumer.status.success());
    assert_eq!(payloads(&consumer.stdout), processed_ticks(4));
}

/// Runs `bin` with `stdin` as its whole input (then closed) and returns its output once it
/// exits; panics if it is still running after a minute (it did not end with its input).
fn run_with_stdin(bin: &str, args: &[&str], stdin: String) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let pid = child.id();
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let output = match exited.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            let output = exited.recv().unwrap().unwrap();
            panic!(
                "{bin} {args:?} did not end at the end of its stdin: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    };
    writer.join().unwrap().expect("the input was written");
    output
}

#[test]
fn processor_ends_with_its_stdin() {
    // more lines than the runner keeps in flight (256), some with a stream header
    const N: usize = 1_000;
    let lines: String = (0..N)
        .map(|i| match i % 2 {
            0 => format!("{{\"tick\":{i}}}\n"),
            _ => format!("[tick] {{\"tick\":{i}}}\n"),
        })
        .collect();
    let output = run_with_stdin(
        env!("CARGO_BIN_EXE_processor"),
        &["--input", "stdio:///tick", "--output", "stdio:///processed"],
        lines,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {stderr}", output.status);
    assert_eq!(payloads(&output.stdout), processed_ticks(N));
    assert!(
        stderr.contains(&format!("processed {N} message(s), 0 dead-lettered")),
        "{stderr}"
    );

    // an empty stdin ends it too
    let output = run_with_stdin(
        env!("CARGO_BIN_EXE_processor"),
        &["--input", "stdio:///tick", "--output", "stdio:///processed"],
        String::new(),
    );
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
}

#[test]
fn price_feed_binaries_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let spreads = format!("file://{}/spreads.ss/spreads", dir.path().display());
    let averages = format!("file://{}/averages.ss/averages", dir.path().display());
    let database = dir.path().join("spreads.db");

    let mut server = Command::new(env!("CARGO_BIN_EXE_feed-replay"))
        .args(["--listen", "127.0.0.1:0", "--clients", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let feed = first_line
        .trim()
        .strip_prefix("listening on ")
        .expect("the server announces its address")
        .to_owned();
    run(
        env!("CARGO_BIN_EXE_price-feed"),
        &["--feed", &feed, "--output", &spreads],
    );
    assert!(
        server.wait().unwrap().success(),
        "the server exits after one client"
    );

    run(
        env!("CARGO_BIN_EXE_sql-sink"),
        &[
            "--input",
            &spreads,
            "--database",
            database.to_str().unwrap(),
        ],
    );
    run(
        env!("CARGO_BIN_EXE_aggregator"),
        &[
            "--input", &spreads, "--output", &averages, "--window", "4s", "--slide", "1s",
        ],
    );
    let output = run(
        env!("CARGO_BIN_EXE_print-consumer"),
        &["--input", &averages],
    );

    let recording =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/spreads.jsonl"))
            .unwrap();
    let spread_count = recording
        .lines()
        .filter(|l| l.starts_with('[')) // spreads are Kraken's channel arrays
        .count();
    // sliding windows of 4 s every 1 s: each spread is in 4 of the averages
    let averages = payloads(&output.stdout);
    let samples: u64 = averages
        .iter()
        .map(|p| {
            serde_json::from_str::<sea_streamer_examples::moving_average::Average>(p)
                .unwrap()
                .samples
        })
        .sum();
    assert_eq!(samples, 4 * spread_count as u64);

    let rows: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sea_streamer_examples::sql_sink::open_database(&database)
            .await
            .unwrap();
        let rows = sqlx::query_scalar("SELECT COUNT(*) FROM event")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    });
    assert_eq!(rows as usize, spread_count);
}
