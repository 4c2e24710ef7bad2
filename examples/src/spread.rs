//! Bid/ask spreads: the messages of the streams the price-feed pipeline writes, and the
//! number and time formats of the feed (whose messages [`crate::kraken`] reads).
//!
//! **Stream messages** ([`Spread`]) are JSON with the timestamp in
//! [`TIMESTAMP_FORMAT`] (UTC) and the numbers written as
//! decimal strings that read back to the very same `f64`, so every stage of the pipeline sees
//! exactly the values the feed sent.

use sea_streamer::{export::time, Timestamp, TIMESTAMP_FORMAT};
use serde::{Deserialize, Serialize};

/// A bid/ask spread of one trading pair at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The trading pair, e.g. `XBT/USD`.
    pub pair: String,
    /// When the exchange quoted the spread (UTC).
    #[serde(with = "timestamp_text")]
    pub timestamp: Timestamp,
    /// Best bid price.
    #[serde(with = "f64_text")]
    pub bid: f64,
    /// Best ask price.
    #[serde(with = "f64_text")]
    pub ask: f64,
    /// Volume at the best bid.
    #[serde(with = "f64_text")]
    pub bid_vol: f64,
    /// Volume at the best ask.
    #[serde(with = "f64_text")]
    pub ask_vol: f64,
}

impl Spread {
    /// The mid price, `(bid + ask) / 2`.
    pub fn mid(&self) -> f64 {
        (self.bid + self.ask) / 2.0
    }

    /// The stream message of this spread (one line of JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Spread always serializes")
    }

    /// Reads a stream message written by [`Spread::to_json`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Why a feed message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedErr {
    /// Not JSON, an unknown `event`, or a missing field.
    #[error("invalid feed message: {0}")]
    Json(#[from] serde_json::Error),
    /// A channel message of another channel than `spread`.
    #[error("unexpected channel `{0}` (only `spread` is read)")]
    Channel(String),
    /// A spread array without its five fields.
    #[error("a spread has 5 fields (bid, ask, timestamp, bid volume, ask volume), got {0}")]
    SpreadFields(usize),
    /// A price or volume that is not a finite decimal number.
    #[error("invalid number `{value}` in field `{field}`")]
    Number {
        /// The field.
        field: &'static str,
        /// Its text.
        value: String,
    },
    /// A timestamp that is not Unix seconds (with an optional fraction of up to 9 digits).
    #[error("invalid Unix timestamp `{0}`")]
    Timestamp(String),
}

/// A number of the feed: a decimal string, or a JSON number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawNumber {
    Text(String),
    Number(serde_json::Number),
}

impl RawNumber {
    pub(crate) fn text(&self) -> String {
        match self {
            RawNumber::Text(t) => t.clone(),
            RawNumber::Number(n) => n.to_string(),
        }
    }
}

/// The finite number of `raw`, or [`FeedErr::Number`] naming `field`.
pub(crate) fn number(field: &'static str, raw: &RawNumber) -> Result<f64, FeedErr> {
    let text = raw.text();
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(FeedErr::Number { field, value: text }),
    }
}

/// Parses Unix time in seconds, `1700000000.411189`, exactly (up to nanoseconds).
///
/// ```
/// use sea_streamer_examples::spread::parse_unix_seconds;
///
/// let ts = parse_unix_seconds("1700000000.5").unwrap();
/// assert_eq!(ts.unix_timestamp_nanos(), 1_700_000_000_500_000_000);
/// assert!(parse_unix_seconds("yesterday").is_err());
/// ```
pub fn parse_unix_seconds(text: &str) -> Result<Timestamp, FeedErr> {
    let err = || FeedErr::Timestamp(text.to_owned());
    let (secs, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if secs.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err());
    }
    let secs: i128 = secs.parse().map_err(|_| err())?;
    let nanos: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| err())?
    };
    Timestamp::from_unix_timestamp_nanos(secs * 1_000_000_000 + nanos).map_err(|_| err())
}

/// Formats a timestamp as [`TIMESTAMP_FORMAT`] text (UTC), e.g. `2023-11-14T22:13:20.411189`.
pub fn format_timestamp(ts: &Timestamp) -> String {
    ts.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP_FORMAT)
        .expect("TIMESTAMP_FORMAT formats every timestamp")
}

/// Parses [`TIMESTAMP_FORMAT`] text as a UTC timestamp.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, time::error::Parse> {
    Ok(time::PrimitiveDateTime::parse(text, TIMESTAMP_FORMAT)?.assume_utc())
}

/// Serde of a [`Timestamp`] as [`TIMESTAMP_FORMAT`] text (UTC).
pub mod timestamp_text {
    use super::*;

    /// Serializes as text.
    pub fn serialize<S: serde::Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(ts))
    }

    /// Deserializes from text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        parse_timestamp(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde of an `f64` as a decimal string: Rust prints the shortest text that parses back to
/// the same `f64`, so the value survives the trip exactly. Plain JSON numbers are accepted too.
pub mod f64_text {
    use super::*;

    /// Serializes as a decimal string.
    pub fn serialize<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(serde::ser::Error::custom(format!(
                "{v} is not a finite number"
            )));
        }
        s.serialize_str(&v.to_string())
    }

    /// Deserializes from a decimal string or a number.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = match RawNumber::deserialize(d)? {
            RawNumber::Text(t) => t,
            RawNumber::Number(n) => n.to_string(),
        };
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is not a finite decimal number"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_format_round_trips_exactly() {
        let spread = Spread {
            pair: "ETH/USD".into(),
            timestamp: parse_unix_seconds("1700000004.520810").unwrap(),
            bid: 2051.0501,
            ask: 0.1 + 0.2,
            bid_vol: 1e-9,
            ask_vol: 123456789.123,
        };
        let json = spread.to_json();
        assert!(
            json.contains(r#""timestamp":"2023-11-14T22:13:24.52081""#),
            "{json}"
        );
        assert_eq!(Spread::from_json(&json).unwrap(), spread);
    }
}
