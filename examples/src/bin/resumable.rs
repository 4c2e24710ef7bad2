//! `resumable`: a consumer group member that commits its progress and resumes after a restart.
//!
//! ```sh
//! tick-producer --output file://./clock.ss/tick --count 10 --interval 10ms
//! resumable --input file://./clock.ss/tick --group demo --count 4   # ticks 0..3
//! resumable --input file://./clock.ss/tick --group demo --count 4   # ticks 4..7
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Buffer, Message, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, print_line, show, StartFrom},
    resume::{open_resumable, run_resumable},
};

/// Consume a stream as a member of a consumer group, print each message and commit the
/// progress, so that the next run of the same group continues where this one stopped.
///
/// Backends: file:// (position stored in a file beside the .ss file), redis:// (XACK),
/// kafka:// (committed offsets) and nats:// (acks to a durable JetStream consumer). stdio://
/// cannot be resumed.
#[derive(Debug, Parser)]
#[command(name = "resumable", version)]
struct Args {
    /// Stream(s) to read, e.g. file://./clock.ss/tick or redis://localhost:6379/tick
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Consumer group whose progress is committed
    #[arg(long)]
    group: String,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Commit after this many messages (and always before exiting)
    #[arg(long, default_value_t = 1)]
    commit_every: usize,
    /// Where a group without commits starts
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("resumable", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (_streamer, mut consumer) = open_resumable(&args.input, &args.group, args.from)
        .await
        .with_context(|| format!("opening the input {}", show(&args.input)))?;
    let mut stdout = std::io::stdout().lock();
    let handled = run_resumable(&mut consumer, args.count, args.commit_every, |message| {
        let line = format!(
            "[{} | {}] {}",
            message.stream_key(),
            message.sequence(),
            message.message().as_str()?
        );
        print_line(&mut stdout, &line)
    })
    .await?;
    eprintln!("resumable: handled and committed {handled} message(s)");
    Ok(())
}
