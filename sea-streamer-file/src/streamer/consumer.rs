//! [`FileConsumer`]: receives messages from a reader thread; seeks, rewinds and commits.

use crate::error::{FileErr, FileResult};
use crate::file_id::FileId;
use crate::read::mode::StreamMode;
use crate::read::seek::SeekTarget;
use crate::read::seek::Target;
use crate::streamer::ack::Acks;
use crate::streamer::commit::write_commit;
use crate::streamer::dispatch::control::{Control, ReaderEntry, ReaderKind, SeekCmd, Start};
use crate::streamer::dispatch::queue::{Entry, Item, Subscriber};
use crate::streamer::dispatch::registry::leave;
use crate::streamer::dispatch::subscribe;
use crate::streamer::dispatch::thread::NewReader;
use crate::streamer::observe::{commit_span, seek_span, ConsumerStats};
use crate::streamer::options::SEA_STREAMER_WILDCARD;
use sea_streamer_types::{
    export::futures::Stream, Buffer, Consumer, ConsumerGroup, ConsumerMode, Message, SeqPos,
    ShardId, SharedMessage, StreamErr, StreamKey, Timestamp,
};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// A consumer of a `.ss` file.
///
/// Messages keep the key, shard, sequence and timestamp they were written with.
///
/// ```no_run
/// use sea_streamer_file::{AutoStreamReset, FileConsumerOptions, FileStreamer};
/// use sea_streamer_types::{Consumer, ConsumerMode, ConsumerOptions, Message, SeqPos, StreamKey, Streamer};
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = FileStreamer::connect("file:///tmp/c.ss".parse()?, Default::default()).await?;
/// let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
/// options.set_auto_stream_reset(AutoStreamReset::Earliest);
/// let mut consumer = streamer.create_consumer(&[StreamKey::new("hello")?], options).await?;
/// let first = consumer.next().await?;
/// consumer.rewind(SeqPos::At(first.sequence())).await?; // read it again
/// # Ok(())
/// # }
/// ```
pub struct FileConsumer {
    file_id: FileId,
    sid: u32,
    streams: Vec<StreamKey>,
    group: Option<ConsumerGroup>,
    mode: ConsumerMode,
    replay: bool,
    prefetch: usize,
    entry: Arc<ReaderEntry>,
    rx: flume::Receiver<Item>,
    local: Mutex<VecDeque<Entry>>,
    waiters: Mutex<Vec<std::task::Waker>>,
    position: AtomicU64,
    /// Delivered and processed messages, for [`Acknowledge`](sea_streamer_types::Acknowledge).
    acks: Acks,
    /// Metric handles per subscribed stream key.
    pub(crate) stats: ConsumerStats,
}

impl std::fmt::Debug for FileConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileConsumer {{ sid: {} }}", self.sid)
    }
}

/// Everything needed to build a consumer.
pub(crate) struct ConsumerParts {
    pub file_id: FileId,
    pub sid: u32,
    pub streams: Vec<StreamKey>,
    pub group: Option<ConsumerGroup>,
    pub mode: ConsumerMode,
    pub replay: bool,
    pub prefetch: usize,
    pub entry: Arc<ReaderEntry>,
    pub rx: flume::Receiver<Item>,
    pub position: u64,
}

impl FileConsumer {
    pub(crate) fn new(p: ConsumerParts) -> Self {
        let acks = Acks::new(
            &p.file_id,
            &p.streams,
            p.group.as_ref(),
            p.mode,
            p.position,
            p.prefetch,
        );
        let stats = ConsumerStats::new(&p.streams, p.group.as_ref().map(|g| g.name()));
        Self {
            acks,
            stats,
            file_id: p.file_id,
            sid: p.sid,
            streams: p.streams,
            group: p.group,
            mode: p.mode,
            replay: p.replay,
            prefetch: p.prefetch,
            entry: p.entry,
            rx: p.rx,
            local: Mutex::new(VecDeque::new()),
            waiters: Mutex::new(Vec::new()),
            position: AtomicU64::new(p.position),
        }
    }

    /// The acknowledgement state.
    pub(crate) fn acks(&self) -> &Acks {
        &self.acks
    }

    /// The file consumed.
    pub fn file_id(&self) -> &FileId {
        &self.file_id
    }

    /// Byte offset just after the last message returned by `next` (or the start position).
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    /// Commit the position after the last message returned by `next`, durably, for the consumer
    /// group. Only for `ConsumerMode::Resumable` consumers (else `Err(CommitNotAllowed)`).
    ///
    /// A consumer of the same group created later (e.g. after a restart) resumes right after the
    /// committed message. The position is recorded for each stream this consumer subscribes to,
    /// and only for those: a consumer of the group on other streams starts from their own
    /// commits. With several members in the group, each commit records the position of the
    /// committing member; commit from one member, or only after all members are done with
    /// earlier messages, to get at-least-once delivery. (Not in upstream 0.5.2.)
    pub async fn commit(&self) -> FileResult<()> {
        let group = match (&self.group, self.mode) {
            (Some(g), ConsumerMode::Resumable) => g,
            _ => return Err(StreamErr::CommitNotAllowed),
        };
        let position = self.position();
        let _span = commit_span(group.name(), self.streams.len(), position).entered();
        write_commit(&self.file_id, group, &self.streams, position).map_err(StreamErr::Backend)
    }

