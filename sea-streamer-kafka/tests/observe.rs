//! Observability (issue #13) against the real broker (tansu): consumer lag over a known
//! backlog, metric counters, record headers and `traceparent` propagation.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;
#[path = "support/events.rs"]
mod events;
#[path = "support/mock_cluster.rs"]
mod mock_cluster;
#[path = "support/recorder.rs"]
mod recorder;

use common::*;
use events::events;
use mock_cluster::{Mock, MockCommand};
use rdkafka::error::RDKafkaErrorCode;
use recorder::recorder;
use sea_streamer_conformance::random_key;
use sea_streamer_kafka::{
    AutoOffsetReset, KafkaConsumerOptions, KafkaProducerOptions, KafkaStreamer,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    observe::{names, EVENT_TIME_SAMPLE},
    Buffer, Consumer, ConsumerGroup, ConsumerLag, ConsumerMode, ConsumerOptions, Headers, Message,
    Producer, ProducerWithHeaders, StreamErr, Streamer, TraceContext, TRACEPARENT,
};

const BACKLOG: usize = 1000;
const PARTITIONS: i32 = 3;

fn group_options() -> KafkaConsumerOptions {
    let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
    options
        .set_group_id(ConsumerGroup::new(random_key("lag-group")))
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        // lag()'s watermark requests wait behind the consumer's pending fetch: keep it short.
        .add_custom_option("fetch.wait.max.ms", "20");
    quick_group(&mut options);
    options
}

/// A backlog of 1,000 messages over three partitions: lag() is 1,000 before reading, 500
/// after reading half, 0 after reading all; the counters equal the message counts.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn lag_and_counters_over_a_backlog() {
    let Some(uri) = broker() else { return };
    let metrics = recorder();
    let streamer = connect(&uri).await;
    let topic = new_topic("lag");
    create_topic(&uri, &topic, PARTITIONS).await;

    // tansu reports a partition's high watermark as the offset after the first record of
    // its last batch: one record per batch keeps its answer right.
    let mut options = KafkaProducerOptions::default();
    options.add_custom_option("batch.num.messages", "1");
    let producer = streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer");
    let mut receipts = Vec::with_capacity(BACKLOG);
    let mut bytes = 0;
    for i in 0..BACKLOG {
        let payload = format!("message {i}");
        bytes += payload.len();
        receipts.push(producer.send(payload).expect("send"));
    }
    for receipt in receipts {
        timeout(WAIT, receipt)
            .await
            .expect("receipt in time")
            .expect("delivered");
    }
    let name = topic.name();
    assert_eq!(
        metrics.counter(names::PRODUCER_MESSAGES, name),
        BACKLOG as u64
    );
    assert_eq!(metrics.counter(names::PRODUCER_BYTES, name), bytes as u64);
    assert_eq!(metrics.counter(names::PRODUCER_ERRORS, name), 0);
    assert_eq!(metrics.gauge(names::PRODUCER_IN_FLIGHT, name), Some(0.0));
    assert_eq!(
        metrics.histogram_count(names::PRODUCER_SEND_SECONDS, name),
        BACKLOG / 8,
        "one send in 8 is timed"
    );

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), group_options())
        .await
        .expect("create_consumer");
    let lag = timeout(WAIT, consumer.lag())
        .await
        .expect("lag in time")
        .expect("lag");
    assert_eq!(lag.total(), BACKLOG as u64, "before reading: {lag:?}");
    assert_eq!(lag.of_stream(&topic), BACKLOG as u64);
    assert_eq!(lag.shards().len(), PARTITIONS as usize);
    assert_eq!(
        metrics.gauge(names::CONSUMER_LAG, name),
        Some(BACKLOG as f64)
    );
    // Real-time consumers (no group offsets): the whole backlog with an earliest reset,
    // nothing with a latest one.
    for (reset, expected) in [
        (AutoOffsetReset::Earliest, BACKLOG),
        (AutoOffsetReset::Latest, 0),
    ] {
        let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
        options.set_auto_offset_reset(reset);
        let real_time = streamer
            .create_consumer(std::slice::from_ref(&topic), options)
            .await
            .expect("create_consumer");
        let lag = real_time.lag().await.expect("lag");
        assert_eq!(lag.total(), expected as u64, "{reset:?}: {lag:?}");
    }

    let half = read_texts(&consumer, BACKLOG / 2).await;
    assert_eq!(half.len(), BACKLOG / 2);
    let lag = consumer.lag().await.expect("lag");
    assert_eq!(lag.total(), (BACKLOG / 2) as u64, "after half: {lag:?}");

    read_texts(&consumer, BACKLOG / 2).await;
    let lag = consumer.lag().await.expect("lag");
    assert_eq!(lag.total(), 0, "after all: {lag:?}");
    assert!(lag.is_caught_up());
    assert_eq!(metrics.gauge(names::CONSUMER_LAG, name), Some(0.0));

    assert_eq!(
        metrics.counter(names::CONSUMER_MESSAGES, name),
        BACKLOG as u64
    );
    assert_eq!(metrics.counter(names::CONSUMER_BYTES, name), bytes as u64);
    assert_eq!(metrics.counter(names::CONSUMER_ERRORS, name), 0);
    assert_eq!(
        metrics.histogram_count(names::CONSUMER_EVENT_TIME_SECONDS, name),
        BACKLOG.div_ceil(EVENT_TIME_SAMPLE as usize),
        "one message in EVENT_TIME_SAMPLE is sampled"
    );
    // The group consumer's series has the group label; the real-time ones (whose groups
    // are made up per consumer) have none.
    let mut labels = metrics.counter_labels(names::CONSUMER_MESSAGES, name);
    labels.sort();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels
        .iter()
        .all(|l| l.contains(&"backend=kafka".to_owned())));
    assert!(labels.iter().any(|l| l.len() == 2), "{labels:?}");
    assert!(
        labels
            .iter()
            .any(|l| l.iter().any(|l| l.starts_with("group=lag-group"))),
        "{labels:?}"
    );
    producer.end().await.expect("end");
}

