//! Criterion benchmarks of the Redis backend against the test server named by
//! `SEA_STREAMER_TEST_REDIS` (`scripts/services.sh up` starts one on 16379, and
//! `eval "$(scripts/services.sh env)"` sets the variable). Without the variable the
//! benchmark prints a skip line and does nothing.
//!
//! - `redis/produce`: 10 000 messages of 256 bytes to a fresh stream, until `flush`
//!   (every `XADD` answered);
//! - `redis/consume`: a real-time consumer reading 10 000 messages from the start of a
//!   stream filled once per run (consumer creation not timed).
//!
//! Run with `cargo bench -p sea-streamer --bench redis`.
#![allow(clippy::print_stdout)]

mod common;

use common::redis::{connect, consume, new_key, produce, producer, redis_cli_del};
use common::{service_url, REDIS_VAR};
use criterion::{Criterion, SamplingMode, Throughput};
use std::time::Duration;

const N: u64 = 10_000;

fn main() {
    let Some(url) = service_url(REDIS_VAR) else {
        println!(
            "redis benchmarks skipped: {REDIS_VAR} is unset \
             (scripts/services.sh up && eval \"$(scripts/services.sh env)\")"
        );
        return;
    };
    let rt = common::runtime();
    let text = common::payload();
    let streamer = rt.block_on(connect(&url));
    let mut producer = rt.block_on(producer(&streamer));
    let filled = new_key("bench-consume");
    rt.block_on(produce(&mut producer, &filled, N, &text));

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = c.benchmark_group("redis");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(N));
    group.bench_function("produce", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let key = new_key("bench-produce");
                total += rt.block_on(produce(&mut producer, &key, N, &text));
                redis_cli_del(&url, key.name());
            }
            total
        })
    });
    group.bench_function("consume", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(consume(&streamer, &filled, N)))
                .sum()
        })
    });
    group.finish();

    redis_cli_del(&url, filled.name());
    c.final_summary();
}
