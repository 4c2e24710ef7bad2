//! RealTime consumers: Latest / Earliest start, several streams, live tail, cluster option.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, key, range, url};
use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{ConsumerMode, ConsumerOptions, Producer, Streamer};

async fn realtime(enable_cluster: bool) {
    let Some(url) = url() else { return };
    let mut options = RedisConnectOptions::default();
    options.set_enable_cluster(enable_cluster);
    let streamer = connect(&url, options).await;
    let (a, b) = (key("rt-a"), key("rt-b"));
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();

    let mut last = 0;
    for i in 0..5 {
        let receipt = producer.send_to(&a, i.to_string()).unwrap().await.unwrap();
        assert_eq!(receipt.stream_key(), &a);
        assert_eq!(receipt.shard_id().id(), 0);
        assert!(*receipt.sequence() > last);
        last = *receipt.sequence();
    }

    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Latest);
    let half = streamer
        .create_consumer(std::slice::from_ref(&a), options.clone())
        .await
        .unwrap();
    for i in 5..10 {
        producer.send_to(&a, i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    assert_eq!(consume(&half, 5).await, range(5, 10));

    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let full = streamer
        .create_consumer(&[a.clone(), b.clone()], options)
        .await
        .unwrap();
    assert_eq!(consume(&full, 10).await, range(0, 10));

    for i in 10..13 {
        producer.send_to(&a, i.to_string()).unwrap();
    }
    half.end().await.unwrap();
    assert_eq!(consume(&full, 2).await, range(10, 12));
    for i in 13..15 {
        producer.send_to(&a, i.to_string()).unwrap();
    }
    for i in 15..20 {
        producer.send_to(&b, i.to_string()).unwrap();
    }
    producer.end().await.unwrap();
    assert_eq!(consume(&full, 3).await, range(12, 15));
    assert_eq!(consume(&full, 5).await, range(15, 20));
    full.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn realtime_single_node() {
    realtime(false).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn realtime_cluster_option() {
    realtime(true).await;
}
