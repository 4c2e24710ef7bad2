//! A private Redis frozen with SIGSTOP under a producer: the producer's queue is bounded
//! (`send` returns `QueueFull` once the bound is reached, and works again once the backlog
//! drains), and a stall longer than the response timeout re-sends the pipeline, which the
//! producer counts (`resent_count`): the duplicates written never exceed it.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::server::PrivateRedis;
use common::{connect, key};
use sea_streamer_redis::{RedisConnectOptions, RedisErr, RedisProducerOptions};
use sea_streamer_types::{ConnectOptions, Producer, StreamErr, Streamer};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Send until the queue is full; returns the receipts of what was accepted.
fn fill(
    producer: &sea_streamer_redis::RedisProducer,
) -> (Vec<sea_streamer_redis::SendFuture>, RedisErr) {
    let mut receipts = Vec::new();
    loop {
        match producer.send(format!("{:0100}", receipts.len())) {
            Ok(receipt) => receipts.push(receipt),
            Err(StreamErr::Backend(e)) => return (receipts, e),
            Err(e) => panic!("unexpected error: {e}"),
        }
        assert!(receipts.len() <= 1_000_000, "the queue is not bounded");
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn queue_is_bounded_while_redis_is_stopped() {
    let Some(server) = PrivateRedis::start() else {
        return;
    };
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    for (messages, bytes, expect) in [(1000, usize::MAX, 1000), (100_000, 10_000, 100)] {
        let mut options = RedisProducerOptions::default();
        options
            .set_max_queued_messages(messages)
            .set_max_queued_bytes(bytes);
        let producer = streamer
            .create_producer(key("bounded"), options)
            .await
            .expect("producer");
        producer.send("warm").unwrap().await.expect("stored");
        server.stop();
        let (receipts, err) = fill(&producer);
        assert_eq!(receipts.len(), expect, "accepted before the queue was full");
        match err {
            RedisErr::QueueFull { messages, bytes } => {
                assert_eq!(messages, expect);
                assert_eq!(bytes, expect * 100);
            }
            other => panic!("expected QueueFull, got {other:?}"),
        }
        server.cont();
        for receipt in receipts {
            receipt.await.expect("stored once Redis resumed");
        }
        // the backlog drained: sending works again
        let (receipts, _) = fill(&producer);
        assert_eq!(receipts.len(), expect, "the whole budget is back");
        for receipt in receipts {
            receipt.await.expect("stored");
        }
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stall_longer_than_the_response_timeout_is_counted() {
    const N: usize = 200;
    let Some(server) = PrivateRedis::start() else {
        return;
    };
    let mut options = RedisConnectOptions::default();
    // also the producer's response timeout
    options.set_timeout(Duration::from_secs(2)).unwrap();
    let streamer = connect(&server.url(), options).await;
    let stream = key("stall");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .expect("producer");
    producer.send("warm").unwrap().await.expect("stored");
    assert_eq!(producer.resent_count(), 0);

    server.stop();
    let receipts: Vec<_> = (0..N)
        .map(|i| producer.send(i.to_string()).unwrap())
        .collect();
    // the response timeout expires: the pipeline's reply is lost and it will be sent again
    let deadline = Instant::now() + Duration::from_secs(60);
    while producer.resent_count() == 0 {
        assert!(Instant::now() < deadline, "the stall was never noticed");
        sea_streamer_runtime::sleep(Duration::from_millis(20)).await;
    }
    server.cont();
    for receipt in receipts {
        receipt.await.expect("stored after the stall");
    }
    let resent = producer.resent_count() as usize;
    assert!((1..=2 * N).contains(&resent), "resent {resent}");

    let mut admin = redis::Client::open(server.url())
        .and_then(|c| c.get_connection())
        .expect("admin connection");
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(stream.name())
        .arg("-")
        .arg("+")
        .query(&mut admin)
        .expect("XRANGE");
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for entry in reply.ids {
        let payload: String = entry.get("msg").expect("msg field");
        *copies.entry(payload).or_default() += 1;
    }
    for i in 0..N {
        assert!(copies.contains_key(&i.to_string()), "{i} was lost");
    }
    let duplicates: usize = copies.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= resent,
        "{duplicates} duplicates, but only {resent} messages counted as re-sent"
    );
}
