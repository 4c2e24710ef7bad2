//! What the programs built on the processor runner (`sea-streamer-processor`) share:
//! graceful shutdown on SIGINT / SIGTERM, the runner's command-line options, and the end of
//! a finite input (stdin, a `file://` stream) as a normal end ([`FiniteInput`]).
//!
//! On a signal the runner stops fetching, lets the messages in flight finish within
//! `--shutdown-deadline`, flushes the producers and commits what was processed; a second
//! signal is not needed (and not waited for).

use crate::cli::parse_duration;
use crate::endpoint::is_end_of_stream;
use sea_streamer::file::{FileConsumer, FileErr};
use sea_streamer::kafka::KafkaConsumer;
use sea_streamer::nats::NatsConsumer;
use sea_streamer::redis::RedisConsumer;
use sea_streamer::stdio::{stdin_closed, StdioConsumer};
use sea_streamer::{Acknowledge, Backend, SeaConsumer, SeaStreamerBackend, StreamErr};
use sea_streamer_processor::{Handler, Processor, ProcessorOptions};
use std::time::Duration;

/// A future that resolves on the first SIGINT (Ctrl-C) or SIGTERM (on non-unix systems:
/// Ctrl-C). The handlers are installed by this call, before the future is polled: call it
/// first thing in `main`, so that a signal arriving while the program connects is not
/// fatal.
///
/// If the handlers cannot be installed the future never resolves (a signal then stops the
/// program as its default action would), and the reason is logged.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let handlers =
            signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
        async move {
            match handlers {
                Ok((mut interrupt, mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => log::info!("SIGINT: shutting down"),
                        _ = terminate.recv() => log::info!("SIGTERM: shutting down"),
                    }
                }
                Err(e) => {
                    log::error!("cannot watch for signals: {e}");
                    std::future::pending::<()>().await
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            match tokio::signal::ctrl_c().await {
                Ok(()) => log::info!("Ctrl-C: shutting down"),
                Err(e) => {
                    log::error!("cannot watch for Ctrl-C: {e}");
                    std::future::pending::<()>().await
                }
            }
        }
    }
}

/// The runner's options on the command line (flatten into a program's arguments with
/// `#[command(flatten)]`).
#[derive(Debug, Clone, clap::Args)]
pub struct RunnerArgs {
    /// Messages handled at the same time (those of one stream and shard one after the other)
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Attempts per message before it goes to the dead-letter stream (or stops the program)
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,
    /// On SIGINT/SIGTERM, how long the messages in flight may take to finish
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub shutdown_deadline: Duration,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    pub count: Option<u64>,
    /// The `backend` and `group` labels of the runner's metrics (set by the program from
    /// its input, see `Processor::metrics_labels`)
    #[arg(skip)]
    pub metrics_labels: Option<(&'static str, Option<String>)>,
}

impl Default for RunnerArgs {
    fn default() -> Self {
        Self {
            concurrency: 1,
            max_attempts: 5,
            shutdown_deadline: Duration::from_secs(10),
            count: None,
            metrics_labels: None,
        }
    }
}

impl RunnerArgs {
    /// The processor options these arguments ask for (back-off from 50 ms to 5 s, commits
    /// at most every 200 ms).
    pub fn options(&self) -> ProcessorOptions {
        let mut options = ProcessorOptions::default();
        options
            .set_concurrency(self.concurrency)
            .set_max_in_flight(self.concurrency.max(256))
            .set_max_attempts(self.max_attempts)
            .set_backoff(Duration::from_millis(50), Duration::from_secs(5))
            .set_commit_interval(Duration::from_millis(200))
            .set_shutdown_deadline(self.shutdown_deadline)
            .set_max_messages(self.count);
        options
    }
}

impl RunnerArgs {
    /// `processor` with the metrics labels of [`RunnerArgs::metrics_labels`], if set.
    pub fn label<'c, C: Acknowledge, H: Handler>(
        &self,
        processor: Processor<'c, C, H>,
    ) -> Processor<'c, C, H> {
        match &self.metrics_labels {
            Some((backend, group)) => processor.metrics_labels(backend, group.as_deref()),
            None => processor,
        }
    }
}

/// How a backend's input ends, for the runner: a `stdio://` input at the end of stdin (once
/// the lines read are taken), a `file://` input at its end-of-stream mark; Redis and Kafka
/// streams have no end. At the end the runner finishes every message in flight, commits,
/// flushes and returns `Ok` (see `Processor`).
pub trait FiniteInput: Acknowledge + Sized {
    /// `processor` (of this consumer) told how this input ends.
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H>;
}

impl FiniteInput for StdioConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        processor.end_of_input(stdin_closed())
    }
}

impl FiniteInput for FileConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        processor.end_on_error(|e| matches!(e, StreamErr::Backend(FileErr::StreamEnded)))
    }
}

impl FiniteInput for RedisConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        processor
    }
}

impl FiniteInput for SeaConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        let processor = processor.end_on_error(is_end_of_stream);
        match self.backend() {
            Backend::Stdio => processor.end_of_input(stdin_closed()),
            _ => processor,
        }
    }
}

impl FiniteInput for KafkaConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        processor
    }
}

impl FiniteInput for NatsConsumer {
    fn ends<'c, H: Handler>(&self, processor: Processor<'c, Self, H>) -> Processor<'c, Self, H> {
        processor
    }
}

/// Runs `$body` with `$c` bound to the backend consumer inside a `SeaConsumer` that
/// implements `Acknowledge`. (Interim, until `SeaConsumer` implements it itself.)
#[macro_export]
macro_rules! with_ack_consumer {
    ($consumer:expr, |$c:ident| $body:expr) => {{
        use sea_streamer::SeaStreamerBackend as _;
        let consumer: &mut sea_streamer::SeaConsumer = &mut $consumer;
        if let Some($c) = consumer.get_kafka() {
            let $c = &*$c;
            $body
        } else if let Some($c) = consumer.get_stdio() {
            let $c = &*$c;
            $body
        } else if let Some($c) = consumer.get_redis() {
            let $c = &*$c;
            $body
        } else if let Some($c) = consumer.get_file() {
            let $c = &*$c;
            $body
        } else if let Some($c) = consumer.get_nats() {
            let $c = &*$c;
            $body
        } else {
            unreachable!("SeaConsumer has five backends")
        }
    }};
}
