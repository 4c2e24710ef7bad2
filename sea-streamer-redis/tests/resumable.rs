//! Resumable and LoadBalanced consumers: auto-commit policies and resuming after a restart.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, consume_and_ack, key, num, range, url};
use futures::StreamExt;
use sea_streamer_redis::{
    consumer_id, AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions,
};
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Producer, StreamKey, Streamer,
};
use std::time::Duration;

async fn produce(producer: &sea_streamer_redis::RedisProducer, items: std::ops::Range<usize>) {
    let mut last = 0;
    let mut receipts = Vec::new();
    for i in items {
        receipts.push(producer.send(i.to_string()).unwrap());
    }
    for receipt in receipts {
        let receipt = receipt.await.unwrap();
        assert!(*receipt.sequence() > last);
        assert_eq!(receipt.shard_id().id(), 0);
        last = *receipt.sequence();
    }
}

fn options(
    mode: ConsumerMode,
    group: String,
    reset: AutoStreamReset,
    commit: AutoCommit,
) -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(mode);
    options
        .set_consumer_group(ConsumerGroup::new(group))
        .unwrap();
    options
        .set_auto_stream_reset(reset)
        .set_auto_commit(commit)
        .set_auto_commit_delay(Duration::ZERO)
        .set_auto_commit_interval(Duration::ZERO);
    if mode == ConsumerMode::LoadBalanced {
        // a restarted LoadBalanced consumer resumes its own pending entries only under its old name
        options.set_consumer_id(consumer_id());
    }
    options
}

async fn immediate_and_delayed(mode: ConsumerMode, commit: AutoCommit) {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream: StreamKey = key("resume");
    let s = stream.name().to_owned();
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..5).await;

    let half_options = options(mode, format!("{s}a"), AutoStreamReset::Latest, commit);
    let half = streamer
        .create_consumer(std::slice::from_ref(&stream), half_options)
        .await
        .unwrap();
    // poll once to start it
    let _ = sea_streamer_runtime::timeout(Duration::from_millis(1), half.next()).await;

    let full_options = options(mode, format!("{s}b"), AutoStreamReset::Earliest, commit);
    let full = streamer
        .create_consumer(std::slice::from_ref(&stream), full_options.clone())
        .await
        .unwrap();
    assert_eq!(consume(&full, 5).await, range(0, 5));
    produce(&producer, 5..10).await;
    full.end().await.unwrap();
    assert_eq!(consume(&half, 5).await, range(5, 10));

    let again = streamer
        .create_consumer(std::slice::from_ref(&stream), full_options)
        .await
        .unwrap();
    assert_eq!(consume(&again, 5).await, range(5, 10));
    again.end().await.unwrap();
    half.end().await.unwrap();
}

async fn rolling_and_disabled(mode: ConsumerMode, commit: AutoCommit) {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream: StreamKey = key("roll");
    let s = stream.name().to_owned();
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..5).await;

    let consumer_options = options(mode, format!("{s}c"), AutoStreamReset::Earliest, commit);
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), consumer_options.clone())
        .await
        .unwrap();
    {
        let mut stream = consumer.stream();
        let mut read = Vec::new();
        for _ in 0..5 {
            read.push(stream.next().await.unwrap().unwrap());
        }
        drop(stream);
        assert_eq!(read.iter().map(num).collect::<Vec<_>>(), range(0, 5));
        for msg in &read[..4] {
            consumer.ack(msg).unwrap();
        }
    }
    let no_commit_options = options(mode, format!("{s}d"), AutoStreamReset::Earliest, commit);
    let no_commit = streamer
        .create_consumer(std::slice::from_ref(&stream), no_commit_options.clone())
        .await
        .unwrap();
    assert_eq!(consume_and_ack(&no_commit, 5).await, range(0, 5));

    produce(&producer, 5..10).await;
    match commit {
        AutoCommit::Rolling => {
            assert!(consumer.commit().is_err());
            // acks are sent after the next deliveries
            assert_eq!(consume(&consumer, 3).await, range(5, 8));
        }
        AutoCommit::Disabled => consumer.commit().unwrap().await.unwrap(),
        _ => unreachable!(),
    }
    drop(consumer);
    drop(no_commit);

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), consumer_options)
        .await
        .unwrap();
    assert_eq!(consume(&consumer, 6).await, range(4, 10));
    let no_commit = streamer
        .create_consumer(std::slice::from_ref(&stream), no_commit_options)
        .await
        .unwrap();
    assert_eq!(consume(&no_commit, 5).await, range(0, 5));
}

macro_rules! case {
    ($name:ident, $body:ident, $mode:expr, $commit:expr) => {
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        async fn $name() {
            $body($mode, $commit).await;
        }
    };
}

case!(
    resumable_immediate,
    immediate_and_delayed,
    ConsumerMode::Resumable,
    AutoCommit::Immediate
);
case!(
    resumable_delayed,
    immediate_and_delayed,
    ConsumerMode::Resumable,
    AutoCommit::Delayed
);
case!(
    load_balanced_immediate,
    immediate_and_delayed,
    ConsumerMode::LoadBalanced,
    AutoCommit::Immediate
);
case!(
    load_balanced_delayed,
    immediate_and_delayed,
    ConsumerMode::LoadBalanced,
    AutoCommit::Delayed
);
case!(
    resumable_rolling,
    rolling_and_disabled,
    ConsumerMode::Resumable,
    AutoCommit::Rolling
);
case!(
    resumable_disabled,
    rolling_and_disabled,
    ConsumerMode::Resumable,
    AutoCommit::Disabled
);
case!(
    load_balanced_rolling,
    rolling_and_disabled,
    ConsumerMode::LoadBalanced,
    AutoCommit::Rolling
);
case!(
    load_balanced_disabled,
    rolling_and_disabled,
    ConsumerMode::LoadBalanced,
    AutoCommit::Disabled
);
