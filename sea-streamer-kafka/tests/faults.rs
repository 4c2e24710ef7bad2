//! Failure handling on librdkafka's in-process mock cluster: a broker that goes down while
//! producing, injected broker errors, and a load-balanced group losing a member.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{read_texts, WAIT};
use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaProducer, KafkaProducerOptions,
    KafkaStreamer,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader,
    Producer, ShardId, StreamErr, StreamKey, Streamer, Timestamp,
};
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

/// A mock cluster of one broker (id 1) with `topic` of `partitions` partitions, and a
/// streamer connected to it.
async fn mock(
    topic: &str,
    partitions: i32,
) -> (MockCluster<'static, DefaultProducerContext>, KafkaStreamer) {
    let _ = env_logger::try_init();
    let cluster = MockCluster::new(1).expect("mock cluster");
    cluster.create_topic(topic, partitions, 1).expect("topic");
    let uri = format!("kafka://{}", cluster.bootstrap_servers())
        .parse()
        .expect("uri");
    let streamer = KafkaStreamer::connect(uri, Default::default())
        .await
        .expect("connect to the mock cluster");
    (cluster, streamer)
}

/// A producer that gives up on a record after 2 s (instead of librdkafka's 5 minutes).
async fn producer(streamer: &KafkaStreamer, topic: &StreamKey) -> KafkaProducer {
    let mut options = KafkaProducerOptions::default();
    options
        .add_custom_option("message.timeout.ms", "2000")
        .add_custom_option("retry.backoff.ms", "50")
        .add_custom_option("reconnect.backoff.ms", "50")
        .add_custom_option("reconnect.backoff.max.ms", "200");
    streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer")
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn connecting_to_nothing_is_a_typed_error() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let uri: sea_streamer_types::StreamerUri = format!("kafka://{}", cluster.bootstrap_servers())
        .parse()
        .unwrap();
    cluster.broker_down(1).expect("broker_down");
    match KafkaStreamer::connect(uri, Default::default()).await {
        // the address and the cause, not only "Failed to connect to streamer"
        Err(StreamErr::Connect(reason)) => assert!(
            reason.starts_with(&format!(
                "Failed to connect to the Kafka cluster at {} within 1000 ms: ",
                cluster.bootstrap_servers()
            )),
            "{reason}"
        ),
        other => panic!("expected a connect error, got {other:?}"),
    }
    match KafkaStreamer::connect(sea_streamer_types::StreamerUri::zero(), Default::default()).await
    {
        Err(StreamErr::Backend(KafkaError::ClientCreation(reason))) => {
            assert_eq!(reason, "StreamerUri has no nodes")
        }
        other => panic!("expected a client creation error, got {other:?}"),
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn broker_down_fails_each_message_then_recovers() {
    let topic = StreamKey::new("down").unwrap();
    let (cluster, streamer) = mock(topic.name(), 1).await;
    let producer = producer(&streamer, &topic).await;
    let first = producer.send("before").unwrap().await.expect("broker up");
    assert_eq!(*first.sequence(), 0);

    cluster.broker_down(1).expect("broker_down");
    let pending: Vec<_> = (0..10)
        .map(|i| {
            producer
                .send(format!("lost {i}"))
                .expect("enqueue never blocks")
        })
        .collect();
    for (i, receipt) in pending.into_iter().enumerate() {
        match timeout(WAIT, receipt)
            .await
            .expect("a receipt for every message")
        {
            Err(StreamErr::Backend(KafkaError::MessageProduction(
                RDKafkaErrorCode::MessageTimedOut,
            ))) => {}
            other => panic!("message {i} sent while the broker was down: {other:?}"),
        }
    }

    cluster.broker_up(1).expect("broker_up");
    let after = timeout(WAIT, producer.send("after").unwrap())
        .await
        .expect("receipt")
        .expect("sending recovers when the broker returns");
    assert_eq!(after.stream_key(), &topic);
    assert_eq!(
        *after.sequence(),
        1,
        "none of the failed messages was stored"
    );
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn retriable_errors_are_retried_and_fatal_ones_reported() {
    let topic = StreamKey::new("flaky").unwrap();
    let (cluster, streamer) = mock(topic.name(), 1).await;
    let producer = producer(&streamer, &topic).await;

    let retriable = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS; 3];
    cluster.request_errors(RDKafkaApiKey::Produce, &retriable);
    let receipt = timeout(WAIT, producer.send("retried").unwrap())
        .await
        .expect("receipt")
        .expect("retriable errors are retried");
    assert_eq!(*receipt.sequence(), 0);

    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE],
    );
    match timeout(WAIT, producer.send("refused").unwrap())
        .await
        .expect("receipt")
    {
        Err(StreamErr::Backend(KafkaError::MessageProduction(
            RDKafkaErrorCode::MessageSizeTooLarge,
        ))) => {}
        other => panic!("a refused message must give its typed error: {other:?}"),
    }

    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .unwrap();
    assert_eq!(read_texts(&consumer, 1).await, ["retried"]);
}