    /// Move the consumer; see `Consumer::seek` / `Consumer::rewind`.
    /// A consumer sharing its reader (live or grouped) is detached into a reader of its own.
    pub async fn seek_to(&mut self, target: SeekTarget) -> Result<(), FileErr> {
        let span = seek_span(self.streams[0].name());
        tracing::Instrument::instrument(self.seek_inner(target), span).await
    }

    async fn seek_inner(&mut self, target: SeekTarget) -> Result<(), FileErr> {
        let cmd = match target {
            SeekTarget::Beginning => SeekCmd::Rewind(SeqPos::Beginning),
            SeekTarget::End => SeekCmd::Rewind(SeqPos::End),
            other => {
                let key = self.streams[0].clone();
                let key = if key.name() == SEA_STREAMER_WILDCARD {
                    None
                } else {
                    Some(key)
                };
                match Target::new(key, None, &other)? {
                    Some(t) => SeekCmd::Target(t),
                    None => SeekCmd::Rewind(SeqPos::Beginning),
                }
            }
        };
        if self.entry.kind != ReaderKind::Solo {
            self.detach()?;
        }
        let mut result = Err(FileErr::TaskDead("reader"));
        for attempt in 0..2 {
            let (reply, answer) = flume::bounded(1);
            let control = Control::Seek {
                sid: self.sid,
                cmd: cmd.clone(),
                reply,
            };
            if !self.entry.request(control) {
                // the reader has stopped (end of stream or error): start a new one
                if attempt > 0 {
                    break;
                }
                self.detach()?;
                continue;
            }
            result = answer
                .recv_async()
                .await
                .unwrap_or(Err(FileErr::TaskDead("reader")));
            match &result {
                // the reader stopped before it took the request: once more on a new one
                Err(FileErr::TaskDead(_)) if attempt == 0 => self.detach()?,
                _ => break,
            }
        }
        if result.is_ok() {
            self.local.lock().map(|mut l| l.clear()).ok();
            self.acks.moved();
        }
        result
    }

    /// Leave the current reader and start a reader of its own.
    fn detach(&mut self) -> Result<(), FileErr> {
        let local = self.take_local();
        leave(&self.entry, self.sid, local);
        let (sub, rx) = Subscriber::new(self.sid, self.streams.clone(), None, self.prefetch);
        let mode = if self.replay {
            StreamMode::Replay
        } else {
            StreamMode::LiveReplay
        };
        let new = NewReader {
            file_id: self.file_id.clone(),
            kind: ReaderKind::Solo,
            mode,
            reader: None,
            start: Start::Beginning,
            notify: self.entry.notify,
        };
        // a `Solo` reader is never joined: its thread starts with this subscriber
        (self.entry, _) = subscribe(new, sub, false)?;
        self.rx = rx;
        self.local.lock().map(|mut l| l.clear()).ok();
        self.acks.moved();
        Ok(())
    }
}

impl Drop for FileConsumer {
    /// Leaves the reader; a group member gives back the messages it had taken from the reader
    /// and not returned from `next()`, and the reader deals them to the group's other members.
    fn drop(&mut self) {
        let local = self.take_local();
        leave(&self.entry, self.sid, local);
    }
}

/// Future of [`FileConsumer::next`](Consumer::next).
///
/// Messages arrive from the reader in batches; a batch is buffered in the consumer and handed
/// out one message per `next()`. Nothing is taken before the future is polled, so dropping an
/// unfinished future loses no message.
pub enum NextFuture<'a> {
    /// Waiting for the next message.
    Future(Option<flume::r#async::RecvFut<'a, Item>>, &'a FileConsumer),
    /// Resolves to this error.
    Error(Option<StreamErr<FileErr>>),
}

impl std::fmt::Debug for NextFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NextFuture::Future(..) => "NextFuture::Future",
            NextFuture::Error(_) => "NextFuture::Error",
        })
    }
}

impl FileConsumer {
    /// Turn a delivery into a result, recording the position.
    fn deliver(&self, entry: Entry) -> FileResult<SharedMessage> {
        match entry {
            Ok((m, end)) => {
                self.position.store(end, Ordering::Release);
                self.acks.delivered(m.header(), end);
                if let Some(stats) = self.stats.of(m.header().stream_key()) {
                    stats.received(Buffer::size(&Message::message(&m)), *m.header().timestamp());
                }
                Ok(m)
            }
            Err(e) => {
                if !matches!(e, FileErr::StreamEnded) {
                    self.stats.error();
                }
                Err(StreamErr::Backend(e))
            }
        }
    }

