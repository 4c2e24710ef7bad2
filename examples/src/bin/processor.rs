//! `processor`: input stream -> transform -> output stream.
//!
//! ```sh
//! processor --input file://./clock.ss/tick --output file://./processed.ss/processed
//! tick-producer --output stdio:///tick --count 3 --interval 10ms \
//!   | processor --input stdio:///tick --output stdio:///processed --count 3 \
//!   | print-consumer --input stdio:///processed --count 3
//! ```

use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::StartFrom,
    endpoint::{open_consumer, open_producer},
    transform::run_processor,
};

/// Consume a stream, transform each message and produce the result to another stream.
///
/// A JSON object gets "processed": true added; anything else is wrapped as
/// {"processed":true,"value":...}. Stops after --count messages, or when a file:// input
/// has ended (then the output ends too); otherwise runs until interrupted.
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
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start reading the input
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let args = Args::parse();
    let is_stdio = args.input.streamer().protocol() == Some("stdio");
    if args.input == args.output && !is_stdio {
        anyhow::bail!(
            "the input and the output are the same stream: the processor would feed itself"
        );
    }
    let (_input, consumer) = open_consumer(&args.input, args.from).await?;
    let (_output, producer) = open_producer(&args.output).await?;
    let processed = run_processor(&consumer, &producer, args.count).await?;
    producer.end().await?;
    eprintln!("processor: processed {processed} message(s)");
    Ok(())
}
