//! Kafka on several brokers: three tansu brokers sharing one PostgreSQL database
//! (`SEA_STREAMER_TEST_KAFKA_CLUSTER`, started by `scripts/services.sh up`).
//!
//! What tansu 0.6.0 does with PostgreSQL storage (read from its metadata answers): every
//! broker is a full front end to the shared storage. Each names itself, node 111 at its own
//! advertised address, as the only broker of the cluster, the leader of every partition and
//! every group's coordinator; offsets, records, group state and committed offsets live in
//! PostgreSQL, so any broker serves what another stored. A client given all three addresses
//! talks to one at a time and moves to another (librdkafka updates node 111's address from
//! the next metadata answer) when its broker dies. There is no partition leadership spread
//! across brokers and no replication: `partitions_are_led_by_different_brokers` keeps that
//! assertion, ignored.
//!
//! The tests kill brokers with SIGKILL and start them again through `scripts/services.sh
//! kill-broker PORT` / `start-broker PORT` ([`common::KilledBroker`]), so they run one at a
//! time (a lock), each on its own runtime.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;
#[path = "support/records.rs"]
mod records;

use common::*;
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;
use records::*;
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaProducerOptions,
    KafkaStreamer,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, SeqNo, ShardId, StreamKey,
    Streamer, StreamerUri,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests kill and restart shared brokers: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one test body on a runtime of its own, holding [`SERIAL`].
fn serial<F: Future<Output = ()>>(body: F) {
    let _guard = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let _ = env_logger::try_init();
    #[cfg(feature = "runtime-tokio")]
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(body);
    #[cfg(not(feature = "runtime-tokio"))]
    async_std::task::block_on(body);
}

/// Partitions of the topics these tests create.
const PARTITIONS: u64 = 3;

/// A record's place: (partition, offset).
type Place = (u64, SeqNo);

/// Client settings that make a client notice a dead broker and move on quickly. Every
/// broker names itself only, so once a client's broker dies it knows no live one until it
/// bootstraps again from its list: after 2 s without a broker here (librdkafka's default
/// is 5 minutes).
const FAILOVER: [(&str, &str); 5] = [
    ("metadata.recovery.rebootstrap.trigger.ms", "2000"),
    ("topic.metadata.refresh.interval.ms", "1000"),
    ("reconnect.backoff.ms", "50"),
    ("reconnect.backoff.max.ms", "500"),
    ("socket.connection.setup.timeout.ms", "3000"),
];

async fn connect_to(uri: &StreamerUri) -> KafkaStreamer {
    KafkaStreamer::connect(uri.clone(), Default::default())
        .await
        .unwrap_or_else(|e| panic!("connect to {uri}: {e}"))
}

/// A producer whose records fail their receipt after 20 s undelivered.
async fn producer(streamer: &KafkaStreamer, topic: &StreamKey) -> KafkaProducer {
    let mut options = KafkaProducerOptions::default();
    options.add_custom_option("message.timeout.ms", "20000");
    for (key, value) in FAILOVER {
        options.add_custom_option(key, value);
    }
    streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer")
}

fn consumer_options(mode: ConsumerMode) -> KafkaConsumerOptions {
    let mut options = KafkaConsumerOptions::new(mode);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    quick_group(&mut options);
    for (key, value) in FAILOVER {
        options.add_custom_option(key, value);
    }
    options
}

/// A real-time consumer of `topic` from its start.
async fn reader(streamer: &KafkaStreamer, topic: &StreamKey) -> KafkaConsumer {
    streamer
        .create_consumer(
            std::slice::from_ref(topic),
            consumer_options(ConsumerMode::RealTime),
        )
        .await
        .expect("create_consumer")
}

/// Reads `topic` from its start through `uri` until every place of `expected` was seen, and
/// asserts each holds the payload its receipt was given for.
async fn assert_readable(uri: &StreamerUri, topic: &StreamKey, expected: &BTreeMap<Place, String>) {
    let streamer = connect_to(uri).await;
    let consumer = reader(&streamer, topic).await;
    let mut missing: BTreeSet<Place> = expected.keys().copied().collect();
    while !missing.is_empty() {
        let (partition, offset, text) = next_record(&consumer).await;
        if let Some(sent) = expected.get(&(partition, offset)) {
            assert_eq!(
                &text, sent,
                "through {uri}: partition {partition} offset {offset} holds another record than its receipt said"
            );
            missing.remove(&(partition, offset));
        }
    }
}

