//! The transformation of the `processor` example, and the example itself on the processor
//! runner (`sea-streamer-processor`).

use crate::runner::{FiniteInput, RunnerArgs};
use sea_streamer::{Buffer, Message, SeaProducer, SharedMessage, StreamKey};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, Summary};
use serde_json::{Map, Value};
use std::future::Future;

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

/// Where the `processor` example sends: the output stream, and optionally a dead-letter
/// stream for the messages that fail their last attempt (payloads that are not UTF-8, or
/// sends that keep failing).
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The producer of the output stream.
    pub producer: SeaProducer,
    /// The output stream.
    pub stream: StreamKey,
    /// The dead-letter producer and stream, if any; without one a failed message stops the
    /// processor (it is not acknowledged, so it is delivered again after a restart).
    pub dead_letter: Option<(SeaProducer, StreamKey)>,
}

/// Runs the `processor` example on the runner: every message of `consumer` is transformed
/// with [`transform`] and sent to `outputs.stream`, and acknowledged once the send is
/// delivered (on a consumer-group consumer what is acknowledged is committed, so a restarted
/// processor continues after it: at-least-once). Payloads must be UTF-8 (else the message is
/// dead-lettered at once: retrying cannot help).
///
/// Stops when `shutdown` resolves (finishing what is in flight), after `args.count`
/// messages, or at the end of a finite input (stdin, a `file://` stream; see
/// [`FiniteInput`]). Producers are flushed, not ended: the caller does that.
pub async fn run_processor<C>(
    consumer: &C,
    outputs: &Outputs,
    args: &RunnerArgs,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<Summary>
where
    C: FiniteInput,
    C::Error: Send + Sync + 'static,
{
    let handler = |message: SharedMessage, outbox: Outbox| async move {
        let input = message.message();
        let text = input.as_str().map_err(HandlerErr::permanent)?;
        let output = transform(text);
        log::debug!(
            "[{} #{}] {text} -> {output}",
            message.stream_key(),
            message.sequence()
        );
        outbox
            .send(&outputs.producer, &outputs.stream, output.as_str())
            .await
    };
    let mut processor = args
        .label(consumer.ends(Processor::new(consumer, handler, args.options())))
        .flush_at_end(outputs.producer.clone());
    if let Some((producer, stream)) = &outputs.dead_letter {
        processor = processor.dead_letter(producer.clone(), stream.clone());
    }
    let summary = processor.run(shutdown).await?;
    log::info!("{summary:?}");
    Ok(summary)
}
