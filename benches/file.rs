//! Criterion benchmarks of the file backend (`.ss` files in a temporary directory):
//!
//! - `file/produce`: 10 000 messages of 256 bytes through a `FileProducer`, timed until
//!   `flush` (every frame handed to the OS; the fsync of `end` is not timed), a fresh file
//!   per iteration;
//! - `file/consume`: a replay `FileConsumer` reading 50 000 messages (creation included);
//! - `file-seek/rewind/{10^4,10^5,10^6}`: `rewind(SeqPos::At(n))` to a pseudo-random
//!   sequence number plus the `next()` that returns it, on files of 10^4, 10^5 and 10^6
//!   messages built once per run. The beacon index makes the latency grow far slower than
//!   the file.
//!
//! Run with `cargo bench -p sea-streamer --bench file`.
#![allow(clippy::print_stdout)]

mod common;

use common::file::{build, consume, produce, seek_consumer, Finish};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use sea_streamer_types::{Consumer, Message, SeqPos};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const PRODUCE_N: u64 = 10_000;
const CONSUME_N: u64 = 50_000;
const SEEK_SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];

/// xorshift64: a dependency-free pseudo-random sequence for seek targets.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = common::payload();

    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for n in SEEK_SIZES {
        let path = dir.path().join(format!("seek-{n}.ss"));
        let start = Instant::now();
        rt.block_on(build(&path, n, &text));
        let size = std::fs::metadata(&path).expect("file size").len();
        println!(
            "built {} ({n} messages, {:.1} MB) in {:.2?}",
            path.display(),
            size as f64 / 1e6,
            start.elapsed()
        );
        files.push((n, path));
    }

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    {
        let mut group = c.benchmark_group("file");
        group.sampling_mode(SamplingMode::Flat);

        group.throughput(Throughput::Elements(PRODUCE_N));
        group.bench_function("produce", |b| {
            let mut run = 0u64;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    run += 1;
                    let path = dir.path().join(format!("produce-{run}.ss"));
                    total += rt.block_on(produce(&path, PRODUCE_N, &text, Finish::Flush));
                    std::fs::remove_file(&path).expect("remove produced file");
                }
                total
            })
        });

        let (_, consume_file) = &files[1];
        group.throughput(Throughput::Elements(CONSUME_N));
        group.bench_function("consume", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rt.block_on(consume(consume_file, CONSUME_N)))
                    .sum()
            })
        });
        group.finish();
    }

    {
        let mut group = c.benchmark_group("file-seek");
        group.sampling_mode(SamplingMode::Flat);
        for (n, path) in &files {
            let mut consumer = rt.block_on(seek_consumer(path));
            let mut random = XorShift(0x9E37_79B9_7F4A_7C15 ^ n);
            group.bench_with_input(BenchmarkId::new("rewind", n), n, |b, &n| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            // the file producer numbers messages from 1
                            let target = random.next() % n + 1;
                            let start = Instant::now();
                            consumer.rewind(SeqPos::At(target)).await.expect("rewind");
                            let message = consumer.next().await.expect("next after rewind");
                            total += start.elapsed();
                            assert_eq!(message.sequence(), target, "rewind target");
                        }
                        total
                    })
                })
            });
        }
        group.finish();
    }

    c.final_summary();
}
