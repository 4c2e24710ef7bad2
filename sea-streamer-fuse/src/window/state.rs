//! [`Windows`]: the runtime-free core. It takes `(key, timestamp, input)` one at a time,
//! keeps the open windows, and gives out the windows the watermark has closed, in
//! window-end order. No timer: time is the inputs' own timestamps, so the same inputs in
//! the same order always give the same windows, live or replayed.

use super::spec::{nanos, timestamp};
use super::{Aggregator, Window, WindowErr, WindowSpec};
use sea_streamer_types::Timestamp;
use std::collections::BTreeMap;

/// What [`Windows::push`] did with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Added to this many windows (1 for tumbling windows).
    Added(u64),
    /// Late: one of its windows had already closed, so it is in none (and counted in
    /// [`Windows::late_count`]).
    Late,
}

/// One open window's value and count (its key and end are the map's key).
#[derive(Debug)]
struct Open<V> {
    start: Timestamp,
    end: Timestamp,
    value: V,
    count: u64,
}

/// Event-time windows, keyed by `K`, aggregating with `A`: the pure core of
/// [`WindowStream`](crate::WindowStream), usable without any stream.
///
/// - The **watermark** is the largest timestamp pushed minus the spec's allowed lateness.
///   A window `[start, end)` is **closed** once the watermark is at or past `end`.
/// - An input is **late** when the earliest of its windows is closed: it then goes in no
///   window (not even its later, still open ones, so every window that comes out holds
///   all of its on-time inputs and each input counts fully or not at all), and is counted.
///   With tumbling windows that is simply "its window is closed". An input no more than
///   the allowed lateness behind the largest timestamp is never late.
/// - Closed windows come out of [`pop_closed`](Self::pop_closed) in window-end order, keys
///   in their order on equal ends (sliding windows all have the same size, so that is
///   also start order). [`pop_open`](Self::pop_open) flushes the rest at the input's end.
///
/// **Memory:** one value and a count per open window. With closed windows taken as they
/// close, a key has at most [`WindowSpec::max_open_per_key`] windows open, i.e.
/// `⌈(size + allowed lateness) / slide⌉`, and only keys with inputs inside that span of
/// the watermark have any; a key's windows go away when they close.
///
/// ```
/// use sea_streamer_fuse::{fold, Push, WindowSpec, Windows};
/// use sea_streamer_types::Timestamp;
/// use std::time::Duration;
///
/// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
/// let spec = WindowSpec::tumbling(Duration::from_secs(10))
///     .unwrap()
///     .with_allowed_lateness(Duration::from_secs(2));
/// let mut windows = Windows::new(spec, fold(|| 0, |sum: &mut i64, x: &i64| *sum += x));
///
/// windows.push("a", t(3), &1).unwrap();
/// windows.push("b", t(5), &10).unwrap();
/// windows.push("a", t(11), &2).unwrap();
/// assert!(windows.pop_closed().is_none()); // watermark 9: [0, 10) still open
/// windows.push("a", t(8), &3).unwrap(); // out of order, within the lateness
/// windows.push("b", t(12), &20).unwrap(); // watermark 10: [0, 10) closes
///
/// let w = windows.pop_closed().unwrap();
/// assert_eq!((w.key, w.start, w.end, w.value, w.count), ("a", t(0), t(10), 4, 2));
/// let w = windows.pop_closed().unwrap();
/// assert_eq!((w.key, w.value, w.count), ("b", 10, 1));
/// assert!(windows.pop_closed().is_none());
///
/// assert_eq!(windows.push("a", t(9), &100).unwrap(), Push::Late);
/// assert_eq!(windows.late_count(), 1);
///
/// // the input's end: flush what is open
/// let rest: Vec<_> = std::iter::from_fn(|| windows.pop_open()).map(|w| (w.key, w.value)).collect();
/// assert_eq!(rest, [("a", 2), ("b", 20)]);
/// ```
pub struct Windows<K, A: Aggregator> {
    spec: WindowSpec,
    aggregator: A,
    /// Open windows by (end in nanoseconds, key): the first entry closes first.
    open: BTreeMap<(i128, K), Open<A::Value>>,
    /// The largest timestamp pushed, in nanoseconds.
    newest: Option<i128>,
    late: u64,
}

impl<K: Ord + Clone, A: Aggregator> Windows<K, A> {
    /// Windows of `spec`, each aggregating its inputs with `aggregator`.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows: Windows<String, _> = Windows::new(spec, fold(|| (), |_: &mut (), _: &u8| {}));
    /// assert_eq!(windows.open_len(), 0);
    /// ```
    pub fn new(spec: WindowSpec, aggregator: A) -> Self {
        Self {
            spec,
            aggregator,
            open: BTreeMap::new(),
            newest: None,
            late: 0,
        }
    }

