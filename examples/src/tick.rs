//! Clock ticks: the messages of the `tick-producer` example.

use crate::endpoint::Limit;
use sea_streamer::{Producer, SeaProducer};
use std::time::Duration;
use tokio::time::MissedTickBehavior;

/// The payload of tick `n`: a small JSON object, `{"tick":n}`.
///
/// ```
/// assert_eq!(sea_streamer_examples::tick::tick_payload(7), r#"{"tick":7}"#);
/// ```
pub fn tick_payload(n: u64) -> String {
    format!(r#"{{"tick":{n}}}"#)
}

/// Sends ticks `0, 1, 2, …` to the producer's anchored stream, one every `interval`
/// (the first at once), until `count` ticks were sent (`None`: forever). Each receipt is
/// awaited, so a failed send stops the clock with its error. Returns the number sent.
///
/// The producer is not ended: the caller does that (which flushes it).
pub async fn produce_ticks(
    producer: &SeaProducer,
    count: Option<u64>,
    interval: Duration,
) -> anyhow::Result<u64> {
    let mut limit = Limit::new(count);
    let mut clock = tokio::time::interval(interval.max(Duration::from_nanos(1)));
    clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while !limit.reached() {
        clock.tick().await;
        let payload = tick_payload(limit.done());
        let receipt = producer.send(payload.as_str())?.await?;
        log::info!(
            "sent {payload} to {} (seq {})",
            receipt.stream_key(),
            receipt.sequence()
        );
        limit.add(1);
    }
    Ok(limit.done())
}
