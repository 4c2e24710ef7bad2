//! The processor runner against a hand-written consume-and-produce loop, on the file and the
//! Redis backends, in the same run (issue #12: the runner at concurrency 1 and 8 should reach
//! at least 0.9 of the loop's throughput).
//!
//! Each backend gets one input of N messages of 256 bytes, spread round-robin over S stream
//! keys (default 8, so that concurrency 8 has 8 lanes to run), written once. Every timed run
//! reads all N messages of that same input with a fresh consumer group (file: `Resumable`,
//! its commit file; Redis: a consumer group, `XACK`), sends each payload to a fresh output
//! stream of the same backend, acknowledges it and commits, and ends with a final commit and
//! a flush of the producer:
//!
//! - **loop**: `next()`, `track`, `send_to` and await the receipt, `ack`, and `commit_acked`
//!   every second (the runner's default commit interval) and at the end: the hand-written loop
//!   with the runner's guarantee (a message is acknowledged only once its output arrived);
//! - **runner c=1 / c=8**: `Processor` with concurrency 1 / 8 and `max_messages = N`, whose
//!   handler sends the payload through its `Outbox`, `flush_at_end(producer)`;
//! - **pipelined loop** (for reference): the loop with up to 1,024 receipts pending, each
//!   message acknowledged in order once its receipt arrived (same guarantee, no retries).
//!
//! The clock runs from the first `next()` to the end of the flush; creating consumers and
//! producers is not timed. The file output's write queue is sized for a whole run (a writer
//! thread that falls behind would otherwise fail sends with `QueueFull`). Rounds rotate the
//! order of the ways (round r starts with the r-th), and the table shows each one's median
//! round, followed by the median of each runner's per-round ratio to the loop (the ways of a
//! round run back to back); per-round rates go to stderr. The file backend's files go to the
//! temporary directory: `TMPDIR=/dev/shm` keeps the disk's write-back of one run's 128 MB
//! output out of the next run's time.
//!
//! ```sh
//! eval "$(scripts/services.sh env)"   # SEA_STREAMER_TEST_REDIS (Redis is skipped without it)
//! cargo bench -p sea-streamer-processor --features runtime-tokio --bench runner -- \
//!     --messages 50000 --file-messages 500000 --rounds 5 [--streams 8] \
//!     [--backend file|redis] [--way loop|c1|c8|pipelined]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use sea_streamer_file::{
    AutoStreamReset as FileReset, FileConnectOptions, FileConsumerOptions, FileStreamer,
};
use sea_streamer_processor::{Outbox, Processor, ProcessorOptions};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset as RedisReset, RedisConsumerOptions, RedisStreamer,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader, Producer,
    SharedMessage, StreamKey, Streamer, StreamerUri,
};
use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Bytes per payload.
const PAYLOAD_SIZE: usize = 256;
/// How often the loop commits (the runner's default `commit_interval`).
const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// What the command line asks for.
struct Args {
    messages: u64,
    file_messages: u64,
    rounds: usize,
    streams: u64,
    backend: Option<String>,
    /// Only this way (`loop`, `c1`, `c8`, `pipelined`), e.g. under a profiler.
    way: Option<String>,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<String> {
        let flag = format!("--{name}");
        let prefix = format!("--{name}=");
        argv.iter().enumerate().find_map(|(i, a)| {
            if let Some(v) = a.strip_prefix(&prefix) {
                Some(v.to_owned())
            } else if *a == flag {
                argv.get(i + 1).cloned()
            } else {
                None
            }
        })
    };
    let number = |name: &str, default: u64| -> u64 {
        value(name).map_or(default, |v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("--{name} expects a number, got `{v}`"))
        })
    };
    let messages = number("messages", 50_000);
    let args = Args {
        messages,
        file_messages: number("file-messages", messages),
        rounds: number("rounds", 3) as usize,
        streams: number("streams", 8),
        backend: value("backend"),
        way: value("way"),
    };
    assert!(args.messages > 0 && args.file_messages > 0 && args.rounds > 0 && args.streams > 0);
    args
}

/// One of the three ways to do the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    Loop,
    Runner(usize),
    Pipelined,
}

impl Way {
    const ALL: [Way; 4] = [Way::Loop, Way::Runner(1), Way::Runner(8), Way::Pipelined];

    /// The `--way` spelling.
    fn flag(self) -> String {
        match self {
            Way::Loop => "loop".to_owned(),
            Way::Runner(c) => format!("c{c}"),
            Way::Pipelined => "pipelined".to_owned(),
        }
    }

