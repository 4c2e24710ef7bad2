//! Broker failover on librdkafka's in-process mock cluster of three brokers (ids 1, 2, 3):
//! the properties `tests/multi_broker.rs` states for tansu, where they cannot be observed
//! (every tansu broker names itself node 111), checked on a cluster with distinct broker ids
//! and a leader per partition.
//!
//! Each test owns a cluster with one topic of 3 partitions replicated 3 times, partition `p`
//! led by broker `p + 1`. A broker is taken down with `broker_down` (its connections closed,
//! none accepted) and, as a controller would, leadership of its partition (and a group's
//! coordination) is moved to a survivor; the mock does not move them by itself. The mock
//! keeps one log per partition, whichever broker leads it: these tests check what the
//! clients do across the failover (receipts, retries, fetch positions, the group), not
//! replication.
//!
//! To take a leader down with records in flight, not only queued, the producing test slows
//! broker 1's answers (`broker_round_trip_time`: it stores at once, answers a minute later)
//! and watches partition 0 through its follower, broker 2 (`partition_follower`): a record
//! seen there was stored by broker 1 and not yet acknowledged.
//!
//! Waits are bounded per step ([`WAIT`] for a receipt or a record), never sleeps.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;
#[path = "support/records.rs"]
mod records;

use common::WAIT;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::mocking::{MockCluster, MockCoordinator};
use rdkafka::producer::DefaultProducerContext;
use rdkafka::ClientConfig;
use records::*;
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaProducerOptions,
    KafkaStreamer, SendFuture,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    ConsumerGroup, ConsumerMode, ConsumerOptions, SeqNo, ShardId, StreamKey, Streamer, StreamerUri,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The mock cluster's handle.
type Cluster = MockCluster<'static, DefaultProducerContext>;

/// Brokers of each cluster (ids 1..=3).
const BROKERS: i32 = 3;

/// Partitions of each test topic; partition `p` starts led by broker `p + 1`.
const PARTITIONS: u64 = 3;

/// A record's place: (partition, offset).
type Place = (u64, SeqNo);

/// Client settings that make a client notice a broker going down and find the new leader or
/// coordinator quickly.
const FAILOVER: [(&str, &str); 4] = [
    ("topic.metadata.refresh.interval.ms", "1000"),
    ("retry.backoff.ms", "50"),
    ("reconnect.backoff.ms", "50"),
    ("reconnect.backoff.max.ms", "200"),
];

/// A cluster of three brokers with `topic` (3 partitions, replication factor 3, partition
/// `p` led by broker `p + 1`), and a streamer given every broker's address.
async fn mock3(topic: &StreamKey) -> (Cluster, KafkaStreamer) {
    let _ = env_logger::try_init();
    let cluster = MockCluster::new(BROKERS).expect("mock cluster");
    cluster
        .create_topic(topic.name(), PARTITIONS as i32, BROKERS)
        .expect("a topic replicated on the 3 brokers");
    for p in 0..PARTITIONS as i32 {
        cluster
            .partition_leader(topic.name(), p, Some(p + 1))
            .expect("partition_leader");
    }
    let streamer = connect(&cluster.bootstrap_servers()).await;
    (cluster, streamer)
}

/// A streamer bootstrapped from `servers` (`host:port,...`).
async fn connect(servers: &str) -> KafkaStreamer {
    let uri: StreamerUri = format!("kafka://{servers}").parse().expect("uri");
    KafkaStreamer::connect(uri, Default::default())
        .await
        .expect("connect to the mock cluster")
}

/// The address of broker `id` (1-based) among the cluster's `bootstrap_servers`.
fn broker_address(cluster: &Cluster, id: i32) -> String {
    let servers = cluster.bootstrap_servers();
    let addresses: Vec<&str> = servers.split(',').collect();
    assert_eq!(addresses.len(), BROKERS as usize, "{servers}");
    addresses[id as usize - 1].to_owned()
}

/// A producer whose records fail their receipt after 15 s undelivered; with
/// `enable.idempotence` if `idempotent`.
async fn producer(streamer: &KafkaStreamer, topic: &StreamKey, idempotent: bool) -> KafkaProducer {
    let mut options = KafkaProducerOptions::default();
    options
        .add_custom_option("message.timeout.ms", "15000")
        .add_custom_option("enable.idempotence", idempotent.to_string());
    for (key, value) in FAILOVER {
        options.add_custom_option(key, value);
    }
    streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer")
}

