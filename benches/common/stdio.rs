//! Stdio backend measurements through real OS pipes.
//!
//! The stdio backend reads the process's stdin and writes its stdout, so each measurement
//! runs the backend in a child process: the benchmark binary re-executes itself with
//! [`ROLE_VAR`] set to `stdio-produce` (a `StdioProducer` printing `n` messages) or
//! `stdio-consume` (a `StdioConsumer` reading `n` messages). The child times its own loop
//! and reports `elapsed_ns <n>` on stderr, so process start-up is not measured.
//!
//! - produce: producer child → pipe → this process (counts lines);
//! - consume: this process writes `n` pre-formatted lines → pipe → consumer child;
//! - pipe: producer child → pipe → consumer child;
//! - ceiling: this process → pipe → `cat` → pipe → this process, `n` lines of the payload.

use super::{first_to_last, payload, PAYLOAD_SIZE};
use sea_streamer_stdio::{StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, Producer, StreamKey, Streamer, StreamerUri};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable selecting the child role.
pub const ROLE_VAR: &str = "SEA_STREAMER_BENCH_ROLE";
/// Environment variable with the number of messages of the child role.
pub const COUNT_VAR: &str = "SEA_STREAMER_BENCH_MESSAGES";
/// The stream key of every stdio benchmark message.
pub const KEY: &str = "bench";

const PRODUCE: &str = "stdio-produce";
const CONSUME: &str = "stdio-consume";
const REPORT: &str = "elapsed_ns ";
/// Longest wait for one message in a consumer child before it gives up.
const NEXT_TIMEOUT: Duration = Duration::from_secs(60);

/// If this process is a stdio child (see the module docs), runs its role and returns
/// `true`; the caller must then exit without benchmarking.
pub fn run_role_if_child() -> bool {
    let Ok(role) = std::env::var(ROLE_VAR) else {
        return false;
    };
    let n: u64 = std::env::var(COUNT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("SEA_STREAMER_BENCH_MESSAGES is a number");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let elapsed = match role.as_str() {
        PRODUCE => rt.block_on(child_produce(n)),
        CONSUME => rt.block_on(child_consume(n)),
        other => panic!("unknown {ROLE_VAR} `{other}`"),
    };
    eprintln!("{REPORT}{}", elapsed.as_nanos());
    true
}

fn key() -> StreamKey {
    StreamKey::new(KEY).expect("valid key")
}

async fn child_produce(n: u64) -> Duration {
    let text = payload();
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default())
        .await
        .expect("connect stdio");
    let producer = streamer
        .create_producer(key(), Default::default())
        .await
        .expect("create stdio producer");
    let start = Instant::now();
    for _ in 0..n {
        drop(producer.send(text.as_str()).expect("send"));
    }
    // `end` = flush: everything sent before has been written to stdout.
    producer.end().await.expect("end");
    start.elapsed()
}

async fn child_consume(n: u64) -> Duration {
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default())
        .await
        .expect("connect stdio");
    let consumer = streamer
        .create_consumer(&[key()], StdioConsumerOptions::default())
        .await
        .expect("create stdio consumer");
    let mut start = Instant::now();
    for i in 0..n {
        let message = tokio::time::timeout(NEXT_TIMEOUT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .expect("next");
        assert_eq!(message.message().size(), PAYLOAD_SIZE, "payload size");
        if i == 0 {
            start = Instant::now();
        }
    }
    first_to_last(n, start.elapsed())
}

fn child(role: &str, n: u64) -> Command {
    let exe = std::env::current_exe().expect("path of this benchmark binary");
    let mut command = Command::new(exe);
    command
        .env(ROLE_VAR, role)
        .env(COUNT_VAR, n.to_string())
        .stderr(Stdio::piped());
    command
}

/// Waits for a child and returns the time it reported.
fn report(mut child: Child, what: &str) -> Duration {
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut err).expect("read child stderr");
    }
    let status = child.wait().expect("wait for child");
    assert!(status.success(), "{what} child failed ({status}): {err}");
    let nanos: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix(REPORT))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{what} child reported no time: {err}"));
    Duration::from_nanos(nanos)
}

/// Counts the lines on `reader` until EOF.
fn count_lines(reader: impl Read) -> u64 {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut line = Vec::with_capacity(512);
    let mut lines = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).expect("read pipe") {
            0 => return lines,
            _ => lines += 1,
        }
    }
}

/// Producer child → pipe → this process; the producer's own time for `n` messages.
pub fn produce(n: u64) -> Duration {
    let mut child = child(PRODUCE, n)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn producer child");
    let stdout = child.stdout.take().expect("child stdout");
    let lines = count_lines(stdout);
    let elapsed = report(child, "producer");
    assert_eq!(lines, n, "lines printed by the producer child");
    elapsed
}

/// `n` input lines as the stdio producer prints them (timestamp, key, sequence, payload).
pub fn input_lines(n: u64) -> Vec<u8> {
    let text = payload();
    let mut out = Vec::with_capacity(n as usize * (PAYLOAD_SIZE + 40));
    for i in 0..n {
        writeln!(out, "[2026-01-01T00:00:00 | {KEY} | {i}] {text}").expect("write to memory");
    }
    out
}

/// This process writes `lines` (from [`input_lines`]) → pipe → consumer child; the
/// consumer's time for `n` messages.
pub fn consume(n: u64, lines: &[u8]) -> Duration {
    let mut child = child(CONSUME, n)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn consumer child");
    let mut stdin = child.stdin.take().expect("child stdin");
    std::thread::scope(|s| {
        s.spawn(move || {
            // The consumer exits after `n` messages; a late write error is harmless.
            let _ = stdin.write_all(lines);
        });
        report(child, "consumer")
    })
}

/// Producer child → pipe → consumer child; the consumer's time for `n` messages.
pub fn pipe(n: u64) -> Duration {
    let mut producer = child(PRODUCE, n)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn producer child");
    let stdout = producer.stdout.take().expect("producer stdout");
    let consumer = child(CONSUME, n)
        .stdin(Stdio::from(stdout))
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn consumer child");
    let elapsed = report(consumer, "consumer");
    report(producer, "producer");
    elapsed
}

/// This process → pipe → `cat` → pipe → this process: `n` lines of the 256-byte payload;
/// the time from the first write until the last line is read back.
pub fn cat_ceiling(n: u64) -> Duration {
    let mut line = payload().into_bytes();
    line.push(b'\n');
    let mut cat = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat");
    let stdin = cat.stdin.take().expect("cat stdin");
    let stdout = cat.stdout.take().expect("cat stdout");
    let start = Instant::now();
    let lines = std::thread::scope(|s| {
        s.spawn(|| {
            let mut writer = BufWriter::with_capacity(1 << 16, stdin);
            for _ in 0..n {
                writer.write_all(&line).expect("write to cat");
            }
            writer.flush().expect("flush to cat");
        });
        count_lines(stdout)
    });
    let elapsed = start.elapsed();
    cat.wait().expect("wait for cat");
    assert_eq!(lines, n, "lines through cat");
    elapsed
}
