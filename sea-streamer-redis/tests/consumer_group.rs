//! Consumer groups on streams that do not exist yet, with and without `mkstream`: either way
//! the consumer receives what is written afterwards (upstream's first `next()` failed without
//! `mkstream`; this one waits for the stream).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, key, range, url};
use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{ConsumerMode, ConsumerOptions, Producer, Streamer};

async fn consumer_group(mkstream: bool) {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("group");
    let mut options = RedisConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_mkstream(mkstream);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    // the consumer is inside `next()` before anything is written
    let mut waiting = Box::pin(consume(&consumer, 5));
    assert!(futures::poll!(waiting.as_mut()).is_pending());
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let mut last = 0;
    for i in 0..5 {
        let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
        assert!(*receipt.sequence() > last);
        last = *receipt.sequence();
    }
    assert_eq!(waiting.await, range(0, 5));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn without_mkstream() {
    consumer_group(false).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn with_mkstream() {
    consumer_group(true).await;
}
