//! The [`Producer`] trait.

use crate::{Buffer, MessageHeader, StreamKey, StreamResult};
use std::future::Future;

/// Delivery receipt returned by a producer's send future: the header of the stored message.
pub type Receipt = MessageHeader;

/// A producer of messages to one or more streams.
///
/// Semantics shared by all backends:
/// - [`Producer::send_to`] never blocks: it enqueues the message and returns a future
///   for the [`Receipt`]. Dropping the future does not cancel the send.
/// - [`Producer::send`] uses the anchored stream key (`Err(NotAnchored)` if none).
/// - [`Producer::anchor`] succeeds once; a second call returns `Err(AlreadyAnchored)`.
/// - [`Producer::flush`] resolves once everything sent before it has been handed over to
///   the server or file; [`Producer::end`] flushes then releases the producer.
///
/// ```
/// use sea_streamer_types::{Producer, StreamResult};
///
/// async fn send_all<P: Producer>(mut producer: P, lines: &[&str]) -> StreamResult<(), P::Error> {
///     for line in lines {
///         // The receipt future may be dropped; the message is still sent.
///         let _receipt = producer.send(*line)?;
///     }
///     producer.flush().await
/// }
/// ```
pub trait Producer: Clone + Send + Sync {
    /// The backend-specific error type.
    type Error: std::error::Error;
    /// The future resolving to the delivery receipt.
    type SendFuture: Future<Output = StreamResult<Receipt, Self::Error>>;

    /// Sends a message to the given stream.
    fn send_to<S: Buffer>(
        &self,
        stream: &StreamKey,
        payload: S,
    ) -> StreamResult<Self::SendFuture, Self::Error>;

    /// Sends a message to the anchored stream; `Err(NotAnchored)` if there is none.
    fn send<S: Buffer>(&self, payload: S) -> StreamResult<Self::SendFuture, Self::Error> {
        self.send_to(self.anchored()?, payload)
    }

    /// Flushes and releases the producer.
    fn end(self) -> impl Future<Output = StreamResult<(), Self::Error>> + Send;

    /// Resolves once every message sent before has been handed over.
    fn flush(&mut self) -> impl Future<Output = StreamResult<(), Self::Error>> + Send;

    /// Anchors the producer to a stream; `Err(AlreadyAnchored)` on a second call.
    fn anchor(&mut self, stream: StreamKey) -> StreamResult<(), Self::Error>;

    /// The anchored stream; `Err(NotAnchored)` if never anchored.
    fn anchored(&self) -> StreamResult<&StreamKey, Self::Error>;
}
