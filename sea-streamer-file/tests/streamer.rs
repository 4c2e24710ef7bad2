//! tests-behaviour: `streamer` — connect modes, producer → live consumer.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{FileConnectOptions, FileStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, Producer, StreamKey, Streamer};
use util::*;

async fn run(mode: &str) {
    let file = temp_path(mode);
    let uri = file.to_streamer_uri().unwrap();
    let mut options = FileConnectOptions::default();
    match mode {
        "default" => {
            assert!(FileStreamer::connect(uri.clone(), options.clone())
                .await
                .is_err());
            std::fs::File::create(file.path()).unwrap();
        }
        "create_only" => {
            options.set_create_only(true);
        }
        _ => {
            options.set_create_if_not_exists(true);
        }
    }
    let streamer = FileStreamer::connect(uri.clone(), options.clone())
        .await
        .unwrap();
    let key = StreamKey::new("hello").unwrap();
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();

    let streamer2 = FileStreamer::connect(uri.clone(), Default::default())
        .await
        .unwrap();
    let consumer = streamer2
        .create_consumer(std::slice::from_ref(&key), Default::default())
        .await
        .unwrap();
    for i in 1..=9 {
        producer.send(format!("{i}")).unwrap();
    }
    producer.flush().await.unwrap();
    for i in 1..=9u64 {
        let m = consumer.next().await.unwrap();
        assert_eq!(m.stream_key(), key);
        assert_eq!(m.sequence(), i);
        assert_eq!(m.message().as_str().unwrap(), i.to_string());
    }
    let again = FileStreamer::connect(uri, options).await;
    assert_eq!(again.is_err(), mode == "create_only");
    drop(producer);
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn streamer() {
    run("default").await;
    run("create_only").await;
    run("create_if_not_exists").await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn zero_node_and_paths() {
    use sea_streamer_types::{StreamErr, StreamUrlErr, StreamerUri};
    let r = FileStreamer::connect(StreamerUri::zero(), Default::default()).await;
    assert!(matches!(
        r,
        Err(StreamErr::StreamUrlErr(StreamUrlErr::ZeroNode))
    ));
    let file = temp_file("paths");
    let s = FileStreamer::connect(
        format!("file://{}/", file.path()).parse().unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(s.file_id(), &file);
}
