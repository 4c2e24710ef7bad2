//! LoadBalanced consumers: splitting a stream, and failover by claiming an idle consumer's entries.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, consume_and_ack, key, num, range, url};
use futures::future::{select, Either};
use sea_streamer_redis::{AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Producer, Streamer,
};
use std::time::Duration;

fn options() -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_auto_commit(AutoCommit::Disabled)
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit_interval(Duration::ZERO)
        .set_batch_size(1);
    options
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn load_balance() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("lb");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..5 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();

    let a = streamer
        .create_consumer(std::slice::from_ref(&stream), options())
        .await
        .unwrap();
    let b = streamer
        .create_consumer(std::slice::from_ref(&stream), options())
        .await
        .unwrap();
    assert!(a.group_id().is_some());
    assert_eq!(a.group_id(), b.group_id());
    assert_ne!(a.consumer_id(), b.consumer_id());

    for i in 5..10 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();

    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    while got_a.len() + got_b.len() < 10 {
        let next =
            sea_streamer_runtime::timeout(Duration::from_secs(60), select(a.next(), b.next()))
                .await
                .expect("timeout");
        match next {
            Either::Left((msg, _)) => got_a.push(num(&msg.unwrap())),
            Either::Right((msg, _)) => got_b.push(num(&msg.unwrap())),
        }
    }
    assert!(
        !got_a.is_empty() && !got_b.is_empty(),
        "{got_a:?} {got_b:?}"
    );
    let mut all: Vec<usize> = got_a.iter().chain(got_b.iter()).copied().collect();
    all.sort();
    assert_eq!(all, range(0, 10));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn failover() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("failover");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..10 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();

    let mut options = options();
    options
        .set_consumer_group(ConsumerGroup::new(stream.name()))
        .unwrap();
    options
        .set_auto_claim_idle(Duration::from_secs(1))
        .set_auto_claim_interval(Some(Duration::from_secs(1)));

    let alpha = streamer
        .create_consumer(std::slice::from_ref(&stream), options.clone())
        .await
        .unwrap();
    let alpha_id = alpha.consumer_id().unwrap().clone();
    assert_eq!(consume(&alpha, 5).await, range(0, 5));

    let mut beta = streamer
        .create_consumer(std::slice::from_ref(&stream), options.clone())
        .await
        .unwrap();
    assert_ne!(beta.consumer_id(), Some(&alpha_id));
    assert_eq!(consume_and_ack(&beta, 5).await, range(5, 10));
    beta.commit().unwrap().await.unwrap();

    alpha.end().await.unwrap();
    // alpha's entries are claimed by beta once alpha has been idle for a second
    assert_eq!(consume_and_ack(&beta, 5).await, range(0, 5));
    beta.commit().unwrap().await.unwrap();

    for i in 10..15 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    options.set_consumer_id(alpha_id);
    let mut alpha = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    assert_eq!(consume_and_ack(&alpha, 2).await, range(10, 12));
    alpha.commit().unwrap().await.unwrap();
    assert_eq!(consume(&beta, 3).await, range(12, 15));
}
