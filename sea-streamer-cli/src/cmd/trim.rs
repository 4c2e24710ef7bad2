//! `sea trim URL --maxlen N`: keep only the newest N entries of each stream key.
//!
//! Redis only: an exact `XTRIM key MAXLEN = N` (the Redis producer's `trim` is approximate,
//! `MAXLEN ~`, which may remove nothing from a small stream). Kafka topics are trimmed by
//! retention, files are append-only and stdio stores nothing: those backends get a
//! "not supported" error (exit 1).

use crate::{
    connect::{scheme, show, single_key},
    raw_redis::Raw,
    stdout::Out,
};
use anyhow::{bail, Context, Result};
use sea_streamer_socket::Scheme;
use sea_streamer_types::StreamUrl;

/// Trim a stream to its newest entries (Redis).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  sea trim redis://localhost/orders --maxlen 1000")]
pub struct Args {
    /// The stream(s) to trim, e.g. redis://localhost:6379/orders
    #[arg(value_name = "URL", value_parser = crate::connect::parse_url)]
    url: StreamUrl,
    /// How many of the newest entries to keep
    #[arg(long, value_name = "N")]
    maxlen: u64,
}

/// Runs `sea trim`.
pub async fn run(args: Args) -> Result<()> {
    let scheme = scheme(&args.url)?;
    if scheme != Scheme::Redis {
        bail!(
            "trim is not supported by {}: {}",
            scheme.name(),
            match scheme {
                Scheme::Kafka => "Kafka topics are trimmed by their retention settings",
                Scheme::File => ".ss files are append-only",
                Scheme::Nats => "JetStream streams are trimmed by their limits",
                _ => "a pipe stores nothing",
            }
        );
    }
    if args.url.stream_keys().is_empty() {
        single_key(&args.url, "the stream")?;
    }
    let mut raw = Raw::connect(&args.url).await?;
    let mut text = String::new();
    for key in args.url.stream_keys() {
        let removed = raw
            .xtrim(key, args.maxlen)
            .await
            .with_context(|| format!("trimming {key} on {}", show(&args.url)))?;
        let left = raw.xlen(key.name()).await?;
        text.push_str(&format!("{key}: removed {removed} entries, {left} left\n"));
    }
    let mut out = Out::new();
    out.write(text.as_bytes())?;
    out.flush()
}
