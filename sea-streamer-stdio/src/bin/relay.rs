//! `relay`: reads JSON messages of one stdio stream, marks them, and sends them to another.
//!
//! ```sh
//! clock --stream clock --interval 1s | relay --input clock --output relay
//! # [2023-02-24T08:13:10 | relay | 0] {"relay":true,"tick":0}
//! ```

use anyhow::Result;
use clap::Parser;
use futures::FutureExt;
use sea_streamer_stdio::{SendFuture, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{Buffer, Consumer, Message, Producer, StreamKey, Streamer, StreamerUri};
use std::collections::VecDeque;

/// Consumes the INPUT stream from stdin; each payload is parsed as JSON, an object gets
/// `"relay": true` added, and the result is sent compactly (keys sorted) to the OUTPUT
/// stream on stdout. Payloads that are not JSON are skipped with a warning
/// (set `RUST_LOG=warn` to see it).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream key to read from stdin
    #[arg(long, value_name = "STREAM_KEY")]
    input: StreamKey,
    /// Stream key to print to stdout
    #[arg(long, value_name = "STREAM_KEY")]
    output: StreamKey,
}

/// Adds `"relay": true` to a JSON object; other JSON values pass unchanged.
fn relay(payload: &str) -> Result<String, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(payload)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("relay".to_owned(), serde_json::Value::Bool(true));
    }
    serde_json::to_string(&value)
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let Args { input, output } = Args::parse();
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let consumer = streamer
        .create_consumer(&[input], StdioConsumerOptions::default())
        .await?;
    let producer = streamer.create_producer(output, Default::default()).await?;
    // Receipts are checked as they complete, so a closed stdout ends the relay.
    let mut pending: VecDeque<SendFuture> = VecDeque::new();
    loop {
        let message = consumer.next().await?;
        let payload = message.message();
        let text = match payload.as_str() {
            Ok(text) => text,
            Err(e) => {
                log::warn!("skipping a payload that is not UTF-8: {e}");
                continue;
            }
        };
        match relay(text) {
            Ok(json) => pending.push_back(producer.send(json)?),
            Err(e) => log::warn!("skipping a payload that is not JSON ({e}): {text}"),
        }
        while let Some(front) = pending.front_mut() {
            match front.now_or_never() {
                Some(receipt) => {
                    receipt?;
                    pending.pop_front();
                }
                None => break,
            }
        }
    }
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
