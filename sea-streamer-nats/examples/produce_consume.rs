//! Sends a few messages to a NATS JetStream subject and reads them back.
//!
//! ```sh
//! cargo run -p sea-streamer-nats --example produce_consume -- nats://127.0.0.1:14222/hello
//! ```

use sea_streamer_nats::{AutoStreamReset, NatsConsumerOptions, NatsStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamUrl, Streamer,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url: StreamUrl = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "nats://127.0.0.1:4222/hello".into())
        .parse()?;
    let key = url.stream_key()?;
    let streamer = NatsStreamer::connect(url.streamer(), Default::default()).await?;

    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await?;
    for i in 0..3 {
        let receipt = producer.send(format!("message {i}"))?.await?;
        log::info!("stored as sequence {}", receipt.sequence());
    }
    producer.end().await?;

    let mut options = NatsConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer.create_consumer(&[key], options).await?;
    for _ in 0..3 {
        let message = consumer.next().await?;
        let line = format!(
            "[{} #{}] {}\n",
            message.timestamp(),
            message.sequence(),
            message.message().as_str()?
        );
        std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes())?;
    }
    Ok(())
}
