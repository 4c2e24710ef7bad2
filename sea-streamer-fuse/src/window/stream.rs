//! [`WindowStream`]: the windows as a `Stream` adapter. Items (messages, or anything with a
//! timestamp) in; closed windows out, in window-end order; at the input's end the open
//! windows are flushed.

use super::{Aggregator, Push, Window, WindowSpec, WindowStreamErr, Windows};
use futures::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;
use sea_streamer_types::{Message, StreamKey, Timestamp};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads an item's event time.
type TimeFn<T> = Box<dyn Fn(&T) -> Timestamp + Send + Sync>;
/// Reads an item's key.
type KeyFn<T, K> = Box<dyn Fn(&T) -> K + Send + Sync>;
/// Takes a late item, see [`WindowStream::on_late`].
type LateHandler<T> = Box<dyn FnMut(T) + Send + Sync>;

/// Where the input stands.
#[derive(Debug)]
enum Input<E> {
    Open,
    /// Ended, by its end or by this error (yielded after the flush).
    Ended(Option<E>),
    /// Flushed, and the error (if any) yielded: only `None` from here on.
    Done,
}

pin_project! {
    /// Event-time windows over a stream: a [`Windows`] core fed from `S`, yielding each
    /// window as the watermark closes it.
    ///
    /// - Each item goes to the windows of its key and timestamp ([`Windows::push`]);
    ///   closed windows are yielded before the next item is pulled, in window-end order
    ///   (then key order).
    /// - **Late items** (one of their windows already closed) are in no window: they are
    ///   counted ([`late_count`](Self::late_count)) and handed to the
    ///   [`on_late`](Self::on_late) handler, if set, else dropped (logged at debug level).
    /// - **Input end:** the open windows are flushed (earliest end first) as if the
    ///   watermark had passed them, then `None`. A flushed window may lack items that were
    ///   still to come.
    /// - **Input error:** the same flush, then the error once (as
    ///   [`WindowStreamErr::Input`]), then `None`: nothing aggregated is lost and the
    ///   error is not hidden. Stop reading at the error to leave out the flushed windows'
    ///   follow-up, or compare their `end` with [`watermark`](Self::watermark) to tell them
    ///   from windows closed by the watermark.
    /// - An item whose windows lie outside the range of [`Timestamp`] yields
    ///   [`WindowStreamErr::Window`] and is dropped; the stream goes on.
    ///
    /// No timer and no runtime: the watermark moves with the items' timestamps only, so
    /// a replay gives the same windows as the live run, and windows close only when later
    /// items arrive (or the input ends).
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
    /// use sea_streamer_types::{MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
    /// use std::time::Duration;
    ///
    /// let message = |key: &str, t: i64| -> Result<OwnedMessage, std::io::Error> {
    ///     let ts = Timestamp::from_unix_timestamp(t).unwrap();
    ///     let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
    ///     Ok(OwnedMessage::new(header, Vec::new()))
    /// };
    /// let input = stream::iter(vec![message("a", 1), message("b", 4), message("a", 12)]);
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// let count = fold(|| (), |_: &mut (), _: &OwnedMessage| {});
    /// let windows = WindowStream::by_stream_key(input, spec, count);
    /// let out: Vec<(String, i64, u64)> = block_on(
    ///     windows
    ///         .map(|w| {
    ///             let w = w.unwrap();
    ///             (w.key.name().to_owned(), w.start.unix_timestamp(), w.count)
    ///         })
    ///         .collect(),
    /// );
    /// // [0, 10) closed by a12; [10, 20) flushed at the end
    /// assert_eq!(out, [("a".into(), 0, 1), ("b".into(), 0, 1), ("a".into(), 10, 1)]);
    /// ```
    pub struct WindowStream<S, T, E, K, A>
    where
        S: Stream<Item = Result<T, E>>,
        A: Aggregator<Input = T>,
    {
        #[pin]
        input: S,
        windows: Windows<K, A>,
        time: TimeFn<T>,
        key: KeyFn<T, K>,
        late: Option<LateHandler<T>>,
        state: Input<E>,
    }
}