/// The same backlog produced in batches (librdkafka's default): tansu then reports each
/// partition's high watermark wrongly, so the lag is short.
#[ignore = "tansu reports a wrong high watermark after batched produce (DEVELOPERS.md)"]
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn lag_after_batched_produce() {
    let Some(uri) = broker() else { return };
    let streamer = connect(&uri).await;
    let topic = new_topic("lag-batched");
    create_topic(&uri, &topic, PARTITIONS).await;
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    for i in 0..BACKLOG {
        drop(producer.send(format!("message {i}")).expect("send"));
    }
    let mut producer = producer;
    producer.flush().await.expect("flush");
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), group_options())
        .await
        .expect("create_consumer");
    let lag = consumer.lag().await.expect("lag");
    assert_eq!(lag.total(), BACKLOG as u64, "{lag:?}");
}

/// Headers written with `send_to_with_headers` come back as record headers, in order and
/// with repeats; a message without headers reads `None`; `to_owned` keeps them. Messages
/// read through `stream()` count in the consumer metrics as those of `next()`.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn headers_round_trip() {
    let Some(uri) = broker() else { return };
    let metrics = recorder();
    let streamer = connect(&uri).await;
    let topic = new_topic("headers");
    create_topic(&uri, &topic, 1).await;
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    let mut headers = Headers::new();
    headers
        .append("content-type", "text/plain")
        .append("bin", [0u8, 255, 7])
        .append("content-type", "text/csv");
    producer
        .send_to_with_headers(&topic, &headers, "with")
        .expect("send")
        .await
        .expect("receipt");
    producer
        .send("without")
        .expect("send")
        .await
        .expect("receipt");

    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .expect("create_consumer");
    let first = timeout(WAIT, consumer.next())
        .await
        .expect("in time")
        .expect("next");
    assert_eq!(first.message().as_str().unwrap(), "with");
    assert_eq!(first.headers(), Some(&headers));
    assert_eq!(first.to_owned().headers(), Some(&headers));
    drop(first);
    let mut stream = consumer.stream();
    let second = timeout(WAIT, futures::StreamExt::next(&mut stream))
        .await
        .expect("in time")
        .expect("endless")
        .expect("next");
    assert_eq!(second.message().as_str().unwrap(), "without");
    assert_eq!(second.headers(), None);
    assert_eq!(second.to_owned().headers(), None);
    drop(second);
    drop(stream);
    assert_eq!(metrics.counter(names::PRODUCER_MESSAGES, topic.name()), 2);
    assert_eq!(metrics.counter(names::CONSUMER_MESSAGES, topic.name()), 2);
    assert_eq!(
        metrics.counter(names::CONSUMER_BYTES, topic.name()),
        ("with".len() + "without".len()) as u64
    );
}

