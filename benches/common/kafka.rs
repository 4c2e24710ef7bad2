//! Kafka backend loops: produce `n` messages to a one-partition topic and read them back,
//! through sea-streamer-kafka and through raw rdkafka clients with the same settings.

use super::{Window, PAYLOAD_SIZE};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};
use rdkafka::{ClientConfig, Message as _, Offset, TopicPartitionList};
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, SeqPos, StreamKey, Streamer,
};
use std::time::{Duration, Instant};

/// Longest wait for one message (or an admin request) before a benchmark gives up.
const WAIT: Duration = Duration::from_secs(60);

/// `fetch.wait.max.ms` of both consumers: the broker answers a fetch at the end of the
/// log only after this wait, which would otherwise (500 ms by default) dominate a read of
/// a few thousand messages.
const FETCH_WAIT_MS: &str = "10";

/// `bootstrap.servers` of a `kafka://host:port` URL.
pub fn servers(url: &str) -> String {
    url.trim_start_matches("kafka://")
        .trim_end_matches('/')
        .to_owned()
}

/// Connects to the broker at `url`.
pub async fn connect(url: &str) -> KafkaStreamer {
    KafkaStreamer::connect(url.parse().expect("valid Kafka URL"), Default::default())
        .await
        .expect("connect to Kafka")
}

fn admin(url: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", servers(url))
        .create()
        .expect("Kafka admin client")
}

/// Creates `topic` with one partition.
pub async fn create_topic(url: &str, topic: &StreamKey) {
    let new = NewTopic::new(topic.name(), 1, TopicReplication::Fixed(1));
    let results =
        tokio::time::timeout(WAIT, admin(url).create_topics([&new], &AdminOptions::new()))
            .await
            .expect("create_topics timed out")
            .expect("create_topics");
    for result in results {
        result.unwrap_or_else(|(name, e)| panic!("cannot create topic {name}: {e}"));
    }
}

/// Deletes `topic` (best effort).
pub async fn delete_topic(url: &str, topic: &StreamKey) {
    let _ = tokio::time::timeout(
        WAIT,
        admin(url).delete_topics(&[topic.name()], &AdminOptions::new()),
    )
    .await;
}

/// A producer (not anchored) with default options.
pub async fn producer(streamer: &KafkaStreamer) -> KafkaProducer {
    streamer
        .create_generic_producer(Default::default())
        .await
        .expect("create Kafka producer")
}

/// Sends `n` messages to `topic` and returns the time until `flush` returned (every
/// message acknowledged). At most 8 × 1024 receipts are kept.
pub async fn produce(
    producer: &mut KafkaProducer,
    topic: &StreamKey,
    n: u64,
    payload: &str,
) -> Duration {
    let start = Instant::now();
    let mut window = Window::new(1024, 8);
    for _ in 0..n {
        window
            .push(producer.send_to(topic, payload).expect("send"))
            .await;
    }
    window.finish(None).await;
    producer.flush().await.expect("flush");
    start.elapsed()
}

/// A real-time consumer of `topic` from the earliest offset whose group join is done (it
/// has received the first message), ready for [`consume`].
pub async fn consumer(streamer: &KafkaStreamer, topic: &StreamKey) -> KafkaConsumer {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        // quick group joins on the test broker
        .add_custom_option("session.timeout.ms", "2000")
        .add_custom_option("heartbeat.interval.ms", "500")
        .add_custom_option("fetch.wait.max.ms", FETCH_WAIT_MS);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(topic), options)
        .await
        .expect("create Kafka consumer");
    tokio::time::timeout(WAIT, consumer.next())
        .await
        .expect("first Kafka message did not arrive")
        .expect("next");
    consumer
}

/// Rewinds `consumer` to the beginning and returns the time to read `n` messages.
pub async fn consume(consumer: &mut KafkaConsumer, n: u64) -> Duration {
    let start = Instant::now();
    consumer.rewind(SeqPos::Beginning).await.expect("rewind");
    for i in 0..n {
        let message = tokio::time::timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("Kafka message {i} of {n} did not arrive"))
            .expect("next");
        assert_eq!(message.message().size(), PAYLOAD_SIZE);
    }
    start.elapsed()
}

/// Raw rdkafka `FutureProducer` with the settings `KafkaProducer` uses by default, after
/// one warm-up message (connection and topic metadata), as a producer that has sent before.
pub async fn raw_producer(url: &str, topic: &StreamKey, payload: &str) -> FutureProducer {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", servers(url))
        .create()
        .expect("raw Kafka producer");
    let record: FutureRecord<'_, (), str> = FutureRecord::to(topic.name()).payload(payload);
    producer
        .send(record, WAIT)
        .await
        .map_err(|(e, _)| e)
        .expect("raw warm-up send");
    producer
}

/// Sends `n` messages through a raw producer (see [`raw_producer`]) and returns the time
/// until `flush` returned, as [`produce`] does for ours.
pub async fn raw_produce(
    producer: &FutureProducer,
    topic: &StreamKey,
    n: u64,
    payload: &str,
) -> Duration {
    let start = Instant::now();
    let mut window = Window::new(1024, 8);
    for _ in 0..n {
        let record: FutureRecord<'_, (), str> = FutureRecord::to(topic.name()).payload(payload);
        let delivery = producer
            .send_result(record)
            .map_err(|(e, _)| e)
            .expect("raw send");
        window.push(delivery).await;
    }
    window.finish(None).await;
    let flusher = producer.clone();
    tokio::task::spawn_blocking(move || flusher.flush(WAIT))
        .await
        .expect("flush task")
        .expect("raw flush");
    start.elapsed()
}

/// Raw rdkafka `StreamConsumer` with the settings of a real-time `KafkaConsumer`: after a
/// warm-up read, assigned to partition 0 from the beginning again; returns the time to
/// read `n` messages.
pub async fn raw_consume(url: &str, topic: &StreamKey, n: u64) -> Duration {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", servers(url))
        .set("group.id", super::unique("raw"))
        .set("session.timeout.ms", "6000")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", FETCH_WAIT_MS)
        .create()
        .expect("raw Kafka consumer");
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic.name(), 0, Offset::Beginning)
        .expect("partition list");
    // warm-up: connection and first fetch, as the sea-streamer consumer has done
    consumer.assign(&list).expect("assign");
    tokio::time::timeout(WAIT, consumer.recv())
        .await
        .expect("first raw Kafka message did not arrive")
        .expect("recv");
    let start = Instant::now();
    consumer.assign(&list).expect("assign");
    for i in 0..n {
        let message = tokio::time::timeout(WAIT, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("raw Kafka message {i} of {n} did not arrive"))
            .expect("recv");
        assert_eq!(message.payload().map(<[u8]>::len), Some(PAYLOAD_SIZE));
    }
    start.elapsed()
}
