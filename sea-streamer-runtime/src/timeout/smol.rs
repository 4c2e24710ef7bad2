//! Timeout on smol: the future raced against a `smol::Timer`.

use std::{fmt, future::Future, time::Duration};

/// The deadline passed before the future completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "future has timed out")
    }
}

impl std::error::Error for TimeoutError {}

/// Await `f`, giving up with [`TimeoutError`] after `dur`. `f` is polled before the
/// timer, so a future that is already ready wins even with a zero duration.
pub async fn timeout<F, T>(dur: Duration, f: F) -> Result<T, TimeoutError>
where
    F: Future<Output = T>,
{
    smol::future::or(async { Ok(f.await) }, async {
        smol::Timer::after(dur).await;
        Err(TimeoutError)
    })
    .await
}
