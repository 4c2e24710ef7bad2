//! Single behaviours: long blocking reads, NOGROUP, explicit timestamps, trimming, flushing
//! through the internal key, disconnecting.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::fixture::Fixture;
use common::{connect, consume, key, next, num, range, url};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisErr,
};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Producer, StreamErr, StreamKey, Streamer, Timestamp,
    SEA_STREAMER_INTERNAL,
};
use std::time::Duration;

fn del(url: &str, key: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_connection().unwrap();
    let _: () = redis::cmd("DEL").arg(key).query(&mut conn).unwrap();
}

/// A read blocked for longer than the redis crate's 500 ms response timeout still succeeds.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn blocking_read_outlives_response_timeout() {
    let Some(url) = url() else { return };
    let Fixture {
        streamer,
        stream,
        producer,
    } = Fixture::new(&url, "block").await;
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&stream),
            RedisConsumerOptions::new(ConsumerMode::RealTime),
        )
        .await
        .unwrap();
    let sender = sea_streamer_runtime::spawn_task(async move {
        sea_streamer_runtime::sleep(Duration::from_millis(1500)).await;
        producer.send("1").unwrap().await.unwrap();
    });
    assert_eq!(num(&next(&consumer).await), 1);
    sender.await.unwrap();
}

async fn nogroup(mkstream: bool, commit: AutoCommit) {
    let Some(url) = url() else { return };
    let f = Fixture::new(&url, "nogroup").await;
    f.send_numbers(0..5).await;
    let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(commit)
        .set_mkstream(mkstream);
    let consumer = f.consumer(options).await;
    assert_eq!(consume(&consumer, 5).await, range(0, 5));

    // with pre-fetch the consumer is blocked in XREADGROUP while the stream is deleted
    del(&url, f.stream.name());
    f.send_numbers(5..10).await;
    if mkstream {
        // the group is recreated on the new stream and reads it from the start
        assert_eq!(consume(&consumer, 5).await, range(5, 10));
    } else {
        let err = sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
            .await
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("NOGROUP"), "{err}");
        assert!(matches!(
            consumer.next().await,
            Err(StreamErr::Backend(RedisErr::ConsumerDied))
        ));
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn nogroup_is_an_error() {
    nogroup(false, AutoCommit::Disabled).await;
    nogroup(false, AutoCommit::Delayed).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn nogroup_recreated_with_mkstream() {
    nogroup(true, AutoCommit::Disabled).await;
    nogroup(true, AutoCommit::Delayed).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn send_with_ts_uses_the_timestamp() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("ts");
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    let ts = Timestamp::from_unix_timestamp(1_600_000_000).unwrap();
    let receipt = producer
        .send_with_ts(&stream, ts, "a")
        .unwrap()
        .await
        .unwrap();
    assert_eq!(*receipt.timestamp(), ts);
    assert_eq!(*receipt.sequence() >> 16, 1_600_000_000_000);
    // ids must grow: an older timestamp is refused with an error, not dropped silently
    let older = Timestamp::from_unix_timestamp(1_500_000_000).unwrap();
    assert!(producer
        .send_with_ts(&stream, older, "b")
        .unwrap()
        .await
        .is_err());

    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer.create_consumer(&[stream], options).await.unwrap();
    assert_eq!(*next(&consumer).await.header().timestamp(), ts);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn trim_and_internal_key() {
    let Some(url) = url() else { return };
    let Fixture {
        streamer,
        stream,
        producer,
    } = Fixture::new(&url, "trim").await;
    for i in 0..1000 {
        producer.send(i.to_string()).unwrap();
    }
    let removed = producer.trim(&stream, 10).await.unwrap();
    assert!(removed > 0 && removed < 1000, "{removed}");

    let internal = StreamKey::new(SEA_STREAMER_INTERNAL).unwrap();
    producer.send_to(&internal, "").unwrap().await.unwrap();
    assert!(matches!(
        producer.send_to(&internal, "nonsense").unwrap().await,
        Err(StreamErr::Backend(RedisErr::ProducerDied))
    ));
    streamer.disconnect().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn connect_errors() {
    let Some(url) = url() else { return };
    let no_protocol = "localhost:16379".parse().unwrap();
    assert!(matches!(
        sea_streamer_redis::RedisStreamer::connect(no_protocol, Default::default()).await,
        Err(StreamErr::StreamUrlErr(_))
    ));
    let other = "http://127.0.0.1:1".parse().unwrap();
    assert!(matches!(
        sea_streamer_redis::RedisStreamer::connect(other, Default::default()).await,
        Err(StreamErr::Connect(m)) if m == "unknown protocol `http`"
    ));
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    assert!(matches!(
        streamer.create_consumer(&[], Default::default()).await,
        Err(StreamErr::StreamKeyEmpty)
    ));
    // acks are not allowed with the default AutoCommit::Delayed
    let consumer = streamer
        .create_consumer(&[key("ack")], Default::default())
        .await
        .unwrap();
    let header = sea_streamer_types::MessageHeader::new(
        key("x"),
        sea_streamer_types::ShardId::new(0),
        1,
        Timestamp::now_utc(),
    );
    let msg = sea_streamer_types::SharedMessage::new(header, Vec::new(), 0, 0);
    assert!(matches!(
        consumer.ack(&msg),
        Err(StreamErr::Backend(RedisErr::InvalidClientConfig(_)))
    ));
}

/// Nanosecond ids: `XADD` ids are `{ns}-*`, timestamps keep their nanoseconds.
#[cfg(feature = "nanosecond-timestamp")]
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn nanosecond_timestamps() {
    let Some(url) = url() else { return };
    let mut options = RedisConnectOptions::default();
    options.set_timestamp_format(sea_streamer_redis::TimestampFormat::UnixTimestampNanos);
    let streamer = connect(&url, options).await;
    let stream = key("nanos");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let mut last = 0;
    for i in 0..5 {
        let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
        assert!(*receipt.sequence() > last);
        last = *receipt.sequence();
    }
    let ts = Timestamp::now_utc() + Duration::from_secs(1);
    let receipt = producer
        .send_with_ts(&stream, ts, "5")
        .unwrap()
        .await
        .unwrap();
    assert_eq!(*receipt.timestamp(), ts);
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer.create_consumer(&[stream], options).await.unwrap();
    assert_eq!(consume(&consumer, 5).await, range(0, 5));
    let msg = next(&consumer).await;
    assert_eq!(*msg.header().timestamp(), ts);
}

/// A refused connection names the address and the cause through Display (the redis crate's
/// own message says only `Connection refused`).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn a_refused_connection_names_the_address() {
    use sea_streamer_types::ConnectOptions as _;
    // a loopback port that nothing listens on any more
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut options = RedisConnectOptions::default();
    options.set_timeout(Duration::from_secs(5)).unwrap();
    let err = sea_streamer_redis::RedisStreamer::connect(url.parse().unwrap(), options)
        .await
        .expect_err("nothing listens there");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("refused"), "{text}");
    assert!(
        matches!(err, StreamErr::Backend(RedisErr::IoError(_))),
        "{err:?}"
    );
}
