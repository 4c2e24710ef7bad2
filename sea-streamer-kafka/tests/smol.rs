//! A round trip on librdkafka's mock cluster under smol, through the `runtime-smol`
//! `AsyncRuntime` (tasks and timers of `sea-streamer-runtime`).

#![cfg(all(
    feature = "runtime-smol",
    not(feature = "runtime-tokio"),
    not(feature = "runtime-async-std")
))]

use rdkafka::mocking::MockCluster;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};
use std::time::Duration;

#[test]
fn round_trip_under_smol() {
    smol::block_on(async {
        let cluster = MockCluster::new(1).expect("mock cluster");
        cluster.create_topic("smol", 1, 1).expect("topic");
        let uri = format!("kafka://{}", cluster.bootstrap_servers())
            .parse()
            .unwrap();
        let streamer = KafkaStreamer::connect(uri, Default::default())
            .await
            .expect("connect");
        let topic = StreamKey::new("smol").unwrap();
        let producer = streamer
            .create_producer(topic.clone(), Default::default())
            .await
            .unwrap();
        for i in 0..3u64 {
            let receipt = producer.send(i.to_string()).unwrap().await.unwrap();
            assert_eq!(*receipt.sequence(), i);
        }
        let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
        options.set_auto_offset_reset(AutoOffsetReset::Earliest);
        let consumer = streamer.create_consumer(&[topic], options).await.unwrap();
        for i in 0..3 {
            let message = timeout(Duration::from_secs(30), consumer.next())
                .await
                .expect("a message within 30 s")
                .unwrap();
            assert_eq!(message.message().as_str().unwrap(), i.to_string());
        }
        streamer.disconnect().await.unwrap();
    });
}