    fn name(self) -> String {
        match self {
            Way::Loop => "loop".to_owned(),
            Way::Runner(c) => format!("runner c={c}"),
            Way::Pipelined => "pipelined loop".to_owned(),
        }
    }
}

fn payload() -> String {
    (0..PAYLOAD_SIZE)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect()
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn input_keys(prefix: &str, streams: u64) -> Vec<StreamKey> {
    (0..streams)
        .map(|i| StreamKey::new(format!("{prefix}-{i}")).expect("valid key"))
        .collect()
}

/// The hand-written loop: next, track, send and await the receipt, ack; commit every
/// [`COMMIT_INTERVAL`] and at the end; flush.
async fn hand_loop<C, P>(consumer: &C, producer: &mut P, output: &StreamKey, n: u64) -> Duration
where
    C: Acknowledge,
    P: Producer,
{
    let start = Instant::now();
    let mut last_commit = start;
    for _ in 0..n {
        let message = consumer.next().await.expect("next");
        let header = MessageHeader::new(
            message.stream_key(),
            message.shard_id(),
            message.sequence(),
            message.timestamp(),
        );
        consumer.track(&header).expect("track");
        producer
            .send_to(output, message.message())
            .expect("send")
            .await
            .expect("receipt");
        Acknowledge::ack(consumer, &header).expect("ack");
        if last_commit.elapsed() >= COMMIT_INTERVAL {
            consumer.commit_acked().await.expect("commit");
            last_commit = Instant::now();
        }
    }
    consumer.commit_acked().await.expect("commit");
    producer.flush().await.expect("flush");
    start.elapsed()
}

/// Receipts the pipelined loop leaves pending (the runner's default `max_pending_sends`).
const WINDOW: usize = 1024;

/// The hand-written loop with its receipts pipelined: each message is acknowledged (in
/// order) once its receipt arrived, with up to [`WINDOW`] receipts pending.
async fn pipelined_loop<C, P>(
    consumer: &C,
    producer: &mut P,
    output: &StreamKey,
    n: u64,
) -> Duration
where
    C: Acknowledge,
    P: Producer,
{
    let start = Instant::now();
    let mut last_commit = start;
    let mut pending = VecDeque::with_capacity(WINDOW);
    for _ in 0..n {
        let message = consumer.next().await.expect("next");
        let header = MessageHeader::new(
            message.stream_key(),
            message.shard_id(),
            message.sequence(),
            message.timestamp(),
        );
        consumer.track(&header).expect("track");
        let receipt = producer.send_to(output, message.message()).expect("send");
        pending.push_back((header, receipt));
        if pending.len() >= WINDOW {
            if let Some((header, receipt)) = pending.pop_front() {
                receipt.await.expect("receipt");
                Acknowledge::ack(consumer, &header).expect("ack");
            }
        }
        if last_commit.elapsed() >= COMMIT_INTERVAL {
            consumer.commit_acked().await.expect("commit");
            last_commit = Instant::now();
        }
    }
    for (header, receipt) in pending {
        receipt.await.expect("receipt");
        Acknowledge::ack(consumer, &header).expect("ack");
    }
    consumer.commit_acked().await.expect("commit");
    producer.flush().await.expect("flush");
    start.elapsed()
}

/// The runner at `concurrency`, its handler sending each payload to `output`.
async fn runner<C, P>(
    consumer: &C,
    producer: &P,
    output: &StreamKey,
    n: u64,
    concurrency: usize,
) -> Duration
where
    C: Acknowledge,
    P: Producer + 'static,
    P::SendFuture: Send + 'static,
{
    let handler = move |message: SharedMessage, outbox: Outbox| async move {
        outbox.send(producer, output, message.message()).await
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(concurrency)
        .set_max_messages(Some(n));
    let start = Instant::now();
    let summary = Processor::new(consumer, handler, options)
        .flush_at_end(producer.clone())
        .run(std::future::pending::<()>())
        .await
        .expect("runner");
    let elapsed = start.elapsed();
    assert_eq!(summary.processed, n, "{summary:?}");
    elapsed
}

fn file_uri(path: &Path) -> StreamerUri {
    format!("file://{}", path.display())
        .parse()
        .expect("file path makes a valid streamer URI")
}

/// A streamer on the file at `path`; for an output (`create`), its write queue holds a whole
/// run, so that a writer thread that falls behind (this machine is shared) does not fail a
/// send with `QueueFull` (the same for every way).
async fn file_streamer(path: &Path, create: bool) -> FileStreamer {
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(create);
    if create {
        options
            .set_max_queued_messages(usize::MAX)
            .set_max_queued_bytes(usize::MAX);
    }
    FileStreamer::connect(file_uri(path), options)
        .await
        .expect("connect file streamer")
}

/// One timed run on the file backend: a fresh group on `input`, a fresh output file.
async fn file_run(way: Way, input: &Path, keys: &[StreamKey], dir: &Path, n: u64) -> Duration {
    let group = unique("group");
    let streamer = file_streamer(input, false).await;
    let mut options = FileConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new(&group))
        .expect("group");
    options.set_auto_stream_reset(FileReset::Earliest);
    options.set_live_streaming(true);
    let consumer = streamer
        .create_consumer(keys, options)
        .await
        .expect("file consumer");
    let out_path = dir.join(format!("{group}.ss"));
    let mut producer = file_streamer(&out_path, true)
        .await
        .create_generic_producer(Default::default())
        .await
        .expect("file producer");
    let output = StreamKey::new("out").expect("valid key");
    let elapsed = match way {
        Way::Loop => hand_loop(&consumer, &mut producer, &output, n).await,
        Way::Runner(c) => runner(&consumer, &producer, &output, n, c).await,
        Way::Pipelined => pipelined_loop(&consumer, &mut producer, &output, n).await,
    };
    drop(consumer);
    producer.end().await.expect("end output");
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(format!("{}.{group}.commit", input.display()));
    elapsed
}

async fn file_backend(args: &Args, dir: &Path) -> Vec<(Way, Vec<f64>)> {
    let input = dir.join("input.ss");
    let keys = input_keys("in", args.streams);
    let text = payload();
    {
        let mut producer = file_streamer(&input, true)
            .await
            .create_generic_producer(Default::default())
            .await
            .expect("file producer");
        for i in 0..args.file_messages {
            let key = &keys[(i % args.streams) as usize];
            drop(producer.send_to(key, text.as_str()).expect("send"));
            if (i + 1) % 50_000 == 0 {
                producer.flush().await.expect("flush");
            }
        }
        producer.end().await.expect("end input");
    }
    let n = args.file_messages;
    rounds(args, n, "file", |way| file_run(way, &input, &keys, dir, n)).await
}

async fn redis_streamer(url: &str) -> RedisStreamer {
    RedisStreamer::connect(url.parse().expect("valid Redis URL"), Default::default())
        .await
        .expect("connect to Redis")
}

fn redis_del(url: &str, keys: &[&str]) {
    let deleted = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .and_then(|mut c| redis::cmd("DEL").arg(keys).query::<u64>(&mut c));
    if let Err(e) = deleted {
        eprintln!("[runner] could not delete {keys:?}: {e}");
    }
}

/// One timed run on Redis: a fresh group on the input streams, a fresh output stream.
async fn redis_run(way: Way, url: &str, keys: &[StreamKey], n: u64) -> Duration {
    let streamer = redis_streamer(url).await;
    let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new(unique("group")))
        .expect("group");
    options
        .set_auto_stream_reset(RedisReset::Earliest)
        .set_auto_commit(AutoCommit::Disabled);
    let consumer = streamer
        .create_consumer(keys, options)
        .await
        .expect("Redis consumer");
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .expect("Redis producer");
    let output = StreamKey::new(unique("runner-out")).expect("valid key");
    let elapsed = match way {
        Way::Loop => hand_loop(&consumer, &mut producer, &output, n).await,
        Way::Runner(c) => runner(&consumer, &producer, &output, n, c).await,
        Way::Pipelined => pipelined_loop(&consumer, &mut producer, &output, n).await,
    };
    consumer.end().await.expect("end consumer");
    producer.end().await.expect("end producer");
    redis_del(url, &[output.name()]);
    elapsed
}

