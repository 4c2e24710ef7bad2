//! The windows' errors: a window specification that cannot work, a message whose windows
//! lie outside the range of [`Timestamp`], and the stream adapter's error, which is one of
//! those or the input's own error.

use sea_streamer_types::Timestamp;
use std::time::Duration;

/// What can go wrong with windows themselves.
///
/// ```
/// use sea_streamer_fuse::{WindowErr, WindowSpec};
/// use std::time::Duration;
///
/// assert_eq!(WindowSpec::tumbling(Duration::ZERO), Err(WindowErr::ZeroSize));
/// let err = WindowSpec::sliding(Duration::from_secs(1), Duration::from_secs(2)).unwrap_err();
/// assert_eq!(err.to_string(), "the window slide (2s) must not be longer than its size (1s)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowErr {
    /// The window size is zero.
    #[error("the window size must be longer than zero")]
    ZeroSize,
    /// The slide of sliding windows is zero.
    #[error("the window slide must be longer than zero")]
    ZeroSlide,
    /// The slide is longer than the size: messages between two windows would belong to
    /// none.
    #[error("the window slide ({slide:?}) must not be longer than its size ({size:?})")]
    SlideLongerThanSize {
        /// The window size asked for.
        size: Duration,
        /// The slide asked for.
        slide: Duration,
    },
    /// A window of a message stamped `timestamp` would start or end outside the range a
    /// [`Timestamp`] can hold (years -9999 to 9999); the message is in no window.
    #[error("a window of the message at {timestamp} lies outside the range of timestamps")]
    OutOfRange {
        /// The message's timestamp.
        timestamp: Timestamp,
    },
}

/// The error of a [`WindowStream`](crate::WindowStream): its input's error `E`, or a
/// message that fits no window.
///
/// ```
/// use sea_streamer_fuse::{WindowErr, WindowStreamErr};
/// use sea_streamer_types::Timestamp;
///
/// let err: WindowStreamErr<std::io::Error> =
///     WindowErr::OutOfRange { timestamp: Timestamp::UNIX_EPOCH }.into();
/// assert!(matches!(err, WindowStreamErr::Window(_)));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum WindowStreamErr<E> {
    /// The input stream failed; the stream yields this once, after the open windows, and
    /// then ends.
    #[error(transparent)]
    Input(E),
    /// A message could not be put in its windows (see [`WindowErr::OutOfRange`]); it is
    /// dropped and the stream goes on.
    #[error(transparent)]
    Window(#[from] WindowErr),
}

impl<E> WindowStreamErr<E> {
    /// Turn the error into one type `F` that both errors convert into, e.g.
    /// `anyhow::Error` (which does not implement `std::error::Error`, so `?` cannot convert
    /// a `WindowStreamErr<anyhow::Error>` by itself).
    ///
    /// ```
    /// use sea_streamer_fuse::{WindowErr, WindowStreamErr};
    ///
    /// #[derive(Debug)]
    /// enum MyErr { Io(std::io::Error), Window(WindowErr) }
    /// impl From<std::io::Error> for MyErr {
    ///     fn from(e: std::io::Error) -> Self { MyErr::Io(e) }
    /// }
    /// impl From<WindowErr> for MyErr {
    ///     fn from(e: WindowErr) -> Self { MyErr::Window(e) }
    /// }
    ///
    /// let err = WindowStreamErr::Input(std::io::Error::other("disk"));
    /// assert!(matches!(err.into_error::<MyErr>(), MyErr::Io(_)));
    /// ```
    pub fn into_error<F>(self) -> F
    where
        F: From<E> + From<WindowErr>,
    {
        match self {
            WindowStreamErr::Input(e) => e.into(),
            WindowStreamErr::Window(e) => e.into(),
        }
    }
}
