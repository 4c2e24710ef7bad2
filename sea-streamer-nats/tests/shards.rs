//! Sharding by subject on the test server: shard `n` of key `k` is the subject `k.n`;
//! consumers see each message's shard, and each shard keeps its order.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use sea_streamer_conformance::random_key;
use sea_streamer_nats::{
    AutoStreamReset, NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsProducerOptions,
};
use sea_streamer_types::{
    Acknowledge, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer,
    ShardId, StreamKey, Streamer,
};

const WAIT: Duration = Duration::from_secs(20);
const SHARDS: u64 = 3;
const N: u64 = 30;

fn consumer_options(mode: ConsumerMode, sharded: bool) -> NatsConsumerOptions {
    let mut options = NatsConsumerOptions::new(mode);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options.set_sharded(sharded);
    if mode != ConsumerMode::RealTime {
        options
            .set_consumer_group(ConsumerGroup::new(random_key("g")))
            .unwrap();
    }
    options
}

/// Reads `n` messages: (shard, payload index, sequence) each.
async fn read(consumer: &NatsConsumer, n: u64) -> Vec<(u64, u64, u64)> {
    let mut got = Vec::new();
    for _ in 0..n {
        let m = tokio::time::timeout(WAIT, consumer.next())
            .await
            .expect("a message within the wait")
            .expect("next");
        let index = m.message().as_str().unwrap()[1..].parse().unwrap();
        got.push((m.shard_id().id(), index, m.sequence() as u64));
        consumer.ack(m.header()).unwrap();
    }
    got
}

/// Each shard's messages in the order sent, and each at its receipt's shard and sequence.
fn check(got: &[(u64, u64, u64)], sent: &BTreeMap<u64, (u64, u64)>) {
    let mut per_shard: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (shard, index, seq) in got {
        assert_eq!(sent[index], (*shard, *seq), "m{index}: shard and sequence");
        per_shard.entry(*shard).or_default().push(*index);
    }
    assert_eq!(per_shard.len() as u64, SHARDS, "every shard read");
    for (shard, indices) in per_shard {
        assert!(
            indices.windows(2).all(|w| w[0] < w[1]),
            "shard {shard} out of order: {indices:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_are_subjects_in_order() {
    let Some(url) = common::url() else { return };
    let streamer = common::connect(&url, NatsConnectOptions::default()).await;
    let key = StreamKey::new(random_key("shards")).unwrap();
    // Created before anything is produced: it declares the key sharded.
    let early = streamer
        .create_consumer(
            std::slice::from_ref(&key),
            consumer_options(ConsumerMode::RealTime, true),
        )
        .await
        .unwrap();
    let mut options = NatsProducerOptions::default();
    options.set_shards(Some(SHARDS));
    let producer = streamer
        .create_producer(key.clone(), options)
        .await
        .unwrap();
    let mut futures = Vec::new();
    for i in 0..N {
        // Round robin, by message key, and explicit, a third each.
        let future = match i % 3 {
            0 => producer.send(format!("m{i}")),
            1 => producer.send_with_key(&key, &i.to_be_bytes(), format!("m{i}")),
            _ => producer.send_to_shard(&key, ShardId::new(i % SHARDS), format!("m{i}")),
        };
        futures.push((i, future.unwrap()));
    }
    let mut sent = BTreeMap::new();
    for (i, future) in futures {
        let receipt = future.await.unwrap();
        assert!(receipt.shard_id().id() < SHARDS);
        sent.insert(i, (receipt.shard_id().id(), *receipt.sequence() as u64));
    }
    // The key hash is stable: the same key, the same shard.
    let a = producer
        .send_with_key(&key, b"k", "m100")
        .unwrap()
        .await
        .unwrap();
    let b = producer
        .send_with_key(&key, b"k", "m101")
        .unwrap()
        .await
        .unwrap();
    assert_eq!(a.shard_id(), b.shard_id());
    sent.insert(100, (a.shard_id().id(), *a.sequence() as u64));
    sent.insert(101, (b.shard_id().id(), *b.sequence() as u64));
    // Round robin went over every shard.
    let round_robin: Vec<u64> = (0..N).step_by(3).map(|i| sent[&i].0).collect();
    assert_eq!(round_robin[..3], [0, 1, 2]);

    check(&read(&early, N + 2).await, &sent);
    // Created after: it finds the shard subjects in the stream.
    for (mode, sharded) in [
        (ConsumerMode::RealTime, false),
        (ConsumerMode::Resumable, false),
        (ConsumerMode::LoadBalanced, true),
    ] {
        let late = streamer
            .create_consumer(std::slice::from_ref(&key), consumer_options(mode, sharded))
            .await
            .unwrap();
        check(&read(&late, N + 2).await, &sent);
    }
}

/// The default producer still writes the key's own subject, shard 0, beside shards.
#[tokio::test(flavor = "multi_thread")]
async fn unsharded_and_sharded_in_one_key() {
    let Some(url) = common::url() else { return };
    let streamer = common::connect(&url, NatsConnectOptions::default()).await;
    let key = StreamKey::new(random_key("mixed")).unwrap();
    let plain = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let r = plain.send("m0").unwrap().await.unwrap();
    assert_eq!(r.shard_id().id(), 0);
    let s = plain
        .send_to_shard(&key, ShardId::new(7), "m1")
        .unwrap()
        .await
        .unwrap();
    assert_eq!(s.shard_id().id(), 7);
    let consumer = streamer
        .create_consumer(&[key], consumer_options(ConsumerMode::RealTime, false))
        .await
        .unwrap();
    let got = read(&consumer, 2).await;
    assert_eq!(
        got,
        vec![(0, 0, *r.sequence() as u64), (7, 1, *s.sequence() as u64)]
    );
}
