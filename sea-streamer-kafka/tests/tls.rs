//! Kafka over TLS (`security.protocol=SSL`) against the TLS test broker of
//! `scripts/services.sh` (`SEA_STREAMER_TEST_KAFKA_TLS`, a tansu behind a TLS terminator,
//! trusting the test CA in `SEA_STREAMER_TEST_TLS_CA`).
//!
//! With the feature `ssl`: a round trip (produce, consume back, payloads match), and a
//! plaintext client on the TLS port fails to connect (an error, not a hang). Without it:
//! asking for SSL fails at once with librdkafka's "not available at build time".

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use sea_streamer_conformance::service_url;
use sea_streamer_kafka::{KafkaConnectOptions, KafkaStreamer, SecurityProtocol};
use sea_streamer_types::{ConnectOptions, Streamer, StreamerUri};
use std::time::Duration;

/// The TLS broker's URI and the CA file, or `None` (skipped) when unset.
#[cfg_attr(not(feature = "ssl"), allow(dead_code))]
fn tls_service() -> Option<(StreamerUri, String)> {
    let url = service_url("SEA_STREAMER_TEST_KAFKA_TLS")?;
    let ca = service_url("SEA_STREAMER_TEST_TLS_CA")?;
    Some((url.parse().expect("a valid URI"), ca))
}

fn ssl_options(ca: &str) -> KafkaConnectOptions {
    let mut options = KafkaConnectOptions::default();
    options
        .set_security_protocol(SecurityProtocol::Ssl)
        .set_ssl_ca_location(ca);
    options.set_timeout(Duration::from_secs(10)).unwrap();
    options
}

async fn connect(uri: &StreamerUri, options: KafkaConnectOptions) -> Result<KafkaStreamer, String> {
    let _ = env_logger::try_init();
    KafkaStreamer::connect(uri.clone(), options)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(feature = "ssl")]
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn round_trip_over_tls() {
    use common::{new_topic, quick_group, read_texts};
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::ClientConfig;
    use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions};
    use sea_streamer_types::{ConsumerMode, ConsumerOptions, Producer};

    let Some((uri, ca)) = tls_service() else {
        return;
    };
    let streamer = connect(&uri, ssl_options(&ca))
        .await
        .expect("connect over TLS");
    let topic = new_topic("tls");

    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", common::servers(&uri))
        .set("security.protocol", "SSL")
        .set("ssl.ca.location", &ca)
        .create()
        .expect("admin client");
    let new = NewTopic::new(topic.name(), 1, TopicReplication::Fixed(1));
    let created = sea_streamer_runtime::timeout(
        common::WAIT,
        admin.create_topics([&new], &AdminOptions::new()),
    )
    .await
    .expect("create_topics timed out")
    .expect("create_topics");
    for result in created {
        result.unwrap_or_else(|(name, e)| panic!("cannot create topic {name}: {e}"));
    }

    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    let sent: Vec<String> = (0..50).map(|i| format!("secret-{i}")).collect();
    for payload in &sent {
        producer.send(payload.as_str()).unwrap();
    }
    producer.end().await.expect("end");

    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    quick_group(&mut options);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .expect("create_consumer");
    assert_eq!(read_texts(&consumer, sent.len()).await, sent);
    drop(consumer);
    streamer.disconnect().await.expect("disconnect");
}

/// A plaintext client on the TLS port: the terminator drops it, and connect fails with an
/// error naming the servers (within the 1 s probe; the 60 s ceiling only bounds a hang).
#[cfg(feature = "ssl")]
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn plaintext_client_on_tls_port_fails() {
    let Some((uri, _ca)) = tls_service() else {
        return;
    };
    let attempt = connect(&uri, KafkaConnectOptions::default());
    let result = sea_streamer_runtime::timeout(Duration::from_secs(60), attempt)
        .await
        .expect("connect should fail, not hang");
    let err = result.expect_err("a plaintext client cannot talk to the TLS port");
    let port = uri.nodes()[0].port().unwrap().to_string();
    assert!(
        err.contains(&port),
        "the error should name the server: {err}"
    );
}

#[cfg(not(feature = "ssl"))]
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn ssl_without_the_feature_is_refused() {
    // No broker needed: librdkafka refuses the setting when the client is created.
    let uri: StreamerUri = "kafka://127.0.0.1:19096".parse().unwrap();
    let err = connect(&uri, ssl_options("/nonexistent/ca.crt"))
        .await
        .expect_err("SSL is not compiled in");
    assert!(
        err.contains("OpenSSL not available at build time"),
        "the error should say SSL is not built in: {err}"
    );
}
