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

/// The variable holding the URL of the three-broker cluster (tansu brokers sharing one
/// PostgreSQL database): `kafka://127.0.0.1:19093,127.0.0.1:19094,127.0.0.1:19095`.
pub const KAFKA_CLUSTER_VAR: &str = "SEA_STREAMER_TEST_KAFKA_CLUSTER";

/// The cluster's URI (every broker a node), or `None` (the test is skipped) if it is not
/// configured.
pub fn cluster() -> Option<StreamerUri> {
    let url = service_url(KAFKA_CLUSTER_VAR)?;
    let uri: StreamerUri = url
        .parse()
        .expect("SEA_STREAMER_TEST_KAFKA_CLUSTER is a valid URI");
    assert!(
        uri.nodes().len() >= 2,
        "SEA_STREAMER_TEST_KAFKA_CLUSTER names several brokers"
    );
    Some(uri)
}

/// The URI of node `i` of `uri` alone, to reach one broker only.
pub fn node_uri(uri: &StreamerUri, i: usize) -> StreamerUri {
    uri.nodes()[i]
        .as_str()
        .parse()
        .expect("a node of a valid URI")
}

/// The port of node `i` of `uri`.
pub fn node_port(uri: &StreamerUri, i: usize) -> u16 {
    uri.nodes()[i].port().expect("cluster nodes have a port")
}

/// Runs `scripts/services.sh <action> <port>`, the script that started the cluster (it kills
/// and restarts exactly the broker it started on that port, with the same command line).
/// Panics if the script fails.
pub fn services(action: &str, port: u16) {
    assert!(
        try_services(action, port),
        "`scripts/services.sh {action} {port}` failed"
    );
}

/// [`services`] without the panic: whether the script succeeded.
pub fn try_services(action: &str, port: u16) -> bool {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/services.sh");
    std::process::Command::new("bash")
        .arg(script)
        .arg(action)
        .arg(port.to_string())
        .status()
        .is_ok_and(|status| status.success())
}

/// A cluster broker killed with SIGKILL (`scripts/services.sh kill-broker PORT`), as a crash
/// would. [`KilledBroker::restart`] starts it again with the same command line
/// (`scripts/services.sh start-broker PORT`, which waits until it answers); so does dropping
/// the guard, so a failing test leaves the cluster whole for the next one.
#[derive(Debug)]
pub struct KilledBroker {
    port: Option<u16>,
}

impl KilledBroker {
    /// Kills the broker on `port`.
    pub fn kill(port: u16) -> Self {
        services("kill-broker", port);
        Self { port: Some(port) }
    }

    /// Starts the broker again and waits until it answers.
    pub fn restart(mut self) {
        if let Some(port) = self.port.take() {
            services("start-broker", port);
        }
    }
}

impl Drop for KilledBroker {
    fn drop(&mut self) {
        if let Some(port) = self.port.take() {
            // No panic here: this may run while a failed test unwinds.
            let _ = try_services("start-broker", port);
        }
    }
}
