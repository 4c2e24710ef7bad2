//! The processor on the tansu broker (SEA_STREAMER_TEST_KAFKA): retries and dead letters
//! with the committed position covering everything, per-partition order at concurrency 8,
//! and a shutdown with 1,000 messages in flight.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{number, seven_thirteen, seven_thirteen_counts, until, Record, WAIT};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::Consumer as _;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaStreamer,
};
use sea_streamer_processor::{DeadLetter, HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader,
    ShardId, SharedMessage, StreamKey, Streamer, StreamerUri, Timestamp,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    let record = Record::default();
    let handler = {
        let (record, producer, output) = (record.clone(), producer.clone(), output.clone());
        move |message: SharedMessage, outbox: Outbox| {
            seven_thirteen(
                record.clone(),
                producer.clone(),
                output.clone(),
                message,
                outbox,
            )
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_max_attempts(3)
        .set_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .set_commit_interval(Duration::from_millis(100));
    let processor = Processor::new(&consumer, handler, options)
        .dead_letter(producer.clone(), dead.clone())
        .flush_at_end(producer.clone());
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed + s.dead_lettered == N);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the processor stops")
        .expect("no error");

    let (processed, dead_lettered, retried) = seven_thirteen_counts(N);
    assert_eq!(summary.processed, processed);
    assert_eq!(summary.dead_lettered, dead_lettered);
    assert_eq!(summary.retried, retried);
    assert_eq!((summary.abandoned, summary.failed), (0, 0));
    let expected: BTreeSet<u64> = (1..=N).filter(|n| !n.is_multiple_of(13)).collect();
    assert_eq!(
        *record.handled.lock().unwrap(),
        expected,
        "every message is handled"
    );

    // Exactly the 13th ones are dead letters, with their error text and attempts.
    let letters = read_all(&streamer, &dead, dead_lettered as usize).await;
    let mut thirteens = BTreeSet::new();
    for letter in &letters {
        let letter = DeadLetter::from_json(letter.message().as_str().unwrap()).unwrap();
        let n: u64 = String::from_utf8(letter.payload_bytes().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(letter.error, format!("unlucky {n}"));
        assert_eq!(letter.attempts, 3);
        assert_eq!(letter.stream_key, input.name());
        let header = letter.header().unwrap();
        assert_eq!(header.shard_id().id(), (n - 1) % PARTITIONS as u64);
        thirteens.insert(n);
    }
    assert_eq!(
        thirteens,
        (1..=N).filter(|n| n.is_multiple_of(13)).collect()
    );

    // Every success's output was delivered before its input was acknowledged.
    let outputs: BTreeSet<u64> = read_all(&streamer, &output, expected.len())
        .await
        .iter()
        .map(|m| m.message().as_str().unwrap()[4..].parse().unwrap())
        .collect();
    assert_eq!(outputs, expected);

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

    let seen: Arc<Mutex<HashMap<u64, Vec<u64>>>> = Default::default();
    let busy: Arc<Mutex<HashSet<u64>>> = Default::default();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let handler = {
        let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
        move |message: SharedMessage, _: Outbox| {
            let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
            async move {
                let shard = message.shard_id().id();
                assert!(
                    busy.lock().unwrap().insert(shard),
                    "two messages of one partition at once"
                );
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(running, Ordering::SeqCst);
                // finish in a scrambled order across partitions
                let n = number(&message);
                sea_streamer_runtime::sleep(Duration::from_millis(n * 7 % 5)).await;
                seen.lock()
                    .unwrap()
                    .entry(shard)
                    .or_default()
                    .push(message.sequence());
                now.fetch_sub(1, Ordering::SeqCst);
                busy.lock().unwrap().remove(&shard);
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options.set_concurrency(8);
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed == PARTITIONS * PER);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.processed, PARTITIONS * PER);

    let seen = seen.lock().unwrap().clone();
    for p in 0..PARTITIONS {
        assert_eq!(
            seen[&p],
            (0..PER).collect::<Vec<_>>(),
            "partition {p} in order"
        );
    }
    let max = max.load(Ordering::SeqCst);
    assert!(max <= 8, "at most 8 at a time, saw {max}");
    assert!(max > 1, "partitions were handled concurrently");
    drop(consumer);
    streamer.disconnect().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shutdown_with_a_thousand_in_flight_commits_the_processed_prefix() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let input = topic("proc-stop");
    const PARTITIONS: u64 = 8;
    const DONE: u64 = 50; // per partition, the messages that can finish
    const STUCK: u64 = 125; // per partition, the ones from the first that never finishes
    create_topic(&uri, &input, PARTITIONS as i32).await;
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    produce(
        &producer,
        &input,
        PARTITIONS * (DONE + STUCK),
        |i| i % PARTITIONS,
        |i| i.to_string(),
    )
    .await;
    let mut consumer = group_consumer(&streamer, &input, &random_key("proc-group")).await;

    let blocked = Arc::new(AtomicUsize::new(0));
    let handler = {
        let blocked = blocked.clone();
        move |message: SharedMessage, _: Outbox| {
            let blocked = blocked.clone();
            async move {
                if message.sequence() >= DONE {
                    blocked.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(8)
        .set_max_in_flight(1000)
        .set_shutdown_deadline(Duration::from_secs(1));
    let processor = Processor::new(&consumer, handler, options);
    let progress = processor.progress();
    // Stop once everything that can finish did and 1,000 messages are in flight: the
    // head of every partition is stuck, with the rest of it queued behind.
    let shutdown = {
        let blocked = blocked.clone();
        until(progress, move |s| {
            s.in_flight() == 1000 && blocked.load(Ordering::SeqCst) == PARTITIONS as usize
        })
    };
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .expect("the deadline ends the run")
        .unwrap();
    assert_eq!(summary.processed, PARTITIONS * DONE);
    assert_eq!(summary.abandoned, 1000);
    assert_eq!(summary.fetched, PARTITIONS * (DONE + STUCK));
    assert_eq!(
        committed(&mut consumer, &input, PARTITIONS as i32),
        vec![Offset::Offset(DONE as i64); PARTITIONS as usize],
        "the committed position is the processed prefix"
    );
    drop(consumer);
    streamer.disconnect().await.unwrap();
}
