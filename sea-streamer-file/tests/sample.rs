//! tests-behaviour: `sample_1` — consuming the checked-in sample with key `event` from Earliest.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{AutoStreamReset, FileConsumerOptions, FileErr, FileStreamer};
use sea_streamer_types::{Consumer, Message, StreamErr, StreamKey, Streamer};
use util::*;

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn sample_1() {
    let uri = vector("sample-1.ss").to_streamer_uri().unwrap();
    let streamer = FileStreamer::connect(uri, Default::default())
        .await
        .unwrap();
    let mut options = FileConsumerOptions::default();
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(&[StreamKey::new("event").unwrap()], options)
        .await
        .unwrap();
    for i in 1..=22u64 {
        let m = consumer.next().await.unwrap();
        assert_eq!(m.sequence(), i);
        assert_eq!(m.stream_key().name(), "event");
    }
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::StreamEnded))
    ));
}
