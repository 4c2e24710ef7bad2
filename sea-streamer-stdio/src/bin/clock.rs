//! `clock`: sends `{ "tick": N }` to a stdio stream every interval, forever.
//!
//! ```sh
//! clock --stream clock --interval 1s
//! # [2023-02-24T08:13:10 | clock | 0] { "tick": 0 }
//! ```

#[path = "common/exit.rs"]
mod exit;

use anyhow::Result;
use clap::Parser;
use sea_streamer_stdio::StdioStreamer;
use sea_streamer_types::{parse_duration, Producer, StreamKey, Streamer, StreamerUri};
use std::{process::ExitCode, time::Duration};

/// Prints `[timestamp | STREAM | N] { "tick": N }` lines to stdout, N = 0, 1, 2, ...,
/// one every INTERVAL, until stdout is closed (a normal end: exit 0) or the process is
/// stopped.
#[derive(Debug, Parser)]
#[command(name = "clock", version)]
struct Args {
    /// Stream key of the ticks ([A-Za-z0-9._-], at most 249 characters)
    #[arg(long, value_name = "STREAM_KEY")]
    stream: StreamKey,
    /// Time between two ticks: an integer with a unit, one of `ns`, `us`, `ms`, `s` or
    /// `m` (minutes); e.g. `500ms`, `1s`, `2m`
    #[arg(long, value_parser = parse_duration)]
    interval: Duration,
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("clock", run(args).await)
}

async fn run(Args { stream, interval }: Args) -> Result<()> {
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer.create_producer(stream, Default::default()).await?;
    for tick in 0u64.. {
        // Awaiting the receipt ends the clock once stdout is closed.
        producer.send(format!(r#"{{ "tick": {tick} }}"#))?.await?;
        sea_streamer_runtime::sleep(interval).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli() {
        Args::command().debug_assert();
        let args = Args::try_parse_from(["clock", "--stream", "c", "--interval", "100us"]).unwrap();
        assert_eq!(args.stream.name(), "c");
        assert_eq!(args.interval, Duration::from_micros(100));
        assert!(Args::try_parse_from(["clock", "--stream", "a b", "--interval", "1s"]).is_err());
        assert!(Args::try_parse_from(["clock", "--stream", "c", "--interval", "1h"]).is_err());
    }
}
