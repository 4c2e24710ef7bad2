//! Redis Cluster: a private three-master cluster started by each test, reached through one seed
//! node with `enable_cluster`. Producers and consumers on keys served by other nodes (`MOVED`),
//! keys of different slots in one read (`CROSSSLOT`), shards spread over nodes, consumer groups
//! away from the seed, and a slot migrated while a producer and consumers use it.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::cluster::PrivateCluster;
use common::fixture::{failover, realtime_earliest, resumable, Fixture};
use common::{next, num, range};
use sea_streamer_redis::{
    AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions, RedisProducer,
    RedisProducerOptions, RedisStreamer, RoundRobinSharder,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, Producer, SeqPos,
    StreamErr, StreamKey, Streamer,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

async fn connect(url: &str) -> RedisStreamer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut options = RedisConnectOptions::default();
    options.set_enable_cluster(true);
    RedisStreamer::connect(url.parse().expect("valid url"), options)
        .await
        .expect("connect to the cluster")
}

fn stream(name: String) -> StreamKey {
    StreamKey::new(name).expect("valid key")
}

/// A fixture on the cluster: a streamer through the seed node, a key served by node `node`.
async fn on_node(cluster: &PrivateCluster, node: usize, prefix: &str) -> Fixture {
    let streamer = connect(&cluster.seed_url()).await;
    Fixture::on(streamer, stream(cluster.key_on(node, prefix))).await
}

/// Send `items` to each key, interleaved key by key; every receipt must resolve, with the
/// right stream and strictly increasing sequence numbers per key. Returns the receipts per key.
async fn produce(
    producer: &RedisProducer,
    keys: &[StreamKey],
    items: std::ops::Range<usize>,
) -> Vec<Vec<MessageHeader>> {
    let mut pending = Vec::new();
    for i in items {
        for (k, key) in keys.iter().enumerate() {
            pending.push((k, producer.send_to(key, i.to_string()).expect("send")));
        }
    }
    let mut receipts = vec![Vec::new(); keys.len()];
    for (k, fut) in pending {
        let receipt = fut.await.expect("receipt");
        assert_eq!(receipt.stream_key(), &keys[k]);
        if let Some(last) = receipts[k].last() {
            let last: &MessageHeader = last;
            assert!(receipt.sequence() > last.sequence(), "sequence went back");
        }
        receipts[k].push(receipt);
    }
    receipts
}

/// Read `receipts.len()` messages of one key and check payload and header against the receipts.
async fn read_back(consumer: &RedisConsumer, receipts: &[MessageHeader], first: usize) {
    for (i, receipt) in receipts.iter().enumerate() {
        let msg = next(consumer).await;
        assert_eq!(msg.stream_key(), *receipt.stream_key());
        assert_eq!(msg.sequence(), *receipt.sequence());
        assert_eq!(num(&msg), first + i);
    }
}

/// One producer writes to keys on all three nodes; a RealTime consumer per key and one over
/// every key (two of them on the same node, in different slots) read everything back.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn keys_on_every_node() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let streamer = connect(&cluster.seed_url()).await;
    let keys: Vec<StreamKey> = [0, 1, 2, 1]
        .into_iter()
        .map(|n| stream(cluster.key_on(n, "node")))
        .collect();
    assert_ne!(cluster.slot(keys[1].name()), cluster.slot(keys[3].name()));
    let producer = streamer
        .create_producer(keys[0].clone(), Default::default())
        .await
        .expect("producer");
    let first = produce(&producer, &keys, 0..50).await;

    let mut singles = Vec::new();
    for key in &keys {
        let consumer = streamer
            .create_consumer(std::slice::from_ref(key), realtime_earliest())
            .await
            .expect("consumer");
        singles.push(consumer);
    }
    let all = streamer
        .create_consumer(&keys, realtime_earliest())
        .await
        .expect("consumer of every key");
    for (consumer, receipts) in singles.iter().zip(&first) {
        read_back(consumer, receipts, 0).await;
    }
    let second = produce(&producer, &keys, 50..80).await;
    for (consumer, receipts) in singles.iter().zip(&second) {
        read_back(consumer, receipts, 50).await;
    }

    // the multi-key consumer: every key in its own order, all 80 entries of each
    let mut got = vec![Vec::new(); keys.len()];
    for _ in 0..keys.len() * 80 {
        let msg = next(&all).await;
        let k = keys
            .iter()
            .position(|key| key == &msg.stream_key())
            .expect("a subscribed key");
        got[k].push((msg.sequence(), num(&msg)));
    }
    for (k, got) in got.iter().enumerate() {
        let want: Vec<_> = first[k]
            .iter()
            .chain(&second[k])
            .enumerate()
            .map(|(i, r)| (*r.sequence(), i))
            .collect();
        assert_eq!(got, &want, "key {}", keys[k]);
    }
}

