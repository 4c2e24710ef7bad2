//! `print-consumer`: prints the messages of one or more streams.
//!
//! ```sh
//! print-consumer --input file://./clock.ss/tick
//! print-consumer --input redis://127.0.0.1:6379/tick --count 10
//! ```

use anyhow::Context;
use clap::Parser;
use sea_streamer::{Buffer, Message, StreamUrl};
use sea_streamer_examples::{
    cli::{exit, init_logger, print_line, show, StartFrom},
    endpoint::{next_or_end, open_consumer, Limit},
    spread::format_timestamp,
};

/// Print the messages of one or more streams as `[timestamp | stream | sequence] payload`.
///
/// Stops after --count messages, when a file:// stream has ended or at the end of stdin for
/// stdio://; otherwise runs until interrupted. A closed stdout (`print-consumer ... | head -3`)
/// ends it quietly.
#[derive(Debug, Parser)]
#[command(name = "print-consumer", version)]
struct Args {
    /// Streams to read (one or more comma-separated keys), e.g. file://./clock.ss/tick,
    /// redis://localhost:6379/a,b or stdio:///tick
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start: the first stored message or only new ones
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logger();
    let args = Args::parse();
    exit("print-consumer", run(args).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (_streamer, consumer) = open_consumer(&args.input, args.from)
        .await
        .with_context(|| format!("opening the input {}", show(&args.input)))?;
    let mut stdout = std::io::stdout().lock();
    let mut limit = Limit::new(args.count);
    while !limit.reached() {
        let Some(message) = next_or_end(&consumer).await? else {
            break;
        };
        let payload = message.message();
        let line = format!(
            "[{} | {} | {}] {}",
            format_timestamp(&message.timestamp()),
            message.stream_key(),
            message.sequence(),
            payload.as_str().unwrap_or("<binary>")
        );
        print_line(&mut stdout, &line)?;
        limit.add(1);
    }
    eprintln!("print-consumer: received {} message(s)", limit.done());
    Ok(())
}