    /// Add `input` of `key`, stamped `ts`, to each of its windows, opening them as needed;
    /// or, if it is late, count it and add it nowhere. A timestamp whose windows would lie
    /// outside the range of [`Timestamp`] is an error, and the input is in no window.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, Push, WindowSpec, Windows};
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let spec = WindowSpec::sliding(Duration::from_secs(10), Duration::from_secs(5)).unwrap();
    /// let mut windows = Windows::new(spec, fold(|| 0u32, |n: &mut u32, _: &()| *n += 1));
    /// assert_eq!(windows.push('k', t(7), &()), Ok(Push::Added(2)));
    /// assert_eq!(windows.open_len(), 2);
    /// ```
    pub fn push(&mut self, key: K, ts: Timestamp, input: &A::Input) -> Result<Push, WindowErr> {
        let starts = self.spec.checked_starts(ts)?;
        let size = self.spec.size_nanos();
        if self
            .watermark_nanos()
            .is_some_and(|watermark| starts.first + size <= watermark)
        {
            self.late += 1;
            return Ok(Push::Late);
        }
        let at = nanos(ts);
        if self.newest.is_none_or(|newest| at > newest) {
            self.newest = Some(at);
        }
        let slide = self.spec.slide_nanos();
        let aggregator = &self.aggregator;
        let mut added = 0;
        let mut start = starts.first;
        while start <= starts.last {
            let end = start + size;
            let window = match self.open.entry((end, key.clone())) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    // inside the range: checked_starts checked the extremes
                    let (Some(s), Some(e)) = (timestamp(start), timestamp(end)) else {
                        return Err(WindowErr::OutOfRange { timestamp: ts });
                    };
                    v.insert(Open {
                        start: s,
                        end: e,
                        value: aggregator.init(),
                        count: 0,
                    })
                }
            };
            aggregator.add(&mut window.value, input);
            window.count += 1;
            added += 1;
            start += slide;
        }
        Ok(Push::Added(added))
    }

    /// Take the earliest closed window (smallest end, then smallest key), if any.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// let mut windows = Windows::new(spec, fold(|| 0, |n: &mut i32, x: &i32| *n += x));
    /// windows.push("k", t(1), &5).unwrap();
    /// assert!(windows.pop_closed().is_none());
    /// windows.push("k", t(10), &7).unwrap(); // exactly at the boundary: closes [0, 10)
    /// assert_eq!(windows.pop_closed().unwrap().value, 5);
    /// ```
    pub fn pop_closed(&mut self) -> Option<Window<K, A::Value>> {
        let watermark = self.watermark_nanos()?;
        let entry = self.open.first_entry()?;
        if entry.key().0 > watermark {
            return None;
        }
        let ((_, key), open) = entry.remove_entry();
        Some(Self::window(key, open))
    }

    /// Take the earliest open window whether or not the watermark has closed it: for the
    /// input's end, to flush what is left. A flushed window may miss inputs that were
    /// still to come; pushing more after a flush may open a window of the same key and
    /// bounds again.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10)).unwrap();
    /// let mut windows = Windows::new(spec, fold(|| 0, |n: &mut i32, x: &i32| *n += x));
    /// windows.push("k", t(1), &5).unwrap();
    /// assert_eq!(windows.pop_open().unwrap().value, 5);
    /// assert!(windows.pop_open().is_none());
    /// ```
    pub fn pop_open(&mut self) -> Option<Window<K, A::Value>> {
        let ((_, key), open) = self.open.pop_first()?;
        Some(Self::window(key, open))
    }

    fn window(key: K, open: Open<A::Value>) -> Window<K, A::Value> {
        Window {
            key,
            start: open.start,
            end: open.end,
            value: open.value,
            count: open.count,
        }
    }
}

impl<K, A: Aggregator> Windows<K, A> {
    fn watermark_nanos(&self) -> Option<i128> {
        self.newest
            .map(|newest| newest - self.spec.lateness_nanos())
    }

    /// The watermark: the largest timestamp pushed minus the allowed lateness. `None`
    /// before the first input (or if it would be before the earliest [`Timestamp`]).
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use sea_streamer_types::Timestamp;
    /// use std::time::Duration;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let spec = WindowSpec::tumbling(Duration::from_secs(10))
    ///     .unwrap()
    ///     .with_allowed_lateness(Duration::from_secs(3));
    /// let mut windows = Windows::new(spec, fold(|| (), |_: &mut (), _: &()| {}));
    /// assert_eq!(windows.watermark(), None);
    /// windows.push(1, t(20), &()).unwrap();
    /// windows.push(1, t(18), &()).unwrap();
    /// assert_eq!(windows.watermark(), Some(t(17)));
    /// ```
    pub fn watermark(&self) -> Option<Timestamp> {
        self.watermark_nanos().and_then(timestamp)
    }

    /// How many windows are open now (all keys together).
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows: Windows<u8, _> = Windows::new(spec, fold(|| (), |_: &mut (), _: &()| {}));
    /// assert_eq!(windows.open_len(), 0);
    /// ```
    pub fn open_len(&self) -> usize {
        self.open.len()
    }

    /// How many late inputs were pushed so far.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows: Windows<u8, _> = Windows::new(spec, fold(|| (), |_: &mut (), _: &()| {}));
    /// assert_eq!(windows.late_count(), 0);
    /// ```
    pub fn late_count(&self) -> u64 {
        self.late
    }

    /// The window specification.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, WindowSpec, Windows};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows: Windows<u8, _> = Windows::new(spec, fold(|| (), |_: &mut (), _: &()| {}));
    /// assert_eq!(windows.spec(), &spec);
    /// ```
    pub fn spec(&self) -> &WindowSpec {
        &self.spec
    }

    /// The aggregator.
    ///
    /// ```
    /// use sea_streamer_fuse::{fold, Aggregator, WindowSpec, Windows};
    /// use std::time::Duration;
    ///
    /// let spec = WindowSpec::tumbling(Duration::from_secs(1)).unwrap();
    /// let windows: Windows<u8, _> = Windows::new(spec, fold(|| 7, |_: &mut i32, _: &()| {}));
    /// assert_eq!(windows.aggregator().init(), 7);
    /// ```
    pub fn aggregator(&self) -> &A {
        &self.aggregator
    }
}

impl<K, A: Aggregator> std::fmt::Debug for Windows<K, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Windows")
            .field("spec", &self.spec)
            .field("open", &self.open.len())
            .field("watermark", &self.watermark())
            .field("late", &self.late)
            .finish()
    }
}
