//! Collecting consumed messages into batches, and the `buffered` example built on it.
//!
//! A batch closes when it holds `max` messages or when `linger` has passed since its first
//! message arrived, whichever comes first; so a busy stream gives full batches and a quiet
//! one still gets its messages through within `linger`.

use crate::endpoint::{is_end_of_stream, next_or_end, Error, Limit};
use sea_streamer::{Buffer, Consumer, Message, Producer, SeaConsumer, SeaProducer, SharedMessage};
use serde::Serialize;
use std::time::Duration;
use tokio::time::{timeout_at, Instant};

/// A batch of consumed messages.
#[derive(Debug, Default)]
pub struct Batch {
    /// The messages, in the order consumed.
    pub messages: Vec<SharedMessage>,
    /// Whether the stream ended (see [`is_end_of_stream`]) while the batch was collected:
    /// no batch follows this one.
    pub ended: bool,
}

/// Waits for the first message, then collects up to `max` messages in total, waiting at most
/// `linger` after the first one. With `max == 0` returns an empty batch at once.
///
/// Stops early at the end of the stream (`ended` is then set, and the batch may be empty).
/// Relies on the backends' `next()` futures being cancel safe: a `next()` cut short by the
/// linger deadline loses no message.
pub async fn next_batch(
    consumer: &SeaConsumer,
    max: usize,
    linger: Duration,
) -> Result<Batch, Error> {
    let mut batch = Batch::default();
    if max == 0 {
        return Ok(batch);
    }
    match next_or_end(consumer).await? {
        Some(first) => batch.messages.push(first),
        None => {
            batch.ended = true;
            return Ok(batch);
        }
    }
    let deadline = Instant::now() + linger;
    while batch.messages.len() < max {
        match timeout_at(deadline, consumer.next()).await {
            Err(_elapsed) => break,
            Ok(Ok(message)) => batch.messages.push(message.to_owned()),
            Ok(Err(err)) if is_end_of_stream(&err) => {
                batch.ended = true;
                break;
            }
            Ok(Err(err)) => return Err(err),
        }
    }
    log::debug!("batch of {} message(s)", batch.messages.len());
    Ok(batch)
}

/// The message the `buffered` example sends for each batch.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BatchMessage {
    /// Batch number, from 0.
    pub batch: u64,
    /// The payloads of the batch, in order (payloads must be UTF-8).
    pub payloads: Vec<String>,
}

/// Consumes messages in batches ([`next_batch`]) and sends each batch as one JSON message
/// ([`BatchMessage`]) to the producer's anchored stream — the shape of any sink that is
/// cheaper per batch than per message (bulk inserts, bulk HTTP calls).
///
/// Stops after `count` messages (`None`: no limit) or at the end of the input; the last
/// batch is never larger than what is left of `count`. Returns the number of messages.
pub async fn run_buffered(
    consumer: &SeaConsumer,
    producer: &SeaProducer,
    batch_size: usize,
    linger: Duration,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    anyhow::ensure!(batch_size > 0, "the batch size must be at least 1");
    let mut limit = Limit::new(count);
    let mut number = 0;
    while !limit.reached() {
        let max = match limit.remaining() {
            Some(left) => batch_size.min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => batch_size,
        };
        let batch = next_batch(consumer, max, linger).await?;
        if !batch.messages.is_empty() {
            let payloads = batch
                .messages
                .iter()
                .map(|m| m.message().as_str().map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()?;
            let size = payloads.len() as u64;
            let message = BatchMessage {
                batch: number,
                payloads,
            };
            producer
                .send(serde_json::to_string(&message)?.as_str())?
                .await?;
            log::info!("sent batch {number} of {size} message(s)");
            number += 1;
            limit.add(size);
        }
        if batch.ended {
            break;
        }
    }
    Ok(limit.done())
}
