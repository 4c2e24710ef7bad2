//! The socket types wrapping the stdio backend (loopback, so nothing needs a pipe). All
//! stdio state is process-wide, so everything runs in one test.
#![cfg(feature = "backend-stdio")]

use futures::StreamExt;
use sea_streamer_socket::{
    Backend, SeaConnectOptions, SeaConsumerOptions, SeaMessage, SeaProducerOptions, SeaStreamReset,
    SeaStreamer, SeaStreamerBackend,
};
use sea_streamer_types::{
    Buffer, ConnectOptions, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message,
    Producer, SeqPos, ShardId, StreamErr, StreamKey, Streamer, StreamerUri,
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_through_socket() {
    let key = StreamKey::new(sea_streamer_conformance::random_key("socket")).unwrap();
    let keys = [key.clone()];

    let mut options = SeaConnectOptions::default();
    options.set_stdio_connect_options(|o| o.set_loopback(true));
    let uri: StreamerUri = "stdio://".parse().unwrap();
    let mut streamer = SeaStreamer::connect(uri, options).await.unwrap();
    assert_eq!(streamer.backend(), Backend::Stdio);
    assert!(streamer.get_stdio().is_some());

    // Errors of the backend keep their StreamErr variant.
    let err = streamer
        .create_consumer(&keys, SeaConsumerOptions::new(ConsumerMode::Resumable))
        .await
        .unwrap_err();
    assert!(matches!(err, StreamErr::Unsupported(_)), "{err:?}");
    let err = streamer
        .create_consumer(&keys, SeaConsumerOptions::new(ConsumerMode::LoadBalanced))
        .await
        .unwrap_err();
    assert!(matches!(err, StreamErr::ConsumerGroupNotSet), "{err:?}");

    let mut consumer_options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    consumer_options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let mut consumer = streamer
        .create_consumer(&keys, consumer_options)
        .await
        .unwrap();
    assert_eq!(consumer.backend(), Backend::Stdio);
    assert!(consumer.get_stdio().is_some());
    assert!(matches!(
        consumer.rewind(SeqPos::Beginning).await,
        Err(StreamErr::Unsupported(_))
    ));
    assert!(consumer.assign((key.clone(), ShardId::new(0))).is_ok());
    assert!(matches!(
        consumer.assign((StreamKey::new("other").unwrap(), ShardId::new(0))),
        Err(StreamErr::StreamKeyNotFound)
    ));

    let mut producer = streamer
        .create_producer(key.clone(), SeaProducerOptions::default())
        .await
        .unwrap();
    assert_eq!(producer.backend(), Backend::Stdio);
    assert_eq!(producer.anchored().unwrap(), &key);
    assert!(matches!(
        producer.anchor(key.clone()),
        Err(StreamErr::AlreadyAnchored)
    ));
    let invalid_utf8: &[u8] = &[0xff, 0xfe];
    assert!(matches!(
        producer.send(invalid_utf8),
        Err(StreamErr::Utf8Error(_))
    ));

    let receipt = producer.send("hello-0").unwrap();
    let receipt = tokio::time::timeout(WAIT, receipt).await.unwrap().unwrap();
    assert_eq!(receipt.stream_key(), &key);

    let mut message = tokio::time::timeout(WAIT, consumer.next())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(message, SeaMessage::Stdio(_)));
    assert_eq!(message.backend(), Backend::Stdio);
    assert!(message.get_stdio().is_some());
    assert_eq!(message.stream_key(), key);
    assert_eq!(message.message().as_str().unwrap(), "hello-0");
    let owned = Message::to_owned(&message);
    assert_eq!(owned.message().as_str().unwrap(), "hello-0");

    for i in 1..4 {
        // Receipts may be dropped: the send still happens.
        drop(producer.send(format!("hello-{i}")).unwrap());
    }
    producer.flush().await.unwrap();
    {
        let mut stream = consumer.stream();
        for i in 1..4 {
            let m = tokio::time::timeout(WAIT, stream.next())
                .await
                .unwrap()
                .expect("endless stream")
                .unwrap();
            assert_eq!(m.message().as_str().unwrap(), format!("hello-{i}"));
        }
    }

    // Options wrappers.
    let mut connect = SeaConnectOptions::default();
    let timeout = connect.timeout();
    if cfg!(any(feature = "backend-kafka", feature = "backend-redis")) {
        assert!(timeout.is_err(), "unset timeout");
    } else {
        assert!(matches!(timeout, Err(StreamErr::TimeoutNotSet)));
    }
    assert!(connect.set_timeout(Duration::from_secs(3)).is_ok());
    let mut group = SeaConsumerOptions::new(ConsumerMode::LoadBalanced);
    assert!(matches!(
        group.consumer_group(),
        Err(StreamErr::ConsumerGroupNotSet)
    ));
    group.set_consumer_group(ConsumerGroup::new("g1")).unwrap();
    assert_eq!(group.consumer_group().unwrap().name(), "g1");
    assert_eq!(group.mode().unwrap(), &ConsumerMode::LoadBalanced);
    assert_eq!(
        group.clone().into_stdio_consumer_options().mode().unwrap(),
        &ConsumerMode::LoadBalanced
    );

    producer.end().await.unwrap();

    // Disconnecting needs a runtime (stdio waits for its output thread with `sleep`).
    #[cfg(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    ))]
    {
        streamer.disconnect().await.unwrap();
        let err = tokio::time::timeout(WAIT, consumer.next())
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(
                err,
                StreamErr::Backend(sea_streamer_socket::BackendErr::Stdio(_))
            ),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with("Backend error: StdioBackendErr: "));
    }
    #[cfg(not(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    )))]
    let _ = streamer;
}
