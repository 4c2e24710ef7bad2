//! Command-line value types shared by the example programs.

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

/// Error of [`parse_duration`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse `{0}` as a duration: expected an integer followed by ns, us, ms, s or m (e.g. 250ms)")]
pub struct DurationErr(pub String);

/// Parses a duration written as an integer and a unit: `ns`, `us`, `ms`, `s` or `m` (minutes).
///
/// ```
/// use sea_streamer_examples::cli::parse_duration;
/// use std::time::Duration;
///
/// assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
/// assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
/// assert!(parse_duration("fast").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationErr> {
    let err = || DurationErr(text.to_owned());
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| err())?;
    Ok(match unit {
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(err)?),
        _ => return Err(err()),
    })
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