#[test]
fn every_broker_serves_what_any_broker_stored() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let topic = new_topic("multi-serve");
        create_topic(&cluster, &topic, PARTITIONS as i32).await;
        let nodes = cluster.nodes().len();

        // One producer through each broker alone, and one through all of them, all at once.
        let mut uris: Vec<StreamerUri> = (0..nodes).map(|i| node_uri(&cluster, i)).collect();
        uris.push(cluster.clone());
        let mut producers = Vec::new();
        for uri in &uris {
            producers.push(producer(&connect_to(uri).await, &topic).await);
        }
        let mut pending = Vec::new();
        for i in 0..20u64 {
            for (p, producer) in producers.iter().enumerate() {
                let text = format!("p{p}-{i}");
                pending.push((p, i, send_to(producer, &topic, i % PARTITIONS, &text), text));
            }
        }
        let mut stored = BTreeMap::new();
        let mut last: BTreeMap<(usize, u64), SeqNo> = BTreeMap::new();
        for (p, i, receipt, text) in pending {
            let receipt = timeout(WAIT, receipt)
                .await
                .expect("a receipt")
                .unwrap_or_else(|e| panic!("{text} through {}: {e}", uris[p]));
            let place = (receipt.shard_id().id(), *receipt.sequence());
            assert_eq!(place.0, i % PARTITIONS, "{text} went to its partition");
            assert!(
                stored.insert(place, text.clone()).is_none(),
                "two receipts name partition {} offset {}: the brokers gave one offset twice",
                place.0,
                place.1
            );
            // One producer's records keep their order within a partition.
            if let Some(before) = last.insert((p, place.0), place.1) {
                assert!(before < place.1, "{text} stored before an earlier record");
            }
        }

        // Every broker alone, and all of them together, serve every record at its place.
        for uri in &uris {
            assert_readable(uri, &topic, &stored).await;
        }
    });
}

/// The brokers each of the cluster's brokers names in its metadata, and the leaders of
/// `topic`'s partitions.
fn metadata_of(node: &StreamerUri, topic: &StreamKey) -> (BTreeSet<String>, BTreeSet<i32>) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", servers(node))
        .create()
        .expect("admin client");
    let metadata = admin
        .inner()
        .fetch_metadata(Some(topic.name()), WAIT)
        .expect("metadata");
    let brokers = metadata
        .brokers()
        .iter()
        .map(|b| format!("{}@{}:{}", b.id(), b.host(), b.port()))
        .collect();
    let leaders = metadata.topics()[0]
        .partitions()
        .iter()
        .map(|p| p.leader())
        .collect();
    (brokers, leaders)
}

#[test]
#[ignore = "tansu 0.6.0 on PostgreSQL has no partition leadership across brokers: each broker's \
            metadata names only itself (node 111 at its own address) as the cluster's one broker \
            and the leader of every partition"]
fn partitions_are_led_by_different_brokers() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let topic = new_topic("multi-leaders");
        create_topic(&cluster, &topic, PARTITIONS as i32).await;
        for i in 0..cluster.nodes().len() {
            let (brokers, leaders) = metadata_of(&node_uri(&cluster, i), &topic);
            assert_eq!(
                brokers.len(),
                cluster.nodes().len(),
                "broker {i} names every broker: {brokers:?}"
            );
            assert!(
                leaders.len() > 1,
                "broker {i}: partitions led by several brokers, not only {leaders:?}"
            );
        }
    });
}

#[test]
#[ignore = "tansu 0.6.0 on PostgreSQL: every broker names itself node 111, so librdkafka knows one \
            broker whose address is that of the last metadata answer; once that broker is killed it \
            kept reconnecting to the dead address for 90 s in some full runs (async-std, 2026-12-04) \
            and reached the survivor in others: the failover cannot be tested reliably on tansu"]