async fn redis_backend(args: &Args, url: &str) -> Vec<(Way, Vec<f64>)> {
    let keys = input_keys(&unique("runner-in"), args.streams);
    let text = payload();
    {
        let streamer = redis_streamer(url).await;
        let mut producer = streamer
            .create_generic_producer(Default::default())
            .await
            .expect("Redis producer");
        let mut receipts = Vec::new();
        for i in 0..args.messages {
            let key = &keys[(i % args.streams) as usize];
            receipts.push(producer.send_to(key, text.as_str()).expect("send"));
            if receipts.len() == 10_000 {
                futures::future::try_join_all(receipts.drain(..))
                    .await
                    .expect("receipts");
            }
        }
        futures::future::try_join_all(receipts)
            .await
            .expect("receipts");
        producer.flush().await.expect("flush");
    }
    let results = rounds(args, args.messages, "redis", |way| {
        redis_run(way, url, &keys, args.messages)
    })
    .await;
    let names: Vec<&str> = keys.iter().map(|k| k.name()).collect();
    redis_del(url, &names);
    results
}

/// Runs every way `args.rounds` times, rotating which goes first; messages per second.
async fn rounds<F, Fut>(args: &Args, n: u64, backend: &str, mut run: F) -> Vec<(Way, Vec<f64>)>
where
    F: FnMut(Way) -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let mut results: Vec<(Way, Vec<f64>)> = Way::ALL.iter().map(|w| (*w, Vec::new())).collect();
    for round in 0..args.rounds {
        for i in 0..Way::ALL.len() {
            let way = Way::ALL[(round + i) % Way::ALL.len()];
            if args.way.as_ref().is_some_and(|w| *w != way.flag()) {
                continue;
            }
            let took = run(way).await;
            let rate = n as f64 / took.as_secs_f64();
            eprintln!(
                "[runner] {backend} round {round}: {} {:.0} msg/s ({took:?})",
                way.name(),
                rate
            );
            if let Some((_, rates)) = results.iter_mut().find(|(w, _)| *w == way) {
                rates.push(rate);
            }
        }
    }
    results
}

