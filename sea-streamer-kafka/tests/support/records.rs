//! Record helpers shared by the failover tests (`failover_mock.rs` on librdkafka's mock
//! cluster, `multi_broker.rs` on tansu brokers; included by path): sending a text to a
//! partition, reading records while brokers come and go (lost-connection errors are
//! librdkafka's to recover from), producing a labelled batch and checking assignments.

#![allow(dead_code)]

use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use sea_streamer_kafka::{KafkaConsumer, KafkaProducer, SendFuture};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, Message, MessageHeader, SeqNo, ShardId, StreamErr, StreamKey, Timestamp,
};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::WAIT;

/// Sends `text` to `partition` of `topic`; returns its receipt future.
pub fn send_to(
    producer: &KafkaProducer,
    topic: &StreamKey,
    partition: u64,
    text: &str,
) -> SendFuture {
    let header = MessageHeader::new(
        topic.clone(),
        ShardId::new(partition),
        0,
        Timestamp::now_utc(),
    );
    producer.send_message(header, text).expect("enqueue")
}

/// Whether a consumer error is librdkafka reporting a lost broker connection, which it
/// recovers from on its own (it finds a live broker and goes on).
pub fn transient(error: &StreamErr<KafkaError>) -> bool {
    matches!(
        error,
        StreamErr::Backend(KafkaError::MessageConsumption(
            RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::BrokerTransportFailure
        ))
    )
}

/// One record if `consumer` has one within a short while: (partition, offset, payload).
/// Transient errors are logged and count as no record.
pub async fn poll_record(consumer: &KafkaConsumer) -> Option<(u64, SeqNo, String)> {
    match timeout(Duration::from_millis(200), consumer.next()).await {
        Err(_) => None,
        Ok(Err(error)) if transient(&error) => {
            log::warn!("consumer: {error}");
            None
        }
        Ok(result) => {
            let message = result.expect("next() failed");
            let text = message.message().as_str().expect("utf-8").to_owned();
            Some((message.shard_id().id(), message.sequence(), text))
        }
    }
}

/// One record from `consumer` within [`WAIT`].
pub async fn next_record(consumer: &KafkaConsumer) -> (u64, SeqNo, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(record) = poll_record(consumer).await {
            return record;
        }
        assert!(Instant::now() < deadline, "no record within {WAIT:?}");
    }
}

/// Produces `count` records to each of `partitions` partitions, named
/// `{batch}-{partition}-{i}`, and waits for every receipt (each within [`WAIT`]).
pub async fn produce_batch(
    producer: &KafkaProducer,
    topic: &StreamKey,
    partitions: u64,
    batch: &str,
    count: usize,
) -> BTreeSet<String> {
    let mut pending = Vec::new();
    for i in 0..count {
        for partition in 0..partitions {
            let text = format!("{batch}-{partition}-{i}");
            pending.push((send_to(producer, topic, partition, &text), text));
        }
    }
    let mut texts = BTreeSet::new();
    for (receipt, text) in pending {
        timeout(WAIT, receipt)
            .await
            .expect("a receipt")
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        texts.insert(text);
    }
    texts
}

/// The partitions currently assigned to a consumer.
pub fn assigned(consumer: &mut KafkaConsumer) -> BTreeSet<i32> {
    let list = consumer.inner().assignment().expect("assignment");
    list.elements().iter().map(|e| e.partition()).collect()
}
