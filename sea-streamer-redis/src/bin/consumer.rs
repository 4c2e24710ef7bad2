//! Prints every message of the given Redis streams, from the earliest, as UTF-8 lines, forever.
//!
//! `consumer --stream redis://localhost/hello,world`

use anyhow::Result;
use clap::Parser;
use sea_streamer_redis::{
    AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamUrl, Streamer,
};
use std::io::Write;

#[derive(Debug, Parser)]
#[command(about = "Print every message of Redis streams (from the earliest), one per line")]
struct Args {
    /// Streamer URL with the stream keys to read, e.g. redis://localhost/hello,world
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream } = Args::parse();
    let streamer =
        RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default()).await?;
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(stream.stream_keys(), options)
        .await?;
    let mut stdout = std::io::stdout().lock();
    loop {
        let message = consumer.next().await?;
        writeln!(stdout, "{}", message.message().as_str()?)?;
    }
}
