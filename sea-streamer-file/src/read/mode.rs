//! [`StreamMode`]: how a reader moves through a file.

/// How a reader moves through a file.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum StreamMode {
    /// Start at the end and follow the file as it grows.
    Live,
    /// Read a finished file from the beginning; the end of the data is an error.
    Replay,
    /// Start at the beginning and keep following.
    LiveReplay,
}
