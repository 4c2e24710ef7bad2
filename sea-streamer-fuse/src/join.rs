//! [`StreamJoin`]: one merged stream of many stream keys in, the same messages out in
//! timestamp order.

use crate::core::JoinCore;
use crate::JoinOptions;
use futures::Stream;
use pin_project_lite::pin_project;
use sea_streamer_types::{Message, StreamKey};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// Re-orders an already merged stream of messages from many stream keys by timestamp.
    ///
    /// Messages are buffered per stream key in arrival order (each key's messages are
    /// assumed to be in timestamp order already). The keys named with [`align`](Self::align)
    /// hold output back: after each message pulled from the input, the join yields only if
    /// every aligned key has a buffered message, and then it yields the buffered head with
    /// the smallest timestamp (equal timestamps: the key that sorts first). An input error
    /// ends the input: the buffer drains in order, then the error comes out once, then
    /// `None`. The input's end drains the buffer the same way. With no aligned key, every
    /// message comes out as it arrives.
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
    /// use sea_streamer_types::{
    ///     Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
    /// };
    ///
    /// let message = |key: &str, t: i64| -> Result<OwnedMessage, std::io::Error> {
    ///     let ts = Timestamp::from_unix_timestamp(t).unwrap();
    ///     let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
    ///     Ok(OwnedMessage::new(header, Vec::new()))
    /// };
    /// // everything of `a` first, then everything of `b`
    /// let input = stream::iter(vec![message("a", 1), message("a", 3), message("b", 2)]);
    /// let mut join = StreamJoin::muxed(input);
    /// join.align(StreamKey::new("a").unwrap());
    /// join.align(StreamKey::new("b").unwrap());
    ///
    /// let out: Vec<i64> = block_on(
    ///     join.map(|m| m.unwrap().timestamp().unix_timestamp()).collect::<Vec<_>>(),
    /// );
    /// assert_eq!(out, [1, 2, 3]);
    /// ```
    ///
    /// Beyond upstream, opt-in: a bound on buffered messages and an idle timeout
    /// ([`JoinOptions`], [`with_options`](Self::with_options)), and a handler for late
    /// messages ([`on_late`](Self::on_late)).
    pub struct StreamJoin<S, M, E>
    where
        S: Stream<Item = Result<M, E>>,
        M: Message,
        E: std::error::Error,
    {
        #[pin]
        muxed: S,
        core: JoinCore<M, E>,
    }
}