impl<S, M, E, A> WindowStream<S, M, E, StreamKey, A>
where
    S: Stream<Item = Result<M, E>>,
    M: Message,
    A: Aggregator<Input = M>,
{
    /// Windows of messages, keyed by their stream key, on their timestamps.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// let bytes = fold(|| 0usize, |n: &mut usize, m: &OwnedMessage| {
    ///     use sea_streamer_types::{Buffer, Message};
    ///     *n += m.message().size()
    /// });
    /// let windows = WindowStream::by_stream_key(input, spec, bytes);
    /// assert_eq!(windows.open_len(), 0);
    /// ```
    pub fn by_stream_key(input: S, spec: WindowSpec, aggregator: A) -> Self {
        Self::by_key(input, spec, |m: &M| m.stream_key(), aggregator)
    }
}

impl<S, M, E, K, A> WindowStream<S, M, E, K, A>
where
    S: Stream<Item = Result<M, E>>,
    M: Message,
    K: Ord + Clone,
    A: Aggregator<Input = M>,
{
    /// Windows of messages, keyed by what `key` extracts from each, on their timestamps.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::{Message, OwnedMessage, ShardId};
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// let count = fold(|| (), |_: &mut (), _: &OwnedMessage| {});
    /// // one window per shard
    /// let windows = WindowStream::by_key(input, spec, |m: &OwnedMessage| m.shard_id(), count);
    /// assert_eq!(windows.late_count(), 0);
    /// ```
    pub fn by_key<F>(input: S, spec: WindowSpec, key: F, aggregator: A) -> Self
    where
        F: Fn(&M) -> K + Send + Sync + 'static,
    {
        Self::with_event_time(input, spec, |m: &M| m.timestamp(), key, aggregator)
    }
}

