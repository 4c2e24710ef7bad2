//! Sends three messages to a Kafka topic and reads them back.
//!
//! `cargo run -p sea-streamer-kafka --features runtime-tokio --example hello -- kafka://127.0.0.1:19092/hello`

// An example program prints what it does.
#![allow(clippy::print_stdout)]

use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamUrl, Streamer,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url: StreamUrl = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "kafka://localhost:9092/hello".to_owned())
        .parse()?;
    let topic = url.stream_key()?;
    let streamer = KafkaStreamer::connect(url.streamer(), Default::default()).await?;

    let producer = streamer
        .create_producer(topic.clone(), Default::default())
        .await?;
    for i in 0..3 {
        let receipt = producer.send(format!("hello {i}"))?.await?;
        println!(
            "sent to partition {} at offset {}",
            receipt.shard_id().id(),
            receipt.sequence()
        );
    }
    producer.end().await?;

    let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = streamer.create_consumer(&[topic], options).await?;
    for _ in 0..3 {
        let message = consumer.next().await?;
        println!("received {}", message.message().as_str()?);
    }
    Ok(())
}
