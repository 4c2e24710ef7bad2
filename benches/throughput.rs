//! Throughput harness: for every backend available, produce N messages of 256 bytes and
//! consume them, and compare each rate with the machine's ceiling for the same path,
//! measured in the same run:
//!
//! | Backend | Ceiling |
//! |---|---|
//! | file, produce | `dd if=/dev/zero of=<tmp> bs=1M count=256 conv=fdatasync` (sequential write + sync); our time includes `end` (flush + fsync) |
//! | file, consume | `cat <the produced .ss> > /dev/null` (page-cache read of the same file) |
//! | stdio | N 256-byte lines written into `cat` and read back (two OS pipes) |
//! | redis, produce | `redis-benchmark -P 100 -n N XADD <key> * f <256 bytes>` |
//! | redis, consume | `redis-benchmark -c 1 XRANGE <key> - + COUNT 100` × 100 entries |
//! | kafka | raw rdkafka `FutureProducer` / `StreamConsumer` with the same settings |
//!
//! Kafka runs 6 rounds, alternating which side goes first (each side is first in half of
//! them), and compares each side's median round.
//!
//! Ceilings are converted to messages per second with the bytes one message takes on that
//! path (the .ss frame size for the file backend), and the ratio is ours ÷ ceiling.
//! Redis and Kafka rows need `SEA_STREAMER_TEST_REDIS` / `SEA_STREAMER_TEST_KAFKA`
//! (`scripts/services.sh up && eval "$(scripts/services.sh env)"`); without them the row
//! says "skipped (no service)".
//!
//! Run with `cargo bench -p sea-streamer --bench throughput -- --messages 100000`
//! (default 100 000). `--only file,redis` runs only the named backends (file, stdio, redis,
//! kafka), e.g. to profile one of them. The table and the machine facts go to stdout,
//! progress to stderr.
#![allow(clippy::print_stdout)]

mod common;

use common::file::Finish;
use common::{rate, service_url, stdio, unique, KAFKA_VAR, PAYLOAD_SIZE, REDIS_VAR};
use sea_streamer_types::StreamKey;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const DEFAULT_MESSAGES: u64 = 100_000;

/// A reference rate measured on this machine in this run.
#[derive(Clone)]
struct Ceiling {
    what: String,
    /// Messages (or message-sized units) per second.
    per_sec: f64,
    /// Bytes per second on the ceiling's own path.
    bytes_per_sec: f64,
}

enum Outcome {
    Measured {
        per_sec: f64,
        ceiling: Option<Ceiling>,
        note: Option<String>,
    },
    Skipped(String),
}

struct Row {
    backend: &'static str,
    direction: &'static str,
    outcome: Outcome,
}

fn measured(
    backend: &'static str,
    direction: &'static str,
    n: u64,
    elapsed: Duration,
    ceiling: Option<Ceiling>,
) -> Row {
    Row {
        backend,
        direction,
        outcome: Outcome::Measured {
            per_sec: rate(n, elapsed),
            ceiling,
            note: None,
        },
    }
}

fn skipped(backend: &'static str, direction: &'static str, why: &str) -> Row {
    Row {
        backend,
        direction,
        outcome: Outcome::Skipped(why.to_owned()),
    }
}

/// The value of `--name value` or `--name=value` on the command line.
fn arg_value(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = format!("--{name}");
    let prefix = format!("--{name}=");
    let mut found = None;
    for (i, arg) in args.iter().enumerate() {
        if let Some(v) = arg.strip_prefix(&prefix) {
            found = Some(v.to_owned());
        } else if *arg == flag {
            found = args.get(i + 1).cloned();
        }
    }
    found
}

/// Whether `--only` (a comma-separated list of backends) lets `backend` run; all run
/// without it.
fn selected(backend: &str) -> bool {
    match arg_value("only") {
        Some(list) => list.split(',').any(|b| b.trim() == backend),
        None => true,
    }
}

fn messages_arg() -> u64 {
    match arg_value("messages") {
        Some(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("--messages expects a number, got `{v}`")),
        None => DEFAULT_MESSAGES,
    }
}

fn progress(text: &str) {
    eprintln!("[throughput] {text}");
}

/// Runs one backend's section; a panic turns into "failed" rows instead of ending the run.
fn guarded(
    backend: &'static str,
    directions: &[&'static str],
    section: impl FnOnce() -> Vec<Row>,
) -> Vec<Row> {
    match catch_unwind(AssertUnwindSafe(section)) {
        Ok(rows) => rows,
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic".to_owned());
            let text: String = text.chars().take(80).collect();
            directions
                .iter()
                .map(|d| skipped(backend, d, &format!("failed: {}", text.replace('|', "/"))))
                .collect()
        }
    }
}

