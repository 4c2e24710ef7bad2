//! Sharded streams: a round-robin sharder writes `{stream}:{n}`; consumers read every shard.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, key, range, url};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisProducerOptions,
    RoundRobinSharder,
};
use sea_streamer_types::{ConsumerMode, ConsumerOptions, Producer, Streamer};

async fn sharding(mode: ConsumerMode) {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("shard");
    let mut producer_options = RedisProducerOptions::default();
    producer_options.set_sharder(RoundRobinSharder::new(3));
    let producer = streamer
        .create_producer(stream.clone(), producer_options)
        .await
        .unwrap();
    let mut last = 0;
    for i in 0..10u64 {
        let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
        assert_eq!(receipt.stream_key(), &stream);
        assert!(*receipt.sequence() >= last);
        last = *receipt.sequence();
        assert_eq!(receipt.shard_id().id(), i % 3);
    }

    let mut options = RedisConsumerOptions::new(mode);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(AutoCommit::Delayed);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    assert_eq!(consumer.stream_shards().len(), 3);
    let mut got = consume(&consumer, 10).await;
    got.sort();
    assert_eq!(got, range(0, 10));

    for i in 10..20 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    let mut got = consume(&consumer, 10).await;
    got.sort();
    assert_eq!(got, range(10, 20));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn sharding_realtime() {
    sharding(ConsumerMode::RealTime).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn sharding_resumable() {
    sharding(ConsumerMode::Resumable).await;
}
