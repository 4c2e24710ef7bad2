//! Moving average of the mid price over a time window: the `aggregator` example.
//!
//! For each spread of a pair, the average of the mid prices `(bid + ask) / 2` of that pair's
//! spreads whose timestamps lie in `(t - window, t]`, `t` being the new spread's timestamp —
//! time as quoted by the exchange, not when the message arrived, so replaying a stream gives
//! the same averages. Feeds deliver each pair's spreads in time order; a late spread is
//! averaged with what the window holds when it arrives.

use crate::endpoint::{next_or_end, Limit};
use crate::spread::{f64_text, timestamp_text, Spread};
use anyhow::Context;
use sea_streamer::{Buffer, Message, Producer, SeaConsumer, SeaProducer, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// One output message of the aggregator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Average {
    /// The trading pair.
    pub pair: String,
    /// Timestamp of the spread that closed the window.
    #[serde(with = "timestamp_text")]
    pub timestamp: Timestamp,
    /// Mid price of that spread.
    #[serde(with = "f64_text")]
    pub mid: f64,
    /// Average mid price over the window.
    #[serde(with = "f64_text")]
    pub average: f64,
    /// Number of spreads in the window.
    pub samples: usize,
}

/// Moving averages of several pairs.
#[derive(Debug, Clone)]
pub struct MovingAverage {
    window: Duration,
    pairs: HashMap<String, VecDeque<(Timestamp, f64)>>,
}

impl MovingAverage {
    /// Averages over `window` (must not be zero).
    pub fn new(window: Duration) -> anyhow::Result<Self> {
        anyhow::ensure!(!window.is_zero(), "the window must be longer than zero");
        Ok(Self {
            window,
            pairs: HashMap::new(),
        })
    }

    /// Adds a spread and returns its pair's average over the window ending at it.
    ///
    /// The sum is recomputed over the window each time (in arrival order) rather than kept
    /// running, so rounding errors do not pile up over a long stream.
    ///
    /// ```
    /// use sea_streamer_examples::{moving_average::MovingAverage, spread::*};
    /// use std::time::Duration;
    ///
    /// let spread = |t: &str, bid: f64| Spread {
    ///     pair: "X/Y".into(), timestamp: parse_unix_seconds(t).unwrap(),
    ///     bid, ask: bid + 2.0, bid_vol: 1.0, ask_vol: 1.0,
    /// };
    /// let mut avg = MovingAverage::new(Duration::from_secs(10)).unwrap();
    /// assert_eq!(avg.update(&spread("100", 10.0)).average, 11.0);
    /// assert_eq!(avg.update(&spread("105", 20.0)).average, 16.0);
    /// // at t = 110 the spread of t = 100 has left the window (t - 10, t]
    /// assert_eq!(avg.update(&spread("110", 30.0)).average, 26.0);
    /// ```
    pub fn update(&mut self, spread: &Spread) -> Average {
        let window = self.pairs.entry(spread.pair.clone()).or_default();
        let mid = spread.mid();
        window.push_back((spread.timestamp, mid));
        let start = spread.timestamp - self.window;
        while window.front().is_some_and(|(t, _)| *t <= start) {
            window.pop_front();
        }
        let sum: f64 = window.iter().map(|(_, m)| m).sum();
        Average {
            pair: spread.pair.clone(),
            timestamp: spread.timestamp,
            mid,
            average: sum / window.len() as f64,
            samples: window.len(),
        }
    }
}

/// Consumes [`Spread`] messages and sends an [`Average`] JSON message for each to the
/// producer's anchored stream. Stops after `count` messages (`None`: no limit) or at the end
/// of the input. A message that is not a spread is an error. Returns the number of averages
/// sent. The producer is not ended: the caller does that.
pub async fn run_aggregator(
    consumer: &SeaConsumer,
    producer: &SeaProducer,
    window: Duration,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    let mut averages = MovingAverage::new(window)?;
    let mut limit = Limit::new(count);
    while !limit.reached() {
        let Some(message) = next_or_end(consumer).await? else {
            break;
        };
        let text = message.message().as_str()?.to_owned();
        let spread = Spread::from_json(&text).with_context(|| {
            format!(
                "message {} of {} is not a spread: {text}",
                message.sequence(),
                message.stream_key()
            )
        })?;
        let average = averages.update(&spread);
        producer
            .send(serde_json::to_string(&average)?.as_str())?
            .await?;
        limit.add(1);
    }
    Ok(limit.done())
}
