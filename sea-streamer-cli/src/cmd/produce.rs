//! `sea produce URL`: send the lines of stdin (or `--payload`) to a stream.
//!
//! Each line is one message, without its line break. A line may start with a meta in the
//! stdio format, `[timestamp | key | seq | shard] payload` ([`crate::meta`]): the key sends
//! it to that stream instead of the URL's, the timestamp is kept where the output can keep
//! it ([`crate::send`]), the shard picks a Kafka partition, and the sequence is ignored
//! (backends number messages themselves). `--raw` sends lines as they are.
//!
//! At most `--max-in-flight` messages are awaiting their receipt; the command exits 0 at
//! the end of input once every receipt succeeded, and 1 at the first failed one.

use crate::{
    connect::{scheme, show, single_key, BackendArgs},
    meta,
    progress::{rate, summary, Progress},
    send::{Sender, Sent},
    window::Window,
};
use anyhow::Result;
use sea_streamer_types::StreamUrl;
use std::{
    io::{BufRead, IsTerminal},
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// Send lines of stdin (or a fixed payload) to a stream.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  printf 'a\\nb\\n' | sea produce redis://localhost/orders\n  sea produce kafka://localhost:9092/t --payload ping --count 10 --interval 100ms\n  echo '[orders2] x' | sea produce file:///tmp/data.ss/orders"
)]
pub struct Args {
    /// The stream to write, e.g. redis://localhost:6379/orders (a file:// stream is created
    /// if missing)
    #[arg(value_name = "URL", value_parser = crate::connect::parse_url)]
    url: StreamUrl,
    /// Send this payload instead of reading stdin (once, or --count times)
    #[arg(long)]
    payload: Option<String>,
    /// Send at most this many messages
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Wait this long between messages: an integer and ns, us, ms, s or m (e.g. 100ms)
    #[arg(long, value_name = "DURATION", value_parser = sea_streamer_types::parse_duration)]
    interval: Option<Duration>,
    /// Do not read a `[timestamp | key | seq | shard]` meta at the start of lines
    #[arg(long)]
    raw: bool,
    /// Most messages sent but not yet confirmed
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,
    #[command(flatten)]
    backend: BackendArgs,
}

/// Lines of stdin, read by a thread (so reading can be raced against receipts safely).
fn stdin_lines() -> mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(1024);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match stdin.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                    }
                    if tx.blocking_send(Ok(line)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    rx
}

/// Where messages come from.
enum Input {
    Payload {
        payload: Vec<u8>,
        left: u64,
    },
    Stdin {
        lines: mpsc::Receiver<std::io::Result<Vec<u8>>>,
        left: Option<u64>,
    },
}

impl Input {
    async fn next(&mut self) -> Result<Option<Vec<u8>>> {
        match self {
            Input::Payload { payload, left } => {
                if *left == 0 {
                    return Ok(None);
                }
                *left -= 1;
                Ok(Some(payload.clone()))
            }
            Input::Stdin { lines, left } => {
                if *left == Some(0) {
                    return Ok(None);
                }
                match lines.recv().await {
                    Some(Ok(line)) => {
                        if let Some(n) = left {
                            *n -= 1;
                        }
                        Ok(Some(line))
                    }
                    Some(Err(e)) => Err(anyhow::Error::new(e).context("reading stdin")),
                    None => Ok(None),
                }
            }
        }
    }
}

/// Runs `sea produce`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let key = single_key(&args.url, "the output")?;
    let scheme = scheme(&args.url)?;
    let streamer = args.backend.connect(&args.url, true).await?;
    let producer = args.backend.producer(&streamer, &args.url).await?;
    let mut sender = Sender::new(producer, scheme, &args.url);
    let mut input = match &args.payload {
        Some(p) => Input::Payload {
            payload: p.clone().into_bytes(),
            left: args.count.unwrap_or(1),
        },
        None => Input::Stdin {
            lines: stdin_lines(),
            left: args.count,
        },
    };
    let long_work = args.payload.is_some() || !std::io::stdin().is_terminal();
    let progress = Progress::new(quiet || !long_work, args.count, "producing");
    let mut window = Window::new(args.max_in_flight as usize);
    let mut shutdown = std::pin::pin!(crate::signal::shutdown());
    let (mut warned_ts, mut warned_seq) = (false, false);
    let (mut skipped, mut reading) = (0u64, true);
    let started = Instant::now();
    while reading || !window.is_empty() {
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
            line = input.next(), if reading && window.has_room() => {
                let Some(line) = line? else {
                    reading = false;
                    continue;
                };
                let (meta, payload) = if args.raw { (None, &line[..]) } else { meta::parse(&line) };
                let meta = meta.unwrap_or_default();
                if meta.timestamp.is_some() && !sender.keeps_timestamps() && !warned_ts {
                    warned_ts = true;
                    log::warn!("timestamps given in the input are not kept: the {} output stamps messages itself", scheme.name());
                }
                if meta.seq.is_some() && !warned_seq {
                    warned_seq = true;
                    log::warn!("sequence numbers given in the input are ignored: the {} output numbers messages itself", scheme.name());
                }
                let to = meta.key.as_ref().unwrap_or(&key);
                let ts = meta.timestamp.filter(|_| sender.keeps_timestamps());
                match sender.send(to, payload, ts, meta.shard)? {
                    Sent::Receipt(r) => window.push(r),
                    Sent::Skipped => skipped += 1,
                }
                if let Some(d) = args.interval {
                    tokio::time::sleep(d).await;
                }
            }
        }
    }
    sender.end().await?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    let mut line = format!(
        "produced {} messages to {} in {secs:.3} s ({:.0} msg/s)",
        window.confirmed,
        show(&args.url),
        rate(window.confirmed as f64, secs)
    );
    if skipped > 0 {
        line.push_str(&format!("; skipped {skipped} the output cannot print"));
    }
    summary(quiet, &line);
    Ok(())
}
