//! The example of the root README.md, copied below this header (up to the first blank line)
//! exactly as the README lists it; `tests/readme.rs` checks that the two are identical and
//! runs it on file, stdio, Redis and Kafka.
#![allow(clippy::print_stdout)]

use sea_streamer::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, SeaConnectOptions,
    SeaConsumerOptions, SeaStreamReset, SeaStreamer, StreamUrl, Streamer,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Any backend: give "redis://localhost:6379/hello", "kafka://localhost:9092/hello" or
    // "stdio:///hello" as the first argument; the default is a file.
    let url: StreamUrl = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "file://./hello.ss/hello".to_owned())
        .parse()?;
    let mut options = SeaConnectOptions::default();
    options.set_file_connect_options(|o| {
        o.set_create_if_not_exists(true);
    });
    // stdio: the consumer also gets what this process prints, not only what comes on stdin
    options.set_stdio_connect_options(|o| {
        o.set_loopback(true);
    });
    let streamer = SeaStreamer::connect(url.streamer(), options).await?;

    // Read from the start of the stream: a Kafka consumer may join after the message is sent.
    let mut consumer_options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    consumer_options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(url.stream_keys(), consumer_options)
        .await?;
    let producer = streamer
        .create_producer(url.stream_key()?, Default::default())
        .await?;

    producer.send("hello, world")?.await?;
    let message = consumer.next().await?;
    println!("[{}] {}", message.stream_key(), message.message().as_str()?);
    producer.end().await?;
    Ok(())
}
