//! Tasks on smol.
//!
//! A `smol::Task` cancels its job when dropped; [`TaskHandle`] detaches it on drop
//! instead, to match tokio's `JoinHandle`. Jobs run under `catch_unwind`, so a panicking
//! task resolves its handle to `Err(JoinError)`.

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
pub struct TaskHandle<T> {
    // Always `Some` until `drop` takes it out to detach it.
    task: Option<smol::Task<std::thread::Result<T>>>,
}

/// The task failed to complete: it panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinError;

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinError: the task panicked")
    }
}

impl std::error::Error for JoinError {}

impl<T> TaskHandle<T> {
    fn new(task: smol::Task<std::thread::Result<T>>) -> Self {
        Self { task: Some(task) }
    }
}

impl<T> Drop for TaskHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.task.as_mut() {
            Some(task) => Pin::new(task).poll(cx).map(|res| res.map_err(|_| JoinError)),
            // Unreachable: the task is only taken out in `drop`.
            None => Poll::Ready(Err(JoinError)),
        }
    }
}

/// Spawn `future` onto smol's global executor.
pub fn spawn_task<F, T>(future: F) -> TaskHandle<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    TaskHandle::new(smol::spawn(AssertUnwindSafe(future).catch_unwind()))
}

/// Run the blocking closure `f` on smol's blocking thread pool (`smol::unblock`).
pub fn spawn_blocking<F, T>(f: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    TaskHandle::new(smol::unblock(move || {
        std::panic::catch_unwind(AssertUnwindSafe(f))
    }))
}