impl<S, M, E> StreamJoin<S, M, E>
where
    S: Stream<Item = Result<M, E>>,
    M: Message,
    E: std::error::Error,
{
    /// Join one already merged stream (e.g. a consumer's stream of many keys, or several
    /// consumers' streams merged with `futures::stream::select`), with default options
    /// (upstream 0.5.2's behaviour).
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    ///
    /// let join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// assert_eq!(join.buffered_len(), 0);
    /// ```
    pub fn muxed(muxed: S) -> Self {
        Self::with_options(muxed, JoinOptions::default())
    }

    /// Like [`muxed`](Self::muxed), with the opt-in knobs of [`JoinOptions`].
    ///
    /// ```
    /// use sea_streamer_fuse::{JoinOptions, StreamJoin};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let mut options = JoinOptions::new();
    /// options.set_idle_timeout(Duration::from_secs(1));
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let join = StreamJoin::with_options(input, options.clone());
    /// assert_eq!(join.options(), &options);
    /// ```
    pub fn with_options(muxed: S, options: JoinOptions) -> Self {
        Self {
            muxed,
            core: JoinCore::new(options),
        }
    }

    /// Align `stream_key`: the join waits for a message of it before yielding. May be called
    /// many times, once per key.
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::{OwnedMessage, StreamKey};
    ///
    /// let mut join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// join.align(StreamKey::new("orders").unwrap());
    /// join.align(StreamKey::new("payments").unwrap());
    /// assert_eq!(join.aligned_keys().count(), 2);
    /// ```
    pub fn align(&mut self, stream_key: StreamKey) {
        self.core.align(stream_key);
    }

    /// The aligned keys, in key order.
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::{OwnedMessage, StreamKey};
    ///
    /// let mut join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// join.align(StreamKey::new("b").unwrap());
    /// join.align(StreamKey::new("a").unwrap());
    /// let keys: Vec<&str> = join.aligned_keys().map(|k| k.name()).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn aligned_keys(&self) -> impl Iterator<Item = &StreamKey> + '_ {
        self.core.aligned().iter()
    }

    /// The options in force.
    ///
    /// ```
    /// use sea_streamer_fuse::{JoinOptions, StreamJoin};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    ///
    /// let join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// assert_eq!(join.options(), &JoinOptions::default());
    /// ```
    pub fn options(&self) -> &JoinOptions {
        self.core.options()
    }

    /// Replace the options; they apply from the next poll on.
    ///
    /// ```
    /// use sea_streamer_fuse::{JoinOptions, StreamJoin};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::num::NonZeroUsize;
    ///
    /// let mut join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// let mut options = JoinOptions::new();
    /// options.set_max_buffered(NonZeroUsize::new(100).unwrap());
    /// join.set_options(options);
    /// assert_eq!(join.options().max_buffered().unwrap().get(), 100);
    /// ```
    pub fn set_options(&mut self, options: JoinOptions) {
        self.core.set_options(options);
    }

    /// Watch late messages: `handler` gets each message whose timestamp is earlier than one
    /// already yielded (the output cannot stay in timestamp order for it). It returns
    /// `Some(message)` to have the message yielded anyway (as upstream does, which is also
    /// what happens without a handler) or `None` to take it out of the joined stream, e.g.
    /// after sending it elsewhere. Late messages are only possible when a key's first
    /// message comes after others were yielded, or with the opt-in bound or idle timeout.
    /// Setting a handler again replaces the previous one.
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
    /// use sea_streamer_types::{
    ///     Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
    /// };
    /// use std::sync::{Arc, Mutex};
    ///
    /// let message = |key: &str, t: i64| -> Result<OwnedMessage, std::io::Error> {
    ///     let ts = Timestamp::from_unix_timestamp(t).unwrap();
    ///     let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
    ///     Ok(OwnedMessage::new(header, Vec::new()))
    /// };
    /// // no aligned key: everything comes out as it arrives, so b1 comes after a2
    /// let input = stream::iter(vec![message("a", 2), message("b", 1), message("a", 3)]);
    /// let mut join = StreamJoin::muxed(input);
    /// let late = Arc::new(Mutex::new(Vec::new()));
    /// let seen = late.clone();
    /// join.on_late(move |m: OwnedMessage| {
    ///     seen.lock().unwrap().push(m.timestamp().unix_timestamp());
    ///     None // leave it out
    /// });
    /// let out: Vec<i64> = block_on(
    ///     (&mut join).map(|m| m.unwrap().timestamp().unix_timestamp()).collect::<Vec<_>>(),
    /// );
    /// assert_eq!(out, [2, 3]);
    /// assert_eq!(*late.lock().unwrap(), [1]);
    /// assert_eq!(join.late_count(), 1);
    /// ```
    pub fn on_late<F>(&mut self, handler: F)
    where
        F: FnMut(M) -> Option<M> + Send + Sync + 'static,
    {
        self.core.set_late_handler(Box::new(handler));
    }

    /// Number of late messages seen so far (with or without a handler).
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    ///
    /// let join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// assert_eq!(join.late_count(), 0);
    /// ```
    pub fn late_count(&self) -> u64 {
        self.core.late_count()
    }

    /// Number of messages buffered now (all keys together). (Not `buffered`: that name is
    /// `StreamExt::buffered`, which a call on the join would pick first.)
    ///
    /// ```
    /// use sea_streamer_fuse::StreamJoin;
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    ///
    /// let join = StreamJoin::muxed(stream::empty::<Result<OwnedMessage, std::io::Error>>());
    /// assert_eq!(join.buffered_len(), 0);
    /// ```
    pub fn buffered_len(&self) -> usize {
        self.core.buffered_len()
    }
}

impl<S, M, E> Stream for StreamJoin<S, M, E>
where
    S: Stream<Item = Result<M, E>>,
    M: Message,
    E: std::error::Error,
{
    type Item = Result<M, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if !this.core.input_open() {
                return Poll::Ready(this.core.drain());
            }
            match this.muxed.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => {
                    this.core.receive(message);
                    if let Some(message) = this.core.try_yield() {
                        return Poll::Ready(Some(Ok(message)));
                    }
                }
                Poll::Ready(Some(Err(error))) => this.core.end_input(Some(error)),
                Poll::Ready(None) => this.core.end_input(None),
                Poll::Pending => {
                    if let Some(message) = this.core.try_yield() {
                        return Poll::Ready(Some(Ok(message)));
                    }
                    // the input registered the waker
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<S, M, E> std::fmt::Debug for StreamJoin<S, M, E>
where
    S: Stream<Item = Result<M, E>>,
    M: Message,
    E: std::error::Error,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamJoin")
            .field("aligned", self.core.aligned())
            .field("buffered", &self.core.buffered_len())
            .field("options", self.core.options())
            .field("late", &self.core.late_count())
            .field("late_handler", &self.core.has_late_handler())
            .field("input_open", &self.core.input_open())
            .finish()
    }
}
