//! The example of the README: produce three messages, then read them back.
//!
//! `cargo run -p sea-streamer-file --features runtime-tokio --example readme`

use sea_streamer_file::{AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
    StreamerUri,
};
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let uri: StreamerUri = "file:///tmp/readme-example.ss".parse()?;
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(true);
    let streamer = FileStreamer::connect(uri, options).await?;

    let key = StreamKey::new("hello")?;
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await?;
    for i in 0..3 {
        producer.send(format!("message {i}"))?;
    }
    producer.flush().await?;

    let mut consumer_options = FileConsumerOptions::new(ConsumerMode::RealTime);
    consumer_options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer.create_consumer(&[key], consumer_options).await?;
    for _ in 0..3 {
        let message = consumer.next().await?;
        writeln!(
            std::io::stdout(),
            "[{}] {}",
            message.sequence(),
            message.message().as_str()?
        )?;
    }
    Ok(())
}
