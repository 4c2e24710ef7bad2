//! Timeout with no runtime selected: there is no timer, so it always fails.

use std::{fmt, future::Future, time::Duration};

/// Returned by [`timeout`] when no runtime feature is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no timer available: {}", crate::NO_RUNTIME)
    }
}

impl std::error::Error for TimeoutError {}

/// Always `Err(TimeoutError)`: with no runtime there is no timer. `f` is not polled.
pub async fn timeout<F, T>(_: Duration, f: F) -> Result<T, TimeoutError>
where
    F: Future<Output = T>,
{
    drop(f);
    Err(TimeoutError)
}
