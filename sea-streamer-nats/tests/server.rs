//! Tests on a private nats-server: a crash (SIGKILL) mid-stream, and authentication with
//! users and with a token.

mod common;

use std::time::Duration;

use common::server::PrivateNats;
use sea_streamer_conformance::random_key;
use sea_streamer_nats::{
    AutoStreamReset, NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsErr, NatsStreamer,
};
use sea_streamer_types::{
    Buffer, ConnectOptions, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message,
    Producer, StreamErr, StreamKey, Streamer,
};

const WAIT: Duration = Duration::from_secs(20);

async fn connect(url: &str) -> NatsStreamer {
    common::connect(url, NatsConnectOptions::default()).await
}

fn consumer_options(mode: ConsumerMode, group: Option<&str>) -> NatsConsumerOptions {
    let mut options = NatsConsumerOptions::new(mode);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    if let Some(group) = group {
        options
            .set_consumer_group(ConsumerGroup::new(group))
            .unwrap();
    }
    options
}

async fn next(consumer: &NatsConsumer) -> (String, u64) {
    let m = tokio::time::timeout(WAIT, consumer.next())
        .await
        .expect("a message within the wait")
        .expect("next");
    (
        m.message().as_str().unwrap().to_owned(),
        m.sequence() as u64,
    )
}

/// Every message whose receipt came back is still there, at the receipt's sequence, after
/// the server was killed and started again.
#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_messages_survive_a_crash() {
    let Some(mut server) = PrivateNats::start("") else {
        return;
    };
    let key = StreamKey::new(random_key("crash")).unwrap();
    let streamer = connect(&server.url()).await;
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let mut receipts = Vec::new();
    for i in 0..20 {
        let receipt = producer.send(format!("m{i}")).unwrap().await.unwrap();
        receipts.push((format!("m{i}"), *receipt.sequence() as u64));
    }
    server.restart();
    let again = connect(&server.url()).await;
    let consumer = again
        .create_consumer(&[key], consumer_options(ConsumerMode::RealTime, None))
        .await
        .unwrap();
    for want in receipts {
        assert_eq!(
            next(&consumer).await,
            want,
            "a receipted message was lost or moved"
        );
    }
}

/// A Resumable group's committed position after a crash.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "nats-server (2.15.1, sync_interval always) writes a durable consumer's ack state \
            asynchronously: a SIGKILL right after a committed (double-acked) ack loses the \
            group's position, and the group starts over at message 0. A graceful stop keeps it \
            (conformance restart)"]
async fn group_position_survives_a_crash() {
    let Some(mut server) = PrivateNats::start("") else {
        return;
    };
    let key = StreamKey::new(random_key("crash-group")).unwrap();
    let group = random_key("g");
    let streamer = connect(&server.url()).await;
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..10 {
        producer.send(format!("m{i}")).unwrap().await.unwrap();
    }
    let mode = ConsumerMode::Resumable;
    let member = streamer
        .create_consumer(
            std::slice::from_ref(&key),
            consumer_options(mode, Some(&group)),
        )
        .await
        .unwrap();
    let mut last = None;
    for _ in 0..5 {
        let m = tokio::time::timeout(WAIT, member.next())
            .await
            .unwrap()
            .unwrap();
        last = Some(m.header().clone());
    }
    member.commit(&last.unwrap()).await.unwrap();
    drop(member);
    server.restart();
    let again = connect(&server.url()).await;
    let resumed = again
        .create_consumer(&[key], consumer_options(mode, Some(&group)))
        .await
        .unwrap();
    assert_eq!(next(&resumed).await.0, "m5");
}

const USERS: &str = r#"authorization { users: [ { user: "app", password: "s3cret" } ] }"#;

#[tokio::test(flavor = "multi_thread")]
async fn user_and_password() {
    let Some(server) = PrivateNats::start(USERS) else {
        return;
    };
    let hostport = server.url().trim_start_matches("nats://").to_owned();
    // In the URL.
    let streamer = connect(&format!("nats://app:s3cret@{hostport}")).await;
    let key = StreamKey::new(random_key("auth")).unwrap();
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    producer.send("hello").unwrap().await.unwrap();
    // In the options, winning over the URL's.
    let mut options = NatsConnectOptions::default();
    options.set_user_password("app", "s3cret");
    let streamer = common::connect(&format!("nats://app:wrong@{hostport}"), options).await;
    let consumer = streamer
        .create_consumer(&[key], consumer_options(ConsumerMode::RealTime, None))
        .await
        .unwrap();
    assert_eq!(next(&consumer).await.0, "hello");
    // Wrong or missing credentials: a connect error naming the server.
    for url in [
        format!("nats://app:wrong@{hostport}"),
        format!("nats://{hostport}"),
    ] {
        let mut options = NatsConnectOptions::default();
        options.set_timeout(Duration::from_secs(3)).unwrap();
        let err = NatsStreamer::connect(url.parse().unwrap(), options)
            .await
            .expect_err("refused");
        match &err {
            StreamErr::Backend(NatsErr::Connect { servers, .. }) => {
                assert_eq!(servers, &format!("nats://{hostport}"), "{err}")
            }
            e => panic!("expected a connect error, got {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn token() {
    let Some(server) = PrivateNats::start(r#"authorization { token: "t0ken" }"#) else {
        return;
    };
    let hostport = server.url().trim_start_matches("nats://").to_owned();
    let streamer = connect(&format!("nats://t0ken@{hostport}")).await;
    let key = StreamKey::new(random_key("token")).unwrap();
    let producer = streamer
        .create_producer(key, Default::default())
        .await
        .unwrap();
    producer.send("x").unwrap().await.unwrap();
    let mut options = NatsConnectOptions::default();
    options.set_token("t0ken");
    common::connect(&server.url(), options).await;
    let mut options = NatsConnectOptions::default();
    options.set_timeout(Duration::from_secs(3)).unwrap();
    let err = NatsStreamer::connect(format!("nats://bad@{hostport}").parse().unwrap(), options)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, StreamErr::Backend(NatsErr::Connect { .. })),
        "{err}"
    );
}
