//! Command-line value types shared by the example programs, and how each of them starts
//! (logging) and ends (exit status, a closed stdout).

use std::time::Duration;

/// Where a consumer starts when it has no committed position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StartFrom {
    /// From the first message still stored in the stream.
    #[default]
    Earliest,
    /// Only messages produced after the consumer started.
    Latest,
}

/// Producer settings shared by the example programs that produce (flatten into their
/// arguments with `#[command(flatten)]`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProducerArgs {
    /// kafka:// only: give up on a message the broker has not acknowledged after this long
    /// (librdkafka's `message.timeout.ms`; default 300s, so a dead broker is reported only
    /// after about five minutes). An integer with ms, s or m, e.g. 10s
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub kafka_message_timeout: Option<Duration>,
    /// kafka:// only: how long the producer waits to fill a batch (librdkafka's `linger.ms`,
    /// default 5ms). A processor that waits for each output's receipt before the next
    /// message of the same partition goes faster with 0ms
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub kafka_linger: Option<Duration>,
}

impl ProducerArgs {
    /// The producer options these arguments ask for.
    pub fn producer_options(&self) -> sea_streamer::SeaProducerOptions {
        let mut options = sea_streamer::SeaProducerOptions::default();
        if let Some(timeout) = self.kafka_message_timeout {
            let ms = timeout.as_millis().max(1).to_string();
            options.set_kafka_producer_options(|o| {
                o.add_custom_option("message.timeout.ms", ms);
            });
        }
        if let Some(linger) = self.kafka_linger {
            let ms = linger.as_millis().to_string();
            options.set_kafka_producer_options(|o| {
                o.add_custom_option("linger.ms", ms);
            });
        }
        options
    }
}

/// Parses a duration written as an integer and a unit: `ns`, `us`, `ms`, `s` or `m` (minutes);
/// the syntax of every sea-streamer binary (`sea_streamer::parse_duration`).
///
/// ```
/// use sea_streamer_examples::cli::parse_duration;
/// use std::time::Duration;
///
/// assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
/// assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
/// assert!(parse_duration("fast").is_err());
/// ```
pub use sea_streamer::{parse_duration, DurationErr};

/// A stream URL as text for messages: `redis://host:6379/a,b` (`StreamUrl` has no `Display`).
///
/// ```
/// use sea_streamer_examples::cli::show;
///
/// let url = "redis://localhost:6379/a,b".parse().unwrap();
/// assert_eq!(show(&url), "redis://localhost:6379/a,b");
/// ```
pub fn show(url: &sea_streamer::StreamUrl) -> String {
    let nodes: Vec<&str> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| n.as_str().trim_end_matches('/'))
        .collect();
    let keys: Vec<&str> = url.stream_keys().iter().map(|k| k.name()).collect();
    format!("{}/{}", nodes.join(","), keys.join(","))
}

/// Logs to stderr at `warn` and above, or as `RUST_LOG` says: what every example program
/// calls first.
pub fn init_logger() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
}

/// Stdout was closed by its reader (`print-consumer ... | head -3`): a normal end.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Writes `line` and a line break to `out`; a closed pipe becomes [`StdoutClosed`].
pub fn print_line(out: &mut impl std::io::Write, line: &str) -> anyhow::Result<()> {
    match writeln!(out, "{line}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        result => Ok(result?),
    }
}

/// Whether `err` means that stdout was closed by its reader: [`StdoutClosed`], or a failed
/// receipt of a `stdio://` output.
pub fn is_closed_stdout(err: &anyhow::Error) -> bool {
    use sea_streamer::{stdio::StdioErr, BackendErr, StreamErr};
    err.chain().any(|cause| {
        cause.is::<StdoutClosed>()
            || matches!(
                cause.downcast_ref::<crate::endpoint::Error>(),
                Some(StreamErr::Backend(BackendErr::Stdio(StdioErr::IoError(e))))
                    if e.kind() == std::io::ErrorKind::BrokenPipe
            )
    })
}

/// The exit status of the program `name` that ended with `result`: 0 on success or a closed
/// stdout (nothing printed), 1 with the error and its causes on one line otherwise. (Usage
/// errors exit 2 through clap.)
pub fn exit(name: &str, result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if is_closed_stdout(&e) => {
            log::debug!("stdout was closed: {e:#}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_message_timeout() {
        use clap::Parser;
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            producer: ProducerArgs,
        }
        let cli = Cli::try_parse_from(["x", "--kafka-message-timeout", "10s"]).unwrap();
        assert_eq!(
            cli.producer.kafka_message_timeout,
            Some(Duration::from_secs(10))
        );
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(cli.producer.kafka_message_timeout, None);
        assert!(Cli::try_parse_from(["x", "--kafka-message-timeout", "soon"]).is_err());
    }

    #[test]
    fn closed_stdout() {
        assert!(is_closed_stdout(
            &anyhow::Error::from(StdoutClosed).context("printing")
        ));
        let receipt: crate::endpoint::Error =
            sea_streamer::StreamErr::Backend(sea_streamer::BackendErr::Stdio(
                sea_streamer::stdio::StdioErr::IoError(std::io::ErrorKind::BrokenPipe.into()),
            ));
        assert!(is_closed_stdout(&receipt.into()));
        let other = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(!is_closed_stdout(&other.into()), "not through print_line");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("7us").unwrap(), Duration::from_micros(7));
        assert_eq!(parse_duration("9ns").unwrap(), Duration::from_nanos(9));
        for bad in ["", "ms", "10", "10 ms", "1.5s", "10h", "-1s"] {
            assert_eq!(
                parse_duration(bad),
                Err(DurationErr(bad.to_owned())),
                "{bad}"
            );
        }
    }
}