/// Times a shell-free command; `None` if it cannot run or fails.
fn time_command(command: &mut Command) -> Option<Duration> {
    let start = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| start.elapsed())
}

fn file_section(rt: &Runtime, n: u64, dir: &Path) -> Vec<Row> {
    let text = common::payload();
    let path = dir.join("throughput.ss");
    progress(&format!("file: producing {n} messages"));
    let produce = rt.block_on(common::file::produce(&path, n, &text, Finish::Sync));
    let file_size = std::fs::metadata(&path)
        .expect("size of the produced file")
        .len();
    let frame = file_size as f64 / n as f64;

    progress("file: dd sequential write ceiling");
    let dd_path = dir.join("dd.bin");
    let dd = time_command(Command::new("dd").args([
        "if=/dev/zero",
        &format!("of={}", dd_path.display()),
        "bs=1M",
        "count=256",
        "conv=fdatasync",
    ]))
    .map(|t| {
        let bytes_per_sec = (256u64 << 20) as f64 / t.as_secs_f64();
        Ceiling {
            what: "dd bs=1M count=256 conv=fdatasync".to_owned(),
            per_sec: bytes_per_sec / frame,
            bytes_per_sec,
        }
    });
    let _ = std::fs::remove_file(&dd_path);

    progress(&format!("file: consuming {n} messages"));
    let consume = rt.block_on(common::file::consume(&path, n));

    progress("file: page-cache read ceiling");
    // one read to make sure the file is cached, then the timed one
    let _ = time_command(Command::new("cat").arg(&path));
    let cat = time_command(Command::new("cat").arg(&path)).map(|t| Ceiling {
        what: "cat file.ss > /dev/null (page cache)".to_owned(),
        per_sec: rate(n, t),
        bytes_per_sec: file_size as f64 / t.as_secs_f64(),
    });
    let _ = std::fs::remove_file(&path);

    let mut rows = vec![
        measured("file", "produce", n, produce, dd),
        measured("file", "consume", n, consume, cat),
    ];
    if let Outcome::Measured { note, .. } = &mut rows[0].outcome {
        *note = Some(format!("{frame:.0} B/frame on disk, incl. fsync"));
    }
    rows
}

fn stdio_section(n: u64) -> Vec<Row> {
    progress(&format!("stdio: cat pipe ceiling, {n} lines"));
    let cat = stdio::cat_ceiling(n);
    let ceiling = Ceiling {
        what: "N lines through `cat` (2 pipes)".to_owned(),
        per_sec: rate(n, cat),
        bytes_per_sec: rate(n * (PAYLOAD_SIZE as u64 + 1), cat),
    };
    progress("stdio: producer child -> pipe -> harness");
    let produce = stdio::produce(n);
    progress("stdio: harness -> pipe -> consumer child");
    let lines = stdio::input_lines(n);
    let consume = stdio::consume(n, &lines);
    drop(lines);
    progress("stdio: producer child -> pipe -> consumer child");
    let pipe = stdio::pipe(n);
    vec![
        measured("stdio", "produce", n, produce, Some(ceiling.clone())),
        measured("stdio", "consume", n, consume, Some(ceiling.clone())),
        measured("stdio", "produce→consume", n, pipe, Some(ceiling)),
    ]
}

fn redis_section(rt: &Runtime, n: u64, url: &str) -> Vec<Row> {
    use common::redis::{
        connect, consume, new_key, produce, producer, redis_benchmark, redis_cli_del,
    };
    let text = common::payload();
    let key = new_key("throughput");
    progress(&format!("redis: producing {n} messages"));
    let (produced, consumed) = rt.block_on(async {
        let streamer = connect(url).await;
        let mut producer = producer(&streamer).await;
        let produced = produce(&mut producer, &key, n, &text).await;
        progress(&format!("redis: consuming {n} messages"));
        let consumed = consume(&streamer, &key, n).await;
        (produced, consumed)
    });

    progress("redis: redis-benchmark XADD");
    let bench_key = unique("throughput-redis-benchmark");
    let xadd = redis_benchmark(
        url,
        &[
            "-P",
            "100",
            "-n",
            &n.to_string(),
            "XADD",
            &bench_key,
            "*",
            "f",
            &text,
        ],
    )
    .map(|rps| Ceiling {
        what: "redis-benchmark -P 100 XADD".to_owned(),
        per_sec: rps,
        bytes_per_sec: rps * PAYLOAD_SIZE as f64,
    });
    redis_cli_del(url, &bench_key);

    progress("redis: redis-benchmark XRANGE COUNT 100");
    let requests = (n / 100).max(100).to_string();
    let xrange = redis_benchmark(
        url,
        &[
            "-c",
            "1",
            "-n",
            &requests,
            "XRANGE",
            key.name(),
            "-",
            "+",
            "COUNT",
            "100",
        ],
    )
    .map(|rps| Ceiling {
        what: "redis-benchmark -c 1 XRANGE COUNT 100".to_owned(),
        per_sec: rps * 100.0,
        bytes_per_sec: rps * 100.0 * PAYLOAD_SIZE as f64,
    });
    redis_cli_del(url, key.name());

    vec![
        measured("redis", "produce", n, produced, xadd),
        measured("redis", "consume", n, consumed, xrange),
    ]
}