/// The partitions currently assigned to a consumer.
fn assigned(consumer: &mut KafkaConsumer) -> BTreeSet<i32> {
    let list = consumer.inner().assignment().expect("assignment");
    list.elements().iter().map(|e| e.partition()).collect()
}

/// One message if `consumer` has one within a short while: `(partition, payload)`.
async fn poll_one(consumer: &KafkaConsumer) -> Option<(i32, String)> {
    match timeout(Duration::from_millis(200), consumer.next()).await {
        Err(_) => None,
        Ok(result) => {
            let m = result.expect("next() failed");
            let text = m.message().as_str().expect("utf-8").to_owned();
            Some((m.shard_id().id() as i32, text))
        }
    }
}

/// Produces `batch` of 10 messages to each of the 3 partitions; payload `batch-partition-i`.
async fn produce_batch(producer: &KafkaProducer, topic: &StreamKey, batch: usize) -> Vec<String> {
    let mut pending = Vec::new();
    let mut texts = Vec::new();
    for partition in 0..3u64 {
        for i in 0..10 {
            let text = format!("{batch}-{partition}-{i}");
            let header = MessageHeader::new(
                topic.clone(),
                ShardId::new(partition),
                0,
                Timestamp::now_utc(),
            );
            pending.push(producer.send_message(header, text.as_str()).unwrap());
            texts.push(text);
        }
    }
    for receipt in pending {
        timeout(WAIT, receipt)
            .await
            .expect("receipt")
            .expect("sent");
    }
    texts
}

