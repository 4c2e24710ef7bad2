//! Consumers subscribed to topics that do not exist yet wait for them (librdkafka's mock
//! cluster, where topics are created explicitly): no `UnknownTopicOrPartition` from
//! `next()`, and every message produced after the subscription arrives, also with a
//! `latest` reset.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{read_texts, WAIT};
use rdkafka::consumer::Consumer as _;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};
use std::time::{Duration, Instant};

/// How long a consumer on a missing topic is polled to show it does not fail. librdkafka
/// checks the subscription against the cluster's metadata right after subscribing, so an
/// unknown-topic error would arrive well within this.
const QUIET: Duration = Duration::from_secs(2);

/// A mock cluster of one broker without topics, and a streamer connected to it.
async fn mock() -> (MockCluster<'static, DefaultProducerContext>, KafkaStreamer) {
    let _ = env_logger::try_init();
    let cluster = MockCluster::new(1).expect("mock cluster");
    let uri = format!("kafka://{}", cluster.bootstrap_servers())
        .parse()
        .expect("uri");
    let streamer = KafkaStreamer::connect(uri, Default::default())
        .await
        .expect("connect to the mock cluster");
    (cluster, streamer)
}

async fn consumer(
    streamer: &KafkaStreamer,
    topics: &[StreamKey],
    reset: AutoOffsetReset,
) -> KafkaConsumer {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(reset);
    streamer
        .create_consumer(topics, options)
        .await
        .expect("create_consumer on a missing topic")
}

/// `next()` stays pending (no error, no message) for [`QUIET`].
async fn stays_quiet(consumer: &KafkaConsumer) {
    if let Ok(result) = timeout(QUIET, consumer.next()).await {
        match result {
            Ok(m) => panic!("a message arrived before any was produced: {m:?}"),
            Err(e) => panic!("next() failed on a topic that does not exist yet: {e}"),
        }
    }
}

async fn produce(streamer: &KafkaStreamer, topic: &StreamKey, texts: &[&str]) {
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    for text in texts {
        timeout(WAIT, producer.send(*text).expect("send"))
            .await
            .expect("receipt")
            .expect("delivered");
    }
}

async fn waits_then_reads_everything(reset: AutoOffsetReset) {
    let (cluster, streamer) = mock().await;
    let topic = StreamKey::new("late").unwrap();
    let consumer = consumer(&streamer, std::slice::from_ref(&topic), reset).await;
    stays_quiet(&consumer).await;

    cluster
        .create_topic(topic.name(), 1, 1)
        .expect("create topic");
    produce(&streamer, &topic, &["a", "b", "c", "d", "e"]).await;
    assert_eq!(
        read_texts(&consumer, 5).await,
        ["a", "b", "c", "d", "e"],
        "{reset:?}: everything produced after the subscription arrives"
    );
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn earliest_consumer_waits_for_its_topic() {
    waits_then_reads_everything(AutoOffsetReset::Earliest).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn latest_consumer_reads_a_new_topic_from_its_start() {
    waits_then_reads_everything(AutoOffsetReset::Latest).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn latest_consumer_of_an_existing_and_a_missing_topic() {
    let (cluster, streamer) = mock().await;
    let old = StreamKey::new("old").unwrap();
    let new = StreamKey::new("new").unwrap();
    cluster
        .create_topic(old.name(), 1, 1)
        .expect("create topic");
    produce(&streamer, &old, &["before"]).await;
    let mut consumer = consumer(
        &streamer,
        &[old.clone(), new.clone()],
        AutoOffsetReset::Latest,
    )
    .await;

    // Latest on the existing topic: wait until it is assigned, then produce to it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while consumer.inner().assignment().expect("assignment").count() == 0 {
        stays_quiet(&consumer).await;
        assert!(
            Instant::now() < deadline,
            "the existing topic was never assigned"
        );
    }
    // Being assigned is not yet having a position: librdkafka looks up the latest offset
    // after the assignment, and a message produced before that lookup answers is (rightly)
    // skipped. So probes go out until one arrives; from then on the position is fixed.
    loop {
        produce(&streamer, &old, &["probe"]).await;
        if let Ok(result) = timeout(QUIET, consumer.next()).await {
            let m = result.expect("next() failed");
            assert_eq!(m.message().as_str().expect("utf-8"), "probe");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no probe arrived on the existing topic"
        );
    }
    produce(&streamer, &old, &["old 1"]).await;
    // Probes sent while the first one was on its way may still come first.
    loop {
        let text = read_texts(&consumer, 1).await.remove(0);
        if text != "probe" {
            assert_eq!(text, "old 1");
            break;
        }
    }

    // The new topic joins the subscription; it is read from its start, and the existing
    // topic continues where it was (nothing read twice, nothing skipped).
    cluster
        .create_topic(new.name(), 1, 1)
        .expect("create topic");
    produce(&streamer, &new, &["new 1", "new 2"]).await;
    produce(&streamer, &old, &["old 2"]).await;
    let mut got = read_texts(&consumer, 3).await;
    got.sort();
    assert_eq!(got, ["new 1", "new 2", "old 2"]);
}
