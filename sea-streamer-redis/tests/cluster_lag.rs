//! Consumer lag on a private three-master Redis Cluster: a stream sharded over keys served by
//! three different nodes reports one lag per shard, each measured on its own node, for a
//! RealTime consumer and for a group consumer (issue #13).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::cluster::PrivateCluster;
use common::fixture::{realtime_earliest, resumable};
use common::next;
use sea_streamer_redis::{
    RedisConnectOptions, RedisConsumerOptions, RedisProducerOptions, RedisStreamer,
    RoundRobinSharder,
};
use sea_streamer_types::{ConsumerLag, Producer, StreamKey, Streamer};
use std::collections::HashSet;

const BACKLOG: u64 = 1000;

async fn connect(url: &str) -> RedisStreamer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut options = RedisConnectOptions::default();
    options.set_enable_cluster(true);
    RedisStreamer::connect(url.parse().expect("valid url"), options)
        .await
        .expect("connect to the cluster")
}

/// The lag of each shard, in shard order.
async fn per_shard<C: ConsumerLag>(consumer: &C) -> Vec<u64> {
    let lag = consumer.lag().await.expect("lag");
    let mut shards: Vec<(u64, u64)> = lag
        .shards()
        .iter()
        .map(|s| (s.shard_id.id(), s.behind))
        .collect();
    shards.sort();
    shards.into_iter().map(|(_, behind)| behind).collect()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn lag_per_shard_on_several_nodes() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let streamer = connect(&cluster.seed_url()).await;
    // a name whose three shard keys are served by three different nodes
    let name = loop {
        let name = sea_streamer_conformance::random_key("lag_sharded");
        let owners: HashSet<usize> = (0..3)
            .map(|n| cluster.owner(&format!("{name}:{n}")))
            .collect();
        if owners.len() == 3 {
            break name;
        }
    };
    let key = StreamKey::new(name).unwrap();
    let mut options = RedisProducerOptions::default();
    options.set_sharder(RoundRobinSharder::new(3));
    let producer = streamer
        .create_producer(key.clone(), options)
        .await
        .unwrap();
    for i in 0..BACKLOG {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();

    let group: RedisConsumerOptions = resumable("lag");
    for options in [realtime_earliest(), group] {
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&key), options)
            .await
            .unwrap();
        assert_eq!(per_shard(&consumer).await, [334, 333, 333]);
        for _ in 0..BACKLOG {
            next(&consumer).await;
        }
        assert_eq!(per_shard(&consumer).await, [0, 0, 0]);
    }
}
