//! Tasks on tokio: plain re-exports of tokio's own types.

use std::future::Future;

pub use tokio::task::{spawn_blocking, JoinError, JoinHandle as TaskHandle};

/// Spawn `future` onto the current tokio runtime; it runs whether or not the returned
/// handle is awaited or dropped.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub fn spawn_task<F, T>(future: F) -> TaskHandle<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn(future)
}
