//! Tasks with no runtime selected: nothing can run, every handle resolves to
//! `Err(JoinError)` at once.

use std::{fmt, future::Future};

/// With no runtime, a handle is an already-resolved `Err(JoinError)`.
pub type TaskHandle<T> = futures::future::Ready<Result<T, JoinError>>;

/// The job was not run because no runtime feature is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinError;

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot spawn a task: {}", crate::NO_RUNTIME)
    }
}

impl std::error::Error for JoinError {}

/// Does not run `future` (there is no runtime); returns a ready `Err(JoinError)`.
pub fn spawn_task<F, T>(future: F) -> TaskHandle<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    drop(future);
    futures::future::ready(Err(JoinError))
}

/// Does not run `f` (there is no runtime); returns a ready `Err(JoinError)`.
pub fn spawn_blocking<F, T>(f: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    drop(f);
    futures::future::ready(Err(JoinError))
}
