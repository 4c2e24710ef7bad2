#![doc = include_str!("../README.md")]
//!
//! ## Differences from upstream 0.5.2
//!
//! - An empty stream key is rejected: `StreamKey::new("")` returns
//!   [`StreamKeyErr::InvalidStreamKey`] and `is_valid_stream_key("")` is `false`, as the
//!   error text (`{1, 249}`) always said. Stream URLs such as `stdio:///` still parse,
//!   because empty pieces of a stream list are dropped before validation.
//! - `StreamKey`'s `Deserialize` (feature `serde`) accepts owned strings as well as borrowed
//!   ones (e.g. JSON strings with escapes, or `serde_json::Value`); keys are still
//!   re-validated.
//! - `SharedMessage::new` checks the whole range `offset..offset + length` against the
//!   buffer and panics at construction, instead of later when the payload is read.
//! - Addition: `SharedMessage::from_shared` (many messages over one shared buffer) and its
//!   checked sibling [`SharedMessage::try_from_shared`], which returns a [`PayloadRangeErr`]
//!   where `from_shared` panics (a range outside the buffer, an offset or length over `u32`).
//! - Addition: [`SharedMessage::from_bytes`], a message whose payload is a `bytes::Bytes`
//!   (bytes 1.x) kept as it is, without a copy (e.g. what a network client hands out).
//!   Messages from `new` and `from_shared` are unchanged (the buffer is private).
//! - Addition: [`Acknowledge`] (one way to acknowledge on every backend: `track`, `ack`,
//!   `commit_acked`) and [`AckTracker`] (the per-shard contiguous processed prefix that
//!   position-based backends commit). Nothing existing changed.
//! - Addition: [`parse_duration`] and [`DurationErr`], the one duration syntax (`100us`,
//!   `250ms`, `2s`, `1m`) of every binary's command line.
//! - Addition: observability ([`observe`]): metric handles over the `metrics` facade and the
//!   metric names table, [`ConsumerLag`] and [`Lag`], W3C [`TraceContext`] propagation;
//!   [`Headers`] on messages ([`Message::headers`], [`SharedMessage::with_headers`]) and
//!   [`ProducerWithHeaders`].
//!
//! Behaviour the upstream description leaves open:
//!
//! - A host list made only of empty pieces (e.g. `redis://,/stream`) is rejected with
//!   `StreamUrlErr::ZeroNode`.
//! - `TIMESTAMP_FORMAT` is declared with `time::format_description::BorrowedFormatItem`, which
//!   is the very type behind the (now deprecated) `FormatItem` alias used upstream.

mod ack;
mod consumer;
mod duration;
mod error;
mod header;
mod headers;
mod message;
mod options;
mod payload;
mod producer;
mod stream;
mod streamer;

pub mod export;
pub mod observe;

pub use ack::*;
pub use consumer::*;
pub use duration::{parse_duration, DurationErr};
pub use error::*;
pub use header::MessageHeader;
pub use headers::{Headers, ProducerWithHeaders};
pub use message::*;
pub use observe::{
    ConsumerLag, ConsumerMetrics, Lag, LagUnit, ProcessorMetrics, ProducerMetrics, ShardLag,
    TraceContext, TraceParentErr, TRACEPARENT,
};
pub use options::*;
pub use payload::{Buffer, BytesOrStr, IntoBytesOrStr, Payload};
pub use producer::*;
pub use stream::*;
pub use streamer::*;
