//! Requests from producer handles to the producer task, and messages sent to the internal key.

use super::budget::Reserved;
use crate::RedisResult;
use futures::channel::oneshot;
use sea_streamer_types::{Headers, MessageHeader, StreamKey, SEA_STREAMER_INTERNAL};
use std::time::Instant;

/// One message in this many has its send-to-receipt latency recorded. With an exporter
/// installed a sample is the costliest part of a send's metrics (the clock read, the
/// histogram's bucket, and the exporter later draining it into its summary: about 1 000
/// instructions), so 1 in 32 keeps it near 30 instructions per message (1 in 8 was 130).
pub(crate) const LATENCY_SAMPLE: u32 = 32;

/// `Some(now)` for one call in [`LATENCY_SAMPLE`] on this thread (the first one included).
pub(crate) fn sample_clock() -> Option<Instant> {
    thread_local! {
        static CALLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    let n = CALLS.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    });
    n.is_multiple_of(LATENCY_SAMPLE).then(Instant::now)
}

/// Where a receipt goes.
pub(crate) type Reply = oneshot::Sender<RedisResult<MessageHeader>>;

/// A request to the producer task.
pub(crate) enum Request {
    /// `XADD`; `id_time` is the timestamp part of an explicit id (`None` → `*`).
    Send {
        stream_key: StreamKey,
        id_time: Option<u64>,
        payload: Vec<u8>,
        /// Entry fields written after the message field (empty: none).
        headers: Headers,
        /// When `send` was called, for the send-to-receipt latency of one message in
        /// [`LATENCY_SAMPLE`] (the clock is not read for the others).
        sent_at: Option<Instant>,
        reply: Reply,
        /// The message's share of the queue budget, held until its receipt resolves.
        reserved: Reserved,
    },
    /// Answer once everything before it has been answered.
    Flush { reply: Reply },
    /// `XTRIM <key> MAXLEN ~ <maxlen>`.
    Trim {
        stream_key: StreamKey,
        maxlen: u32,
        reply: oneshot::Sender<RedisResult<u64>>,
    },
    /// A `XTRIM,{key},{maxlen}` sent by hand to the internal key; the receipt's sequence is
    /// the number of entries removed.
    TrimSignal {
        stream_key: StreamKey,
        maxlen: u32,
        reply: Reply,
    },
}

/// Interpret a message sent to `SEA_STREAMER_INTERNAL`: an empty payload is a flush,
/// `XTRIM,{key},{maxlen}` a trim; anything else is dropped (its receipt reports `ProducerDied`).
pub(crate) fn internal_request(payload: Vec<u8>, reply: Reply) -> Request {
    if payload.is_empty() {
        return Request::Flush { reply };
    }
    let text = String::from_utf8_lossy(&payload);
    let mut parts = text.split(',');
    if let (Some("XTRIM"), Some(key), Some(maxlen), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        if let (Ok(stream_key), Ok(maxlen)) = (StreamKey::new(key), maxlen.parse()) {
            return Request::TrimSignal {
                stream_key,
                maxlen,
                reply,
            };
        }
    }
    log::warn!("Dropping an unknown message sent to {SEA_STREAMER_INTERNAL}: {text}");
    drop(reply);
    Request::Flush {
        reply: oneshot::channel().0,
    }
}
