//! The [`Consumer`] trait and consumer identities and modes.

use crate::{Message, SeqPos, ShardId, StreamKey, StreamResult, Timestamp};
use futures::Stream;
use std::future::Future;

/// How a consumer tracks and shares its progress.
///
/// ```
/// use sea_streamer_types::ConsumerMode;
///
/// assert_eq!(ConsumerMode::default(), ConsumerMode::RealTime);
/// ```
#[derive(Debug, Default, Copy, Clone, PartialEq, Eq)]
pub enum ConsumerMode {
    /// A plain consumer that commits nothing; where it starts is backend-specific.
    #[default]
    RealTime,
    /// Progress is committed, so a restarted process continues where it left off.
    Resumable,
    /// Consumers sharing a group split the messages between them.
    LoadBalanced,
}

/// The name of a consumer group.
///
/// ```
/// use sea_streamer_types::ConsumerGroup;
///
/// assert_eq!(ConsumerGroup::new("friends").name(), "friends");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConsumerGroup {
    name: String,
}

impl ConsumerGroup {
    /// Creates a consumer group name.
    pub fn new<S: Into<String>>(name: S) -> Self {
        Self { name: name.into() }
    }

    /// The group name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The identity of a consumer within a group.
///
/// ```
/// use sea_streamer_types::ConsumerId;
///
/// assert_eq!(ConsumerId::new("chip").id(), "chip");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConsumerId {
    id: String,
}

impl ConsumerId {
    /// Creates a consumer id.
    pub fn new<S: Into<String>>(id: S) -> Self {
        Self { id: id.into() }
    }

    /// The id text.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A consumer subscribed to one or more streams.
///
/// Generic semantics shared by all backends:
/// - [`Consumer::seek`] restarts every subscribed stream at the first message whose
///   timestamp is strictly later than the given one; if no shard was assigned, shard 0
///   is used.
/// - [`Consumer::rewind`] repositions to the beginning, the end, or a sequence number.
/// - [`Consumer::assign`] adds a `(stream, shard)` used by the next `seek`/`rewind`
///   (`StreamKeyNotFound` if the stream is not subscribed); [`Consumer::unassign`]
///   removes one (`StreamKeyNotFound` if absent, `StreamKeyEmpty` if it is the last).
/// - [`Consumer::next`] waits for one message and may be called concurrently.
/// - [`Consumer::stream`] is an endless stream of `next()` results.
///
/// ```
/// use sea_streamer_types::{
///     export::futures::TryStreamExt, Consumer, Message, SeqPos, StreamResult,
/// };
///
/// async fn replay<C: Consumer>(mut consumer: C, count: usize) -> StreamResult<Vec<u64>, C::Error> {
///     consumer.rewind(SeqPos::Beginning).await?;
///     let mut sequences = Vec::new();
///     let mut stream = std::pin::pin!(consumer.stream());
///     while sequences.len() < count {
///         let message = stream.try_next().await?.expect("the stream is endless");
///         sequences.push(message.sequence() as u64);
///     }
///     Ok(sequences)
/// }
/// ```
pub trait Consumer: Sized + Send + Sync {
    /// The backend-specific error type.
    type Error: std::error::Error;

    /// The message type yielded by this consumer.
    type Message<'a>: Message
    where
        Self: 'a;
    /// The future returned by [`Consumer::next`].
    type NextFuture<'a>: Future<Output = StreamResult<Self::Message<'a>, Self::Error>>
    where
        Self: 'a;
    /// The stream returned by [`Consumer::stream`].
    type Stream<'a>: Stream<Item = StreamResult<Self::Message<'a>, Self::Error>>
    where
        Self: 'a;

    /// Restarts consumption just after the given timestamp.
    fn seek(&mut self, to: Timestamp)
        -> impl Future<Output = StreamResult<(), Self::Error>> + Send;

    /// Repositions consumption to the given position.
    fn rewind(
        &mut self,
        offset: SeqPos,
    ) -> impl Future<Output = StreamResult<(), Self::Error>> + Send;

    /// Adds a `(stream, shard)` to the set used by the next `seek` / `rewind`.
    fn assign(&mut self, ss: (StreamKey, ShardId)) -> StreamResult<(), Self::Error>;

    /// Removes a `(stream, shard)` from the set used by the next `seek` / `rewind`.
    fn unassign(&mut self, ss: (StreamKey, ShardId)) -> StreamResult<(), Self::Error>;

    /// Waits for the next message.
    fn next(&self) -> Self::NextFuture<'_>;

    /// An endless stream of messages; only one may exist at a time.
    fn stream<'a, 'b: 'a>(&'b mut self) -> Self::Stream<'a>;
}
