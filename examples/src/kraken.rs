//! The messages of the price feed: Kraken's WebSocket API (v1, `wss://ws.kraken.com/`), as
//! it sends them on the `spread` channel. One JSON value per websocket text message:
//!
//! ```json
//! {"connectionID":8628615390848610000,"event":"systemStatus","status":"online","version":"1.9.1"}
//! {"channelID":352,"channelName":"spread","event":"subscriptionStatus","pair":"GBP/USD","status":"subscribed","subscription":{"name":"spread"}}
//! {"event":"heartbeat"}
//! [352,["1.26491","1.26497","1700000000.411189","1505.20913800","62.73110000"],"spread","GBP/USD"]
//! ```
//!
//! Events are objects told apart by `event`; channel data are arrays
//! `[channelID, data, channelName, pair]`, and a spread's data is `[bid, ask, timestamp,
//! bidVolume, askVolume]`: decimal strings (numbers are accepted too), the timestamp in Unix
//! seconds with a fraction. The subscription request is [`subscribe_request`].

use crate::spread::{number, parse_unix_seconds, FeedErr, RawNumber, Spread};
use serde::Deserialize;

/// A message of the feed.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedMessage {
    /// A keep-alive without data.
    Heartbeat,
    /// The exchange's state, sent first on connecting.
    SystemStatus(SystemStatus),
    /// The answer to a subscription request (one per pair).
    SubscriptionStatus(SubscriptionStatus),
    /// A spread.
    Spread(Spread),
}

/// `{"event":"systemStatus", ...}`: the exchange's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SystemStatus {
    /// `online`, `maintenance`, `cancel_only`, `limit_only` or `post_only`.
    pub status: String,
    /// The API version.
    #[serde(default)]
    pub version: Option<String>,
}

/// `{"event":"subscriptionStatus", ...}`: a subscription's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubscriptionStatus {
    /// `subscribed`, `unsubscribed` or `error`.
    pub status: String,
    /// The pair it is about.
    #[serde(default)]
    pub pair: Option<String>,
    /// The channel, e.g. `spread`.
    #[serde(default, rename = "channelName")]
    pub channel_name: Option<String>,
    /// Why the request failed (status `error`).
    #[serde(default, rename = "errorMessage")]
    pub error_message: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
enum Event {
    Heartbeat,
    SystemStatus(SystemStatus),
    SubscriptionStatus(SubscriptionStatus),
}

/// The request that subscribes to the spreads of `pairs`.
///
/// ```
/// use sea_streamer_examples::kraken::subscribe_request;
/// assert_eq!(
///     subscribe_request(&["GBP/USD".to_owned()]),
///     r#"{"event":"subscribe","pair":["GBP/USD"],"subscription":{"name":"spread"}}"#
/// );
/// ```
pub fn subscribe_request(pairs: &[String]) -> String {
    serde_json::json!({
        "event": "subscribe",
        "pair": pairs,
        "subscription": { "name": "spread" },
    })
    .to_string()
}

