//! `processor`: input stream -> transform -> output stream, on the processor runner.
//!
//! ```sh
//! processor --input file://./clock.ss/tick --output file://./processed.ss/processed
//! processor --input redis://localhost:6379/tick --output redis://localhost:6379/processed \
//!   --group upper --dead-letter redis://localhost:6379/processed-dead --concurrency 8
//! tick-producer --output stdio:///tick --count 3 --interval 10ms \
//!   | processor --input stdio:///tick --output stdio:///processed --count 3 \
//!   | print-consumer --input stdio:///processed --count 3
//! ```

use clap::Parser;
use sea_streamer::{Producer, SeaStreamerBackend, StreamUrl, Streamer};
use sea_streamer_examples::{
    cli::{parse_duration, ProducerArgs, StartFrom},
    endpoint::{connect, open_consumer, open_producer_with},
    resume::resumable_options,
    runner::{shutdown_signal, RunnerArgs},
    transform::{run_processor, Outputs},
};
use std::time::Duration;

/// Consume a stream, transform each message and produce the result to another stream.
///
/// A JSON object gets "processed": true added; anything else is wrapped as
/// {"processed":true,"value":...}. A message is acknowledged once its output is delivered;
/// with --group the acknowledged messages are committed for the group, and a restarted
/// processor continues after them (at-least-once). Stops after --count messages, at the
/// end of a finite input (a stdio:// input at the end of stdin, a file:// input at its end
/// mark; the messages read are all finished, and a file:// output is ended too), or on
/// SIGINT/SIGTERM: then it stops reading, finishes the messages in flight (within
/// --shutdown-deadline), flushes and commits.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream(s) to read, e.g. file://./clock.ss/tick or redis://localhost:6379/tick
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stream to write (one key), e.g. file://./processed.ss/processed.
    /// Use another file than the input's: a .ss file has one writer process at a time
    #[arg(long, value_name = "URL")]
    output: StreamUrl,
    /// Read as a member of this consumer group, committing what is processed (file, Redis,
    /// Kafka); without it, read everything from --from and commit nothing
    #[arg(long)]
    group: Option<String>,
    /// Stream (one key) for messages that fail their last attempt; without it such a
    /// message stops the processor
    #[arg(long, value_name = "URL")]
    dead_letter: Option<StreamUrl>,
    /// Where to start reading the input (with --group: when the group has no commit yet)
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
    /// kafka:// with --group only: the group session timeout (librdkafka's
    /// `session.timeout.ms`). After a crash the group waits this long for the dead member
    /// before its partitions go to the restarted one
    #[arg(long, value_name = "DURATION", default_value = "6s", value_parser = parse_duration)]
    kafka_session_timeout: Duration,
    #[command(flatten)]
    runner: RunnerArgs,
    #[command(flatten)]
    producer: ProducerArgs,
    #[command(flatten)]
    metrics: sea_streamer_examples::observe::MetricsArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let mut args = Args::parse();
    args.metrics.serve()?;
    args.runner.metrics_labels = Some((
        sea_streamer_examples::observe::backend_label(&args.input),
        args.group.clone(),
    ));
    let shutdown = shutdown_signal();
    // (tests wait for this line before they send a signal)
    eprintln!("processor: running, pid {}", std::process::id());
    let is_stdio = args.input.streamer().protocol() == Some("stdio");
    if args.input == args.output && !is_stdio {
        anyhow::bail!(
            "the input and the output are the same stream: the processor would feed itself"
        );
    }
    let (_input, mut consumer) = match &args.group {
        Some(group) => {
            let streamer = connect(&args.input).await?;
            let mut options = resumable_options(streamer.backend(), group, args.from)?;
            let session = args.kafka_session_timeout;
            options.set_kafka_consumer_options(|o| {
                o.set_session_timeout(session);
            });
            let consumer = streamer
                .create_consumer(args.input.stream_keys(), options)
                .await?;
            (streamer, consumer)
        }
        None => open_consumer(&args.input, args.from).await?,
    };
    let producer_options = args.producer.producer_options();
    let (_output, producer) = open_producer_with(&args.output, producer_options.clone()).await?;
    let dead_letter = match &args.dead_letter {
        Some(url) => {
            let (streamer, producer) = open_producer_with(url, producer_options).await?;
            Some((streamer, producer, url.stream_key()?))
        }
        None => None,
    };
    let outputs = Outputs {
        producer: producer.clone(),
        stream: args.output.stream_key()?,
        dead_letter: dead_letter.as_ref().map(|(_, p, k)| (p.clone(), k.clone())),
    };
    let summary = sea_streamer_examples::with_ack_consumer!(consumer, |c| {
        run_processor(c, &outputs, &args.runner, shutdown).await?
    });
    producer.end().await?;
    if let Some((_, producer, _)) = dead_letter {
        producer.end().await?;
    }
    eprintln!(
        "processor: processed {} message(s), {} dead-lettered, {} retried, {} abandoned",
        summary.processed, summary.dead_lettered, summary.retried, summary.abandoned
    );
    Ok(())
}
