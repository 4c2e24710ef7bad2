//! `complex`: a consumer group demo. Two load-balanced consumers share the INPUT stream for
//! five rounds, then the streamer reconnects and a single member carries on.

#[path = "common/exit.rs"]
mod exit;

use anyhow::Result;
use clap::Parser;
use futures::{future::FusedFuture, FutureExt};
use sea_streamer_stdio::{
    stdin_closed, StdinClosed, StdioConsumer, StdioConsumerOptions, StdioProducer, StdioStreamer,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey,
    Streamer, StreamerUri,
};
use std::process::ExitCode;

/// Reads JSON objects of the INPUT stream with two consumers of group `abc`: for five rounds,
/// consumer 1 then consumer 2 take one message each, add `"relay": 1` / `"relay": 2` and send
/// it to OUTPUT. Then it disconnects, reconnects, and one consumer of the same group adds
/// `"relay": 0` to every further message. Payloads that are not JSON are skipped with a warning.
///
/// At the end of stdin it prints what it has read and exits 0 (if stdin ends within the five
/// rounds, what the two consumers still hold is marked `"relay": 0` instead of being dropped
/// by a reconnection); a closed stdout ends it quietly (exit 0).
#[derive(Debug, Parser)]
#[command(name = "complex", version)]
struct Args {
    /// Stream key to read from stdin
    #[arg(long, value_name = "STREAM_KEY")]
    input: StreamKey,
    /// Stream key to print to stdout
    #[arg(long, value_name = "STREAM_KEY")]
    output: StreamKey,
}

/// Sets `"relay": id` on a JSON object (other JSON values pass unchanged).
fn mark(payload: &str, id: u64) -> Result<String, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(payload)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("relay".to_owned(), id.into());
    }
    serde_json::to_string(&value)
}

/// Takes the next JSON message of `consumer`, marks it with `id` and sends it; `Ok(false)`
/// once stdin has ended and `consumer` has nothing more queued.
async fn relay_one(
    consumer: &StdioConsumer,
    producer: &StdioProducer,
    closed: &mut StdinClosed,
    id: u64,
) -> Result<bool> {
    loop {
        let message = if closed.is_terminated() {
            match consumer.next().now_or_never() {
                Some(message) => message?,
                None => return Ok(false),
            }
        } else {
            tokio::select! {
                message = consumer.next() => message?,
                _ = &mut *closed => continue,
            }
        };
        let payload = message.message();
        match payload
            .as_str()
            .map_err(anyhow::Error::from)
            .and_then(|text| mark(text, id).map_err(anyhow::Error::from))
        {
            Ok(json) => {
                producer.send(json)?.await?;
                return Ok(true);
            }
            Err(e) => log::warn!("skipping a payload that is not JSON: {e}"),
        }
    }
}

async fn group_members(
    streamer: &StdioStreamer,
    input: &StreamKey,
    n: usize,
) -> Result<Vec<StdioConsumer>> {
    let mut options = StdioConsumerOptions::new(ConsumerMode::LoadBalanced);
    options.set_consumer_group(ConsumerGroup::new("abc"))?;
    let mut members = Vec::new();
    for _ in 0..n {
        members.push(
            streamer
                .create_consumer(std::slice::from_ref(input), options.clone())
                .await?,
        );
    }
    Ok(members)
}

#[tokio::main]
async fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("complex", run(args).await)
}

async fn run(Args { input, output }: Args) -> Result<()> {
    let mut closed = stdin_closed();

    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer
        .create_producer(output.clone(), Default::default())
        .await?;
    let members = group_members(&streamer, &input, 2).await?;
    for _ in 0..5 {
        if !relay_one(&members[0], &producer, &mut closed, 1).await?
            || !relay_one(&members[1], &producer, &mut closed, 2).await?
        {
            producer.end().await?;
            return Ok(());
        }
    }
    if closed.is_terminated() {
        // Stdin has ended: a new connection would get nothing, and disconnecting would drop
        // what the members still hold. Carry on with them instead, as the single member would.
        for member in &members {
            while relay_one(member, &producer, &mut closed, 0).await? {}
        }
        producer.end().await?;
        return Ok(());
    }
    drop(members);
    streamer.disconnect().await?;

    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer.create_producer(output, Default::default()).await?;
    let members = group_members(&streamer, &input, 1).await?;
    while relay_one(&members[0], &producer, &mut closed, 0).await? {}
    producer.end().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_json() {
        assert_eq!(mark(r#"{"tick":3}"#, 2).unwrap(), r#"{"relay":2,"tick":3}"#);
        assert!(mark("nope", 1).is_err());
    }
}