/// A round-robin sharder writes `{stream}:{n}` keys that live on different nodes; the
/// consumer discovers every shard, wherever it is, and reads each in order.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shards_on_several_nodes() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let streamer = connect(&cluster.seed_url()).await;
    // a name whose three shard keys are served by three different nodes
    let name = loop {
        let name = sea_streamer_conformance::random_key("sharded");
        let owners: HashSet<usize> = (0..3)
            .map(|n| cluster.owner(&format!("{name}:{n}")))
            .collect();
        if owners.len() == 3 {
            break name;
        }
    };
    let key = stream(name);
    let mut options = RedisProducerOptions::default();
    options.set_sharder(RoundRobinSharder::new(3));
    let producer = streamer
        .create_producer(key.clone(), options)
        .await
        .expect("producer");
    let mut receipts = Vec::new();
    for i in 0..3000usize {
        receipts.push(producer.send(i.to_string()).expect("send"));
    }
    let mut last = [0; 3];
    for (i, receipt) in receipts.into_iter().enumerate() {
        let receipt = receipt.await.expect("receipt");
        assert_eq!(receipt.stream_key(), &key);
        let shard = receipt.shard_id().id() as usize;
        assert_eq!(shard, i % 3);
        assert!(*receipt.sequence() > last[shard]);
        last[shard] = *receipt.sequence();
    }

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), realtime_earliest())
        .await
        .expect("consumer");
    assert_eq!(consumer.stream_shards().len(), 3, "every shard discovered");
    let mut per_shard = vec![Vec::new(); 3];
    for _ in 0..3000 {
        let msg = next(&consumer).await;
        per_shard[msg.shard_id().id() as usize].push(num(&msg));
    }
    for (shard, got) in per_shard.iter().enumerate() {
        let want: Vec<usize> = (0..3000).filter(|i| i % 3 == shard).collect();
        assert_eq!(got, &want, "shard {shard}");
    }
}

/// A Resumable consumer on a key served by a node other than the seed reads and commits; a
/// second consumer of the same group resumes right after the committed entries.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_away_from_seed() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 2, "group").await;
    let group = format!("{}-g", key.name());
    produce(&producer, std::slice::from_ref(&key), 0..10).await;

    let mut first = streamer
        .create_consumer(std::slice::from_ref(&key), resumable(&group))
        .await
        .expect("consumer");
    for i in 0..6 {
        let msg = next(&first).await;
        assert_eq!(num(&msg), i);
        first.ack(&msg).expect("ack");
    }
    first
        .commit()
        .expect("commit allowed")
        .await
        .expect("commit");
    first.end().await.expect("end");

    let second = streamer
        .create_consumer(std::slice::from_ref(&key), resumable(&group))
        .await
        .expect("second consumer");
    let mut got = Vec::new();
    for _ in 6..10 {
        got.push(num(&next(&second).await));
    }
    assert_eq!(got, range(6, 10));
    produce(&producer, std::slice::from_ref(&key), 10..15).await;
    let mut got = Vec::new();
    for _ in 10..15 {
        got.push(num(&next(&second).await));
    }
    assert_eq!(got, range(10, 15));
}