/// Rounds of the Kafka comparison (even). Each side's median round counts (a best-of let
/// one lucky round decide on this shared machine), and the order of ours and raw rdkafka
/// alternates between rounds: the second run of a round is often the faster one, so each
/// side goes second equally often.
const KAFKA_ROUNDS: usize = 6;

/// The median of `times` (the mean of the middle two for an even count).
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let mid = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[mid - 1] + times[mid]) / 2
    } else {
        times[mid]
    }
}

fn kafka_section(rt: &Runtime, n: u64, url: &str) -> Vec<Row> {
    use common::kafka::{
        connect, consume, consumer, create_topic, delete_topic, produce, producer, raw_consume,
        raw_produce, raw_producer,
    };
    let text = common::payload();
    let ours = StreamKey::new(unique("throughput")).expect("valid key");
    let raw = StreamKey::new(unique("throughput-raw")).expect("valid key");
    let (produced, consumed, raw_produced, raw_consumed) = rt.block_on(async {
        create_topic(url, &ours).await;
        create_topic(url, &raw).await;
        let streamer = connect(url).await;
        let mut producer = producer(&streamer).await;
        // warm-up (connection, topic metadata), as the raw producer does
        produce(&mut producer, &ours, 1, &text).await;
        let raw_producer = raw_producer(url, &raw, &text).await;
        let (mut produced, mut raw_produced) = (Vec::new(), Vec::new());
        for round in 0..KAFKA_ROUNDS {
            let ours_first = round % 2 == 0;
            for ours_turn in [ours_first, !ours_first] {
                if ours_turn {
                    progress(&format!("kafka: producing {n} messages (round {round})"));
                    let took = produce(&mut producer, &ours, n, &text).await;
                    progress(&format!("kafka: produced in {took:?}"));
                    produced.push(took);
                } else {
                    progress(&format!(
                        "kafka: raw rdkafka producing {n} messages (round {round})"
                    ));
                    let took = raw_produce(&raw_producer, &raw, n, &text).await;
                    progress(&format!("kafka: raw rdkafka produced in {took:?}"));
                    raw_produced.push(took);
                }
            }
        }
        let (mut consumed, mut raw_consumed) = (Vec::new(), Vec::new());
        for round in 0..KAFKA_ROUNDS {
            let ours_first = round % 2 == 0;
            for ours_turn in [ours_first, !ours_first] {
                if ours_turn {
                    // a fresh consumer per round, dropped right after: an idle one would
                    // keep prefetching in the background while the raw side is timed
                    progress("kafka: consumer group join");
                    let mut consumer = consumer(&streamer, &ours).await;
                    progress(&format!("kafka: consuming {n} messages (round {round})"));
                    let took = consume(&mut consumer, n).await;
                    progress(&format!("kafka: consumed in {took:?}"));
                    consumed.push(took);
                } else {
                    progress(&format!(
                        "kafka: raw rdkafka consuming {n} messages (round {round})"
                    ));
                    let took = raw_consume(url, &raw, n).await;
                    progress(&format!("kafka: raw rdkafka consumed in {took:?}"));
                    raw_consumed.push(took);
                }
            }
        }
        delete_topic(url, &ours).await;
        delete_topic(url, &raw).await;
        (
            median(produced),
            median(consumed),
            median(raw_produced),
            median(raw_consumed),
        )
    });
    let ceiling = |what: &str, elapsed: Duration| Ceiling {
        what: what.to_owned(),
        per_sec: rate(n, elapsed),
        bytes_per_sec: rate(n * PAYLOAD_SIZE as u64, elapsed),
    };
    vec![
        measured(
            "kafka",
            "produce",
            n,
            produced,
            Some(ceiling("raw rdkafka FutureProducer", raw_produced)),
        ),
        measured(
            "kafka",
            "consume",
            n,
            consumed,
            Some(ceiling("raw rdkafka StreamConsumer", raw_consumed)),
        ),
    ]
}