impl<S, T, E, K, A> WindowStream<S, T, E, K, A>
where
    S: Stream<Item = Result<T, E>>,
    K: Ord + Clone,
    A: Aggregator<Input = T>,
{
    /// Windows of any items: `time` reads an item's event time, `key` its key. Use it to
    /// parse each message once (map the consumer's stream to parsed records first) rather
    /// than in the aggregator, which sees an item once per window.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// struct Trade { at: Timestamp, symbol: &'static str, price: f64 }
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let trades = vec![
    ///     Ok::<_, std::io::Error>(Trade { at: t(1), symbol: "X", price: 10.0 }),
    ///     Ok(Trade { at: t(3), symbol: "X", price: 20.0 }),
    /// ];
    /// let spec = WindowSpec::tumbling(Duration::from_secs(60)).unwrap();
    /// let windows = WindowStream::with_event_time(
    ///     stream::iter(trades),
    ///     spec,
    ///     |tr: &Trade| tr.at,
    ///     |tr: &Trade| tr.symbol,
    ///     fold(|| 0.0, |sum: &mut f64, tr: &Trade| *sum += tr.price),
    /// );
    /// let averages: Vec<f64> = block_on(
    ///     windows.map(|w| w.unwrap().map(|sum, n| sum / n as f64).value).collect(),
    /// );
    /// assert_eq!(averages, [15.0]);
    /// ```
    pub fn with_event_time<FT, FK>(
        input: S,
        spec: WindowSpec,
        time: FT,
        key: FK,
        aggregator: A,
    ) -> Self
    where
        FT: Fn(&T) -> Timestamp + Send + Sync + 'static,
        FK: Fn(&T) -> K + Send + Sync + 'static,
    {
        Self {
            input,
            windows: Windows::new(spec, aggregator),
            time: Box::new(time),
            key: Box::new(key),
            late: None,
            state: Input::Open,
        }
    }

    /// Watch late items: `handler` gets each item that came after one of its windows had
    /// closed (it is in no window), e.g. to send it to a side output. Without a handler
    /// late items are dropped; they are counted either way. Setting a handler again
    /// replaces the previous one. (Unlike [`StreamJoin::on_late`](crate::StreamJoin::on_late)
    /// the handler returns nothing: a late item cannot go back into a closed window.)
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::{executor::block_on, stream, StreamExt};
    /// use sea_streamer_types::Timestamp;
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let input = stream::iter([12, 3, 14].map(|s| Ok::<_, std::io::Error>(t(s))));
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// let mut windows = WindowStream::with_event_time(
    ///     input, spec, |ts: &Timestamp| *ts, |_: &Timestamp| (), fold(|| (), |_: &mut (), _: &Timestamp| {}),
    /// );
    /// let late = Arc::new(Mutex::new(Vec::new()));
    /// let side = late.clone();
    /// windows.on_late(move |ts: Timestamp| side.lock().unwrap().push(ts.unix_timestamp()));
    /// let counts: Vec<u64> = block_on((&mut windows).map(|w| w.unwrap().count).collect());
    /// assert_eq!(counts, [2]); // 12 and 14
    /// assert_eq!(*late.lock().unwrap(), [3]); // its window [0, 10) closed at 12
    /// assert_eq!(windows.late_count(), 1);
    /// ```
    pub fn on_late<F>(&mut self, handler: F)
    where
        F: FnMut(T) + Send + Sync + 'static,
    {
        self.late = Some(Box::new(handler));
    }

    /// Number of late items so far (with or without a handler).
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows = WindowStream::by_stream_key(input, spec, fold(|| (), |_: &mut (), _: &OwnedMessage| {}));
    /// assert_eq!(windows.late_count(), 0);
    /// ```
    pub fn late_count(&self) -> u64 {
        self.windows.late_count()
    }

    /// The watermark: the largest timestamp seen minus the allowed lateness (`None`
    /// before the first item).
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows = WindowStream::by_stream_key(input, spec, fold(|| (), |_: &mut (), _: &OwnedMessage| {}));
    /// assert_eq!(windows.watermark(), None);
    /// ```
    pub fn watermark(&self) -> Option<Timestamp> {
        self.windows.watermark()
    }

    /// Number of windows open now (all keys together); see [`Windows`] for the bound.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows = WindowStream::by_stream_key(input, spec, fold(|| (), |_: &mut (), _: &OwnedMessage| {}));
    /// assert_eq!(windows.open_len(), 0);
    /// ```
    pub fn open_len(&self) -> usize {
        self.windows.open_len()
    }

    /// The window specification.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, WindowStream};
    /// use sea_streamer_types::export::futures::stream;
    /// use sea_streamer_types::OwnedMessage;
    /// use std::time::Duration;
    ///
    /// let input = stream::empty::<Result<OwnedMessage, std::io::Error>>();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows = WindowStream::by_stream_key(input, spec, fold(|| (), |_: &mut (), _: &OwnedMessage| {}));
    /// assert_eq!(windows.spec(), &spec);
    /// ```
    pub fn spec(&self) -> &WindowSpec {
        self.windows.spec()
    }
}

impl<S, T, E, K, A> Stream for WindowStream<S, T, E, K, A>
where
    S: Stream<Item = Result<T, E>>,
    K: Ord + Clone,
    A: Aggregator<Input = T>,
{
    type Item = Result<Window<K, A::Value>, WindowStreamErr<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match this.state {
                Input::Open => {
                    if let Some(window) = this.windows.pop_closed() {
                        return Poll::Ready(Some(Ok(window)));
                    }
                    match this.input.as_mut().poll_next(cx) {
                        Poll::Ready(Some(Ok(item))) => {
                            let ts = (this.time)(&item);
                            let key = (this.key)(&item);
                            match this.windows.push(key, ts, &item) {
                                Ok(Push::Added(_)) => {}
                                Ok(Push::Late) => {
                                    log::debug!("WindowStream: late item at {ts}");
                                    if let Some(handler) = this.late.as_mut() {
                                        handler(item);
                                    }
                                }
                                Err(err) => {
                                    log::warn!("WindowStream: {err}");
                                    return Poll::Ready(Some(Err(err.into())));
                                }
                            }
                        }
                        Poll::Ready(Some(Err(err))) => *this.state = Input::Ended(Some(err)),
                        Poll::Ready(None) => *this.state = Input::Ended(None),
                        // the input registered the waker
                        Poll::Pending => return Poll::Pending,
                    }
                }
                Input::Ended(_) => {
                    if let Some(window) = this.windows.pop_open() {
                        return Poll::Ready(Some(Ok(window)));
                    }
                    return match std::mem::replace(this.state, Input::Done) {
                        Input::Ended(Some(err)) => {
                            Poll::Ready(Some(Err(WindowStreamErr::Input(err))))
                        }
                        _ => Poll::Ready(None),
                    };
                }
                Input::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<S, T, E, K, A> FusedStream for WindowStream<S, T, E, K, A>
where
    S: Stream<Item = Result<T, E>>,
    K: Ord + Clone,
    A: Aggregator<Input = T>,
{
    fn is_terminated(&self) -> bool {
        matches!(self.state, Input::Done)
    }
}

impl<S, T, E, K, A> std::fmt::Debug for WindowStream<S, T, E, K, A>
where
    S: Stream<Item = Result<T, E>>,
    A: Aggregator<Input = T>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowStream")
            .field("windows", &self.windows)
            .field("late_handler", &self.late.is_some())
            .field("input_open", &matches!(self.state, Input::Open))
            .finish()
    }
}