    fn pop_local(&self) -> Option<Entry> {
        self.local.lock().ok().and_then(|mut l| l.pop_front())
    }

    /// Everything taken from the reader and not returned by `next()` yet, oldest first.
    fn take_local(&mut self) -> Vec<Entry> {
        match self.local.get_mut() {
            Ok(local) => local.drain(..).collect(),
            Err(e) => e.into_inner().drain(..).collect(),
        }
    }
}

impl Future for NextFuture<'_> {
    type Output = FileResult<SharedMessage>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            NextFuture::Future(fut, con) => loop {
                if let Some(e) = con.pop_local() {
                    *fut = None;
                    return Poll::Ready(con.deliver(e));
                }
                let recv = fut.get_or_insert_with(|| con.rx.recv_async());
                match Pin::new(recv).poll(cx) {
                    Poll::Ready(Ok(batch)) => {
                        *fut = None;
                        con.entry.made_room(&con.rx);
                        let more = batch.len() > 1;
                        if let Ok(mut local) = con.local.lock() {
                            local.extend(batch);
                        }
                        if more {
                            // other concurrent `next()` calls may be waiting on the channel
                            if let Ok(mut w) = con.waiters.lock() {
                                w.drain(..).for_each(|w| w.wake());
                            }
                        }
                    }
                    Poll::Ready(Err(_)) => {
                        *fut = None;
                        return Poll::Ready(match con.pop_local() {
                            Some(e) => con.deliver(e),
                            None => Err(StreamErr::Backend(FileErr::StreamEnded)),
                        });
                    }
                    Poll::Pending => {
                        if let Ok(mut w) = con.waiters.lock() {
                            if !w.iter().any(|w| w.will_wake(cx.waker())) {
                                w.push(cx.waker().clone());
                            }
                        }
                        return Poll::Pending;
                    }
                }
            },
            NextFuture::Error(e) => Poll::Ready(Err(e
                .take()
                .unwrap_or(StreamErr::Backend(FileErr::StreamEnded)))),
        }
    }
}

/// Endless stream of [`FileConsumer::next`](Consumer::next) results.
pub struct FileMessageStream<'a> {
    con: &'a FileConsumer,
    fut: Option<NextFuture<'a>>,
}

impl std::fmt::Debug for FileMessageStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileMessageStream {{ sid: {} }}", self.con.sid)
    }
}

impl<'a> FileMessageStream<'a> {
    /// A stream over `con`.
    pub fn new(con: &'a FileConsumer) -> Self {
        Self { con, fut: None }
    }
}

impl<'a> Stream for FileMessageStream<'a> {
    type Item = FileResult<SharedMessage>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let con = this.con;
        let fut = this.fut.get_or_insert_with(|| con.next());
        match Pin::new(fut).poll(cx) {
            Poll::Ready(r) => {
                this.fut = None;
                Poll::Ready(Some(r))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Consumer for FileConsumer {
    type Error = FileErr;
    type Message<'a> = SharedMessage;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = FileMessageStream<'a>;

    /// Restart at the first message (of the first subscribed key) later than `to` (ms precision).
    async fn seek(&mut self, to: Timestamp) -> FileResult<()> {
        self.seek_to(SeekTarget::Timestamp(to))
            .await
            .map_err(StreamErr::Backend)
    }

    /// `Beginning`, `End`, or the first message (of the first subscribed key) with sequence `>= n`.
    async fn rewind(&mut self, offset: SeqPos) -> FileResult<()> {
        let target = match offset {
            SeqPos::Beginning => SeekTarget::Beginning,
            SeqPos::End => SeekTarget::End,
            SeqPos::At(n) => SeekTarget::SeqNo(n),
        };
        self.seek_to(target).await.map_err(StreamErr::Backend)
    }

    fn assign(&mut self, _: (StreamKey, ShardId)) -> FileResult<()> {
        Err(StreamErr::Unsupported(
            "Cannot manually assign shards".into(),
        ))
    }

    fn unassign(&mut self, _: (StreamKey, ShardId)) -> FileResult<()> {
        Err(StreamErr::Unsupported(
            "Cannot manually assign shards".into(),
        ))
    }

    fn next(&self) -> NextFuture<'_> {
        NextFuture::Future(None, self)
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> FileMessageStream<'a> {
        FileMessageStream::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send_sync<T: Send + Sync>() {}
    fn is_send_unpin<T: Send + Unpin>() {}

    #[test]
    fn consumer_is_send_sync() {
        is_send_sync::<FileConsumer>();
        is_send_unpin::<NextFuture<'static>>();
        is_send_unpin::<FileMessageStream<'static>>();
    }
}
