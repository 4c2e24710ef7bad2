//! `clock`: sends `{ "tick": N }` to a stdio stream every interval, forever.
//!
//! ```sh
//! clock --stream clock --interval 1s
//! # [2023-02-24T08:13:10 | clock | 0] { "tick": 0 }
//! ```

use anyhow::Result;
use clap::Parser;
use sea_streamer_stdio::StdioStreamer;
use sea_streamer_types::{Producer, StreamKey, Streamer, StreamerUri};
use std::time::Duration;

/// Prints `[timestamp | STREAM | N] { "tick": N }` lines to stdout, N = 0, 1, 2, ...,
/// one every INTERVAL, until stdout is closed or the process is stopped.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream key of the ticks ([A-Za-z0-9._-], at most 249 characters)
    #[arg(long, value_name = "STREAM_KEY")]
    stream: StreamKey,
    /// Time between two ticks: an integer with a unit, one of `ns`, `us`, `ms`, `s` or
    /// `m` (minutes); e.g. `500ms`, `1s`, `2m`
    #[arg(long, value_parser = parse_duration)]
    interval: Duration,
}

/// Builds a duration from a count of some unit (`None` on overflow).
type MakeDuration = fn(u64) -> Option<Duration>;

/// Parses `<integer><unit>` with unit `ns`, `us`, `ms`, `s` or `m` (minutes).
fn parse_duration(src: &str) -> Result<Duration, String> {
    let error = || format!("Failed to parse {src} as Duration");
    let units: [(&str, MakeDuration); 5] = [
        ("ns", |n| Some(Duration::from_nanos(n))),
        ("us", |n| Some(Duration::from_micros(n))),
        ("ms", |n| Some(Duration::from_millis(n))),
        ("s", |n| Some(Duration::from_secs(n))),
        ("m", |n| n.checked_mul(60).map(Duration::from_secs)),
    ];
    for (suffix, make) in units {
        if let Some(number) = src.strip_suffix(suffix) {
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error());
            }
            let n: u64 = number.parse().map_err(|_| error())?;
            return make(n).ok_or_else(error);
        }
    }
    Err(error())
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { stream, interval } = Args::parse();
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer.create_producer(stream, Default::default()).await?;
    for tick in 0u64.. {
        // Awaiting the receipt ends the clock with an error once stdout is closed.
        producer.send(format!(r#"{{ "tick": {tick} }}"#))?.await?;
        sea_streamer_runtime::sleep(interval).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10ns"), Ok(Duration::from_nanos(10)));
        assert_eq!(parse_duration("7us"), Ok(Duration::from_micros(7)));
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        for bad in [
            "",
            "1",
            "s",
            "1h",
            "1.5s",
            "-1s",
            "+1s",
            " 1s",
            "1 s",
            "99999999999999999999s",
        ] {
            assert_eq!(
                parse_duration(bad),
                Err(format!("Failed to parse {bad} as Duration"))
            );
        }
    }

    #[test]
    fn cli() {
        Args::command().debug_assert();
        let args = Args::try_parse_from(["clock", "--stream", "c", "--interval", "1s"]).unwrap();
        assert_eq!(args.stream.name(), "c");
        assert!(Args::try_parse_from(["clock", "--stream", "a b", "--interval", "1s"]).is_err());
    }

    use clap::CommandFactory;
}
