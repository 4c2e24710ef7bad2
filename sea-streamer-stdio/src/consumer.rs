//! [`StdioConsumer`]: receives the messages read from stdin (and looped back).

use crate::consumer_group::{registry, Inbox};
use crate::input::ensure_stdin_thread;
use crate::{StdioErr, StdioResult};
use futures::{StreamExt, TryFutureExt};
use sea_streamer_types::{
    Consumer, ConsumerLag, Lag, SeqPos, ShardId, SharedMessage, StreamErr, StreamKey, Timestamp,
};
use std::future::Future;
use std::sync::Arc;

/// A message of the stdio backend.
pub type StdioMessage = SharedMessage;

/// Future of [`StdioConsumer::next`](Consumer::next).
pub type NextFuture<'a> = futures::future::MapErr<
    flume::r#async::RecvFut<'a, SharedMessage>,
    fn(flume::RecvError) -> StreamErr<StdioErr>,
>;

/// Stream of [`StdioConsumer::stream`](Consumer::stream); it ends after a disconnect.
pub type StdioMessageStream<'a> = futures::stream::Map<
    flume::r#async::RecvStream<'a, SharedMessage>,
    fn(SharedMessage) -> StdioResult<SharedMessage>,
>;

/// A consumer of the lines on stdin.
///
/// It receives the messages of the stream keys it subscribed to, and every line without a
/// key (a broadcast). Members of a consumer group share the group's messages. Dropping a
/// consumer unregisters it; the group messages it had not received yet go to the group's
/// remaining members.
///
/// ```no_run
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
/// use sea_streamer_types::{Buffer, Consumer, Message, StreamKey, Streamer, StreamerUri};
///
/// let streamer = StdioStreamer::connect(StreamerUri::zero(), StdioConnectOptions::default()).await?;
/// let consumer = streamer
///     .create_consumer(&[StreamKey::new("hello")?], StdioConsumerOptions::default())
///     .await?;
/// let message = consumer.next().await?;
/// println!("{}", message.message().as_str().unwrap_or("(not UTF-8)"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StdioConsumer {
    id: u64,
    streams: Vec<StreamKey>,
    assigned: Vec<(StreamKey, ShardId)>,
    inbox: Arc<Inbox>,
    receiver: flume::Receiver<SharedMessage>,
}

impl StdioConsumer {
    pub(crate) fn new(
        id: u64,
        streams: Vec<StreamKey>,
        inbox: Arc<Inbox>,
        receiver: flume::Receiver<SharedMessage>,
    ) -> Self {
        let assigned = streams
            .iter()
            .map(|s| (s.clone(), ShardId::new(0)))
            .collect();
        Self {
            id,
            streams,
            assigned,
            inbox,
            receiver,
        }
    }
}

impl Drop for StdioConsumer {
    fn drop(&mut self) {
        registry().remove(self.id, &self.receiver);
    }
}

/// Starts reading stdin (once per process) when a consumer first asks for messages.
fn start_reading() {
    if let Err(e) = ensure_stdin_thread() {
        log::error!("cannot spawn the stdin thread: {e}");
    }
}

fn recv_err(e: flume::RecvError) -> StreamErr<StdioErr> {
    StreamErr::Backend(StdioErr::RecvError(e))
}

impl Consumer for StdioConsumer {
    type Error = StdioErr;
    type Message<'a> = SharedMessage;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = StdioMessageStream<'a>;

    /// Stdin cannot be replayed: `Err(Unsupported("StdioConsumer::seek"))`.
    fn seek(&mut self, _: Timestamp) -> impl Future<Output = StdioResult<()>> + Send {
        futures::future::ready(Err(StreamErr::Unsupported(
            "StdioConsumer::seek".to_owned(),
        )))
    }

    /// Stdin cannot be replayed: `Err(Unsupported("StdioConsumer::rewind"))`.
    fn rewind(&mut self, _: SeqPos) -> impl Future<Output = StdioResult<()>> + Send {
        futures::future::ready(Err(StreamErr::Unsupported(
            "StdioConsumer::rewind".to_owned(),
        )))
    }

