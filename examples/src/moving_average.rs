//! Moving average of the mid price over sliding event-time windows: the `aggregator`
//! example, a few lines on top of the windows of `sea_streamer::fuse`.
//!
//! Spreads are grouped by pair into windows `[start, start + window)` that start every
//! `slide` (aligned to the Unix epoch), on the time the exchange quoted them, not when the
//! message arrived: replaying a stream gives the same averages. A window's average comes
//! out once the watermark (the newest quote time seen minus the allowed lateness) has
//! passed its end; at the end of the input the open windows are flushed. A spread that
//! comes after one of its windows was closed is late: it is logged and left out.

use crate::endpoint::{next_or_end, Limit};
use crate::spread::{f64_text, timestamp_text, Spread};
use anyhow::Context;
use futures::{Stream, StreamExt};
use sea_streamer::fuse::{fold, Window, WindowStream, WindowStreamErr};
use sea_streamer::{Buffer, Message, Producer, SeaConsumer, SeaProducer, SharedMessage, Timestamp};
use serde::{Deserialize, Serialize};

pub use sea_streamer::fuse::WindowSpec;

/// One output message of the aggregator: the average mid price of a pair over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Average {
    /// The trading pair.
    pub pair: String,
    /// The window's first instant.
    #[serde(with = "timestamp_text")]
    pub start: Timestamp,
    /// The first instant after the window.
    #[serde(with = "timestamp_text")]
    pub end: Timestamp,
    /// Average mid price `(bid + ask) / 2` of the spreads in the window.
    #[serde(with = "f64_text")]
    pub average: f64,
    /// Number of spreads in the window.
    pub samples: u64,
}

impl Average {
    /// The average of a window whose value is the sum of its mid prices.
    ///
    /// ```
    /// use sea_streamer::{fuse::Window, Timestamp};
    /// use sea_streamer_examples::moving_average::Average;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let w = Window { key: "X/Y".to_owned(), start: t(0), end: t(4), value: 30.0, count: 3 };
    /// assert_eq!(Average::of(w).average, 10.0);
    /// ```
    pub fn of(window: Window<String, f64>) -> Self {
        Self {
            average: window.value / window.count as f64,
            samples: window.count,
            pair: window.key,
            start: window.start,
            end: window.end,
        }
    }
}

/// The spreads of `consumer` as a stream: stops after `count` messages (`None`: no limit)
/// or at the end of the input; a message that is not a spread is an error.
pub fn spreads(
    consumer: &SeaConsumer,
    count: Option<u64>,
) -> impl Stream<Item = anyhow::Result<Spread>> + '_ {
    futures::stream::unfold(Limit::new(count), move |mut limit| async move {
        if limit.reached() {
            return None;
        }
        let item = match next_or_end(consumer).await {
            Ok(None) => return None,
            Ok(Some(message)) => parse(&message),
            Err(err) => Err(err.into()),
        };
        limit.add(1);
        Some((item, limit))
    })
}

fn parse(message: &SharedMessage) -> anyhow::Result<Spread> {
    let payload = message.message();
    let text = payload.as_str()?;
    Spread::from_json(text).with_context(|| {
        format!(
            "message {} of {} is not a spread: {text}",
            message.sequence(),
            message.stream_key()
        )
    })
}

/// Consumes [`Spread`] messages (at most `count`, `None`: no limit, or until the input
/// ends) and sends an [`Average`] JSON message per pair and window of `spec` to the
/// producer's anchored stream, in window-end order. A message that is not a spread ends
/// the run with an error, after the open windows are sent. Returns the number of averages
/// sent. The producer is not ended: the caller does that.
pub async fn run_aggregator(
    consumer: &SeaConsumer,
    producer: &SeaProducer,
    spec: WindowSpec,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    let mid_sum = fold(|| 0.0, |sum: &mut f64, s: &Spread| *sum += s.mid());
    let by_pair = |s: &Spread| s.pair.clone();
    let quoted_at = |s: &Spread| s.timestamp;
    let mut windows =
        WindowStream::with_event_time(spreads(consumer, count), spec, quoted_at, by_pair, mid_sum);
    windows.on_late(|s: Spread| log::warn!("late spread left out: {} at {}", s.pair, s.timestamp));
    let mut windows = std::pin::pin!(windows);
    let mut sent = 0;
    while let Some(window) = windows.next().await {
        let average = Average::of(window.map_err(WindowStreamErr::into_error::<anyhow::Error>)?);
        producer
            .send(serde_json::to_string(&average)?.as_str())?
            .await?;
        sent += 1;
    }
    Ok(sent)
}