fn median(mut rates: Vec<f64>) -> f64 {
    if rates.is_empty() {
        return f64::NAN;
    }
    rates.sort_by(f64::total_cmp);
    let mid = rates.len() / 2;
    if rates.len().is_multiple_of(2) {
        (rates[mid - 1] + rates[mid]) / 2.0
    } else {
        rates[mid]
    }
}

fn print_row(backend: &str, n: u64, results: Vec<(Way, Vec<f64>)>) {
    let medians: Vec<(Way, f64, String)> = results
        .into_iter()
        .map(|(way, rates)| {
            let all = rates
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(" / ");
            (way, median(rates), all)
        })
        .collect();
    let of = |way: Way| {
        medians
            .iter()
            .find(|(w, ..)| *w == way)
            .map_or(0.0, |m| m.1)
    };
    let base = of(Way::Loop);
    println!(
        "| {backend} | {n} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.0} |",
        base,
        of(Way::Runner(1)),
        of(Way::Runner(8)),
        of(Way::Runner(1)) / base,
        of(Way::Runner(8)) / base,
        of(Way::Pipelined),
    );
    for (way, _, all) in &medians {
        eprintln!("[runner] {backend} {} rounds (msg/s): {all}", way.name());
    }
}

/// The median over rounds of each runner's rate divided by the loop's in the same round
/// (rounds run the ways back to back, so a slow minute of a shared machine weighs on both
/// sides of a ratio instead of on one way's median).
fn paired(results: &[(Way, Vec<f64>)]) -> (f64, f64) {
    let rates = |way: Way| {
        results
            .iter()
            .find(|(w, _)| *w == way)
            .map_or(&[][..], |(_, r)| r.as_slice())
    };
    let base = rates(Way::Loop);
    let ratio = |way: Way| {
        let ratios = rates(way).iter().zip(base).map(|(r, b)| r / b).collect();
        median(ratios)
    };
    (ratio(Way::Runner(1)), ratio(Way::Runner(8)))
}

fn main() {
    let args = args();
    let wants = |b: &str| args.backend.as_deref().is_none_or(|w| w == b);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut rows = Vec::new();
    if wants("file") {
        let results = rt.block_on(file_backend(&args, dir.path()));
        rows.push(("file", args.file_messages, results));
    }
    if wants("redis") {
        match std::env::var("SEA_STREAMER_TEST_REDIS") {
            Ok(url) if !url.trim().is_empty() => {
                let results = rt.block_on(redis_backend(&args, &url));
                rows.push(("redis", args.messages, results));
            }
            _ => eprintln!("[runner] redis: skipped (SEA_STREAMER_TEST_REDIS unset)"),
        }
    }
    println!(
        "Runner vs loop, messages of {PAYLOAD_SIZE} B over {} streams, median of {} rounds (msg/s):",
        args.streams, args.rounds
    );
    println!();
    println!(
        "| backend | messages | loop | runner c=1 | runner c=8 | c=1 / loop | c=8 / loop | pipelined loop |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut pairs = Vec::new();
    for (backend, n, results) in rows {
        pairs.push((backend, paired(&results)));
        print_row(backend, n, results);
    }
    println!();
    for (backend, (c1, c8)) in pairs {
        println!(
            "{backend}: median of per-round ratios to the loop: runner c=1 {c1:.2}, c=8 {c8:.2}"
        );
    }
}
