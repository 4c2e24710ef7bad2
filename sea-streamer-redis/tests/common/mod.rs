//! Helpers shared by the integration tests: the test server, stream names, consuming.
#![allow(dead_code)]

pub mod cluster;
pub mod fake;
pub mod fixture;
pub mod server;

use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_redis::{RedisConnectOptions, RedisConsumer, RedisStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, SharedMessage, StreamKey, Streamer};
use std::time::Duration;

/// The test server's URL, or `None` (test skipped) when `SEA_STREAMER_TEST_REDIS` is unset.
pub fn url() -> Option<String> {
    service_url("SEA_STREAMER_TEST_REDIS")
}

/// Connect to `url` with `options`.
pub async fn connect(url: &str, options: RedisConnectOptions) -> RedisStreamer {
    let _ = env_logger::builder().is_test(true).try_init();
    RedisStreamer::connect(url.parse().expect("valid url"), options)
        .await
        .expect("connect")
}

/// A fresh stream key.
pub fn key(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).expect("valid key")
}

/// The next message, failing the test after 60 s.
pub async fn next(consumer: &RedisConsumer) -> SharedMessage {
    sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
        .await
        .expect("no message within 60 s")
        .expect("next() failed")
}

/// The payload parsed as a number.
pub fn num(msg: &SharedMessage) -> usize {
    msg.message()
        .as_str()
        .expect("utf8")
        .parse()
        .expect("number")
}

/// `n` payloads as numbers.
pub async fn consume(consumer: &RedisConsumer, n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(num(&next(consumer).await));
    }
    out
}

/// `n` payloads as numbers, acking each.
pub async fn consume_and_ack(consumer: &RedisConsumer, n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let msg = next(consumer).await;
        consumer.ack(&msg).expect("ack");
        out.push(num(&msg));
    }
    out
}

/// `a..b` as a vector.
pub fn range(a: usize, b: usize) -> Vec<usize> {
    (a..b).collect()
}
