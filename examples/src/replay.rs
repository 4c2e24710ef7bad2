//! A local websocket server that replays a recorded feed: the `feed-replay` example.
//!
//! Each client that connects receives every line of the recording as one text message, in
//! order, and then a websocket close. So a client, and whatever it feeds, sees a finite,
//! reproducible feed and a clean end, with no network access.

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Reads a recording: one message per line; blank lines are ignored.
pub fn load_recording(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the recorded feed {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Accepts websocket clients on `listener` and replays `lines` to each of them, one line every
/// `interval` (zero: as fast as possible), then closes the connection.
///
/// Returns once `clients` connections were accepted and served (`None`: serves forever).
/// A client that fails is logged and does not stop the server.
pub async fn serve(
    listener: TcpListener,
    lines: Arc<Vec<String>>,
    interval: Duration,
    clients: Option<usize>,
) -> anyhow::Result<()> {
    let mut tasks = JoinSet::new();
    let mut accepted = 0;
    while clients.is_none_or(|n| accepted < n) {
        let (stream, peer) = listener.accept().await?;
        accepted += 1;
        log::info!("client {accepted} connected from {peer}");
        let lines = lines.clone();
        tasks.spawn(async move {
            match replay_to(stream, &lines, interval).await {
                Ok(sent) => log::info!("replayed {sent} message(s) to {peer}"),
                Err(err) => log::warn!("replay to {peer} failed: {err:#}"),
            }
        });
        // reap finished clients so a long-running server does not keep them
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Runs the websocket handshake on `stream` (TCP, or e.g. a TLS stream over it for `wss://`),
/// sends every line, then closes the websocket and waits for the client's close reply.
/// Returns the number of lines sent.
pub async fn replay_to<S>(stream: S, lines: &[String], interval: Duration) -> anyhow::Result<usize>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut ws = tokio_tungstenite::accept_async(stream)
        .await
        .context("websocket handshake")?;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        ws.send(WsMessage::text(line.as_str())).await?;
    }
    ws.close(None).await?;
    // read until the client answers the close (messages it sent are ignored)
    while let Some(message) = ws.next().await {
        match message {
            Ok(WsMessage::Close(_)) => break,
            Ok(other) => log::debug!("ignored client message {other:?}"),
            Err(err) => {
                log::debug!("connection ended: {err}");
                break;
            }
        }
    }
    Ok(lines.len())
}
