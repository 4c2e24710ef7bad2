//! `Acknowledge` through `SeaStreamer`: out-of-order acknowledgements on a `.ss` file and on
//! Redis; a consumer created after the commit starts at the first unprocessed message.
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
#![cfg(any(feature = "backend-file", feature = "backend-redis"))]

use sea_streamer_socket::{
    SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
};
use sea_streamer_types::{
    Acknowledge, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message,
    MessageHeader, Producer, StreamKey, Streamer, StreamerUri,
};
use std::time::Duration;

async fn connect(uri: &StreamerUri) -> SeaStreamer {
    #[allow(unused_mut)]
    let mut options = SeaConnectOptions::default();
    #[cfg(feature = "backend-file")]
    options.set_file_connect_options(|o| {
        o.set_create_if_not_exists(true);
    });
    SeaStreamer::connect(uri.clone(), options).await.unwrap()
}

fn resumable(group: &str) -> SeaConsumerOptions {
    let mut options = SeaConsumerOptions::new(ConsumerMode::Resumable);
    options.set_auto_stream_reset(SeaStreamReset::Earliest);
    options
        .set_consumer_group(ConsumerGroup::new(group))
        .unwrap();
    #[cfg(feature = "backend-redis")]
    options.set_redis_consumer_options(|o| {
        o.set_auto_commit(sea_streamer_redis::AutoCommit::Disabled);
    });
    options
}

async fn produce(streamer: &SeaStreamer, key: &StreamKey, items: std::ops::Range<usize>) {
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let mut receipts = Vec::new();
    for i in items {
        receipts.push(producer.send(i.to_string()).unwrap());
    }
    for receipt in receipts {
        receipt.await.unwrap();
    }
    let mut producer = producer;
    producer.flush().await.unwrap();
}

async fn next(consumer: &SeaConsumer) -> (usize, MessageHeader) {
    let m = sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
        .await
        .expect("no message within 60 s")
        .unwrap();
    let n = m.message().as_str().unwrap().parse().unwrap();
    let header = MessageHeader::new(m.stream_key(), m.shard_id(), m.sequence(), m.timestamp());
    (n, header)
}

/// Takes `count` messages (tracking each), acknowledges all but `held` in reverse order,
/// commits, and checks that a new consumer of the group starts with the held ones.
async fn scenario(uri: StreamerUri, key: StreamKey, group: &str) {
    let streamer = connect(&uri).await;
    produce(&streamer, &key, 0..10).await;
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), resumable(group))
        .await
        .unwrap();
    let mut taken = Vec::new();
    for _ in 0..8 {
        let (n, header) = next(&consumer).await;
        consumer.track(&header).unwrap();
        taken.push((n, header));
    }
    assert_eq!(
        taken.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    for (n, header) in taken.iter().rev() {
        if *n != 3 {
            consumer.ack(header).unwrap();
        }
    }
    consumer.commit_acked().await.unwrap();
    drop(consumer);

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), resumable(group))
        .await
        .unwrap();
    assert_eq!(
        next(&consumer).await.0,
        3,
        "resumes at the unprocessed message"
    );
}

#[cfg(feature = "backend-redis")]
fn unique(prefix: &str) -> String {
    sea_streamer_conformance::random_key(prefix)
}

#[cfg(feature = "backend-file")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_resumes_at_the_first_unprocessed_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ack.ss");
    let uri = format!("file://{}", path.display()).parse().unwrap();
    scenario(uri, StreamKey::new("jobs").unwrap(), "workers").await;
}

#[cfg(feature = "backend-redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_redelivers_the_unacknowledged_message() {
    let Some(url) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let key = StreamKey::new(unique("ack")).unwrap();
    let group = unique("workers");
    scenario(url.parse().unwrap(), key, &group).await;
}
