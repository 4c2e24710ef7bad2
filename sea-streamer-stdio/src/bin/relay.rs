//! `relay`: reads JSON messages of one stdio stream, marks them, and sends them to another.
//!
//! ```sh
//! clock --stream clock --interval 1s | relay --input clock --output relay
//! # [2023-02-24T08:13:10 | relay | 0] {"relay":true,"tick":0}
//! ```

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use futures::{stream::FuturesOrdered, FutureExt, StreamExt};
use sea_streamer_stdio::{stdin_closed, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, Producer, StreamKey, Streamer, StreamerUri};

/// Consumes the INPUT stream from stdin; each payload is parsed as JSON, an object gets
/// `"relay": true` added, and the result is sent compactly (keys sorted) to the OUTPUT
/// stream on stdout. Payloads that are not JSON are skipped with a warning.
///
/// Receipts are awaited (at most `--max-in-flight` at a time): a failed print stops the
/// relay with that error (exit 1). A closed stdout (the reader went away, as with
/// `relay ... | head -n 1`) ends the relay quietly with exit 0. At the end of stdin,
/// everything read is printed and the relay exits 0.
#[derive(Debug, Parser)]
#[command(name = "relay", version)]
struct Args {
    /// Stream key to read from stdin
    #[arg(long, value_name = "STREAM_KEY")]
    input: StreamKey,
    /// Stream key to print to stdout
    #[arg(long, value_name = "STREAM_KEY")]
    output: StreamKey,
    /// Most messages printed but not yet confirmed; reading waits when it is reached
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,
}

/// Adds `"relay": true` to a JSON object; other JSON values pass unchanged.
fn relay(payload: &str) -> Result<String, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(payload)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("relay".to_owned(), serde_json::Value::Bool(true));
    }
    serde_json::to_string(&value)
}

/// The payload to send for `message`, or `None` (with a warning) to skip it.
fn transform(message: &impl Message) -> Option<String> {
    let payload = message.message();
    let text = match payload.as_str() {
        Ok(text) => text,
        Err(e) => {
            log::warn!("skipping a payload that is not UTF-8: {e}");
            return None;
        }
    };
    match relay(text) {
        Ok(json) => Some(json),
        Err(e) => {
            log::warn!("skipping a payload that is not JSON ({e}): {text}");
            None
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("relay", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let Args {
        input,
        output,
        max_in_flight,
    } = args;
    let max_in_flight = max_in_flight as usize;
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let mut consumer = streamer
        .create_consumer(&[input], StdioConsumerOptions::default())
        .await?;
    let producer = streamer.create_producer(output, Default::default()).await?;
    let mut messages = consumer.stream();
    let mut closed = stdin_closed();
    let mut in_flight = FuturesOrdered::new();
    // Stdin has ended: take what is queued without waiting, then stop reading.
    let mut draining = false;
    let mut reading = true;
    let mut printed: u64 = 0;
    while reading || !in_flight.is_empty() {
        if reading && draining && in_flight.len() < max_in_flight {
            match messages.next().now_or_never() {
                Some(Some(message)) => {
                    if let Some(json) = transform(&message?) {
                        in_flight.push_back(producer.send(json)?);
                    }
                }
                _ => reading = false,
            }
            continue;
        }
        tokio::select! {
            biased;
            Some(receipt) = in_flight.next(), if !in_flight.is_empty() => {
                match receipt {
                    Ok(_) => printed += 1,
                    Err(e) if exit::is_closed_stdout(&e) => {
                        log::debug!("stdout was closed after {printed} messages; stopping");
                        return Ok(());
                    }
                    Err(e) => return Err(e).context("printing to stdout"),
                }
            }
            _ = &mut closed, if reading && !draining => draining = true,
            message = messages.next(), if reading && !draining && in_flight.len() < max_in_flight => {
                match message {
                    Some(message) => {
                        if let Some(json) = transform(&message?) {
                            in_flight.push_back(producer.send(json)?);
                        }
                    }
                    None => reading = false,
                }
            }
        }
    }
    match producer.end().await {
        Err(e) if exit::is_closed_stdout(&e) => log::debug!("stdout was closed while flushing"),
        result => result.context("flushing stdout")?,
    }
    log::info!("relayed {printed} messages");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relays_json() {
        assert_eq!(
            relay(r#"{ "tick": 0 }"#).unwrap(),
            r#"{"relay":true,"tick":0}"#
        );
        assert_eq!(relay("[1, 2]").unwrap(), "[1,2]");
        assert!(relay("not json").is_err());
    }
}
