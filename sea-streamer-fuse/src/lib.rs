//! # sea-streamer-fuse
//!
//! The stream-processing toolbox of sea-streamer. Its first tool is [`StreamJoin`]: it takes
//! one merged stream of messages from many stream keys (a consumer of several streams, or
//! several consumers' streams merged with `futures::stream::select`) and yields the same
//! messages in timestamp order, waiting for the *aligned* keys so that a slower stream does
//! not fall behind a faster one.
//!
//! ```
//! use sea_streamer_fuse::StreamJoin;
//! use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
//! use sea_streamer_types::{Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
//!
//! fn message(key: &str, t: i64) -> Result<OwnedMessage, std::io::Error> {
//!     let ts = Timestamp::from_unix_timestamp(t).unwrap();
//!     let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
//!     Ok(OwnedMessage::new(header, Vec::new()))
//! }
//!
//! // `fast` was read far ahead of `slow`
//! let input = stream::iter(vec![
//!     message("fast", 1), message("fast", 2), message("fast", 3), message("fast", 4),
//!     message("slow", 2), message("slow", 4),
//! ]);
//! let mut join = StreamJoin::muxed(input);
//! join.align(StreamKey::new("fast").unwrap());
//! join.align(StreamKey::new("slow").unwrap());
//! let out: Vec<(String, i64)> = block_on(
//!     join.map(|m| {
//!         let m = m.unwrap();
//!         (m.stream_key().name().to_owned(), m.timestamp().unix_timestamp())
//!     })
//!     .collect::<Vec<_>>(),
//! );
//! let expected = [("fast", 1), ("fast", 2), ("slow", 2), ("fast", 3), ("fast", 4), ("slow", 4)];
//! assert_eq!(out, expected.map(|(k, t)| (k.to_owned(), t)));
//! ```
//!
//! The second tool is event-time windows: [`WindowStream`] (or its runtime-free core
//! [`Windows`]) groups messages into tumbling or sliding [`WindowSpec`] windows by stream
//! key or a key of the caller's, aggregates each window with an [`Aggregator`] (or
//! [`fold`]) and yields each [`Window`] when the watermark (largest timestamp seen minus
//! an allowed lateness) closes it; late messages are counted and can be handed to a
//! handler. See the README's "Windows over event time".
//!
//! The join works over any backend's message stream; with the `socket` facade the usual
//! pairing is `StreamJoin<SeaMessageStream<'a>, SeaMessage<'a>, StreamErr<BackendErr>>`.
//!
//! ## Semantics (as upstream 0.5.2)
//! - Messages are buffered per stream key in arrival order; each key's messages are assumed
//!   to be in timestamp order already.
//! - After each message pulled from the input, the join yields if every aligned key has a
//!   buffered message (and something is buffered); otherwise it pulls again, and returns
//!   `Pending` when its input does.
//! - It yields the buffered head with the smallest timestamp; on equal timestamps the key
//!   that sorts first (by name) wins.
//! - An input error ends the input: the buffer drains in the same order (no longer waiting
//!   for aligned keys), then the error comes out once, then `None`. The input's end drains
//!   the buffer, then `None`.
//! - With no aligned key, every message is yielded as it arrives.
//!
//! ## Differences from upstream
//! - The default behaviour is upstream's. The type also implements `Debug` (aligned keys,
//!   buffered count, options; not the messages).
//! - The facade `sea-streamer` re-exports this crate as `sea_streamer::fuse` with its
//!   feature `fuse` (upstream's facade does not re-export it; depending on the crate
//!   directly works as before).
//!
//! ## Beyond upstream (opt-in, additive)
//! Upstream's documented limits are an unbounded buffer (a silent aligned key holds every
//! other key's messages in memory forever) and a late first message of a key silently
//! breaking the output's order. Three opt-in tools address them; none changes anything
//! unless used:
//! - **A bound on buffered messages**, [`JoinOptions::set_max_buffered`]: back-pressure
//!   with forced release. The join never holds more than the bound: when full it pulls
//!   nothing more until it yielded one, and it yields its earliest message without waiting
//!   for the aligned keys (waiting could never end, since the key it waits for may be stuck
//!   behind the messages it cannot take in the one merged input).
//! - **An idle timeout**, [`JoinOptions::set_idle_timeout`]: an aligned key whose newest
//!   message is more than the timeout older than the newest timestamp seen (of any key)
//!   stops holding output back until it has a message again (and, with the timeout set,
//!   a quiet aligned key never holds back messages no later than its own newest). The
//!   clock is the messages' own timestamps (a watermark), so no runtime is needed and a
//!   replay behaves exactly like the live run. If every key goes quiet the watermark stops too; a periodic
//!   heartbeat stream merged into the input (not aligned) keeps it moving.
//! - **Late messages**, [`StreamJoin::on_late`] and [`StreamJoin::late_count`]: a message
//!   earlier than one already yielded is counted, and a handler can see it and keep it
//!   in the output (upstream's behaviour) or take it out.
//!
//! - **Event-time windows** ([`WindowStream`], [`Windows`]) are new in this crate; upstream
//!   0.5.2 has no windows. They change nothing for users of the join.
//!
//! [`StreamJoin::buffered_len`] tells how many messages are held right now. After a forced
//! or idle release the output stays in timestamp order apart from the late messages, but
//! on equal timestamps a message of a key that sorts first may follow one that sorts later
//! (such a message is not late).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod buffer;
mod core;
mod join;
mod late;
mod options;
mod watermark;
mod window;

pub use join::StreamJoin;
pub use options::JoinOptions;
pub use window::{
    fold, Aggregator, Fold, Push, Window, WindowErr, WindowSpec, WindowStream, WindowStreamErr,
    Windows,
};

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
