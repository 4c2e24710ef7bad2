//! Counting each log line per time window: the `log-aggregator` example (the seed's Kafka
//! log aggregator), on sea-streamer-fuse's event-time windows.
//!
//! Every message of the input is one log line. Lines are counted per window of their
//! message's timestamp (event time: a replay gives the same counts): tumbling windows
//! `[start, start + window)` aligned to the Unix epoch, or sliding ones. A window's counts
//! come out once the watermark (the newest timestamp seen minus the allowed lateness) has
//! passed its end, and the open windows when the input ends, when `--count` is reached, or on
//! SIGINT/SIGTERM. A line that arrives after its window closed is late: left out, counted,
//! and logged.

use crate::endpoint::{next_or_end, Limit};
use crate::spread::timestamp_text;
use futures::{FutureExt, Stream, StreamExt};
use sea_streamer::fuse::{fold, WindowSpec, WindowStream, WindowStreamErr};
use sea_streamer::{Buffer, Message, Producer, SeaConsumer, SeaProducer, SharedMessage, Timestamp};
use serde::{Deserialize, Serialize};
use std::future::Future;

/// How often one log line occurred in one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineCount {
    /// The log line (trailing whitespace removed; not UTF-8 bytes replaced by U+FFFD).
    pub line: String,
    /// The window's first instant.
    #[serde(with = "timestamp_text")]
    pub start: Timestamp,
    /// The first instant after the window.
    #[serde(with = "timestamp_text")]
    pub end: Timestamp,
    /// Occurrences of the line in the window.
    pub count: u64,
}

/// The log line of a message: its payload as text, trailing whitespace removed.
///
/// ```
/// use sea_streamer::{MessageHeader, ShardId, SharedMessage, StreamKey, Timestamp};
/// use sea_streamer_examples::log_count::line_of;
///
/// let header = MessageHeader::new(StreamKey::new("logs").unwrap(), ShardId::new(0), 1, Timestamp::now_utc());
/// let message = SharedMessage::new(header, b"GET /index.html 200\r\n".to_vec(), 0, 21);
/// assert_eq!(line_of(&message), "GET /index.html 200");
/// ```
pub fn line_of(message: &SharedMessage) -> String {
    let payload = message.message();
    String::from_utf8_lossy(payload.as_bytes())
        .trim_end()
        .to_owned()
}

/// The counts of each line per window of `spec`, from a stream of messages: one
/// [`LineCount`] per line and window, in window-end order (then by line). Late lines are
/// logged and left out. An input error ends the output with that error, after the open
/// windows.
pub fn count_lines<S, E>(
    input: S,
    spec: WindowSpec,
) -> impl Stream<Item = Result<LineCount, WindowStreamErr<E>>>
where
    S: Stream<Item = Result<SharedMessage, E>>,
{
    let count = fold(|| (), |_: &mut (), _: &SharedMessage| {});
    let mut windows = WindowStream::by_key(input, spec, line_of, count);
    windows.on_late(|m: SharedMessage| {
        log::warn!("late line left out (at {}): {}", m.timestamp(), line_of(&m))
    });
    windows.map(|window| {
        window.map(|w| LineCount {
            line: w.key,
            start: w.start,
            end: w.end,
            count: w.count,
        })
    })
}

/// The messages of `consumer` as a stream that ends after `count` messages (`None`: no
/// limit), at the end of the input, or when `shutdown` resolves.
pub fn messages<'a>(
    consumer: &'a SeaConsumer,
    count: Option<u64>,
    shutdown: impl Future<Output = ()> + 'a,
) -> impl Stream<Item = anyhow::Result<SharedMessage>> + 'a {
    let input = futures::stream::unfold(Limit::new(count), move |mut limit| async move {
        if limit.reached() {
            return None;
        }
        let item = match next_or_end(consumer).await {
            Ok(None) => return None,
            Ok(Some(message)) => Ok(message),
            Err(err) => Err(err.into()),
        };
        limit.add(1);
        Some((item, limit))
    });
    input.take_until(shutdown.boxed_local())
}

/// Where the counts go.
#[derive(Debug)]
pub enum CountSink<'a, W: std::io::Write> {
    /// One JSON [`LineCount`] per message, to the producer's anchored stream.
    Stream(&'a SeaProducer),
    /// One JSON [`LineCount`] per line, to a writer (the program's stdout).
    Writer(W),
}

/// Counts the lines of `consumer` per window of `spec` ([`count_lines`]) and sends each
/// count to `sink`. Stops after `count` messages, at the end of a `file://` input or when
/// `shutdown` resolves; the open windows are sent then. Returns the number of counts sent.
pub async fn run_log_aggregator<W: std::io::Write>(
    consumer: &SeaConsumer,
    spec: WindowSpec,
    count: Option<u64>,
    shutdown: impl Future<Output = ()>,
    mut sink: CountSink<'_, W>,
) -> anyhow::Result<u64> {
    let counts = count_lines(messages(consumer, count, shutdown), spec);
    let mut counts = std::pin::pin!(counts);
    let mut sent = 0;
    while let Some(item) = counts.next().await {
        let line_count = item.map_err(WindowStreamErr::into_error::<anyhow::Error>)?;
        let json = serde_json::to_string(&line_count)?;
        match &mut sink {
            CountSink::Stream(producer) => {
                producer.send(json.as_str())?.await?;
            }
            CountSink::Writer(writer) => writeln!(writer, "{json}")?,
        }
        sent += 1;
    }
    if let CountSink::Writer(writer) = &mut sink {
        writer.flush()?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer::{MessageHeader, ShardId, StreamKey};
    use std::time::Duration;

    fn message(second: i64, line: &str) -> Result<SharedMessage, std::io::Error> {
        let ts = Timestamp::from_unix_timestamp(second).unwrap();
        let header = MessageHeader::new(StreamKey::new("logs").unwrap(), ShardId::new(0), 0, ts);
        let bytes = format!("{line}\n").into_bytes();
        let size = bytes.len();
        Ok(SharedMessage::new(header, bytes, 0, size))
    }

    #[tokio::test]
    async fn counts_each_line_per_window() {
        let input = futures::stream::iter(vec![
            message(1, "GET / 200"),
            message(2, "GET / 200"),
            message(3, "GET /x 404"),
            message(9, "GET / 200"),
            message(12, "GET / 200"), // closes [0, 10)
            message(5, "GET / 200"),  // late
            message(25, "GET /x 404"),
        ]);
        let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
        let out: Vec<(String, i64, u64)> = count_lines(input, spec)
            .map(|c| {
                let c = c.unwrap();
                (c.line, c.start.unix_timestamp(), c.count)
            })
            .collect()
            .await;
        assert_eq!(
            out,
            [
                ("GET / 200".to_owned(), 0, 3),
                ("GET /x 404".to_owned(), 0, 1),
                ("GET / 200".to_owned(), 10, 1),
                ("GET /x 404".to_owned(), 20, 1),
            ]
        );
    }

    #[test]
    fn a_count_is_one_json_line() {
        let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
        let count = LineCount {
            line: "disk \"full\"".to_owned(),
            start: t(0),
            end: t(60),
            count: 3,
        };
        let json = serde_json::to_string(&count).unwrap();
        assert!(!json.contains('\n'));
        assert_eq!(serde_json::from_str::<LineCount>(&json).unwrap(), count);
    }
}
