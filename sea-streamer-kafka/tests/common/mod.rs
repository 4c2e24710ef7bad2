//! Helpers shared by the integration tests: reaching the test broker, creating topics and
//! collecting messages with bounded waits.

#![allow(dead_code)]

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_kafka::{KafkaConsumer, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{Buffer, Consumer, Message, StreamKey, Streamer, StreamerUri};
use std::time::Duration;

/// The longest a single wait on the broker may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// The variable holding the URL of the tansu broker.
pub const KAFKA_VAR: &str = "SEA_STREAMER_TEST_KAFKA";

/// The test broker's URI, or `None` (the test is skipped) if it is not configured.
pub fn broker() -> Option<StreamerUri> {
    let url = service_url(KAFKA_VAR)?;
    Some(url.parse().expect("SEA_STREAMER_TEST_KAFKA is a valid URI"))
}

/// A fresh random topic name.
pub fn new_topic(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).expect("random_key makes valid keys")
}

/// `bootstrap.servers` of a URI (`kafka://` removed), for raw rdkafka admin clients.
pub fn servers(uri: &StreamerUri) -> String {
    uri.nodes()
        .iter()
        .map(|u| u.as_str().trim_start_matches("kafka://").to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

/// Creates `topic` with `partitions` partitions (replication 1).
pub async fn create_topic(uri: &StreamerUri, topic: &StreamKey, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", servers(uri))
        .create()
        .expect("admin client");
    let new = NewTopic::new(topic.name(), partitions, TopicReplication::Fixed(1));
    let results = timeout(WAIT, admin.create_topics([&new], &AdminOptions::new()))
        .await
        .expect("create_topics timed out")
        .expect("create_topics failed");
    for result in results {
        result.unwrap_or_else(|(name, e)| panic!("cannot create topic {name}: {e}"));
    }
}

/// Consumer settings that make group joins on the test brokers quick.
pub fn quick_group(options: &mut KafkaConsumerOptions) -> &mut KafkaConsumerOptions {
    options
        .add_custom_option("session.timeout.ms", "2000")
        .add_custom_option("heartbeat.interval.ms", "500")
}

/// Connects to `uri` with default options.
pub async fn connect(uri: &StreamerUri) -> KafkaStreamer {
    let _ = env_logger::try_init();
    KafkaStreamer::connect(uri.clone(), Default::default())
        .await
        .expect("connect to the test broker")
}

/// Reads `n` payloads (as text) from `consumer`, each within [`WAIT`].
pub async fn read_texts(consumer: &KafkaConsumer, n: usize) -> Vec<String> {
    let mut texts = Vec::with_capacity(n);
    for i in 0..n {
        let message = timeout(WAIT, consumer.next())
            .await
            .unwrap_or_else(|_| panic!("message {i} of {n} did not arrive"))
            .expect("next() failed");
        texts.push(message.message().as_str().expect("utf-8").to_owned());
    }
    texts
}

/// `["a", "b", ...]` of the numbers in `range`, as payloads of the spec's tests.
pub fn numbers(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}