    /// Adds `(stream, shard)` to the assignment set; `Err(StreamKeyNotFound)` if the
    /// stream is not subscribed. Delivery is unaffected (all shards are delivered).
    fn assign(&mut self, (stream, shard): (StreamKey, ShardId)) -> StdioResult<()> {
        if !self.streams.contains(&stream) {
            return Err(StreamErr::StreamKeyNotFound);
        }
        if !self.assigned.contains(&(stream.clone(), shard)) {
            self.assigned.push((stream, shard));
        }
        Ok(())
    }

    /// Removes `(stream, shard)` from the assignment set: `Err(StreamKeyNotFound)` if it
    /// is absent, `Err(StreamKeyEmpty)` if it is the last one.
    fn unassign(&mut self, ss: (StreamKey, ShardId)) -> StdioResult<()> {
        let pos = self
            .assigned
            .iter()
            .position(|a| a == &ss)
            .ok_or(StreamErr::StreamKeyNotFound)?;
        if self.assigned.len() == 1 {
            return Err(StreamErr::StreamKeyEmpty);
        }
        self.assigned.remove(pos);
        Ok(())
    }

    /// The next message; `Err(Backend(RecvError(..)))` once the streamer is disconnected.
    fn next(&self) -> NextFuture<'_> {
        start_reading();
        self.inbox.prepare_next();
        self.receiver
            .recv_async()
            .map_err(recv_err as fn(flume::RecvError) -> StreamErr<StdioErr>)
    }

    /// All messages as a stream of `Ok` items; it ends once the streamer is disconnected.
    fn stream<'a, 'b: 'a>(&'b mut self) -> StdioMessageStream<'a> {
        start_reading();
        self.inbox.stream();
        self.receiver
            .stream()
            .map(Ok as fn(SharedMessage) -> StdioResult<SharedMessage>)
    }
}

/// Lag is not applicable to stdio: a pipe has no end to measure against (what has not been
/// read yet may not have been written yet), so `lag` fails with `StreamErr::Unsupported` and
/// the lag gauge is not set. (An addition to the 0.5 API.)
///
/// ```
/// use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
/// use sea_streamer_types::{ConsumerLag, StreamErr, StreamKey, Streamer, StreamerUri};
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// let streamer = StdioStreamer::connect(StreamerUri::zero(), StdioConnectOptions::default()).await?;
/// let consumer = streamer
///     .create_consumer(&[StreamKey::new("hello")?], StdioConsumerOptions::default())
///     .await?;
/// assert!(matches!(consumer.lag().await, Err(StreamErr::Unsupported(_))));
/// # Ok(()) }
/// ```
impl ConsumerLag for StdioConsumer {
    async fn lag(&self) -> StdioResult<Lag> {
        Err(StreamErr::Unsupported(
            "consumer lag is not applicable to stdio (a pipe has no end to measure against)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_unpin<T: Send + Sync + Unpin>() {}
    fn assert_send_unpin<T: Send + Unpin>() {}

    #[test]
    fn auto_traits() {
        assert_send_sync_unpin::<StdioConsumer>();
        assert_send_unpin::<NextFuture<'static>>();
        assert_send_unpin::<StdioMessageStream<'static>>();
        assert_send_unpin::<crate::SendFuture>();
        assert_send_sync_unpin::<crate::StdioProducer>();
    }

    #[test]
    fn assignments() {
        let (_, inbox, rx) = crate::consumer_group::Registry::default().add(vec![], None);
        let k = |n: &str| StreamKey::new(n).unwrap();
        let mut c = StdioConsumer::new(u64::MAX, vec![k("a"), k("b")], inbox, rx);
        assert!(matches!(
            c.assign((k("z"), ShardId::new(0))),
            Err(StreamErr::StreamKeyNotFound)
        ));
        c.assign((k("a"), ShardId::new(1))).unwrap();
        c.unassign((k("a"), ShardId::new(0))).unwrap();
        c.unassign((k("a"), ShardId::new(1))).unwrap();
        assert!(matches!(
            c.unassign((k("a"), ShardId::new(1))),
            Err(StreamErr::StreamKeyNotFound)
        ));
        assert!(matches!(
            c.unassign((k("b"), ShardId::new(0))),
            Err(StreamErr::StreamKeyEmpty)
        ));
    }
}
