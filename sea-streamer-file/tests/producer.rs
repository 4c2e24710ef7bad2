//! tests-behaviour: `producer` — multi-producer and shared-producer runs.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileErr, FileStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamErr, StreamKey,
    Streamer,
};
use util::*;

async fn run(shared: bool) {
    let file = temp_file(if shared {
        "shared-producer"
    } else {
        "multi-producer"
    });
    let uri = file.to_streamer_uri().unwrap();
    let mut options = FileConnectOptions::default();
    options
        .set_beacon_interval(1024)
        .unwrap()
        .set_end_with_eos(true);
    let streamer = FileStreamer::connect(uri.clone(), options.clone())
        .await
        .unwrap();
    let key = StreamKey::new("hello").unwrap();
    let mut first = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), Default::default())
        .await
        .unwrap();

    let check = |m: sea_streamer_types::SharedMessage, i: u64| {
        assert_eq!(m.sequence(), i);
        assert_eq!(m.message().as_str().unwrap(), i.to_string());
    };

    for i in 1..=24 {
        first.send(i.to_string()).unwrap();
    }
    first.flush().await.unwrap();
    for i in 1..=24 {
        check(consumer.next().await.unwrap(), i);
    }

    let mut second = if shared {
        first.clone()
    } else {
        streamer
            .create_producer(key.clone(), Default::default())
            .await
            .unwrap()
    };
    for i in 25..=74u64 {
        if i % 2 == 1 {
            first.send(i.to_string()).unwrap();
        } else {
            second.send(i.to_string()).unwrap();
        }
    }
    second.flush().await.unwrap();
    for i in 25..=74 {
        check(consumer.next().await.unwrap(), i);
    }
    drop(second);
    for i in 75..=124 {
        first.send(i.to_string()).unwrap();
    }
    first.flush().await.unwrap();
    for i in 75..=124 {
        check(consumer.next().await.unwrap(), i);
    }

    streamer.disconnect().await.unwrap();
    assert!(matches!(
        first.send("x"),
        Err(StreamErr::Backend(FileErr::ProducerEnded))
    ));
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::StreamEnded))
    ));
    drop(first);
    drop(consumer);

    let streamer = FileStreamer::connect(uri, options).await.unwrap();
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    for i in 125..=149u64 {
        let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
        assert_eq!(*receipt.sequence(), i);
    }
    producer.flush().await.unwrap();

    let mut opts = FileConsumerOptions::new(ConsumerMode::RealTime);
    opts.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), opts)
        .await
        .unwrap();
    for i in 1..=149 {
        check(consumer.next().await.unwrap(), i);
    }
    drop(producer);
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn multi_producer() {
    run(false).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn shared_producer() {
    run(true).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn size_limit_stops_writer() {
    let file = temp_file("limit");
    let mut options = FileConnectOptions::default();
    options.set_file_size_limit(1024);
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), options)
        .await
        .unwrap();
    let producer = streamer
        .create_producer(StreamKey::new("k").unwrap(), Default::default())
        .await
        .unwrap();
    let payload = "x".repeat(300);
    let mut failed = None;
    for i in 0..10 {
        if let Err(e) = producer.send(payload.as_str()).unwrap().await {
            failed = Some((i, e));
            break;
        }
    }
    let (i, e) = failed.expect("limit reached");
    assert_eq!(i, 2);
    assert!(matches!(e, StreamErr::Backend(FileErr::FileLimitExceeded)));
    assert!(matches!(
        producer.send("y"),
        Err(StreamErr::Backend(FileErr::ProducerEnded))
    ));
}