/// Options of a member of `group`, reading from the start.
fn member_options(group: &str) -> KafkaConsumerOptions {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_group_id(ConsumerGroup::new(group))
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        // The mock evicts a member silent for the session timeout, also while it waits for
        // its join (3 s initial delay): keep it above that.
        .set_session_timeout(Duration::from_secs(6))
        .add_custom_option("heartbeat.interval.ms", "500");
    for (key, value) in FAILOVER {
        options.add_custom_option(key, value);
    }
    options
}

/// A member of `group` subscribed to `topic`.
async fn member(streamer: &KafkaStreamer, topic: &StreamKey, group: &str) -> KafkaConsumer {
    streamer
        .create_consumer(std::slice::from_ref(topic), member_options(group))
        .await
        .expect("create_consumer")
}

/// A raw client of the cluster, for metadata and watermarks.
fn raw_client(cluster: &Cluster) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .create()
        .expect("raw client")
}

/// Every record of `topic` up to its current high watermarks, read by a fresh group whose
/// coordinator is broker `coordinator`: place → payload.
async fn read_back(
    cluster: &Cluster,
    streamer: &KafkaStreamer,
    topic: &StreamKey,
    group: &str,
    coordinator: i32,
) -> BTreeMap<Place, String> {
    cluster
        .coordinator(MockCoordinator::Group(group.to_owned()), coordinator)
        .expect("coordinator");
    let raw = raw_client(cluster);
    let highs: BTreeMap<u64, SeqNo> = (0..PARTITIONS)
        .map(|p| {
            let (_, high) = raw
                .fetch_watermarks(topic.name(), p as i32, WAIT)
                .expect("watermarks");
            (p, high as SeqNo)
        })
        .collect();
    let consumer = member(streamer, topic, group).await;
    let mut stored = BTreeMap::new();
    while !highs
        .iter()
        .all(|(&p, &high)| high == 0 || stored.contains_key(&(p, high - 1)))
    {
        let (partition, offset, text) = next_record(&consumer).await;
        stored.insert((partition, offset), text);
    }
    stored
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn partitions_are_led_by_different_brokers() {
    let topic = StreamKey::new("leaders").unwrap();
    let (cluster, _streamer) = mock3(&topic).await;
    // The brokers the metadata names, and each partition's leader.
    let metadata = || {
        let metadata = raw_client(&cluster)
            .fetch_metadata(Some(topic.name()), WAIT)
            .expect("metadata");
        let brokers: BTreeSet<i32> = metadata.brokers().iter().map(|b| b.id()).collect();
        let partitions = metadata.topics()[0].partitions();
        for p in partitions {
            assert_eq!(p.replicas().len(), BROKERS as usize, "replicated 3 times");
        }
        let leaders = partitions
            .iter()
            .map(|p| (p.id(), p.leader()))
            .collect::<BTreeMap<_, _>>();
        (brokers, leaders)
    };
    assert_eq!(
        metadata(),
        (
            BTreeSet::from([1, 2, 3]),
            BTreeMap::from([(0, 1), (1, 2), (2, 3)])
        )
    );
    // A broker that is down is not named; its partition follows the leader it was given.
    cluster.broker_down(1).expect("broker_down");
    cluster
        .partition_leader(topic.name(), 0, Some(2))
        .expect("partition_leader");
    assert_eq!(
        metadata(),
        (
            BTreeSet::from([2, 3]),
            BTreeMap::from([(0, 2), (1, 2), (2, 3)])
        )
    );
}

/// What became of one sent record.
struct Outcome {
    text: String,
    partition: u64,
    /// The place its receipt named, or `None` for an error receipt.
    place: Option<Place>,
}

/// Enqueues `count` records named `{phase}-{i}`, round-robin over the partitions.
fn enqueue(
    producer: &KafkaProducer,
    topic: &StreamKey,
    phase: &str,
    count: usize,
    pending: &mut Vec<(SendFuture, u64, String)>,
) {
    for i in 0..count {
        let partition = i as u64 % PARTITIONS;
        let text = format!("{phase}-{i}");
        pending.push((send_to(producer, topic, partition, &text), partition, text));
    }
}

/// Resolves the receipts of `pending` in order, each within [`WAIT`].
async fn resolve(
    pending: impl IntoIterator<Item = (SendFuture, u64, String)>,
    outcomes: &mut Vec<Outcome>,
) {
    for (receipt, partition, text) in pending {
        let place = match timeout(WAIT, receipt)
            .await
            .expect("a receipt for every record")
        {
            Ok(header) => {
                assert_eq!(header.shard_id().id(), partition, "{text} in its partition");
                Some((partition, *header.sequence()))
            }
            Err(error) => {
                log::info!("{text}: error receipt {error}");
                None
            }
        };
        outcomes.push(Outcome {
            text,
            partition,
            place,
        });
    }
}

/// Produces while the leader of partition 0 goes down and leadership moves to broker 2;
/// checks that every acknowledged record is read back at the place its receipt named.
/// Returns how many records were stored more than once.
async fn produce_through_leader_failover(name: &str, idempotent: bool) -> usize {
    let topic = StreamKey::new(name).unwrap();
    let (cluster, streamer) = mock3(&topic).await;
    let producer = producer(&streamer, &topic, idempotent).await;
    // A watcher that reads partition 0 from broker 2 (the mock's leader sends a fetch to the
    // partition's follower and gives no records itself), to see what broker 1 stored.
    cluster
        .partition_follower(topic.name(), 0, 2)
        .expect("partition_follower");
    let watch = format!("{name}-watch");
    cluster
        .coordinator(MockCoordinator::Group(watch.clone()), 3)
        .expect("coordinator");
    let watcher = member(&streamer, &topic, &watch).await;
    let mut pending = Vec::new();
    let mut outcomes = Vec::new();

    // Connected to every leader, and the watcher reading every partition.
    enqueue(&producer, &topic, "warm", 30, &mut pending);
    resolve(std::mem::take(&mut pending), &mut outcomes).await;
    for _ in 0..30 {
        next_record(&watcher).await;
    }

    // From now on broker 1 stores what it receives but answers only after a minute. Once the
    // watcher sees a record of this round in partition 0, broker 1 stored it and has not
    // acknowledged it: broker 1 goes down with records in flight.
    cluster
        .broker_round_trip_time(1, Duration::from_secs(60))
        .expect("round trip time");
    enqueue(&producer, &topic, "before", 300, &mut pending);
    let unanswered = loop {
        let (partition, _, text) = next_record(&watcher).await;
        if partition == 0 && text.starts_with("before") {
            break text;
        }
    };
    cluster.broker_down(1).expect("broker_down");
    enqueue(&producer, &topic, "during", 150, &mut pending);
    cluster
        .partition_leader(topic.name(), 0, Some(2))
        .expect("partition_leader");
    // No follower any more (the mock would send broker 2's fetches to broker 2 forever).
    cluster
        .partition_follower(topic.name(), 0, -1)
        .expect("partition_follower");
    enqueue(&producer, &topic, "after", 150, &mut pending);
    resolve(pending, &mut outcomes).await;

    // Every receipt is Ok with a place of its own, or an error.
    let mut acknowledged: BTreeMap<Place, &str> = BTreeMap::new();
    for outcome in &outcomes {
        if let Some(place) = outcome.place {
            let before = acknowledged.insert(place, &outcome.text);
            assert!(
                before.is_none(),
                "{} and {before:?} both acknowledged at {place:?}",
                outcome.text
            );
        }
    }
    let failed = outcomes.iter().filter(|o| o.place.is_none()).count();
    // The producer went on through the new leader of partition 0.
    assert!(
        outcomes
            .iter()
            .any(|o| o.partition == 0 && o.text.starts_with("after") && o.place.is_some()),
        "no record reached partition 0's new leader ({failed} error receipts)"
    );

    // Every acknowledged record is stored at its place; broker 1 is still down.
    let stored = read_back(&cluster, &streamer, &topic, "read-back", 3).await;
    for (place, text) in &acknowledged {
        assert_eq!(
            stored.get(place).map(String::as_str),
            Some(*text),
            "acknowledged at {place:?}"
        );
    }
    let sent: BTreeSet<&str> = outcomes.iter().map(|o| o.text.as_str()).collect();
    let mut copies: BTreeMap<&str, usize> = BTreeMap::new();
    for text in stored.values() {
        assert!(sent.contains(text.as_str()), "{text} was never sent");
        *copies.entry(text).or_default() += 1;
    }
    let duplicates = copies.values().filter(|&&n| n > 1).count();
    let stored_failed = outcomes
        .iter()
        .filter(|o| o.place.is_none() && copies.contains_key(o.text.as_str()))
        .count();
    log::info!(
        "{name}: {} acknowledged, {failed} error receipts ({stored_failed} of them stored \
         anyway), {duplicates} records stored more than once; {unanswered} was stored by \
         broker 1 and unacknowledged when it went down, stored {} time(s) in all",
        acknowledged.len(),
        copies.get(unanswered.as_str()).copied().unwrap_or_default()
    );
    if idempotent {
        // The idempotent producer keeps each partition in sending order.
        let mut last: BTreeMap<u64, (SeqNo, &str)> = BTreeMap::new();
        for outcome in &outcomes {
            if let Some((partition, offset)) = outcome.place {
                if let Some((before, text)) = last.insert(partition, (offset, &outcome.text)) {
                    assert!(before < offset, "{} stored before {text}", outcome.text);
                }
            }
        }
    }
    duplicates
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn leader_down_mid_produce_loses_nothing_acknowledged() {
    produce_through_leader_failover("produce", false).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
#[ignore = "the mock checks producer sequence numbers only for a transactional producer \
            (rd_kafka_mock_validate_records returns at once without a TransactionalId): the \
            100 records broker 1 stored but never acknowledged before going down were retried \
            to broker 2 and stored again (observed 100 duplicates in every run)"]
async fn idempotent_producer_stores_each_record_once_across_failover() {
    let duplicates = produce_through_leader_failover("produce-idempotent", true).await;
    assert_eq!(duplicates, 0, "an idempotent producer stores no duplicate");
}

/// The payload `{batch}-{partition}-{i}`'s (partition, i).
fn parse(text: &str) -> (u64, usize) {
    let mut parts = text.split('-').skip(1);
    let partition = parts.next().and_then(|p| p.parse().ok());
    let i = parts.next().and_then(|i| i.parse().ok());
    partition.zip(i).expect("payload format")
}

/// Records read by one consumer, checking that each partition's records come in order.
#[derive(Default)]
struct Reading {
    texts: BTreeSet<String>,
    /// Per partition: the last offset and the last payload read.
    last: BTreeMap<u64, (SeqNo, String)>,
}

impl Reading {
    fn add(&mut self, (partition, offset, text): (u64, SeqNo, String)) {
        assert_eq!(
            parse(&text).0,
            partition,
            "{text} read from partition {partition}"
        );
        if let Some((before, previous)) = self.last.get(&partition) {
            assert!(
                *before < offset,
                "partition {partition}: offset {offset} ({text}) after {before} ({previous})"
            );
            if previous.split('-').next() == text.split('-').next() {
                assert!(
                    parse(previous).1 < parse(&text).1,
                    "{text} after {previous}"
                );
            }
        }
        self.last.insert(partition, (offset, text.clone()));
        assert!(self.texts.insert(text.clone()), "{text} read twice");
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn leader_down_mid_consume_the_consumer_continues() {
    let topic = StreamKey::new("consume").unwrap();
    let (cluster, streamer) = mock3(&topic).await;
    let group = "consume";
    cluster
        .coordinator(MockCoordinator::Group(group.to_owned()), 3)
        .expect("coordinator");
    let producer = producer(&streamer, &topic, false).await;
    let one = produce_batch(&producer, &topic, PARTITIONS, "one", 30).await;

    let consumer = member(&streamer, &topic, group).await;
    let mut reading = Reading::default();
    while reading.texts.len() < 15 {
        reading.add(next_record(&consumer).await);
    }
    cluster.broker_down(1).expect("broker_down");
    cluster
        .partition_leader(topic.name(), 0, Some(2))
        .expect("partition_leader");
    let two = produce_batch(&producer, &topic, PARTITIONS, "two", 30).await;

    let everything: BTreeSet<String> = one.union(&two).cloned().collect();
    while reading.texts.len() < everything.len() {
        reading.add(next_record(&consumer).await);
    }
    assert_eq!(reading.texts, everything, "everything produced was read");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn broker_down_and_up_serves_what_was_stored_before() {
    let topic = StreamKey::new("restart").unwrap();
    let (cluster, streamer) = mock3(&topic).await;
    // Broker 1 leads partition 0 and coordinates the group.
    let group = "restart";
    cluster
        .coordinator(MockCoordinator::Group(group.to_owned()), 1)
        .expect("coordinator");
    let producer = producer(&streamer, &topic, false).await;
    let mut stored = BTreeMap::new();
    for i in 0..30u64 {
        let text = format!("kept-{i}");
        let receipt = timeout(WAIT, send_to(&producer, &topic, i % PARTITIONS, &text))
            .await
            .expect("a receipt")
            .expect("stored");
        stored.insert((receipt.shard_id().id(), *receipt.sequence()), text);
    }
    let mut options = member_options(group);
    options.set_enable_auto_commit(false);
    let mut first = streamer
        .create_consumer(std::slice::from_ref(&topic), options.clone())
        .await
        .unwrap();
    let mut read = 0;
    let committed = loop {
        let (partition, offset, _) = next_record(&first).await;
        if partition == 0 {
            read += 1;
            if read == 5 {
                first
                    .commit(&topic, &ShardId::new(0), &(offset + 1))
                    .await
                    .expect("commit");
                break offset + 1;
            }
        }
    };
    drop(first);

    // A record for partition 0 sent while its leader is down waits, and lands after what
    // was stored before once the broker is back.
    cluster.broker_down(1).expect("broker_down");
    let waiting = send_to(&producer, &topic, 0, "while-down");
    cluster.broker_up(1).expect("broker_up");
    let receipt = timeout(WAIT, waiting)
        .await
        .expect("a receipt")
        .expect("delivered once the broker is back");
    assert_eq!(
        (receipt.shard_id().id(), *receipt.sequence()),
        (0, 10),
        "right after the 10 records stored before"
    );
    stored.insert((0, 10), "while-down".to_owned());

    // Through the restarted broker alone: every record at its place, and the group's commit.
    let streamer = connect(&broker_address(&cluster, 1)).await;
    assert_eq!(
        read_back(&cluster, &streamer, &topic, "restart-check", 1).await,
        stored
    );
    let member = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .unwrap();
    let resumed = loop {
        let (partition, offset, _) = next_record(&member).await;
        if partition == 0 {
            break offset;
        }
    };
    assert_eq!(resumed, committed, "the group resumes after its commit");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_rebalances_when_a_member_leaves_during_failover() {
    let topic = StreamKey::new("rebalance").unwrap();
    let (cluster, streamer) = mock3(&topic).await;
    // Broker 1 leads partition 0 and coordinates the group.
    let group = "rebalance";
    cluster
        .coordinator(MockCoordinator::Group(group.to_owned()), 1)
        .expect("coordinator");
    let producer = producer(&streamer, &topic, false).await;
    let mut a = member(&streamer, &topic, group).await;
    let mut b = member(&streamer, &topic, group).await;

    // Drive both until the group settles with the 3 partitions split between them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(poll_record(&a).await.is_none(), "nothing was produced yet");
        assert!(poll_record(&b).await.is_none(), "nothing was produced yet");
        let (pa, pb) = (assigned(&mut a), assigned(&mut b));
        if !pa.is_empty() && !pb.is_empty() && pa.is_disjoint(&pb) && pa.len() + pb.len() == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "group never split: {pa:?} / {pb:?}"
        );
    }
    let one = produce_batch(&producer, &topic, PARTITIONS, "one", 10).await;
    let (mut read_a, mut read_b) = (Reading::default(), Reading::default());
    let deadline = Instant::now() + WAIT;
    while read_a.texts.len() + read_b.texts.len() < one.len() {
        if let Some(record) = poll_record(&a).await {
            read_a.add(record);
        }
        if let Some(record) = poll_record(&b).await {
            read_b.add(record);
        }
        assert!(Instant::now() < deadline, "batch one incomplete");
    }
    assert!(
        read_a.texts.is_disjoint(&read_b.texts),
        "one owner per record"
    );
    let owned_by_a = assigned(&mut a);

    // Broker 1 goes down; its partition and the group move to broker 2; b leaves meanwhile.
    cluster.broker_down(1).expect("broker_down");
    cluster
        .partition_leader(topic.name(), 0, Some(2))
        .expect("partition_leader");
    cluster
        .coordinator(MockCoordinator::Group(group.to_owned()), 2)
        .expect("coordinator");
    drop(b);
    let two = produce_batch(&producer, &topic, PARTITIONS, "two", 10).await;

    // a takes every partition over and reads all of batch two.
    let mut read = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !two.iter().all(|t| read.contains(t)) {
        if let Some((_, _, text)) = poll_record(&a).await {
            read.insert(text);
        }
        assert!(
            Instant::now() < deadline,
            "a never read {:?} (owned {owned_by_a:?}, now {:?})",
            two.difference(&read).collect::<Vec<_>>(),
            assigned(&mut a)
        );
    }
    assert_eq!(
        assigned(&mut a),
        BTreeSet::from([0, 1, 2]),
        "a owns every partition after b left"
    );
}
