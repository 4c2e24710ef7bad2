//! From a websocket price feed (Kraken's, or a replay of it) to a stream: the `price-feed`
//! example. `ws://` and `wss://` (rustls, the system's root certificates; `SSL_CERT_FILE`
//! names other ones).

use crate::kraken::{parse_feed_message, FeedMessage};
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use sea_streamer::{Producer, SeaProducer};
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// What [`run_price_feed`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Spreads sent to the stream.
    pub spreads: u64,
    /// Heartbeats skipped.
    pub heartbeats: u64,
}

/// Where and how [`run_price_feed`] connects.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The websocket feed, `ws://host:port/path` or `wss://host/path`.
    pub url: String,
    /// A text message sent right after connecting, e.g. a subscription request
    /// ([`crate::kraken::subscribe_request`]).
    pub subscribe: Option<String>,
    /// How long to keep retrying while the server refuses connections (e.g. is starting).
    pub connect_timeout: Duration,
}

impl FeedOptions {
    /// Options for `url`: no subscription message, no retrying.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            subscribe: None,
            connect_timeout: Duration::ZERO,
        }
    }
}

/// Connects to the websocket feed, retrying every 100 ms while the connection is refused,
/// for at most `connect_timeout`.
async fn connect(options: &FeedOptions) -> anyhow::Result<FeedSocket> {
    install_crypto_provider();
    let deadline = Instant::now() + options.connect_timeout;
    loop {
        match tokio_tungstenite::connect_async(options.url.as_str()).await {
            Ok((ws, _response)) => return Ok(ws),
            Err(tungstenite::Error::Io(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && Instant::now() < deadline =>
            {
                log::debug!("{}: connection refused, retrying", options.url);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => {
                return Err(err).with_context(|| format!("connecting to the feed {}", options.url))
            }
        }
    }
}

/// rustls needs a process-wide crypto provider: `ring`, unless one is installed already.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Fails only if another thread installed one meanwhile: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

type FeedSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to the websocket feed (see [`FeedOptions`]) and sends every spread to the
/// producer's anchored stream as a [`Spread`](crate::spread::Spread) JSON message;
/// heartbeats are skipped, the system and subscription statuses logged. Returns when the
/// server closes the websocket.
///
/// A message that is not a valid feed message, a binary message, or a refused subscription
/// (`subscriptionStatus` with status `error`) is an error: the feed is not what this program
/// expects, and skipping data silently would hide it.
/// The producer is not ended: the caller does that.
pub async fn run_price_feed(
    options: &FeedOptions,
    producer: &SeaProducer,
) -> anyhow::Result<FeedStats> {
    let mut ws = connect(options).await?;
    log::info!("connected to {}", options.url);
    if let Some(request) = &options.subscribe {
        ws.send(WsMessage::text(request.as_str())).await?;
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
            FeedMessage::SystemStatus(system) => {
                if system.status == "online" {
                    log::info!(
                        "the exchange is online (API {})",
                        system.version.as_deref().unwrap_or("?")
                    );
                } else {
                    log::warn!("the exchange's status is {}", system.status);
                }
            }
            FeedMessage::SubscriptionStatus(sub) => match sub.status.as_str() {
                "error" => bail!(
                    "subscription to {} refused: {}",
                    sub.pair.as_deref().unwrap_or("?"),
                    sub.error_message.as_deref().unwrap_or("no reason given")
                ),
                status => log::info!(
                    "{} {} {}",
                    sub.pair.as_deref().unwrap_or("?"),
                    sub.channel_name.as_deref().unwrap_or("?"),
                    status
                ),
            },
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
