//! `redis-streams-dump`: write the entries of Redis streams into a `.ss` file.
//!
//! ```sh
//! redis-streams-dump --stream redis://localhost/orders --output ./orders.ss \
//!     --since 2024-01-01T00:00:00.0 --until 2024-01-02T00:00:00.0
//! ```
//!
//! Reads from the earliest entry (or from just after `--since`) with a RealTime consumer and
//! writes every message, keeping its stream key, shard, sequence number and timestamp, into
//! a new (or overwritten) `.ss` file. It stops when no message arrives for one second, when
//! a message is later than `--until`, or on a read error; the file is flushed (without an
//! end-of-stream mark, so it can be appended to) and the count is logged. A read error then
//! exits 1 with the error (what was read before it is in the file); errors name the server
//! and are printed once, on one line.
//!
//! It lives in the socket crate because it needs two backends, and backends never depend
//! on each other (upstream ships it as the separate crate `redis-streams-dump`).

use std::{process::ExitCode, time::Duration};

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{FileId, MessageSink, DEFAULT_BEACON_INTERVAL, DEFAULT_FILE_SIZE_LIMIT};
use sea_streamer_redis::{
    AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer,
};
use sea_streamer_types::export::time::PrimitiveDateTime;
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Message, StreamUrl, Streamer, Timestamp,
    TIMESTAMP_FORMAT,
};

/// How long the stream may stay quiet before the dump ends.
const IDLE: Duration = Duration::from_secs(1);

#[derive(Debug, Parser)]
#[command(
    name = "redis-streams-dump",
    version,
    about = "Dump Redis streams into a .ss file",
    long_about = "Dump the entries of one or more Redis streams into a new (or overwritten) .ss \
                  file, keeping stream keys, shards, sequence numbers and timestamps. Stops \
                  after one second without a message, at the first message later than \
                  --until, or on a read error (exit 1, after flushing what was read)."
)]
struct Args {
    /// Streams to dump, e.g. redis://localhost:6379/orders,payments
    #[arg(long)]
    stream: StreamUrl,
    /// The .ss file to write (created, or truncated if it exists)
    #[arg(long)]
    output: String,
    /// Only entries strictly later than this UTC time, e.g. 2024-01-01T00:00:00.0
    #[arg(long, value_parser = parse_timestamp)]
    since: Option<Timestamp>,
    /// Stop at the first entry later than this UTC time, e.g. 2024-01-02T00:00:00.0
    #[arg(long, value_parser = parse_timestamp)]
    until: Option<Timestamp>,
}

fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    PrimitiveDateTime::parse(s, TIMESTAMP_FORMAT)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|e| format!("`{s}` is not a timestamp like 2024-01-01T00:00:00.0 ({e})"))
}

/// The servers of a stream URL as text for messages: `redis://a:6379,redis://b:6379`.
fn servers(url: &StreamUrl) -> String {
    let nodes: Vec<&str> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| n.as_str())
        .collect();
    nodes.join(",")
}

#[tokio::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("redis-streams-dump: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let Args {
        stream,
        output,
        since,
        until,
    } = args;
    let servers = servers(&stream);

    let streamer = RedisStreamer::connect(stream.streamer(), RedisConnectOptions::default())
        .await
        .with_context(|| format!("connecting to {servers}"))?;
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let mut consumer = streamer
        .create_consumer(stream.stream_keys(), options)
        .await
        .context("creating the consumer")?;
    if let Some(since) = since {
        consumer.seek(since).await.context("seeking to --since")?;
    }

    let mut sink = MessageSink::new(
        FileId::new(output.as_str()),
        DEFAULT_BEACON_INTERVAL,
        DEFAULT_FILE_SIZE_LIMIT,
    )
    .await
    .with_context(|| format!("creating {output}"))?;

    let mut count: u64 = 0;
    let mut failure = None;
    loop {
        let message = match tokio::time::timeout(IDLE, consumer.next()).await {
            Err(_) => break,
            Ok(Err(e)) => {
                failure = Some(e);
                break;
            }
            Ok(Ok(message)) => message,
        };
        if until.is_some_and(|until| message.timestamp() > until) {
            break;
        }
        let owned = Message::to_owned(&message).to_owned_message();
        sink.write(owned).context("writing a message")?;
        count += 1;
    }
    sink.flush().await.context("flushing the file")?;
    log::info!("Written {count} messages to {output}");
    match failure {
        Some(e) => Err(e).with_context(|| {
            format!("reading from {servers} (the {count} messages before are in {output})")
        }),
        None => Ok(()),
    }
}