fn broker_killed_mid_produce_loses_nothing_acknowledged() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let topic = new_topic("multi-produce");
        create_topic(&cluster, &topic, PARTITIONS as i32).await;
        let nodes = cluster.nodes().len();
        let streamer = connect_to(&cluster).await;
        let producer = producer(&streamer, &topic).await;

        let mut acknowledged: BTreeMap<Place, String> = BTreeMap::new();
        let mut failed = 0;
        // Each round leaves one broker alive and kills the others while records are in
        // flight, so at least two rounds kill the broker the producer was using.
        for survivor in 0..nodes {
            let mut pending = Vec::new();
            let mut send = |name: String| {
                let partition = pending.len() as u64 % PARTITIONS;
                pending.push((send_to(&producer, &topic, partition, &name), name));
            };
            for i in 0..30 {
                send(format!("r{survivor}-before-{i}"));
            }
            let killed: Vec<KilledBroker> = (0..nodes)
                .filter(|&i| i != survivor)
                .map(|i| KilledBroker::kill(node_port(&cluster, i)))
                .collect();
            for i in 0..30 {
                send(format!("r{survivor}-during-{i}"));
            }
            for (receipt, name) in pending {
                match timeout(WAIT, receipt)
                    .await
                    .expect("a receipt for every record")
                {
                    Ok(receipt) => {
                        let place = (receipt.shard_id().id(), *receipt.sequence());
                        assert!(
                            acknowledged.insert(place, name).is_none(),
                            "two receipts name partition {} offset {}",
                            place.0,
                            place.1
                        );
                    }
                    // An error receipt promises nothing either way (the broker may have
                    // stored the record before it died).
                    Err(_) => failed += 1,
                }
            }
            // The producer goes on through the surviving broker.
            // librdkafka may fail a few sends at once (all brokers it knew are down) before its
            // metadata names the survivor: retry, with a pause, until a deadline.
            let mut through_survivor = None;
            let deadline = std::time::Instant::now() + WAIT * 3;
            for i in 0.. {
                let name = format!("r{survivor}-after-{i}");
                let receipt = send_to(&producer, &topic, 0, &name);
                if let Ok(receipt) = timeout(WAIT, receipt).await.expect("a receipt") {
                    through_survivor = Some((receipt.shard_id().id(), *receipt.sequence(), name));
                    break;
                }
                if std::time::Instant::now() >= deadline {
                    break;
                }
                sea_streamer_runtime::sleep(std::time::Duration::from_millis(250)).await;
            }
            let (partition, offset, name) = through_survivor.unwrap_or_else(|| {
                panic!(
                    "no record went through the surviving broker {}",
                    node_port(&cluster, survivor)
                )
            });
            acknowledged.insert((partition, offset), name);
            for broker in killed {
                broker.restart();
            }
        }
        log::info!(
            "{} records acknowledged, {failed} failed while brokers were killed",
            acknowledged.len()
        );

        // Every acknowledged record is there, at the place its receipt named, through every
        // broker (each restarted one included).
        for i in 0..nodes {
            assert_readable(&node_uri(&cluster, i), &topic, &acknowledged).await;
        }
    });
}

/// Polls `members` until together they have read every record of `batch`; returns what
/// each read.
async fn read_batch(
    members: &mut [&mut KafkaConsumer],
    batch: &BTreeSet<String>,
    what: &str,
) -> Vec<BTreeSet<String>> {
    let mut read = vec![BTreeSet::new(); members.len()];
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let all: BTreeSet<&String> = read.iter().flatten().collect();
        if batch.iter().all(|t| all.contains(t)) {
            return read;
        }
        for (i, member) in members.iter().enumerate() {
            if let Some((_, _, text)) = poll_record(member).await {
                read[i].insert(text);
            }
        }
        let all: BTreeSet<&String> = read.iter().flatten().collect();
        assert!(
            Instant::now() < deadline,
            "{what}: {:?} never read; assigned {:?}",
            batch
                .iter()
                .filter(|t| !all.contains(t))
                .collect::<Vec<_>>(),
            members.iter_mut().map(|m| assigned(m)).collect::<Vec<_>>()
        );
    }
}

#[test]
#[ignore = "tansu 0.6.0 on PostgreSQL + librdkafka: after the group's coordinator broker is \
            killed, the member keeps reconnecting to the dead coordinator address (every broker \
            is node 111, so the surviving broker is never asked for a new coordinator), loses \
            its assignment and reads nothing more for 90 s, also with \
            metadata.recovery.rebootstrap.trigger.ms = 2000"]
fn broker_killed_mid_consume_group_rebalances_and_continues() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let topic = new_topic("multi-consume");
        create_topic(&cluster, &topic, PARTITIONS as i32).await;
        let nodes = cluster.nodes().len();
        let survivor = nodes - 1;
        let survivor_uri = node_uri(&cluster, survivor);
        let producer = producer(&connect_to(&survivor_uri).await, &topic).await;
        let batch1 = produce_batch(&producer, &topic, PARTITIONS, "one", 10).await;

        let mut options = consumer_options(ConsumerMode::LoadBalanced);
        options.set_group_id(ConsumerGroup::new(random_group()));
        let mut a = connect_to(&cluster)
            .await
            .create_consumer(std::slice::from_ref(&topic), options.clone())
            .await
            .unwrap();

        // a reads part of batch 1, then every broker but one is killed under it.
        let mut read = BTreeSet::new();
        while read.len() < 15 {
            read.insert(next_record(&a).await.2);
        }
        let killed: Vec<KilledBroker> = (0..nodes)
            .filter(|&i| i != survivor)
            .map(|i| KilledBroker::kill(node_port(&cluster, i)))
            .collect();
        let batch2 = produce_batch(&producer, &topic, PARTITIONS, "two", 10).await;

        // a goes on through the survivor (finding its group's coordinator there): the rest of
        // batch 1 and all of batch 2.
        let rest: BTreeSet<String> = batch1.difference(&read).cloned().chain(batch2).collect();
        read_batch(&mut [&mut a], &rest, "a after the kill").await;

        // b joins through the survivor: the group rebalances, each member owns some
        // partitions, and batch 3 is read in full by the two.
        let mut b = connect_to(&survivor_uri)
            .await
            .create_consumer(std::slice::from_ref(&topic), options)
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (pa, pb) = (assigned(&mut a), assigned(&mut b));
            if !pa.is_empty()
                && !pb.is_empty()
                && pa.is_disjoint(&pb)
                && pa.len() + pb.len() == PARTITIONS as usize
            {
                break;
            }
            assert!(poll_record(&a).await.is_none(), "nothing new was produced");
            assert!(poll_record(&b).await.is_none(), "nothing new was produced");
            assert!(
                Instant::now() < deadline,
                "the group never rebalanced: a {pa:?}, b {pb:?}"
            );
        }
        let batch3 = produce_batch(&producer, &topic, PARTITIONS, "three", 10).await;
        read_batch(
            &mut [&mut a, &mut b],
            &batch3,
            "a and b after the rebalance",
        )
        .await;
        for broker in killed {
            broker.restart();
        }
    });
}