/// With propagation on, a message sent inside a trace's scope carries a `traceparent` of
/// the same trace (a child span) to the consumer; one sent outside starts a new trace. The
/// `sea_streamer.produce` and `sea_streamer.consume` events name the same spans.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn traceparent_propagates() {
    let Some(uri) = broker() else { return };
    let events = events();
    let streamer = connect(&uri).await;
    let topic = new_topic("trace");
    create_topic(&uri, &topic, 1).await;
    let mut options = KafkaProducerOptions::default();
    options.set_trace_propagation(true);
    let producer = streamer
        .create_producer(topic.clone(), options)
        .await
        .expect("create_producer");
    let parent = TraceContext::new_root();
    parent
        .scope(async {
            producer
                .send("traced")
                .expect("send")
                .await
                .expect("receipt");
        })
        .await;
    producer.send("root").expect("send").await.expect("receipt");

    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        .set_trace_propagation(true);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .expect("create_consumer");
    let first = timeout(WAIT, consumer.next())
        .await
        .expect("in time")
        .expect("next");
    assert_eq!(first.message().as_str().unwrap(), "traced");
    let child = TraceContext::from_headers(first.headers().expect("headers")).expect("traceparent");
    assert_eq!(child.trace_id(), parent.trace_id());
    assert_ne!(child.span_id(), parent.span_id());
    drop(first);
    let trace_id = parent.trace_id();
    let produced = events.find("sea_streamer.produce", "trace_id", &trace_id);
    assert_eq!(produced.len(), 1, "{produced:?}");
    assert_eq!(produced[0].field("span_id"), Some(child.span_id().as_str()));
    assert_eq!(
        produced[0].field("parent_id"),
        Some(parent.span_id().as_str())
    );
    assert_eq!(produced[0].field("stream"), Some(topic.name()));
    let consumed = events.find("sea_streamer.consume", "trace_id", &trace_id);
    assert_eq!(consumed.len(), 1, "{consumed:?}");
    assert_eq!(
        consumed[0].field("parent_id"),
        Some(child.span_id().as_str())
    );
    assert_eq!(consumed[0].field("stream"), Some(topic.name()));
    assert_eq!(consumed[0].field("sequence"), Some("0"));
    let second = timeout(WAIT, consumer.next())
        .await
        .expect("in time")
        .expect("next");
    let headers = second.headers().expect("headers");
    assert_eq!(headers.len(), 1);
    let root = TraceContext::from_headers(headers).expect("traceparent");
    assert_ne!(root.trace_id(), parent.trace_id());
    let produced = events.find("sea_streamer.produce", "trace_id", &root.trace_id());
    assert_eq!(produced.len(), 1, "{produced:?}");
    assert_eq!(
        produced[0].field("parent_id"),
        Some(""),
        "a new trace has no parent"
    );
    assert!(headers.get(TRACEPARENT).is_some());
}

/// A broker restart under a reading consumer: the connection errors `next()` returns count
/// as consumer errors, and the first message after them as a reconnect.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn a_broker_restart_counts_as_a_reconnect() {
    let metrics = recorder();
    let mock = Mock::start();
    let topic = new_topic("reconnect");
    mock.run(MockCommand::CreateTopic(topic.name().to_owned()))
        .expect("topic");
    let uri = format!("kafka://{}", mock.servers).parse().expect("uri");
    let streamer = KafkaStreamer::connect(uri, Default::default())
        .await
        .expect("connect to the mock cluster");
    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await
        .expect("create_producer");
    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_offset_reset(AutoOffsetReset::Earliest)
        .add_custom_option("reconnect.backoff.ms", "50")
        .add_custom_option("reconnect.backoff.max.ms", "200");
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&topic), options)
        .await
        .expect("create_consumer");
    producer.send("a").expect("send").await.expect("receipt");
    assert_eq!(read_texts(&consumer, 1).await, ["a"]);
    let name = topic.name();
    assert_eq!(metrics.counter(names::CONSUMER_RECONNECTS, name), 0);

    mock.run(MockCommand::Restart).expect("restart");
    producer.send("b").expect("send").await.expect("receipt");
    // The connection errors and "b" race to the consumer's queue: read until both came,
    // then one more message, which follows the errors in any case.
    let (mut lost, mut errors, mut read) = (0, 0, false);
    let mut seen = Vec::new();
    while !read || lost == 0 {
        match timeout(WAIT, consumer.next()).await {
            Err(_) => panic!("no lost connection reported within {WAIT:?}: {seen:?}"),
            Ok(Ok(message)) => {
                assert_eq!(message.message().as_str().unwrap(), "b");
                read = true;
            }
            Ok(Err(StreamErr::Backend(e))) => {
                errors += 1;
                if matches!(
                    e.rdkafka_error_code(),
                    Some(
                        RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown
                    )
                ) {
                    lost += 1;
                }
                seen.push(e.to_string());
            }
            Ok(Err(e)) => panic!("unexpected {e:?}"),
        }
    }
    producer.send("c").expect("send").await.expect("receipt");
    loop {
        match timeout(WAIT, consumer.next()).await.expect("c in time") {
            Ok(message) => {
                assert_eq!(message.message().as_str().unwrap(), "c");
                break;
            }
            Err(_) => errors += 1,
        }
    }
    let reconnects = metrics.counter(names::CONSUMER_RECONNECTS, name);
    assert!(
        (1..=lost).contains(&reconnects),
        "{reconnects} reconnects after {seen:?}"
    );
    assert_eq!(metrics.counter(names::CONSUMER_ERRORS, name), errors);
    assert_eq!(metrics.counter(names::CONSUMER_MESSAGES, name), 3);
}
