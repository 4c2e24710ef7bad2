//! `Acknowledge` on the tansu broker: out-of-order acknowledgements never commit past a
//! message that is not processed, per partition, and a restarted group member resumes at
//! the first unprocessed message.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{broker, connect, create_topic, new_topic, quick_group, WAIT};
use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset, TopicPartitionList};
use sea_streamer_conformance::random_key;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Acknowledge, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader,
    ShardId, StreamErr, StreamKey, Streamer, Timestamp,
};
use std::collections::BTreeSet;

async fn group_consumer(streamer: &KafkaStreamer, topic: &StreamKey, group: &str) -> KafkaConsumer {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_group_id(ConsumerGroup::new(group))
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        .set_enable_auto_commit(false);
    quick_group(&mut options);
    streamer
        .create_consumer(std::slice::from_ref(topic), options)
        .await
        .expect("create_consumer")
}

/// Sends `count` messages to each of `partitions` partitions, awaiting every receipt.
async fn produce(
    streamer: &KafkaStreamer,
    topic: &StreamKey,
    partitions: u64,
    range: std::ops::Range<u64>,
) {
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    for p in 0..partitions {
        for i in range.clone() {
            let header =
                MessageHeader::new(topic.clone(), ShardId::new(p), 0, Timestamp::now_utc());
            let receipt = producer
                .send_message(header, format!("{p}-{i}").as_str())
                .unwrap()
                .await
                .expect("delivered");
            assert_eq!(*receipt.sequence(), i, "offsets start at 0 in a new topic");
        }
    }
}

/// Receives `n` messages, tracking each; returns their headers in order of receipt.
async fn receive(consumer: &KafkaConsumer, n: usize) -> Vec<MessageHeader> {
    let mut headers = Vec::new();
    for i in 0..n {
        let message = timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .expect("next");
        let header = message.to_owned().take_header();
        consumer.track(&header).expect("track");
        headers.push(header);
    }
    headers
}

/// The group's committed offset of each partition.
fn committed(consumer: &mut KafkaConsumer, topic: &StreamKey, partitions: i32) -> Vec<Offset> {
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(topic.name(), p);
    }
    let answer = consumer
        .inner()
        .committed_offsets(list, WAIT)
        .expect("committed_offsets");
    (0..partitions)
        .map(|p| answer.find_partition(topic.name(), p).unwrap().offset())
        .collect()
}

fn ids(headers: &[MessageHeader]) -> BTreeSet<(u64, u64)> {
    headers
        .iter()
        .map(|h| (h.shard_id().id(), *h.sequence()))
        .collect()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn out_of_order_acks_never_commit_past_an_unprocessed_message() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("ack-order");
    let group = random_key("ack-group");
    create_topic(&uri, &topic, 2).await;
    produce(&streamer, &topic, 2, 0..10).await;

    let mut consumer = group_consumer(&streamer, &topic, &group).await;
    let headers = receive(&consumer, 20).await;
    let expected: BTreeSet<_> = (0..2).flat_map(|p| (0..10).map(move |i| (p, i))).collect();
    assert_eq!(ids(&headers), expected);

    // Everything finishes, latest first, except partition 0's #3 and partition 1's #7.
    let slow = |h: &MessageHeader| (h.shard_id().id(), *h.sequence());
    for header in headers.iter().rev() {
        if ![(0, 3), (1, 7)].contains(&slow(header)) {
            consumer.ack(header).expect("ack");
        }
    }
    consumer.commit_acked().await.expect("commit_acked");
    assert_eq!(
        committed(&mut consumer, &topic, 2),
        [Offset::Offset(3), Offset::Offset(7)],
        "the commit stops at the first unprocessed message of each partition"
    );

    // Partition 0's slow message finishes: its partition moves to the end, the other stays.
    let late = headers.iter().find(|h| slow(h) == (0, 3)).unwrap();
    consumer.ack(late).expect("ack");
    consumer.ack(late).expect("a second ack is harmless");
    consumer.commit_acked().await.expect("commit_acked");
    assert_eq!(
        committed(&mut consumer, &topic, 2),
        [Offset::Offset(10), Offset::Offset(7)]
    );
    drop(consumer);

    // A restarted member resumes at partition 1's #7, and after partition 0's #9: with one
    // more message on partition 0, exactly these four arrive first.
    produce(&streamer, &topic, 1, 10..11).await;
    let consumer = group_consumer(&streamer, &topic, &group).await;
    let headers = receive(&consumer, 4).await;
    assert_eq!(
        ids(&headers),
        BTreeSet::from([(0, 10), (1, 7), (1, 8), (1, 9)])
    );
    drop(consumer);
    streamer.disconnect().await.expect("disconnect");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn real_time_is_a_no_op_and_auto_commit_is_refused() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("ack-modes");
    create_topic(&uri, &topic, 1).await;
    let header = MessageHeader::new(topic.clone(), ShardId::new(0), 5, Timestamp::now_utc());

    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&topic),
            KafkaConsumerOptions::new(ConsumerMode::RealTime),
        )
        .await
        .unwrap();
    consumer.track(&header).expect("no-op");
    consumer.ack(&header).expect("no-op");
    consumer.commit_acked().await.expect("no-op");
    drop(consumer);

    // Resumable turns auto commit (with the automatic offset store) on unless told otherwise.
    let mut options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
    options.add_custom_option("group.id", random_key("ack-auto"));
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .unwrap();
    assert!(matches!(
        consumer.track(&header),
        Err(StreamErr::Unsupported(_))
    ));
    assert!(matches!(
        consumer.ack(&header),
        Err(StreamErr::Unsupported(_))
    ));
    assert!(matches!(
        consumer.commit_acked().await,
        Err(StreamErr::Unsupported(_))
    ));
    drop(consumer);

    // With the offset store manual, auto commit is fine.
    let mut options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_enable_auto_offset_store(false)
        .add_custom_option("group.id", random_key("ack-store"));
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .unwrap();
    consumer.track(&header).expect("track");
    drop(consumer);
    streamer.disconnect().await.expect("disconnect");
}
