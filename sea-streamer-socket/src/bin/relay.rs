//! `relay`: copy every message from one stream to another, across backends.
//!
//! ```sh
//! relay --input kafka://localhost:9092/orders --output stdio:///orders --offset start
//! ```
//!
//! The input may name several streams; the output must name exactly one. Which schemes
//! work depends on the `backend-*` features this binary was built with.
//!
//! Delivery: at most `--max-in-flight` messages (default 4096) are sent and not yet
//! confirmed; reading waits while the window is full. Every receipt is awaited, and the
//! first failed one stops the relay with exit status 1 and an error naming the output and
//! the cause. The relay ends normally (flushes the output, awaits every receipt, exits 0)
//! when a finite input ends (a `.ss` file's end-of-stream mark, the end of stdin) or on
//! Ctrl-C / SIGTERM. A payload the stdio output cannot print (not UTF-8, or with a line
//! break) is skipped with a warning and counted; the flow goes on. Warnings are shown unless
//! `RUST_LOG` says otherwise; the final count is logged at `info`.

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use futures::{future::LocalBoxFuture, stream::FuturesOrdered, FutureExt, Stream, StreamExt};
use sea_streamer_socket::{
    BackendErr, Scheme, SeaConnectOptions, SeaConsumerOptions, SeaMessage, SeaProducer,
    SeaProducerOptions, SeaStreamReset, SeaStreamer,
};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, Producer, StreamErr,
    StreamResult, StreamUrl, Streamer,
};
use std::{future::Future, pin::Pin, process::ExitCode, str::FromStr, time::Duration};

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
#[command(
    name = "relay",
    version,
    about = "Relay messages from one sea-streamer stream to another"
)]
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
    /// Most messages sent but not yet confirmed by the output; reading waits when reached
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,
    /// Give up (exit 1) when a message is not confirmed within this many milliseconds of
    /// being sent. For a kafka:// output this sets librdkafka's `message.timeout.ms`
    /// (its default is 300000); other outputs are timed by the relay. Default: no limit
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    send_timeout: Option<u64>,
}

/// A stream URL as text, for messages: `protocol://host1,host2/key1,key2`.
fn show(url: &StreamUrl) -> String {
    let nodes: Vec<&str> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| n.as_str())
        .collect();
    let keys: Vec<&str> = url.stream_keys().iter().map(|k| k.name()).collect();
    format!("{}/{}", nodes.join(","), keys.join(","))
}

/// The receipt of one relayed message.
type Receipt = LocalBoxFuture<'static, StreamResult<MessageHeader, BackendErr>>;

