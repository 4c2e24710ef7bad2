//! What comes out: a closed [`Window`] with its key, bounds, aggregated value and count.

use sea_streamer_types::Timestamp;

/// One closed window of one key: the half-open interval `[start, end)` of event time, the
/// aggregated `value` of the inputs in it, and how many there were (`count`, at least 1:
/// a window with nothing in it is never opened).
///
/// ```
/// use sea_streamer_fuse::Window;
/// use sea_streamer_types::Timestamp;
///
/// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
/// let w = Window { key: "XBT/USD", start: t(10), end: t(20), value: 45.0, count: 3 };
/// assert!(w.contains(t(10)) && !w.contains(t(20)));
/// assert_eq!(w.value / w.count as f64, 15.0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window<K, V> {
    /// The key the window's inputs were grouped by.
    pub key: K,
    /// The first instant in the window.
    pub start: Timestamp,
    /// The first instant after the window.
    pub end: Timestamp,
    /// The aggregated value.
    pub value: V,
    /// How many inputs were added.
    pub count: u64,
}

impl<K, V> Window<K, V> {
    /// Whether `ts` lies in `[start, end)`.
    ///
    /// ```
    /// use sea_streamer_fuse::Window;
    /// use sea_streamer_types::Timestamp;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let w = Window { key: (), start: t(0), end: t(5), value: (), count: 1 };
    /// assert!(w.contains(t(4)));
    /// ```
    pub fn contains(&self, ts: Timestamp) -> bool {
        self.start <= ts && ts < self.end
    }

    /// The same window with its value mapped, e.g. a sum turned into an average.
    ///
    /// ```
    /// use sea_streamer_fuse::Window;
    /// use sea_streamer_types::Timestamp;
    ///
    /// let t = |s| Timestamp::from_unix_timestamp(s).unwrap();
    /// let w = Window { key: 'a', start: t(0), end: t(5), value: 10.0, count: 4 };
    /// let avg = w.map(|sum, count| sum / count as f64);
    /// assert_eq!(avg.value, 2.5);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(V, u64) -> U) -> Window<K, U> {
        let value = f(self.value, self.count);
        Window {
            key: self.key,
            start: self.start,
            end: self.end,
            value,
            count: self.count,
        }
    }
}
