//! `relay`: copy every message from one stream to another, across backends.
//!
//! ```sh
//! relay --input kafka://localhost:9092/orders --output stdio:///orders --offset start
//! ```
//!
//! The input may name several streams; the output must name exactly one. Which schemes
//! work depends on the `backend-*` features this binary was built with.

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use sea_streamer_socket::{
    Scheme, SeaConnectOptions, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamUrl, Streamer,
};
use std::str::FromStr;

/// Where the relay starts reading the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Offset {
    /// From the oldest message still stored.
    Start,
    /// From the next message produced.
    End,
}

impl FromStr for Offset {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "start" => Ok(Self::Start),
            "end" => Ok(Self::End),
            _ => Err("unknown Offset"),
        }
    }
}

#[derive(Debug, Parser)]
#[command(about = "Relay messages from one sea-streamer stream to another")]
struct Args {
    /// Source stream URL, e.g. kafka://localhost:9092/stream_key
    #[arg(long)]
    input: StreamUrl,
    /// Sink stream URL with exactly one stream key, e.g. stdio:///stream_key
    /// (a file:// sink is created if missing)
    #[arg(long)]
    output: StreamUrl,
    /// Where to start reading the input: `start` or `end`
    #[arg(long, default_value = "end")]
    offset: Offset,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args {
        input,
        output,
        offset,
    } = Args::parse();

    let input_scheme = input
        .streamer_ref()
        .protocol()
        .and_then(Scheme::from_protocol);
    if input == output && input_scheme != Some(Scheme::Stdio) {
        bail!("input == output !!!");
    }
    let output_key = output.stream_key().context("--output")?;

    let source = SeaStreamer::connect(input.streamer(), SeaConnectOptions::default())
        .await
        .context("connecting to the input")?;
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(match offset {
        Offset::Start => SeaStreamReset::Earliest,
        Offset::End => SeaStreamReset::Latest,
    });
    let consumer = source
        .create_consumer(input.stream_keys(), options)
        .await
        .context("creating the consumer")?;

    #[allow(unused_mut)] // only changed when the file backend is compiled in
    let mut sink_options = SeaConnectOptions::default();
    #[cfg(feature = "backend-file")]
    sink_options.set_file_connect_options(|o| {
        o.set_create_if_not_exists(true);
    });
    let sink = SeaStreamer::connect(output.streamer(), sink_options)
        .await
        .context("connecting to the output")?;
    let producer = sink
        .create_producer(output_key, Default::default())
        .await
        .context("creating the producer")?;

    loop {
        let message = consumer
            .next()
            .await
            .map_err(|e| anyhow!("reading the input: {e}"))?;
        log::debug!(
            "relaying {} / {} / {}",
            message.stream_key(),
            message.shard_id(),
            message.sequence()
        );
        // The receipt is not awaited: dropping it does not cancel the send.
        let _receipt = producer
            .send(message.message())
            .map_err(|e| anyhow!("writing the output: {e}"))?;
    }
}
