//! Tasks on async-std.
//!
//! The job runs under `catch_unwind`, so a panicking task resolves its handle to
//! `Err(JoinError)`, like tokio. Dropping an async-std `JoinHandle` detaches the task.

use futures::FutureExt;
use std::{
    fmt,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    task::{Context, Poll},
};

/// Handle to a spawned task. Await it for the task's output; drop it to detach the task
/// (the task keeps running).
#[derive(Debug)]
pub struct TaskHandle<T>(async_std::task::JoinHandle<std::thread::Result<T>>);

/// The task failed to complete: it panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinError;

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinError: the task panicked")
    }
}

impl std::error::Error for JoinError {}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|res| res.map_err(|_| JoinError))
    }
}

/// Spawn `future` onto async-std's executor.
pub fn spawn_task<F, T>(future: F) -> TaskHandle<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    TaskHandle(async_std::task::spawn(
        AssertUnwindSafe(future).catch_unwind(),
    ))
}

/// Run the blocking closure `f` on async-std's blocking thread pool.
pub fn spawn_blocking<F, T>(f: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    TaskHandle(async_std::task::spawn_blocking(move || {
        std::panic::catch_unwind(AssertUnwindSafe(f))
    }))
}
