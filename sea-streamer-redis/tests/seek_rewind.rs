//! Seeking to a time and rewinding to the beginning, a sequence number or the end.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{connect, consume, key, range, url};
use sea_streamer_redis::{AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{Consumer, ConsumerMode, ConsumerOptions, Producer, SeqPos, Streamer};
use std::time::Duration;

async fn seek_rewind(mode: ConsumerMode, batch_size: usize) {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("seek");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let mut one_third = None;
    for i in 0..100 {
        let receipt = producer.send(i.to_string()).unwrap();
        if i == 29 {
            let receipt = receipt.await.unwrap();
            one_third = Some((*receipt.sequence(), *receipt.timestamp()));
            // entries after this one must carry a later millisecond (not a synchronisation)
            sea_streamer_runtime::sleep(Duration::from_millis(2)).await;
        }
    }
    producer.flush_immut().await.unwrap();
    let (one_third, point_in_time) = one_third.unwrap();

    let mut options = RedisConsumerOptions::new(mode);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(AutoCommit::Disabled)
        .set_batch_size(batch_size);
    let mut consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    assert_eq!(consume(&consumer, 10).await, range(0, 10));
    consumer.rewind(SeqPos::Beginning).await.unwrap();
    assert_eq!(consume(&consumer, 10).await, range(0, 10));
    consumer.rewind(SeqPos::At(one_third)).await.unwrap();
    assert_eq!(consume(&consumer, 10).await, range(30, 40));
    consumer.seek(point_in_time).await.unwrap();
    assert_eq!(consume(&consumer, 10).await, range(30, 40));

    consumer.rewind(SeqPos::End).await.unwrap();
    // (no read is needed to start a consumer: the end position is fixed by `rewind`)
    for i in 100..110 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    assert_eq!(consume(&consumer, 5).await, range(100, 105));
    assert_eq!(consume(&consumer, 5).await, range(105, 110));
    consumer.end().await.unwrap();
}

macro_rules! case {
    ($name:ident, $mode:expr, $batch:expr) => {
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        async fn $name() {
            seek_rewind($mode, $batch).await;
        }
    };
}

case!(realtime_batch_1, ConsumerMode::RealTime, 1);
case!(realtime_batch_5, ConsumerMode::RealTime, 5);
case!(realtime_batch_25, ConsumerMode::RealTime, 25);
case!(resumable_batch_1, ConsumerMode::Resumable, 1);
case!(resumable_batch_5, ConsumerMode::Resumable, 5);
case!(resumable_batch_25, ConsumerMode::Resumable, 25);
