//! `sea`: one command line for every sea-streamer backend, chosen by URI (`redis://`,
//! `kafka://`, `file://`, `stdio://`), in the manner of kcat.
//!
//! This file holds the command-line grammar, the dispatch to `cmd::*` and the mapping of
//! outcomes to exit codes: 0 success (also when the reader of stdout went away), 1 a runtime
//! error, 2 a usage error (clap's own errors and [`Usage`]). Errors are printed once, through
//! `Display` with their cause chain.

mod cmd;
mod connect;
mod end;
mod format;
mod from;
mod kafka_protocol;
mod meta;
mod observe;
mod progress;
mod raw_kafka;
mod raw_redis;
mod send;
mod signal;
mod source;
mod stdout;
mod tls;
mod window;

use clap::{Parser, Subcommand};
use std::{io::Write, process::ExitCode};

/// A usage error found after parsing (e.g. a URL without the stream key a command needs):
/// exit status 2, as clap's own errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// sea: produce, consume, relay and inspect streams on Redis, Kafka, stdio and .ss files.
///
/// A stream is named by a URL: redis://host:6379/key, kafka://host:9092/topic,
/// file:///path/to/data.ss/key, stdio:///key. Warnings are printed to stderr; RUST_LOG
/// (e.g. RUST_LOG=debug) overrides the default `warn` level. Exit status: 0 success,
/// 1 runtime error, 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "sea", version, propagate_version = true)]
pub struct Cli {
    /// No progress display and no summary line
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Serve the metrics of the streams this command reads and writes as Prometheus text
    /// on HOST:PORT (any path), e.g. 127.0.0.1:9000; `consume` and `relay` also measure
    /// their lag every second
    #[arg(long, global = true, value_name = "HOST:PORT")]
    metrics_addr: Option<std::net::SocketAddr>,
    /// Print the sea_streamer.* tracing events (e.g. those of --trace) to stderr, one JSON
    /// object per line
    #[arg(long, global = true)]
    trace_events: bool,
    /// Trust the CA certificates (PEM) in FILE for TLS: `rediss://` URLs, and Kafka (this
    /// also sets security.protocol=ssl; `-X security.protocol=SASL_SSL` overrides), and NATS
    /// (this also requires TLS). Needs the cargo features `redis-tls` / `kafka-ssl` / `nats`
    /// of sea-streamer-cli
    #[arg(long, global = true, value_name = "FILE")]
    tls_ca: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Produce(cmd::produce::Args),
    Consume(cmd::consume::Args),
    Relay(cmd::relay::Args),
    Decode(cmd::decode::Args),
    Verify(cmd::verify::Args),
    Info(cmd::info::Args),
    Trim(cmd::trim::Args),
    Bench(cmd::bench::Args),
    Completions(cmd::completions::Args),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp(None)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "sea: error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // Background tasks of the backends (readers of stdin, blocking lookups) must not hold
    // the process open once the command is done.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if stdout::is_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "sea: error: {e:#}");
            if e.chain().any(|c| c.is::<Usage>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    if let Some(path) = cli.tls_ca {
        tls::set_ca(path);
    }
    if cli.trace_events {
        observe::print_trace_events()?;
    }
    if let Some(addr) = cli.metrics_addr {
        observe::serve_metrics(addr)?;
    }
    match cli.command {
        Command::Produce(a) => cmd::produce::run(a, quiet).await,
        Command::Consume(a) => cmd::consume::run(a, quiet).await,
        Command::Relay(a) => cmd::relay::run(a, quiet).await,
        Command::Decode(a) => cmd::decode::run(a, quiet).await,
        Command::Verify(a) => cmd::verify::run(a, quiet),
        Command::Info(a) => cmd::info::run(a).await,
        Command::Trim(a) => cmd::trim::run(a).await,
        Command::Bench(a) => cmd::bench::run(a, quiet).await,
        Command::Completions(a) => cmd::completions::run(a),
    }
}
