//! The behaviour of spec §8 against the real broker (tansu): receipts, real-time reads,
//! rewind, resumable commits and seek.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::*;
use sea_streamer_conformance::random_key;
use sea_streamer_kafka::{AutoOffsetReset, FutureRecord, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_runtime::sleep;
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Producer, SeqPos, ShardId, StreamKey, Streamer,
    Timestamp,
};
use std::time::Duration;

/// Steps 1 and 2: "0".."19" in partition 0 of a one-partition topic; returns the time taken
/// between "6" and "7".
async fn produce_twenty(streamer: &KafkaStreamer, topic: &StreamKey) -> Timestamp {
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    for i in 0..7u64 {
        let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
        assert_eq!(receipt.stream_key(), topic);
        assert_eq!(*receipt.sequence(), i);
        assert_eq!(*receipt.shard_id(), ShardId::new(0));
    }
    let point_in_time = Timestamp::now_utc();
    // Spec step: a pause so that "7".. are stamped at least a second after `point_in_time`.
    sleep(Duration::from_secs(1)).await;
    for i in 7..10 {
        drop(producer.send(i.to_string()).unwrap());
    }
    for i in 10..20u64 {
        let text = i.to_string();
        let record = FutureRecord::to(topic.name())
            .key(&text)
            .partition(0)
            .payload(&text);
        let receipt = producer.send_record(record).unwrap().await.unwrap();
        assert_eq!(receipt.stream_key(), topic);
        assert_eq!(*receipt.sequence(), i);
        assert_eq!(*receipt.shard_id(), ShardId::new(0));
    }
    producer.end().await.expect("end");
    point_in_time
}

fn options(mode: ConsumerMode) -> KafkaConsumerOptions {
    let mut options = KafkaConsumerOptions::new(mode);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    quick_group(&mut options);
    options
}

/// Resumable options in a group of the test's own: the host's group (`{host_id}r`) is
/// shared by every test process on this machine, and one that died mid-join can leave the
/// broker waiting on a stale member.
fn resumable_options(group: &str) -> KafkaConsumerOptions {
    let mut options = options(ConsumerMode::Resumable);
    options
        .set_enable_auto_commit(false)
        .set_session_timeout(Duration::from_secs(2))
        .add_custom_option("group.id", group);
    options
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn produce_read_rewind_resume() {
    let Some(uri) = broker() else { return };
    let _ = env_logger::try_init();
    let streamer = connect(&uri).await;
    let topic = new_topic("sea-streamer-kafka-test");
    let group = random_key("group");
    create_topic(&uri, &topic, 1).await;
    produce_twenty(&streamer, &topic).await;

    // 3. real-time from the earliest
    let mut consumer = streamer
        .create_consumer(
            std::slice::from_ref(&topic),
            options(ConsumerMode::RealTime),
        )
        .await
        .expect("create_consumer");
    assert_eq!(read_texts(&consumer, 10).await, numbers(0..10));

    // 4. rewind
    consumer.assign((topic.clone(), ShardId::new(0))).unwrap();
    assert_eq!(consumer.stream_shards().len(), 1, "no duplicate pair");
    assert!(matches!(
        consumer.unassign((topic.clone(), ShardId::new(0))),
        Err(sea_streamer_types::StreamErr::StreamKeyEmpty)
    ));
    consumer.rewind(SeqPos::Beginning).await.unwrap();
    assert_eq!(read_texts(&consumer, 10).await, numbers(0..10));
    consumer.rewind(SeqPos::At(5)).await.unwrap();
    assert_eq!(read_texts(&consumer, 5).await, numbers(5..10));
    assert!(matches!(
        consumer.commit(&topic, &ShardId::new(0), &1).await,
        Err(sea_streamer_types::StreamErr::CommitNotAllowed)
    ));
    drop(consumer);

    // 5. resumable from the start, commit at 6
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), resumable_options(&group))
        .await
        .expect("create_consumer");
    assert_eq!(read_texts(&consumer, 10).await, numbers(0..10));
    consumer
        .commit(&topic, &ShardId::new(0), &6)
        .await
        .expect("commit");
    drop(consumer);

    // 6. resumes at 6
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), resumable_options(&group))
        .await
        .expect("create_consumer");
    assert_eq!(read_texts(&consumer, 4).await, numbers(6..10));
    drop(consumer);
    streamer.disconnect().await.expect("disconnect");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn commit_message_resumes_after_it() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("sea-streamer-kafka-commit");
    let group = random_key("group");
    create_topic(&uri, &topic, 1).await;
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..5 {
        producer.send(i.to_string()).unwrap().await.unwrap();
    }

    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), resumable_options(&group))
        .await
        .unwrap();
    assert_eq!(read_texts(&consumer, 2).await, numbers(0..2));
    let message = consumer.next().await.unwrap();
    let id = sea_streamer_types::Message::identifier(&message);
    drop(message);
    // `commit_message` needs the message borrowed while `consumer` is borrowed mutably,
    // which the borrow checker forbids for a message from this consumer: commit its id.
    consumer.commit_with(&(id.0, id.1, id.2 + 1)).await.unwrap();
    drop(consumer);

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), resumable_options(&group))
        .await
        .unwrap();
    assert_eq!(read_texts(&consumer, 2).await, numbers(3..5));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
#[ignore = "tansu answers offsets_for_times wrongly (and the mock cluster has no timestamp lookup)"]
async fn seek_to_a_point_in_time() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("sea-streamer-kafka-seek");
    let group = random_key("group");
    create_topic(&uri, &topic, 1).await;
    let point_in_time = produce_twenty(&streamer, &topic).await;

    // 7. seek → 7, 8, 9, then 10..19
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), resumable_options(&group))
        .await
        .expect("create_consumer");
    consumer.seek(point_in_time).await.expect("seek");
    assert_eq!(read_texts(&consumer, 3).await, numbers(7..10));
    assert_eq!(read_texts(&consumer, 10).await, numbers(10..20));
    consumer
        .commit(&topic, &ShardId::new(0), &19)
        .await
        .expect("commit");
}

/// A consumer with auto commit that is dropped after reading part of what it prefetched
/// must not commit the unread part (librdkafka's close would otherwise count it as read).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn dropping_an_auto_commit_consumer_loses_nothing() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("sea-streamer-kafka-drop");
    create_topic(&uri, &topic, 1).await;
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..20 {
        drop(producer.send(i.to_string()).unwrap());
    }
    streamer.disconnect().await.unwrap();
    let streamer = connect(&uri).await;

    let mut options = options(ConsumerMode::Resumable);
    options.add_custom_option("group.id", random_key("group"));
    for round in 0..4 {
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&topic), options.clone())
            .await
            .unwrap();
        let from = round * 5;
        assert_eq!(
            read_texts(&consumer, 5).await,
            numbers(from..from + 5),
            "round {round} did not resume where the previous one stopped"
        );
    }
}
