//! Timeout on tokio's timer.

use std::{future::Future, time::Duration};

pub use tokio::time::error::Elapsed as TimeoutError;

/// Await `f`, giving up with [`TimeoutError`] after `dur`.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn timeout<F, T>(dur: Duration, f: F) -> Result<T, TimeoutError>
where
    F: Future<Output = T>,
{
    tokio::time::timeout(dur, f).await
}
