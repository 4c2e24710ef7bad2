//! Criterion benchmarks of the stdio backend through real OS pipes (its line parser and
//! printer are crate-private, so they are measured through the public producer and
//! consumer). The binary re-executes itself as producer or consumer child processes; see
//! `common/stdio.rs`. Each iteration moves 20 000 messages of 256 bytes:
//!
//! - `stdio/produce`: `StdioProducer` child → pipe → this process;
//! - `stdio/consume`: this process writes formatted lines → pipe → `StdioConsumer` child;
//! - `stdio/pipe`: producer child → pipe → consumer child;
//! - `stdio/cat-ceiling`: the same number of 256-byte lines through `cat` (the pipe's
//!   ceiling on this machine).
//!
//! Run with `cargo bench -p sea-streamer --bench stdio`.

mod common;

use common::stdio::{cat_ceiling, consume, input_lines, pipe, produce, run_role_if_child};
use criterion::{Criterion, SamplingMode, Throughput};
use std::time::Duration;

const N: u64 = 20_000;

fn main() {
    if run_role_if_child() {
        return;
    }
    let lines = input_lines(N);

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = c.benchmark_group("stdio");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(N));
    group.bench_function("produce", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| produce(N)).sum())
    });
    group.bench_function("consume", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| consume(N, &lines)).sum())
    });
    group.bench_function("pipe", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| pipe(N)).sum())
    });
    group.bench_function("cat-ceiling", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| cat_ceiling(N)).sum())
    });
    group.finish();

    c.final_summary();
}