#[test]
#[ignore = "tansu 0.6.0 on PostgreSQL: members of one group that joined through different \
            brokers (each broker answers that it is the coordinator) never settle: observed one \
            member holding partitions 0 and 1, the other none, partition 2 unread for 90 s"]
fn group_members_on_different_brokers_share_partitions() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let topic = new_topic("multi-group-split");
        create_topic(&cluster, &topic, PARTITIONS as i32).await;
        let mut options = consumer_options(ConsumerMode::LoadBalanced);
        options.set_group_id(ConsumerGroup::new(random_group()));
        let mut members = Vec::new();
        for i in 0..2 {
            let streamer = connect_to(&node_uri(&cluster, i)).await;
            let member = streamer
                .create_consumer(std::slice::from_ref(&topic), options.clone())
                .await
                .unwrap();
            members.push(member);
        }
        let producer = producer(&connect_to(&cluster).await, &topic).await;
        let batch = produce_batch(&producer, &topic, PARTITIONS, "split", 10).await;
        let (first, second) = members.split_at_mut(1);
        let read = read_batch(&mut [&mut first[0], &mut second[0]], &batch, "two members").await;
        assert!(
            read.iter().all(|r| !r.is_empty()),
            "each member read a share"
        );
    });
}

/// A group name of the test's own.
fn random_group() -> String {
    sea_streamer_conformance::random_key("multi-group")
}

#[test]
fn restarted_broker_serves_what_was_stored_before() {
    let Some(cluster) = cluster() else { return };
    serial(async move {
        let node = node_uri(&cluster, 0);
        let port = node_port(&cluster, 0);
        let topic = new_topic("multi-restart");
        create_topic(&node, &topic, PARTITIONS as i32).await;

        // Through this broker alone: 30 records, and a group that commits after 5 of
        // partition 0.
        let streamer = connect_to(&node).await;
        let producer = producer(&streamer, &topic).await;
        let mut stored = BTreeMap::new();
        for i in 0..30u64 {
            let text = format!("kept-{i}");
            let receipt = send_to(&producer, &topic, i % PARTITIONS, &text)
                .await
                .expect("stored");
            stored.insert((receipt.shard_id().id(), *receipt.sequence()), text);
        }
        let group = ConsumerGroup::new(random_group());
        let mut options = consumer_options(ConsumerMode::LoadBalanced);
        options
            .set_group_id(group.clone())
            .set_enable_auto_commit(false);
        let mut member = streamer
            .create_consumer(std::slice::from_ref(&topic), options.clone())
            .await
            .unwrap();
        let mut read = 0;
        let committed = loop {
            let message = timeout(WAIT, member.next())
                .await
                .expect("a record")
                .expect("next");
            if message.shard_id() == ShardId::new(0) {
                read += 1;
                if read == 5 {
                    let next = message.sequence() + 1;
                    member
                        .commit(&topic, &ShardId::new(0), &next)
                        .await
                        .expect("commit");
                    break next;
                }
            }
        };
        drop(member);
        drop(producer);
        streamer.disconnect().await.expect("disconnect");

        KilledBroker::kill(port).restart();

        // The restarted broker serves every record at its place, and the group's commit.
        assert_readable(&node, &topic, &stored).await;
        let streamer = connect_to(&node).await;
        let member = streamer
            .create_consumer(std::slice::from_ref(&topic), options)
            .await
            .unwrap();
        let first = loop {
            let (partition, offset, _) = next_record(&member).await;
            if partition == 0 {
                break offset;
            }
        };
        assert_eq!(first, committed, "the group resumes after its commit");
    });
}
