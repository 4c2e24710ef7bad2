//! `sea relay IN OUT`: copy every message of one or more streams into one stream, across
//! backends.
//!
//! At most `--max-in-flight` messages await their receipt; the first failed receipt ends the
//! relay (exit 1). It ends normally (output flushed, every receipt awaited, exit 0) when a
//! finite input ends (end of stdin, a file's end-of-stream mark, or the end as `-e` defines
//! it), after `--count` messages, or on Ctrl-C / SIGTERM. Timestamps are re-stamped by the
//! output unless `--keep-timestamps` (Redis and Kafka outputs only).

use crate::{
    connect::{scheme, show, single_key, BackendArgs},
    progress::{rate, summary, Progress},
    send::{Sender, Sent},
    source::{ReadArgs, Source},
    window::Window,
    Usage,
};
use anyhow::{bail, Result};
use sea_streamer_socket::Scheme;
use sea_streamer_types::{Buffer, Message, StreamUrl};
use std::time::Instant;

/// Copy messages from one stream to another.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  sea relay file:///tmp/data.ss/orders redis://localhost/orders -e\n  sea relay kafka://localhost:9092/t stdio:///t --from end"
)]
pub struct Args {
    /// The input stream(s), e.g. kafka://localhost:9092/orders
    #[arg(value_name = "IN", value_parser = crate::connect::parse_url)]
    input: StreamUrl,
    /// The output stream (exactly one key), e.g. redis://localhost/orders (a file:// output
    /// is created if missing)
    #[arg(value_name = "OUT", value_parser = crate::connect::parse_url)]
    output: StreamUrl,
    #[command(flatten)]
    read: ReadArgs,
    /// Relay at most this many messages
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Give each message its input timestamp (Redis and Kafka outputs); by default the
    /// output stamps messages itself
    #[arg(long)]
    keep_timestamps: bool,
    /// Most messages sent but not yet confirmed
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,
    #[command(flatten)]
    backend: BackendArgs,
}

/// Runs `sea relay`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let out_key = single_key(&args.output, "the output")?;
    let out_scheme = scheme(&args.output)?;
    if args.input == args.output && out_scheme != Scheme::Stdio {
        bail!(Usage(format!(
            "the input and the output are the same stream {}",
            show(&args.input)
        )));
    }
    let mut source = Source::open(&args.input, &args.read, &args.backend, args.count).await?;
    let streamer = args.backend.connect(&args.output, true).await?;
    let producer = args.backend.producer(&streamer, &args.output).await?;
    let mut sender = Sender::new(producer, out_scheme, &args.output);
    if args.keep_timestamps && !sender.keeps_timestamps() {
        bail!(Usage(format!(
            "--keep-timestamps is not supported by the {} output {}: it stamps messages itself",
            out_scheme.name(),
            show(&args.output)
        )));
    }
    let progress = Progress::new(quiet, args.count, "relaying");
    let mut window = Window::new(args.max_in_flight as usize);
    let mut shutdown = std::pin::pin!(crate::signal::shutdown());
    let (mut read, mut skipped, mut reading) = (0u64, 0u64, true);
    let started = Instant::now();
    while reading || !window.is_empty() {
        if args.count.is_some_and(|c| read >= c) {
            reading = false;
        }
        tokio::select! {
            biased;
            _ = &mut shutdown, if reading => {
                log::warn!("signal received: stopping, awaiting what was sent");
                reading = false;
            }
            r = window.next(), if !window.is_empty() => {
                r?;
                progress.inc(1);
            }
            m = source.next(), if reading && window.has_room() => {
                let Some(m) = m? else {
                    reading = false;
                    continue;
                };
                read += 1;
                let ts = args.keep_timestamps.then(|| m.timestamp());
                match sender.send(&out_key, m.message().as_bytes(), ts, None)? {
                    Sent::Receipt(r) => window.push(r),
                    Sent::Skipped => skipped += 1,
                }
            }
        }
    }
    let name = sender.name().to_owned();
    sender.end().await?;
    source.finish().await?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    let mut line = format!(
        "relayed {} messages from {} to {name} in {secs:.3} s ({:.0} msg/s)",
        window.confirmed,
        show(&args.input),
        rate(window.confirmed as f64, secs)
    );
    if skipped > 0 {
        line.push_str(&format!("; skipped {skipped} the output cannot print"));
    }
    summary(quiet, &line);
    Ok(())
}