/// The slot of a key with entries moves to another node while a producer and two consumers
/// (RealTime and Resumable) use it: every receipt resolves and both consumers go on without
/// loss or duplicates.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn slot_migration() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 1, "moving").await;
    let keys = std::slice::from_ref(&key);
    let mut receipts = produce(&producer, keys, 0..20).await.remove(0);
    let realtime = streamer
        .create_consumer(keys, realtime_earliest())
        .await
        .expect("realtime consumer");
    let mut group = streamer
        .create_consumer(keys, resumable(&format!("{}-g", key.name())))
        .await
        .expect("group consumer");
    read_back(&realtime, &receipts, 0).await;
    for i in 0..20 {
        let msg = next(&group).await;
        assert_eq!(num(&msg), i);
        group.ack(&msg).expect("ack");
    }
    group
        .commit()
        .expect("commit allowed")
        .await
        .expect("commit");

    // sent before the move, answered (at the latest) after it
    let in_flight: Vec<_> = (20..30)
        .map(|i| producer.send(i.to_string()).expect("send"))
        .collect();
    cluster.migrate_slot(key.name(), 2);
    for fut in in_flight {
        receipts.push(fut.await.expect("receipt of a write sent before the move"));
    }
    // many sends at once: several full pipelines go to the old node before the first
    // `MOVED` comes back
    receipts.extend(produce(&producer, keys, 30..5000).await.remove(0));
    for pair in receipts.windows(2) {
        assert!(
            pair[1].sequence() > pair[0].sequence(),
            "sequence went back"
        );
    }
    read_back(&realtime, &receipts[20..], 20).await;
    for i in 20..5000 {
        let msg = next(&group).await;
        assert_eq!(num(&msg), i);
        group.ack(&msg).expect("ack");
    }
    group
        .commit()
        .expect("commit allowed")
        .await
        .expect("commit after the move");

    // nothing was delivered twice: the next message is the next one sent
    produce(&producer, keys, 5000..5001).await;
    assert_eq!(num(&next(&realtime).await), 5000);
    assert_eq!(num(&next(&group).await), 5000);
}

/// Seek and rewind work in cluster mode (upstream left them unimplemented there).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn rewind_on_another_node() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 1, "rewind").await;
    let receipts = produce(&producer, std::slice::from_ref(&key), 0..10)
        .await
        .remove(0);
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&key), realtime_earliest())
        .await
        .expect("consumer");
    read_back(&consumer, &receipts, 0).await;
    consumer
        .rewind(SeqPos::Beginning)
        .await
        .expect("rewind in cluster mode");
    read_back(&consumer, &receipts, 0).await;
    consumer
        .rewind(SeqPos::At(*receipts[4].sequence()))
        .await
        .expect("rewind to a sequence");
    // strictly after the given entry
    assert_eq!(num(&next(&consumer).await), 5);
}

/// Several nodes in the URI need the cluster option; with it they are accepted.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn several_seed_nodes() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let url = format!(
        "redis://127.0.0.1:{},127.0.0.1:{}",
        cluster.nodes[0].port, cluster.nodes[1].port
    );
    let key = stream(cluster.key_on(2, "seeds"));
    let plain = RedisStreamer::connect(url.parse().unwrap(), RedisConnectOptions::default())
        .await
        .expect("connect without the cluster option");
    match plain
        .create_consumer(std::slice::from_ref(&key), realtime_earliest())
        .await
    {
        Err(StreamErr::Connect(e)) => assert!(e.contains("enable the cluster option"), "{e}"),
        other => panic!("expected a Connect error, got {other:?}"),
    }
    let streamer = connect(&url).await;
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .expect("producer");
    let receipts = produce(&producer, std::slice::from_ref(&key), 0..5)
        .await
        .remove(0);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), realtime_earliest())
        .await
        .expect("consumer");
    read_back(&consumer, &receipts, 0).await;
}