/// The partition a payload `batch-partition-i` was sent to.
fn partition_of(text: &str) -> i32 {
    text.split('-')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("payload format")
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn load_balanced_group_splits_partitions_and_survives_a_leave() {
    let topic = StreamKey::new("balanced").unwrap();
    let (_cluster, streamer) = mock(topic.name(), 3).await;
    let producer = producer(&streamer, &topic).await;

    let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_group_id(ConsumerGroup::new("workers"))
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        // The mock broker evicts a member silent for the session timeout, even while it
        // waits for its join (3 s initial delay): keep it above that.
        .set_session_timeout(Duration::from_secs(6))
        .add_custom_option("heartbeat.interval.ms", "500");
    let mut a = streamer
        .create_consumer(std::slice::from_ref(&topic), options.clone())
        .await
        .unwrap();
    let mut b = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .unwrap();

    // Drive both until the group settles with the 3 partitions split between them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(poll_one(&a).await.is_none(), "nothing was produced yet");
        assert!(poll_one(&b).await.is_none(), "nothing was produced yet");
        let (pa, pb) = (assigned(&mut a), assigned(&mut b));
        let all: BTreeSet<i32> = pa.union(&pb).copied().collect();
        if !pa.is_empty() && !pb.is_empty() && pa.is_disjoint(&pb) && all.len() == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "group never split: {pa:?} / {pb:?}"
        );
    }
    let (pa, pb) = (assigned(&mut a), assigned(&mut b));

    // Every message reaches exactly the owner of its partition.
    let batch = produce_batch(&producer, &topic, 1).await;
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + WAIT;
    while got_a.len() + got_b.len() < batch.len() {
        if let Some((p, text)) = poll_one(&a).await {
            assert!(pa.contains(&p) && partition_of(&text) == p, "a got {text}");
            got_a.push(text);
        }
        if let Some((p, text)) = poll_one(&b).await {
            assert!(pb.contains(&p) && partition_of(&text) == p, "b got {text}");
            got_b.push(text);
        }
        assert!(Instant::now() < deadline, "batch 1 incomplete");
    }
    let all: HashSet<&String> = got_a.iter().chain(&got_b).collect();
    assert_eq!(all.len(), batch.len(), "a message was delivered twice");
    assert!(batch.iter().all(|t| all.contains(t)), "a message was lost");

    // b reads part of batch 2, then leaves: a takes over b's partitions and gets the rest.
    let batch = produce_batch(&producer, &topic, 2).await;
    let mut read_by_b = HashSet::new();
    while read_by_b.len() < 3 {
        if let Some((_, text)) = poll_one(&b).await {
            read_by_b.insert(text);
        }
        assert!(Instant::now() < deadline + WAIT, "b got nothing of batch 2");
    }
    drop(b);
    let mut read_by_a = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !batch
        .iter()
        .all(|t| read_by_a.contains(t) || read_by_b.contains(t))
    {
        if let Some((_, text)) = poll_one(&a).await {
            read_by_a.insert(text);
        }
        assert!(
            Instant::now() < deadline,
            "lost after b left: {:?}",
            batch
                .iter()
                .filter(|t| !read_by_a.contains(*t) && !read_by_b.contains(*t))
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(
        assigned(&mut a).len(),
        3,
        "a owns every partition after b left"
    );
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn full_producer_queue_is_a_typed_error() {
    let topic = StreamKey::new("bounded").unwrap();
    let (cluster, streamer) = mock(topic.name(), 1).await;
    let mut options = KafkaProducerOptions::default();
    options
        .add_custom_option("queue.buffering.max.messages", "5")
        .add_custom_option("message.timeout.ms", "2000")
        .add_custom_option("reconnect.backoff.ms", "50")
        .add_custom_option("reconnect.backoff.max.ms", "200");
    let producer = streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer");
    producer.send("up").unwrap().await.expect("broker up");
    // The receipt resolves at the delivery report; librdkafka frees the message's queue slot
    // just after, when it destroys the message. Wait for that, or the 5th send below can find
    // the queue still full (failed once in CI).
    let deadline = Instant::now() + WAIT;
    while producer.in_flight_count() > 0 {
        assert!(
            Instant::now() < deadline,
            "the delivered message left the queue"
        );
        sea_streamer_runtime::sleep(Duration::from_millis(5)).await;
    }

    cluster.broker_down(1).expect("broker_down");
    let queued: Vec<_> = (0..5)
        .map(|i| {
            producer
                .send(format!("queued {i}"))
                .expect("room in the queue")
        })
        .collect();
    match producer.send("one too many") {
        Err(StreamErr::Backend(KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull))) => {}
        other => panic!("a full queue must refuse the send with QueueFull: {other:?}"),
    }
    // Nothing queued is dropped silently: each receipt reports its fate.
    for (i, receipt) in queued.into_iter().enumerate() {
        match timeout(WAIT, receipt).await.expect("a receipt") {
            Err(StreamErr::Backend(KafkaError::MessageProduction(
                RDKafkaErrorCode::MessageTimedOut,
            ))) => {}
            other => panic!("queued message {i}: {other:?}"),
        }
    }

    cluster.broker_up(1).expect("broker_up");
    // librdkafka frees a queue slot when it destroys the message, just after the delivery
    // report that resolved the receipt: the room comes back within moments, not at once.
    let deadline = Instant::now() + WAIT;
    let receipt = loop {
        match producer.send("after") {
            Ok(receipt) => break receipt,
            Err(StreamErr::Backend(KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull)))
                if Instant::now() < deadline =>
            {
                sea_streamer_runtime::sleep(Duration::from_millis(10)).await
            }
            Err(e) => panic!("the queue has room again: {e:?}"),
        }
    };
    let after = timeout(WAIT, receipt)
        .await
        .expect("receipt")
        .expect("delivered once the broker is back");
    assert_eq!(*after.sequence(), 1);
}