fn fmt_rate(per_sec: f64) -> String {
    // thousands separators for readability
    let whole = per_sec.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_table(n: u64, rows: &[Row]) {
    println!("Throughput, {n} messages of {PAYLOAD_SIZE} bytes (MB/s = payload bytes, 10^6):");
    println!();
    println!("| backend | direction | messages/s | MB/s | ceiling (same run) | ceiling msgs/s | ceiling MB/s | ratio |");
    println!("|---|---|---:|---:|---|---:|---:|---:|");
    for row in rows {
        match &row.outcome {
            Outcome::Measured {
                per_sec,
                ceiling,
                note,
            } => {
                let mb = per_sec * PAYLOAD_SIZE as f64 / 1e6;
                let (what, c_rate, c_mb, ratio) = match ceiling {
                    Some(c) => (
                        c.what.clone(),
                        fmt_rate(c.per_sec),
                        format!("{:.1}", c.bytes_per_sec / 1e6),
                        format!("{:.2}", per_sec / c.per_sec),
                    ),
                    None => (
                        "n/a (tool missing)".to_owned(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                    ),
                };
                let what = match note {
                    Some(note) => format!("{what}; {note}"),
                    None => what,
                };
                println!(
                    "| {} | {} | {} | {:.1} | {} | {} | {} | {} |",
                    row.backend,
                    row.direction,
                    fmt_rate(*per_sec),
                    mb,
                    what,
                    c_rate,
                    c_mb,
                    ratio
                );
            }
            Outcome::Skipped(why) => println!(
                "| {} | {} | {why} | - | - | - | - | - |",
                row.backend, row.direction
            ),
        }
    }
}

fn machine_facts(dir: &Path) {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = Command::new("uname")
        .arg("-sr")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!();
    println!(
        "Machine: nproc {nproc}; CPU {cpu}; {kernel}; memory {mem}; temp dir {}",
        dir.display()
    );
}

fn print_ceilings(rows: &[Row]) {
    let mut seen: Vec<&str> = Vec::new();
    println!();
    println!("Ceilings measured in this run:");
    for row in rows {
        if let Outcome::Measured {
            ceiling: Some(c), ..
        } = &row.outcome
        {
            if seen.contains(&c.what.as_str()) {
                continue;
            }
            seen.push(&c.what);
            println!(
                "- {} ({}): {:.1} MB/s, {} messages/s",
                c.what,
                row.backend,
                c.bytes_per_sec / 1e6,
                fmt_rate(c.per_sec)
            );
        }
    }
}

fn main() {
    if stdio::run_role_if_child() {
        return;
    }
    let n = messages_arg();
    assert!(n > 1, "--messages must be at least 2");
    let rt = common::runtime();
    let dir = tempfile::tempdir().expect("temporary directory");

    let mut rows = Vec::new();
    if selected("file") {
        rows.extend(guarded("file", &["produce", "consume"], || {
            file_section(&rt, n, dir.path())
        }));
    }
    if selected("stdio") {
        rows.extend(guarded(
            "stdio",
            &["produce", "consume", "produce→consume"],
            || stdio_section(n),
        ));
    }
    match service_url(REDIS_VAR).filter(|_| selected("redis")) {
        Some(url) => rows.extend(guarded("redis", &["produce", "consume"], || {
            redis_section(&rt, n, &url)
        })),
        None if selected("redis") => {
            rows.push(skipped("redis", "produce", "skipped (no service)"));
            rows.push(skipped("redis", "consume", "skipped (no service)"));
        }
        None => {}
    }
    match service_url(KAFKA_VAR).filter(|_| selected("kafka")) {
        Some(url) => rows.extend(guarded("kafka", &["produce", "consume"], || {
            kafka_section(&rt, n, &url)
        })),
        None if selected("kafka") => {
            rows.push(skipped("kafka", "produce", "skipped (no service)"));
            rows.push(skipped("kafka", "consume", "skipped (no service)"));
        }
        None => {}
    }

    print_table(n, &rows);
    machine_facts(dir.path());
    print_ceilings(&rows);
}
