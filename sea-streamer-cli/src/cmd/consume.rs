//! `sea consume URL`: print the messages of one or more streams.

use crate::{
    connect::{show, BackendArgs},
    format::Format,
    progress::summary,
    source::{ReadArgs, Source},
    stdout::Out,
};
use anyhow::Result;
use sea_streamer_types::StreamUrl;

const AFTER_HELP: &str = "\
Formats:
  log       [timestamp | key | seq | shard] payload   (the stdio input grammar)
  ndjson    {\"key\",\"shard\",\"seq\",\"timestamp\",\"payload\"} per line; a payload that is not
            UTF-8 is given as \"payload_base64\" instead of \"payload\"
  raw       the payload bytes, then a line break
  TEMPLATE  text with {key} {shard} {seq} {timestamp} {payload}, e.g. '{seq}: {payload}'

What --exit-at-end calls the end:
  file      the end of the file's data (or its end-of-stream mark) when reading starts
  stdio     the end of stdin (stdio input always ends there)
  redis     the last entry of each stream key when the command starts
  kafka     the high watermark of each partition when the command starts

Examples:
  sea consume redis://localhost/orders --from start -e --format ndjson | jq .
  sea consume kafka://localhost:9092/t --from 2024-05-01T00:00:00Z --count 10
  sea consume file:///tmp/data.ss/orders --group audit -e";

/// Print the messages of a stream.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The stream(s) to read, e.g. redis://localhost:6379/orders or kafka://host:9092/a,b
    #[arg(value_name = "URL", value_parser = crate::connect::parse_url)]
    url: StreamUrl,
    #[command(flatten)]
    read: ReadArgs,
    /// Stop after this many messages
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Output format: log, ndjson, raw or a template such as '{key} {payload}'
    #[arg(long, default_value = "log", value_name = "FORMAT")]
    format: Format,
    #[command(flatten)]
    backend: BackendArgs,
}

/// Runs `sea consume`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let mut source = Source::open(&args.url, &args.read, &args.backend, args.count).await?;
    let mut out = Out::new();
    let mut line = Vec::new();
    let mut n = 0u64;
    let mut shutdown = std::pin::pin!(crate::signal::shutdown());
    while args.count.is_none_or(|c| n < c) {
        let next = tokio::select! {
            _ = &mut shutdown => break,
            m = source.next() => m?,
        };
        let Some(message) = next else { break };
        line.clear();
        args.format.render(&message, &mut line);
        out.write(&line)?;
        out.flush()?;
        n += 1;
    }
    out.flush()?;
    source.finish().await?;
    summary(
        quiet,
        &format!("consumed {n} messages from {}", show(&args.url)),
    );
    Ok(())
}
