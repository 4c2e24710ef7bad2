//! `complex`: a consumer group demo. Two load-balanced consumers share the INPUT stream for
//! five rounds, then the streamer reconnects and a single member carries on.

use anyhow::Result;
use clap::Parser;
use sea_streamer_stdio::{StdioConsumer, StdioConsumerOptions, StdioProducer, StdioStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey,
    Streamer, StreamerUri,
};

/// Reads JSON objects of the INPUT stream with two consumers of group `abc`: for five rounds,
/// consumer 1 then consumer 2 take one message each, add `"relay": 1` / `"relay": 2` and send
/// it to OUTPUT. Then it disconnects, reconnects, and one consumer of the same group adds
/// `"relay": 0` to every further message. Payloads that are not JSON are skipped with a warning.
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

/// Sets `"relay": id` on a JSON object (other JSON values pass unchanged).
fn mark(payload: &str, id: u64) -> Result<String, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(payload)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("relay".to_owned(), id.into());
    }
    serde_json::to_string(&value)
}

/// Takes the next JSON message of `consumer`, marks it with `id` and sends it.
async fn relay_one(consumer: &StdioConsumer, producer: &StdioProducer, id: u64) -> Result<()> {
    loop {
        let message = consumer.next().await?;
        let payload = message.message();
        match payload
            .as_str()
            .map_err(anyhow::Error::from)
            .and_then(|text| mark(text, id).map_err(anyhow::Error::from))
        {
            Ok(json) => {
                producer.send(json)?.await?;
                return Ok(());
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
async fn main() -> Result<()> {
    env_logger::init();
    let Args { input, output } = Args::parse();

    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer
        .create_producer(output.clone(), Default::default())
        .await?;
    let members = group_members(&streamer, &input, 2).await?;
    for _ in 0..5 {
        relay_one(&members[0], &producer, 1).await?;
        relay_one(&members[1], &producer, 2).await?;
    }
    drop(members);
    streamer.disconnect().await?;

    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let producer = streamer.create_producer(output, Default::default()).await?;
    let members = group_members(&streamer, &input, 1).await?;
    loop {
        relay_one(&members[0], &producer, 0).await?;
    }
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