/// A slot moves while a producer keeps writing to it in rounds of many unanswered sends, so
/// that pipelines sent to the old node are still in flight when the first `MOVED` arrives:
/// every receipt resolves, in send order, and a consumer reads every entry once, in order.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn migration_under_load() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let cluster = Arc::new(cluster);
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 1, "busy").await;
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), realtime_earliest())
        .await
        .expect("consumer");

    let moved = Arc::new(AtomicBool::new(false));
    let mut mover = None;
    let mut receipts: Vec<MessageHeader> = Vec::new();
    let mut rounds_after = 0;
    while rounds_after < 3 {
        let round: Vec<_> = (receipts.len()..receipts.len() + 200)
            .map(|i| producer.send(i.to_string()).expect("send"))
            .collect();
        if mover.is_none() {
            // start the move once writes are under way
            let (cluster, key, moved) = (cluster.clone(), key.name().to_owned(), moved.clone());
            mover = Some(std::thread::spawn(move || {
                cluster.migrate_slot(&key, 2);
                moved.store(true, Ordering::Release);
            }));
        }
        for fut in round {
            let receipt = fut.await.expect("receipt");
            if let Some(last) = receipts.last() {
                assert!(
                    receipt.sequence() > last.sequence(),
                    "receipts out of send order"
                );
            }
            receipts.push(receipt);
        }
        if moved.load(Ordering::Acquire) {
            rounds_after += 1;
        }
    }
    mover.expect("started").join().expect("slot migrated");
    assert_eq!(cluster.owner(key.name()), 2);
    read_back(&consumer, &receipts, 0).await;
    producer.send("end").expect("send");
    assert_eq!(next(&consumer).await.message().as_str(), Ok("end"));
}

/// A producer that never wrote to a key served by another node trims it.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn trim_on_another_node() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer: writer,
    } = on_node(&cluster, 2, "trim").await;
    produce(&writer, std::slice::from_ref(&key), 0..1000).await;
    let trimmer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .expect("producer");
    let removed = trimmer.trim(&key, 10).await.expect("trim");
    assert!(removed > 0, "nothing trimmed");
    let len: u64 = redis::cmd("XLEN")
        .arg(key.name())
        .query(&mut cluster.nodes[2].admin())
        .expect("XLEN");
    assert_eq!(len, 1000 - removed);
}

/// LoadBalanced failover on a key served by another node: entries of a consumer that went
/// away are claimed (`XINFO CONSUMERS`, `XAUTOCLAIM`) by the other one.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn failover_on_another_node() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 1, "failover").await;
    produce(&producer, std::slice::from_ref(&key), 0..10).await;

    let options = failover(key.name());
    let alpha = streamer
        .create_consumer(std::slice::from_ref(&key), options.clone())
        .await
        .expect("alpha");
    for i in 0..5 {
        assert_eq!(num(&next(&alpha).await), i);
    }
    let mut beta = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .expect("beta");
    let take = |n: usize| {
        let beta = &beta;
        async move {
            let mut got = Vec::new();
            for _ in 0..n {
                let msg = next(beta).await;
                beta.ack(&msg).expect("ack");
                got.push(num(&msg));
            }
            got
        }
    };
    assert_eq!(take(5).await, range(5, 10));
    alpha.end().await.expect("end");
    // alpha's entries are claimed once alpha has been idle for a second
    assert_eq!(take(5).await, range(0, 5));
    beta.commit()
        .expect("commit allowed")
        .await
        .expect("commit");
}

/// A RealTime consumer starting at the latest entry of a key served by another node reads
/// only what is written after it started.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn latest_on_another_node() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let Fixture {
        streamer,
        stream: key,
        producer,
    } = on_node(&cluster, 2, "latest").await;
    produce(&producer, std::slice::from_ref(&key), 0..5).await;
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Latest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .expect("consumer");
    let receipts = produce(&producer, std::slice::from_ref(&key), 5..10)
        .await
        .remove(0);
    read_back(&consumer, &receipts, 5).await;
}
