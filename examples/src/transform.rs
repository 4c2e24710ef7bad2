//! The transformation of the `processor` example, and its consume-transform-produce loop.

use crate::endpoint::{next_or_end, Limit};
use sea_streamer::{Buffer, Message, Producer, SeaConsumer, SeaProducer};
use serde_json::{Map, Value};

/// Transforms one payload: a JSON object gets the field `"processed": true` added; any other
/// payload (other JSON values, plain text) is wrapped as `{"processed":true,"value":…}`.
/// The output is always one line of compact JSON.
///
/// ```
/// use sea_streamer_examples::transform::transform;
///
/// assert_eq!(transform(r#"{"tick":1}"#), r#"{"processed":true,"tick":1}"#);
/// assert_eq!(transform("hello"), r#"{"processed":true,"value":"hello"}"#);
/// assert_eq!(transform("[1,2]"), r#"{"processed":true,"value":[1,2]}"#);
/// ```
pub fn transform(payload: &str) -> String {
    let mut object = match serde_json::from_str::<Value>(payload) {
        Ok(Value::Object(object)) => object,
        Ok(other) => wrap(other),
        Err(_) => wrap(Value::String(payload.to_owned())),
    };
    object.insert("processed".to_owned(), Value::Bool(true));
    Value::Object(object).to_string()
}

fn wrap(value: Value) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("value".to_owned(), value);
    object
}

/// Consumes messages, transforms each payload with [`transform`] and sends the result to the
/// producer's anchored stream, until `count` messages were processed (`None`: no limit) or
/// the input ended. Payloads must be UTF-8. Returns the number of messages processed.
///
/// The producer is not ended: the caller does that.
pub async fn run_processor(
    consumer: &SeaConsumer,
    producer: &SeaProducer,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    let mut limit = Limit::new(count);
    while !limit.reached() {
        let Some(message) = next_or_end(consumer).await? else {
            break;
        };
        let input = message.message();
        let output = transform(input.as_str()?);
        log::debug!(
            "[{} #{}] {} -> {output}",
            message.stream_key(),
            message.sequence(),
            input.as_str()?
        );
        producer.send(output.as_str())?.await?;
        limit.add(1);
    }
    Ok(limit.done())
}
