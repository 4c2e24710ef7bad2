//! `sea bench URL`: produce N messages of S bytes, then consume them back from the start,
//! and print the throughput of each phase in msg/s and MB/s (10^6 bytes).
//!
//! Without a stream key in the URL a fresh key `sea-bench-<n>` is used; with one, use a key
//! that holds nothing yet (older messages would be read back first). The produce phase ends
//! when every receipt is in; the consume phase when N messages have been read.

use crate::{
    connect::{scheme, show, BackendArgs},
    from::From,
    progress::{rate, Progress},
    send::{Sender, Sent},
    source::{ReadArgs, Source},
    stdout::Out,
    window::Window,
    Usage,
};
use anyhow::{bail, Result};
use sea_streamer_socket::Scheme;
use sea_streamer_types::{StreamKey, StreamUrl};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Measure produce and consume throughput.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  sea bench redis://localhost --count 100000 --size 256")]
pub struct Args {
    /// A server (a fresh key is used) or a stream, e.g. redis://localhost or
    /// file:///tmp/bench.ss/b
    #[arg(value_name = "URL", value_parser = crate::connect::parse_url)]
    url: StreamUrl,
    /// How many messages
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Payload size in bytes
    #[arg(long, default_value_t = 100, value_name = "S")]
    size: usize,
    /// Most messages sent but not yet confirmed
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,
    #[command(flatten)]
    backend: BackendArgs,
}

/// Runs `sea bench`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let scheme = scheme(&args.url)?;
    if scheme == Scheme::Stdio {
        bail!(Usage(
            "bench needs a backend that stores messages (redis, kafka, file), not stdio".into()
        ));
    }
    let url = with_key(&args.url)?;
    let key = url.stream_key()?;
    let n = args.count;

    // Produce.
    let streamer = args.backend.connect(&url, true).await?;
    let producer = args.backend.producer(&streamer, &url).await?;
    let mut sender = Sender::new(producer, scheme, &url);
    let payload = vec![b'x'; args.size];
    let progress = Progress::new(quiet, Some(n), "producing");
    let mut window = Window::new(args.max_in_flight as usize);
    let started = Instant::now();
    let mut sent = 0;
    while sent < n || !window.is_empty() {
        if sent < n && window.has_room() {
            if let Sent::Receipt(r) = sender.send(&key, &payload, None, None)? {
                window.push(r);
            }
            sent += 1;
        } else {
            window.next().await?;
            progress.inc(1);
        }
    }
    sender.end().await?;
    let produce_secs = started.elapsed().as_secs_f64();
    progress.finish();

    // Consume.
    let read = ReadArgs {
        from: From::Start,
        exit_at_end: false,
        group: None,
        foreign_as_json: false,
    };
    let progress = Progress::new(quiet, Some(n), "consuming");
    let started = Instant::now();
    let mut source = Source::open(&url, &read, &args.backend, Some(n)).await?;
    let mut got = 0;
    while got < n {
        match source.next().await? {
            Some(_) => {
                got += 1;
                progress.inc(1);
            }
            None => break,
        }
    }
    let consume_secs = started.elapsed().as_secs_f64();
    progress.finish();
    if got < n {
        bail!(
            "only {got} of the {n} messages produced to {} were read back",
            show(&url)
        );
    }
    let bytes = (n as f64) * (args.size as f64);
    let line = |what: &str, secs: f64| {
        format!(
            "{what}: {n} messages of {} bytes in {secs:.3} s: {:.0} msg/s, {:.2} MB/s\n",
            args.size,
            rate(n as f64, secs),
            rate(bytes, secs) / 1e6
        )
    };
    let text = format!(
        "{}{}{}",
        format_args!("bench on {}\n", show(&url)),
        line("produce", produce_secs),
        line("consume", consume_secs)
    );
    let mut out = Out::new();
    out.write(text.as_bytes())?;
    out.flush()
}

/// `url` with a fresh stream key if it names none.
fn with_key(url: &StreamUrl) -> Result<StreamUrl> {
    if !url.stream_keys().is_empty() {
        crate::connect::single_key(url, "the stream")?;
        return Ok(url.clone());
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = StreamKey::new(format!("sea-bench-{nanos}"))?;
    let text = format!("{}/{}", show(url).trim_end_matches('/'), key.name());
    Ok(text.parse()?)
}