/// What the relay has done so far.
#[derive(Debug, Default)]
struct Counts {
    /// Messages the output confirmed.
    relayed: u64,
    /// Messages skipped because the output cannot carry their payload.
    skipped: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    let input = show(&args.input);
    let output = show(&args.output);
    match relay(args).await {
        Ok(counts) => {
            log::info!(
                "relayed {} messages from {input} to {output}; skipped {}",
                counts.relayed,
                counts.skipped
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The whole chain of causes on one line; no backtrace for a user-facing error.
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn relay(args: Args) -> Result<Counts> {
    let Args {
        input,
        output,
        offset,
        max_in_flight,
        send_timeout,
    } = args;
    let max_in_flight = max_in_flight as usize;
    let send_timeout = send_timeout.map(Duration::from_millis);
    let scheme_of = |url: &StreamUrl| {
        url.streamer_ref()
            .protocol()
            .and_then(Scheme::from_protocol)
    };
    let input_scheme = scheme_of(&input);
    let output_scheme = scheme_of(&output);
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
    let mut consumer = source
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
    #[allow(unused_mut)] // only changed when the kafka backend is compiled in
    let mut producer_options = SeaProducerOptions::default();
    // Kafka times its own deliveries (and reports `MessageTimedOut`); others are timed here.
    #[allow(unused_mut)] // only changed when the kafka backend is compiled in
    let mut watchdog = send_timeout;
    #[cfg(feature = "backend-kafka")]
    if let (Some(ms), Some(Scheme::Kafka)) = (send_timeout, output_scheme) {
        producer_options.set_kafka_producer_options(|o| {
            o.add_custom_option("message.timeout.ms", ms.as_millis().to_string());
        });
        watchdog = None;
    }
    let producer = sink
        .create_producer(output_key, producer_options)
        .await
        .context("creating the producer")?;

    let input_ends = end_of_input(input_scheme);
    let shutdown = shutdown_signal();
    let output_name = show(&output);
    let stdio_output = output_scheme == Some(Scheme::Stdio);
    let relay = Relay {
        producer: &producer,
        output: &output_name,
        stdio_output,
        watchdog,
        in_flight: FuturesOrdered::new(),
        counts: Counts::default(),
    };
    let counts = relay
        .run(
            consumer.stream(),
            input_ends,
            shutdown,
            max_in_flight,
            &show(&input),
        )
        .await?;
    match producer.end().await {
        Err(e) if stdio_output && closed_stdout(&e) => log::debug!("stdout was closed"),
        result => result.map_err(|e| anyhow!("flushing the output {output_name}: {e}"))?,
    }
    Ok(counts)
}

/// The state of a running relay.
struct Relay<'a> {
    producer: &'a SeaProducer,
    output: &'a str,
    /// Whether the output is stdio (which refuses some payloads).
    stdio_output: bool,
    watchdog: Option<Duration>,
    in_flight: FuturesOrdered<Receipt>,
    counts: Counts,
}

impl Relay<'_> {
    /// Relays until the input ends or a signal comes, then awaits every receipt.
    async fn run<'m, S>(
        mut self,
        messages: S,
        input_ends: impl Future<Output = ()>,
        shutdown: impl Future<Output = ()>,
        max_in_flight: usize,
        input: &str,
    ) -> Result<Counts>
    where
        S: Stream<Item = StreamResult<SeaMessage<'m>, BackendErr>>,
    {
        let mut messages = std::pin::pin!(messages);
        let mut input_ends = std::pin::pin!(input_ends.fuse());
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        // The input has ended: take what it has queued without waiting, then stop reading.
        let mut draining = false;
        let mut reading = true;
        while reading || !self.in_flight.is_empty() {
            let room = self.in_flight.len() < max_in_flight;
            if reading && draining && room {
                match messages.next().now_or_never() {
                    Some(Some(item)) => reading = self.take(item, input)?,
                    _ => reading = false,
                }
                continue;
            }
            tokio::select! {
                biased;
                _ = &mut shutdown, if reading => {
                    log::warn!("signal received: stopping, flushing what was read");
                    reading = false;
                }
                Some(receipt) = self.in_flight.next(), if !self.in_flight.is_empty() => match receipt {
                    Ok(_) => self.counts.relayed += 1,
                    // The reader of stdout went away (`relay ... | head`): a normal end.
                    Err(e) if self.stdio_output && closed_stdout(&e) => {
                        log::debug!("stdout was closed after {} messages", self.counts.relayed);
                        return Ok(self.counts);
                    }
                    Err(e) => bail!("writing to the output {}: {e}", self.output),
                },
                _ = &mut input_ends, if reading && !draining => draining = true,
                item = messages.next(), if reading && !draining && room => match item {
                    Some(item) => reading = self.take(item, input)?,
                    None => reading = false,
                },
            }
        }
        Ok(self.counts)
    }

    /// Handles one item of the input; `Ok(false)` when the input has ended.
    fn take(
        &mut self,
        item: StreamResult<SeaMessage<'_>, BackendErr>,
        input: &str,
    ) -> Result<bool> {
        let message = match item {
            Ok(message) => message,
            Err(e) if is_end_of_input(&e) => {
                log::info!("the input {input} has ended: {e}");
                return Ok(false);
            }
            Err(e) => bail!("reading the input {input}: {e}"),
        };
        log::debug!(
            "relaying {} / {} / {}",
            message.stream_key(),
            message.shard_id(),
            message.sequence()
        );
        match self.producer.send(message.message()) {
            Ok(receipt) => {
                let receipt: Receipt = match self.watchdog {
                    Some(limit) => timed(receipt, limit).boxed_local(),
                    None => receipt.boxed_local(),
                };
                self.in_flight.push_back(receipt);
            }
            Err(e) if self.stdio_output && unprintable(&e) => {
                log::warn!(
                    "skipping message {} / {} / {}: the output {} cannot print it: {}",
                    message.stream_key(),
                    message.shard_id(),
                    message.sequence(),
                    self.output,
                    describe_unprintable(&e)
                );
                self.counts.skipped += 1;
            }
            Err(e) => bail!("writing to the output {}: {e}", self.output),
        }
        Ok(true)
    }
}

/// A receipt that fails if not confirmed within `limit`.
async fn timed<F>(receipt: F, limit: Duration) -> StreamResult<MessageHeader, BackendErr>
where
    F: Future<Output = StreamResult<MessageHeader, BackendErr>>,
{
    tokio::time::timeout(limit, receipt)
        .await
        .unwrap_or_else(|_| {
            Err(StreamErr::Runtime(
                format!(
                    "no receipt within {} ms (--send-timeout)",
                    limit.as_millis()
                )
                .into(),
            ))
        })
}

/// Whether a read error is the normal end of a finite input (a file's end-of-stream mark).
fn is_end_of_input(e: &StreamErr<BackendErr>) -> bool {
    match e {
        #[cfg(feature = "backend-file")]
        StreamErr::Backend(BackendErr::File(sea_streamer_file::FileErr::StreamEnded)) => true,
        _ => false,
    }
}

/// Whether a send error means the stdio output cannot print this payload.
fn unprintable(e: &StreamErr<BackendErr>) -> bool {
    match e {
        StreamErr::Utf8Error(_) => true,
        #[cfg(feature = "backend-stdio")]
        StreamErr::Backend(BackendErr::Stdio(sea_streamer_stdio::StdioErr::IoError(e))) => {
            e.kind() == std::io::ErrorKind::InvalidInput
        }
        _ => false,
    }
}

/// Whether a receipt's error means that stdout was closed by its reader.
fn closed_stdout(e: &StreamErr<BackendErr>) -> bool {
    match e {
        #[cfg(feature = "backend-stdio")]
        StreamErr::Backend(BackendErr::Stdio(sea_streamer_stdio::StdioErr::IoError(e))) => {
            e.kind() == std::io::ErrorKind::BrokenPipe
        }
        _ => false,
    }
}

/// Why a payload is unprintable, in words.
fn describe_unprintable(e: &StreamErr<BackendErr>) -> String {
    match e {
        StreamErr::Utf8Error(e) => format!("the payload is not UTF-8 ({e})"),
        other => other.to_string(),
    }
}

/// Resolves when the input can give no more than it has already queued: the end of stdin
/// for a stdio input; never for the others (which end through their own errors).
fn end_of_input(scheme: Option<Scheme>) -> Pin<Box<dyn Future<Output = ()>>> {
    match scheme {
        #[cfg(feature = "backend-stdio")]
        Some(Scheme::Stdio) => Box::pin(sea_streamer_stdio::stdin_closed()),
        _ => Box::pin(std::future::pending()),
    }
}

/// Resolves on Ctrl-C, or SIGTERM on unix. If the handlers cannot be installed, a warning
/// is logged and it never resolves.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    r = tokio::signal::ctrl_c() => if let Err(e) = r {
                        log::warn!("cannot listen for Ctrl-C: {e}");
                        std::future::pending::<()>().await;
                    },
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                log::warn!("cannot listen for SIGTERM: {e}");
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    if let Err(e) = tokio::signal::ctrl_c().await {
        log::warn!("cannot listen for Ctrl-C: {e}");
        std::future::pending::<()>().await;
    }
}
