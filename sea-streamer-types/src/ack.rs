//! One way to acknowledge messages on every backend: [`Acknowledge`].
//!
//! A consumer that implements [`Acknowledge`] is told three things about the messages it
//! delivered: that one was taken for processing ([`Acknowledge::track`]), that one is
//! processed ([`Acknowledge::ack`]), and that what is processed so far must become durable
//! ([`Acknowledge::commit_acked`]). This is an addition to the 0.5 API; nothing existing
//! changes.
//!
//! Backends whose progress is a position per shard (Kafka offsets, the file backend's
//! commit file) must never move that position past a message that is not processed, even
//! when messages finish out of order: they keep an [`AckTracker`], which only advances over
//! a contiguous prefix of processed messages of each shard.

mod tracker;

pub use tracker::AckTracker;

use crate::{Consumer, MessageHeader, StreamResult};
use std::future::Future;

/// Acknowledging processed messages, for at-least-once processing.
///
/// What each backend does:
///
/// | Backend | `track` | `ack` | `commit_acked` | A restarted consumer resumes |
/// |---|---|---|---|---|
/// | Kafka (`Resumable`, `LoadBalanced`, auto commit off) | records the offset as in flight | marks it processed | commits, per partition, the offset after the contiguous processed prefix | at the first unprocessed message of each partition |
/// | Redis (consumer group, `AutoCommit::Rolling` or `Disabled`) | nothing (the pending entries list holds it) | queues an `XACK` of exactly this message | sends the queued `XACK`s | with its own pending entries (same consumer id), or another member claims them |
/// | file (`Resumable`) | remembers where its frame starts | marks it processed | writes the group's commit file: the offset before the first unprocessed message (over every shard and every member of the group in the process) | at the first unprocessed message |
/// | `SeaConsumer` (sea-streamer-socket) | the wrapped backend's | the wrapped backend's | the wrapped backend's | as that backend |
/// | stdio; every `RealTime` consumer; file `LoadBalanced` | nothing (documented no-op) | nothing | nothing | where the backend starts anyway |
///
/// A consumer that acknowledges every delivered message by itself cannot promise
/// at-least-once, so there `track` and `ack` fail with `StreamErr::Unsupported`: Kafka with
/// auto commit and automatic offset store both on, Redis with `AutoCommit::Immediate`
/// (`NOACK`) or `Delayed`.
///
/// The contract, for every implementation:
///
/// - Call [`track`](Self::track) for each message as it is received, in the order received,
///   before any later message of the same shard is acknowledged. A runner processing
///   messages concurrently must do so; a program that acknowledges every message before it
///   takes the next one may skip it (an untracked message is tracked by its `ack`).
/// - [`ack`](Self::ack) says "this message is processed"; it is cheap and does no I/O on
///   position-based backends. Acknowledging twice is harmless.
/// - [`commit_acked`](Self::commit_acked) makes durable what was acknowledged, and never
///   covers a message that was tracked and not acknowledged: a restarted consumer resumes
///   at the first unprocessed message of each shard (at-least-once; messages acknowledged
///   after that one are delivered again).
///
/// ```
/// use sea_streamer_types::{Acknowledge, Message, StreamResult};
///
/// /// Handles messages one by one, acknowledging each, committing every 100.
/// async fn drain<C: Acknowledge>(consumer: &C, count: usize) -> StreamResult<(), C::Error> {
///     for i in 0..count {
///         let message = consumer.next().await?;
///         let header = message.to_owned().take_header();
///         consumer.track(&header)?;
///         // ... process the message ...
///         consumer.ack(&header)?;
///         if i % 100 == 99 {
///             consumer.commit_acked().await?;
///         }
///     }
///     consumer.commit_acked().await
/// }
/// ```
pub trait Acknowledge: Consumer {
    /// Records that the message with this header was received and will be acknowledged
    /// later: until it is, no commit covers it.
    fn track(&self, header: &MessageHeader) -> StreamResult<(), Self::Error>;

    /// Marks the message with this header as processed.
    fn ack(&self, header: &MessageHeader) -> StreamResult<(), Self::Error>;

    /// Makes what is acknowledged durable (a commit of each shard's contiguous processed
    /// prefix, or the backend's equivalent).
    fn commit_acked(&self) -> impl Future<Output = StreamResult<(), Self::Error>> + Send;
}