/// Parses one message of the feed.
///
/// ```
/// use sea_streamer_examples::kraken::{parse_feed_message, FeedMessage};
///
/// assert_eq!(parse_feed_message(r#"{"event":"heartbeat"}"#).unwrap(), FeedMessage::Heartbeat);
/// let FeedMessage::Spread(spread) = parse_feed_message(
///     r#"[42,["10.5","11.5","1700000000.25","1","2"],"spread","GBP/USD"]"#,
/// ).unwrap() else { panic!() };
/// assert_eq!((spread.pair.as_str(), spread.mid()), ("GBP/USD", 11.0));
/// assert!(parse_feed_message(r#"{"event":"trade"}"#).is_err());
/// ```
pub fn parse_feed_message(text: &str) -> Result<FeedMessage, FeedErr> {
    if text.trim_start().starts_with('[') {
        let (_channel_id, data, channel, pair): (
            serde_json::Number,
            Vec<RawNumber>,
            String,
            String,
        ) = serde_json::from_str(text)?;
        if channel != "spread" {
            return Err(FeedErr::Channel(channel));
        }
        let [bid, ask, timestamp, bid_vol, ask_vol] =
            <[RawNumber; 5]>::try_from(data).map_err(|data| FeedErr::SpreadFields(data.len()))?;
        return Ok(FeedMessage::Spread(Spread {
            timestamp: parse_unix_seconds(&timestamp.text())?,
            bid: number("bid", &bid)?,
            ask: number("ask", &ask)?,
            bid_vol: number("bid_vol", &bid_vol)?,
            ask_vol: number("ask_vol", &ask_vol)?,
            pair,
        }));
    }
    Ok(match serde_json::from_str::<Event>(text)? {
        Event::Heartbeat => FeedMessage::Heartbeat,
        Event::SystemStatus(s) => FeedMessage::SystemStatus(s),
        Event::SubscriptionStatus(s) => FeedMessage::SubscriptionStatus(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages as Kraken sends them (shapes of its v1 documentation and of a live session).
    const SYSTEM: &str = r#"{"connectionID":8628615390848610000,"event":"systemStatus","status":"online","version":"1.9.1"}"#;
    const SUBSCRIBED: &str = r#"{"channelID":352,"channelName":"spread","event":"subscriptionStatus","pair":"GBP/USD","status":"subscribed","subscription":{"name":"spread"}}"#;
    const REFUSED: &str = r#"{"errorMessage":"Currency pair not supported GBP/XYZ","event":"subscriptionStatus","pair":"GBP/XYZ","status":"error","subscription":{"name":"spread"}}"#;
    const SPREAD: &str = r#"[352,["1.26491","1.26497","1700000000.411189","1505.20913800","62.73110000"],"spread","GBP/USD"]"#;

    #[test]
    fn reads_every_message_of_a_session() {
        assert_eq!(
            parse_feed_message(SYSTEM).unwrap(),
            FeedMessage::SystemStatus(SystemStatus {
                status: "online".into(),
                version: Some("1.9.1".into())
            })
        );
        let FeedMessage::SubscriptionStatus(ok) = parse_feed_message(SUBSCRIBED).unwrap() else {
            panic!("not a subscription status")
        };
        assert_eq!(ok.status, "subscribed");
        assert_eq!(ok.pair.as_deref(), Some("GBP/USD"));
        assert_eq!(ok.channel_name.as_deref(), Some("spread"));
        let FeedMessage::SubscriptionStatus(err) = parse_feed_message(REFUSED).unwrap() else {
            panic!("not a subscription status")
        };
        assert_eq!(err.status, "error");
        assert_eq!(
            err.error_message.as_deref(),
            Some("Currency pair not supported GBP/XYZ")
        );
        assert_eq!(
            parse_feed_message(r#"{"event":"heartbeat"}"#).unwrap(),
            FeedMessage::Heartbeat
        );
        let FeedMessage::Spread(s) = parse_feed_message(SPREAD).unwrap() else {
            panic!("not a spread")
        };
        assert_eq!(s.pair, "GBP/USD");
        assert_eq!((s.bid, s.ask), (1.26491, 1.26497));
        assert_eq!((s.bid_vol, s.ask_vol), (1505.209138, 62.7311));
        assert_eq!(
            s.timestamp.unix_timestamp_nanos(),
            1_700_000_000_411_189_000
        );
    }

    #[test]
    fn numbers_are_accepted_too() {
        let FeedMessage::Spread(s) =
            parse_feed_message(r#"[1,[1.5,2,1700000000.25,3,4],"spread","X/Y"]"#).unwrap()
        else {
            panic!("not a spread")
        };
        assert_eq!((s.bid, s.ask, s.bid_vol, s.ask_vol), (1.5, 2.0, 3.0, 4.0));
        assert_eq!(
            s.timestamp.unix_timestamp_nanos(),
            1_700_000_000_250_000_000
        );
    }

    #[test]
    fn bad_messages_are_typed_errors() {
        let spread = |field: usize, value: &str| {
            let mut data = vec!["1", "2", "1700000000", "1", "1"];
            data[field] = value;
            parse_feed_message(&serde_json::json!([7, data, "spread", "X/Y"]).to_string())
        };
        assert!(spread(3, "5").is_ok());
        assert!(matches!(
            spread(0, "1.x"),
            Err(FeedErr::Number { field: "bid", .. })
        ));
        assert!(matches!(
            spread(4, "NaN"),
            Err(FeedErr::Number {
                field: "ask_vol",
                ..
            })
        ));
        assert!(matches!(spread(2, "-5"), Err(FeedErr::Timestamp(_))));
        assert!(matches!(
            spread(2, "1.1234567891"),
            Err(FeedErr::Timestamp(_))
        ));
        assert!(matches!(
            parse_feed_message(r#"[7,["1","2","1700000000","1"],"spread","X/Y"]"#),
            Err(FeedErr::SpreadFields(4))
        ));
        assert!(matches!(
            parse_feed_message(r#"[7,[["1","2","1700000000.1","s","m",""]],"trade","X/Y"]"#),
            Err(FeedErr::Json(_)) | Err(FeedErr::Channel(_))
        ));
        assert!(matches!(
            parse_feed_message(r#"[7,["1","2","1700000000","1","1"],"book-10","X/Y"]"#),
            Err(FeedErr::Channel(c)) if c == "book-10"
        ));
        assert!(matches!(
            parse_feed_message("not json"),
            Err(FeedErr::Json(_))
        ));
        assert!(matches!(
            parse_feed_message(r#"{"event":"pong"}"#),
            Err(FeedErr::Json(_))
        ));
        assert!(matches!(
            parse_feed_message(r#"{"status":"online"}"#),
            Err(FeedErr::Json(_))
        ));
        // the former object form of a spread is not Kraken's
        assert!(parse_feed_message(
            r#"{"event":"spread","pair":"X/Y","bid":"1","ask":"2","timestamp":"1700000000","bid_vol":"1","ask_vol":"1"}"#
        )
        .is_err());
    }
}
