//! Redis killed and restarted mid-stream: producers and consumers reconnect; no message is
//! silently lost.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::server::PrivateRedis;
use common::{connect, key, next, num};
use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{ConnectOptions, ConsumerMode, ConsumerOptions, Producer, Streamer};
use std::collections::BTreeSet;
use std::time::Duration;

async fn restart(mode: ConsumerMode) {
    let Some(mut server) = PrivateRedis::start() else {
        return;
    };
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let stream = key("restart");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let mut options = RedisConsumerOptions::new(mode);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_mkstream(true);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();

    for i in 0..50 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    let mut seen = BTreeSet::new();
    for _ in 0..25 {
        seen.insert(num(&next(&consumer).await));
    }

    server.kill();
    let receipts: Vec<_> = (50..100)
        .map(|i| producer.send(i.to_string()).unwrap())
        .collect();
    sea_streamer_runtime::sleep(Duration::from_millis(300)).await;
    server.restart();

    for receipt in receipts {
        // the server came back within the back-off: every message is delivered
        receipt.await.expect("delivered after the restart");
    }
    while seen.len() < 100 {
        seen.insert(num(&next(&consumer).await));
    }
    assert_eq!(seen, (0..100).collect::<BTreeSet<usize>>());
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn restart_realtime() {
    restart(ConsumerMode::RealTime).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn restart_resumable() {
    restart(ConsumerMode::Resumable).await;
}

/// With the server gone for good, every receipt reports an error: nothing is silently lost.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn server_gone_fails_every_receipt() {
    let Some(mut server) = PrivateRedis::start() else {
        return;
    };
    let mut options = RedisConnectOptions::default();
    options.set_timeout(Duration::from_secs(2)).unwrap();
    let streamer = connect(&server.url(), options).await;
    let stream = key("gone");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    producer.send("before").unwrap().await.unwrap();
    server.kill();
    let receipts: Vec<_> = (0..20)
        .map(|i| producer.send(i.to_string()).unwrap())
        .collect();
    for receipt in receipts {
        let result = sea_streamer_runtime::timeout(Duration::from_secs(60), receipt)
            .await
            .expect("a receipt must resolve");
        assert!(result.is_err(), "no server, yet delivered: {result:?}");
    }
}
