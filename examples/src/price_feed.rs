//! From a websocket price feed to a stream: the `price-feed` example.

use crate::spread::{parse_feed_message, FeedMessage};
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use sea_streamer::{Producer, SeaProducer};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// What [`run_price_feed`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Spreads sent to the stream.
    pub spreads: u64,
    /// Heartbeats skipped.
    pub heartbeats: u64,
}

/// Connects to the websocket feed at `feed_url` (`ws://…`), sends `subscribe` (if any) as a
/// text message, and sends every spread to the producer's anchored stream as a
/// [`Spread`](crate::spread::Spread) JSON message; heartbeats are skipped. Returns when the
/// server closes the websocket.
///
/// A message that is not a valid feed message, or a binary message, is an error: the feed
/// is not what this program expects, and skipping data silently would hide it.
/// The producer is not ended: the caller does that.
pub async fn run_price_feed(
    feed_url: &str,
    subscribe: Option<&str>,
    producer: &SeaProducer,
) -> anyhow::Result<FeedStats> {
    let (mut ws, _response) = tokio_tungstenite::connect_async(feed_url)
        .await
        .with_context(|| format!("connecting to the feed {feed_url}"))?;
    log::info!("connected to {feed_url}");
    if let Some(request) = subscribe {
        ws.send(WsMessage::text(request)).await?;
    }
    let mut stats = FeedStats::default();
    while let Some(message) = ws.next().await {
        let text = match message {
            Ok(WsMessage::Text(text)) => text,
            Ok(WsMessage::Close(frame)) => {
                log::info!("the feed closed the connection: {frame:?}");
                break;
            }
            // answered by tungstenite itself
            Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_)) => continue,
            Ok(WsMessage::Binary(bytes)) => {
                bail!("unexpected binary message of {} bytes", bytes.len())
            }
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(err) => return Err(err).context("reading the feed"),
        };
        match parse_feed_message(text.as_str()).with_context(|| format!("feed message {text}"))? {
            FeedMessage::Heartbeat => stats.heartbeats += 1,
            FeedMessage::Spread(spread) => {
                producer.send(spread.to_json().as_str())?.await?;
                stats.spreads += 1;
            }
        }
    }
    log::info!(
        "feed ended: {} spread(s), {} heartbeat(s)",
        stats.spreads,
        stats.heartbeats
    );
    Ok(stats)
}
