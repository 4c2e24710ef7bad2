//! Prints every message of the given Redis streams, from the earliest, as UTF-8 lines, forever.
//!
//! `consumer --stream redis://localhost/hello,world`

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_redis::{
    AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamUrl, Streamer,
};
use std::process::ExitCode;

/// Print every message of Redis streams (from the earliest), one payload per line, until
/// interrupted. A closed stdout (`consumer ... | head -3`) ends it quietly (exit 0).
#[derive(Debug, Parser)]
#[command(name = "consumer", version)]
struct Args {
    /// Streamer URL with the stream keys to read, e.g. redis://localhost/hello,world
    #[arg(long, env = "STREAM_URL")]
    stream: StreamUrl,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("consumer", run(args).await)
}

async fn run(Args { stream }: Args) -> Result<()> {
    let servers = exit::servers(&stream);
    let streamer = RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default())
        .await
        .with_context(|| format!("connecting to {servers}"))?;
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(stream.stream_keys(), options)
        .await?;
    let mut stdout = std::io::stdout().lock();
    loop {
        let message = consumer
            .next()
            .await
            .with_context(|| format!("reading from {servers}"))?;
        let payload = message.message();
        let text = payload.as_str().with_context(|| {
            format!(
                "message {} / {} / {} is not UTF-8",
                message.stream_key(),
                message.shard_id().id(),
                message.sequence()
            )
        })?;
        exit::print_line(&mut stdout, text)?;
    }
}
