//! Observability through the socket types (issue #13): `SeaConsumer::lag` and
//! `SeaProducer::send_to_with_headers` reach the backend (a Redis backlog of 100 messages
//! with headers, lag 100 then 0), `SeaMessage::headers` shows what was sent, and the
//! backends without headers (file, stdio) or lag (stdio) say so with `Unsupported`; a file's
//! lag counts bytes.
#![cfg(feature = "runtime-tokio")]

use sea_streamer_socket::{
    SeaConnectOptions, SeaConsumerOptions, SeaProducerOptions, SeaStreamReset, SeaStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerLag, ConsumerMode, ConsumerOptions, Headers, LagUnit, Message,
    Producer, ProducerWithHeaders, StreamErr, StreamKey, Streamer,
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

#[cfg(feature = "backend-redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_headers_and_lag_through_the_socket() {
    let Some(url) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let key = StreamKey::new(sea_streamer_conformance::random_key("socket-observe")).unwrap();
    let streamer = SeaStreamer::connect(url.parse().unwrap(), SeaConnectOptions::default())
        .await
        .unwrap();
    let producer = streamer
        .create_generic_producer(SeaProducerOptions::default())
        .await
        .unwrap();
    let n = 100;
    let mut receipts = Vec::new();
    for i in 0..n {
        let mut headers = Headers::new();
        headers.insert("index", i.to_string());
        receipts.push(
            producer
                .send_to_with_headers(&key, &headers, format!("m{i}"))
                .unwrap(),
        );
    }
    for receipt in receipts {
        receipt.await.unwrap();
    }
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .unwrap();
    assert_eq!(consumer.lag().await.unwrap().of_stream(&key), n);
    for i in 0..n {
        let m = tokio::time::timeout(WAIT, consumer.next())
            .await
            .expect("a message within 60s")
            .unwrap();
        assert_eq!(m.message().as_str().unwrap(), format!("m{i}"));
        let headers = m.headers().expect("the message's headers");
        assert_eq!(headers.get_str("index"), Some(i.to_string().as_str()));
        // and they survive the copy the processor runner makes
        let owned = Message::to_owned(&m);
        assert_eq!(owned.headers(), Some(headers));
    }
    assert_eq!(consumer.lag().await.unwrap().total(), 0);
}

#[cfg(all(feature = "backend-file", feature = "backend-stdio"))]
#[tokio::test]
async fn backends_without_headers_or_lag_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let key = StreamKey::new("observe").unwrap();
    let mut connect = SeaConnectOptions::default();
    connect.set_file_connect_options(|o| {
        o.set_create_if_not_exists(true);
    });
    let uri = format!("file://{}/data.ss", dir.path().display());
    let file = SeaStreamer::connect(uri.parse().unwrap(), connect)
        .await
        .unwrap();
    let producer = file
        .create_generic_producer(SeaProducerOptions::default())
        .await
        .unwrap();
    let mut headers = Headers::new();
    // no headers: an ordinary send
    producer
        .send_to_with_headers(&key, &headers, "plain")
        .unwrap()
        .await
        .unwrap();
    headers.insert("traceparent", "x");
    assert!(matches!(
        producer.send_to_with_headers(&key, &headers, "with"),
        Err(StreamErr::Unsupported(_))
    ));

    // the file's lag in bytes: behind before reading, caught up after
    producer.end().await.unwrap();
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let consumer = file
        .create_consumer(std::slice::from_ref(&key), options)
        .await
        .unwrap();
    let before = consumer.lag().await.unwrap();
    assert_eq!(before.shards()[0].unit, LagUnit::Bytes);
    assert!(before.total() > 0, "{before:?}");
    let m = tokio::time::timeout(WAIT, consumer.next())
        .await
        .expect("the message within 60s")
        .unwrap();
    assert_eq!(m.message().as_str().unwrap(), "plain");
    assert!(m.headers().is_none());
    assert!(consumer.lag().await.unwrap().is_caught_up());

    let stdio = SeaStreamer::connect("stdio://".parse().unwrap(), SeaConnectOptions::default())
        .await
        .unwrap();
    let consumer = stdio
        .create_consumer(&[key], SeaConsumerOptions::new(ConsumerMode::RealTime))
        .await
        .unwrap();
    assert!(matches!(
        consumer.lag().await,
        Err(StreamErr::Unsupported(_))
    ));
}
