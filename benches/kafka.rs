//! Criterion benchmarks of the Kafka backend against the broker named by
//! `SEA_STREAMER_TEST_KAFKA` (`scripts/services.sh up` starts tansu on 19092, and
//! `eval "$(scripts/services.sh env)"` sets the variable). Without the variable the
//! benchmark prints a skip line and does nothing.
//!
//! - `kafka/produce`: 10 000 messages of 256 bytes to a one-partition topic, until `flush`
//!   (every message acknowledged);
//! - `kafka/consume`: a real-time consumer (group join done before timing) rewound to the
//!   beginning of a topic filled once per run, reading 10 000 messages.
//!
//! Run with `cargo bench -p sea-streamer --bench kafka`.
#![allow(clippy::print_stdout)]

mod common;

use common::kafka::{connect, consume, consumer, create_topic, delete_topic, produce, producer};
use common::{service_url, unique, KAFKA_VAR};
use criterion::{Criterion, SamplingMode, Throughput};
use sea_streamer_types::StreamKey;
use std::time::Duration;

const N: u64 = 10_000;

fn main() {
    let Some(url) = service_url(KAFKA_VAR) else {
        println!(
            "kafka benchmarks skipped: {KAFKA_VAR} is unset \
             (scripts/services.sh up && eval \"$(scripts/services.sh env)\")"
        );
        return;
    };
    let rt = common::runtime();
    let text = common::payload();
    let streamer = rt.block_on(connect(&url));
    let mut producer = rt.block_on(producer(&streamer));
    let produce_topic = StreamKey::new(unique("bench-produce")).expect("valid key");
    let consume_topic = StreamKey::new(unique("bench-consume")).expect("valid key");
    rt.block_on(async {
        create_topic(&url, &produce_topic).await;
        create_topic(&url, &consume_topic).await;
        produce(&mut producer, &consume_topic, N, &text).await;
    });
    let mut consumer = rt.block_on(consumer(&streamer, &consume_topic));

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = c.benchmark_group("kafka");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(N));
    group.bench_function("produce", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(produce(&mut producer, &produce_topic, N, &text)))
                .sum()
        })
    });
    group.bench_function("consume", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(consume(&mut consumer, N)))
                .sum()
        })
    });
    group.finish();

    drop(consumer);
    rt.block_on(async {
        delete_topic(&url, &produce_topic).await;
        delete_topic(&url, &consume_topic).await;
    });
    c.final_summary();
}
