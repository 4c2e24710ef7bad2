//! A consumer's metrics ([`Observe`]): handles registered once per stream key at creation
//! and shared by the handle (lag gauge) and the task (messages, bytes, errors, reconnects,
//! event-time latency), plus the spans of the task's steps ([`span`]).

use crate::message::same_key;
use sea_streamer_types::{
    Buffer, ConsumerMetrics, Message, SharedMessage, StreamKey, TraceContext,
};

/// The metric handles of one consumer, per stream key.
#[derive(Debug)]
pub(crate) struct Observe {
    streams: Vec<(StreamKey, ConsumerMetrics)>,
    /// Record `sea_streamer.consume` events (`RedisConsumerOptions::set_trace_propagation`).
    trace: bool,
}

impl Observe {
    /// Register the handles of `streams` (in `group`, if any).
    pub fn new(streams: &[StreamKey], group: Option<&str>, trace: bool) -> Self {
        Self {
            trace,
            streams: streams
                .iter()
                .map(|s| (s.clone(), ConsumerMetrics::new("redis", s, group)))
                .collect(),
        }
    }

    fn of(&self, stream_key: &StreamKey) -> Option<&ConsumerMetrics> {
        self.streams
            .iter()
            .find(|(k, _)| same_key(k, stream_key))
            .map(|(_, m)| m)
    }

    /// A batch is handed to the consumer: messages, payload bytes and (sampled) event-time
    /// latency per stream. The handles are looked up once per run of one stream's messages.
    pub fn delivered(&self, messages: &[SharedMessage]) {
        let mut current: Option<(&StreamKey, Option<&ConsumerMetrics>)> = None;
        for message in messages {
            let header = message.header();
            let key = header.stream_key();
            let metrics = match current {
                Some((k, m)) if same_key(k, key) => m,
                _ => {
                    let m = self.of(key);
                    current = Some((key, m));
                    m
                }
            };
            if let Some(m) = metrics {
                m.received(message.message().size(), *header.timestamp());
            }
            if self.trace {
                consumed(message);
            }
        }
    }

    /// An error the consumer recovered from or returned (counted once per stream).
    pub fn error(&self) {
        for (_, m) in &self.streams {
            m.error();
        }
    }

    /// The consumer reconnected (counted once per stream).
    pub fn reconnect(&self) {
        for (_, m) in &self.streams {
            m.reconnect();
        }
    }

    /// Set the lag gauge of `stream_key`.
    pub fn lag(&self, stream_key: &StreamKey, behind: u64) {
        if let Some(m) = self.of(stream_key) {
            m.lag(behind);
        }
    }
}

/// The `sea_streamer.consume` event of a message with a valid `traceparent`.
fn consumed(message: &SharedMessage) {
    let Some(context) = message.headers().and_then(TraceContext::from_headers) else {
        return;
    };
    let header = message.header();
    tracing::info!(
        name: "sea_streamer.consume",
        backend = "redis",
        stream = header.stream_key().name(),
        shard = header.shard_id().id(),
        sequence = %header.sequence(),
        trace_id = %context.trace_id(),
        parent_id = %context.span_id(),
        "consume"
    );
}

/// A step of the consumer that runs in a span.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    /// Creating the consumer: connections, shards, groups (`sea_streamer.connect`).
    Connect,
    /// One read (`sea_streamer.read_batch`, `count` recorded after it).
    ReadBatch,
    /// One flush of acks (`sea_streamer.commit`, `count`: the acks sent).
    Commit,
    /// A seek or rewind (`sea_streamer.seek`).
    Seek,
    /// Reconnecting after a lost connection (`sea_streamer.reconnect`).
    Reconnect,
}

/// The span of `step` on `stream` (the first stream read); reads and commits are `debug`,
/// the rarer steps `info`. A disabled span costs a check of the subscriber's interest.
pub(crate) fn span(step: Step, stream: &str) -> tracing::Span {
    let count = tracing::field::Empty;
    match step {
        Step::ReadBatch => {
            tracing::debug_span!("sea_streamer.read_batch", backend = "redis", stream, count)
        }
        Step::Commit => {
            tracing::debug_span!("sea_streamer.commit", backend = "redis", stream, count)
        }
        Step::Seek => tracing::info_span!("sea_streamer.seek", backend = "redis", stream),
        Step::Reconnect => {
            tracing::info_span!("sea_streamer.reconnect", backend = "redis", stream)
        }
        Step::Connect => tracing::info_span!("sea_streamer.connect", backend = "redis", stream),
    }
}
