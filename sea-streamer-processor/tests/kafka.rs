//! The processor on the tansu broker (SEA_STREAMER_TEST_KAFKA): retries and dead letters
//! with the committed position covering everything, per-partition order at concurrency 8,
//! and a shutdown with 1,000 messages in flight.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::dead_letters::{
    check_dead_letters, check_outputs, run_seven_thirteen, seven_thirteen_counts, successes,
};
use common::order::handle_at_concurrency_eight;
use common::shutdown::{shutdown_with_a_thousand_in_flight, Stuck};
use common::WAIT;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::Consumer as _;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaStreamer,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader, ShardId,
    SharedMessage, StreamKey, Streamer, StreamerUri, Timestamp,
};

fn broker() -> Option<StreamerUri> {
    let url = service_url("SEA_STREAMER_TEST_KAFKA")?;
    Some(url.parse().expect("a valid URI"))
}

fn topic(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).unwrap()
}

async fn create_topic(uri: &StreamerUri, topic: &StreamKey, partitions: i32) {
    let servers = uri.nodes()[0]
        .as_str()
        .trim_start_matches("kafka://")
        .to_owned();
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .create()
        .unwrap();
    let new = NewTopic::new(topic.name(), partitions, TopicReplication::Fixed(1));
    let results = timeout(WAIT, admin.create_topics([&new], &AdminOptions::new()))
        .await
        .expect("create_topics timed out")
        .expect("create_topics");
    for result in results {
        result.expect("topic created");
    }
}

async fn connect(uri: &StreamerUri) -> KafkaStreamer {
    let _ = env_logger::try_init();
    KafkaStreamer::connect(uri.clone(), Default::default())
        .await
        .expect("connect")
}

/// A group member reading from the start, committing only what is acknowledged.
async fn group_consumer(streamer: &KafkaStreamer, topic: &StreamKey, group: &str) -> KafkaConsumer {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_group_id(ConsumerGroup::new(group))
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        .set_enable_auto_commit(false)
        .add_custom_option("session.timeout.ms", "2000")
        .add_custom_option("heartbeat.interval.ms", "500");
    streamer
        .create_consumer(std::slice::from_ref(topic), options)
        .await
        .expect("create_consumer")
}

/// Reads `n` messages of `topic` from its start.
async fn read_all(streamer: &KafkaStreamer, topic: &StreamKey, n: usize) -> Vec<SharedMessage> {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(topic), options)
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let message = timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .unwrap();
        out.push(Message::to_owned(&message));
    }
    out
}

/// Sends `payload(i)` for `i` in `0..n` to partition `partition(i)`, awaiting every receipt.
async fn produce(
    producer: &KafkaProducer,
    topic: &StreamKey,
    n: u64,
    partition: impl Fn(u64) -> u64,
    payload: impl Fn(u64) -> String,
) {
    let mut receipts = Vec::new();
    for i in 0..n {
        let header = MessageHeader::new(
            topic.clone(),
            ShardId::new(partition(i)),
            0,
            Timestamp::now_utc(),
        );
        receipts.push(producer.send_message(header, payload(i).as_str()).unwrap());
    }
    for receipt in receipts {
        timeout(WAIT, receipt)
            .await
            .expect("receipt in time")
            .expect("delivered");
    }
}

/// The group's committed offset of each partition.
fn committed(consumer: &mut KafkaConsumer, topic: &StreamKey, partitions: i32) -> Vec<Offset> {
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(topic.name(), p);
    }
    let answer = consumer.inner().committed_offsets(list, WAIT).unwrap();
    (0..partitions)
        .map(|p| answer.find_partition(topic.name(), p).unwrap().offset())
        .collect()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn retries_and_dead_letters_with_everything_committed() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let (input, output, dead) = (topic("proc-in"), topic("proc-out"), topic("proc-dead"));
    const PARTITIONS: i32 = 4;
    const N: u64 = 200;
    create_topic(&uri, &input, PARTITIONS).await;
    create_topic(&uri, &output, 1).await;
    create_topic(&uri, &dead, 1).await;
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &producer,
        &input,
        N,
        |i| i % PARTITIONS as u64,
        |i| (i + 1).to_string(),
    )
    .await;

    let mut consumer = group_consumer(&streamer, &input, &random_key("proc-group")).await;
    let record = run_seven_thirteen(&consumer, &producer, &output, &dead, N).await;

    let (_, dead_lettered, _) = seven_thirteen_counts(N);
    let letters = read_all(&streamer, &dead, dead_lettered as usize).await;
    check_dead_letters(&letters, &input, N, |n, header| {
        assert_eq!(header.shard_id().id(), (n - 1) % PARTITIONS as u64);
    });
    // Every success's output was delivered before its input was acknowledged.
    check_outputs(&read_all(&streamer, &output, successes(N).len()).await, N);

    // The committed position covers everything.
    let last = record.last_seq.lock().unwrap().clone();
    let ends: Vec<Offset> = (0..PARTITIONS as u64)
        .map(|p| Offset::Offset(last[&p] as i64 + 1))
        .collect();
    assert_eq!(committed(&mut consumer, &input, PARTITIONS), ends);
    drop(consumer);
    streamer.disconnect().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn concurrency_eight_keeps_each_partition_in_order() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let input = topic("proc-order");
    const PARTITIONS: u64 = 8;
    const PER: u64 = 50;
    create_topic(&uri, &input, PARTITIONS as i32).await;
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &producer,
        &input,
        PARTITIONS * PER,
        |i| i % PARTITIONS,
        |i| i.to_string(),
    )
    .await;
    let consumer = group_consumer(&streamer, &input, &random_key("proc-group")).await;

    let seen = handle_at_concurrency_eight(
        &consumer,
        PARTITIONS * PER,
        |m| m.shard_id().id(),
        |m| m.sequence(),
    )
    .await;
    for p in 0..PARTITIONS {
        assert_eq!(
            seen[&p],
            (0..PER).collect::<Vec<_>>(),
            "partition {p} in order"
        );
    }
    drop(consumer);
    streamer.disconnect().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_commits_the_processed_prefix() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let input = topic("proc-stop");
    const INPUT: Stuck = Stuck {
        lanes: 8,
        done: 50,
        stuck: 125,
    };
    create_topic(&uri, &input, INPUT.lanes as i32).await;
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &producer,
        &input,
        INPUT.lanes * (INPUT.done + INPUT.stuck),
        |i| i % INPUT.lanes,
        |i| i.to_string(),
    )
    .await;
    let mut consumer = group_consumer(&streamer, &input, &random_key("proc-group")).await;

    // Kafka offsets start at 0
    shutdown_with_a_thousand_in_flight(&consumer, INPUT, |m| m.sequence() >= INPUT.done, None)
        .await;
    assert_eq!(
        committed(&mut consumer, &input, INPUT.lanes as i32),
        vec![Offset::Offset(INPUT.done as i64); INPUT.lanes as usize],
        "the committed position is the processed prefix"
    );
    drop(consumer);
    streamer.disconnect().await.unwrap();
}
